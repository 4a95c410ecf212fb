import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  diedMonitor,
  FDS_SENTENCE,
  leakingMonitor,
  MEMORY_SENTENCE,
  THREADS_SENTENCE,
  WRAPPER_WARNING,
} from '../../test/helpers/monitor-docs.js';
import { judgedHealthy, monitoredRuns, unsaturated } from '../../test/helpers/monitored-runs.js';
import { requireBuiltCli, tempDir } from '../../test/helpers/run-cli.js';
import type { MonitorResult, ResultDocument, TimelinePoint, TrendSummary } from '../result/schema.js';
import { upgradeResult } from '../result/upgrade.js';
import { renderSummary } from './console.js';
import { renderJson } from './json.js';

const ESC = '\u001b';

function trend(p50: number, p95: number, p99: number, max: number, count = 1200): TrendSummary {
  return {
    count,
    min: p50 / 10,
    mean: p50 * 1.2,
    stdev: p50 / 2,
    p50,
    p90: p95 * 0.8,
    p95,
    p99,
    p999: max,
    max,
  };
}

function timeline(): TimelinePoint[] {
  // 30 seconds with a two-second stall at t=20, so the sparkline has something to show.
  return Array.from({ length: 30 }, (_, i) => {
    const stalled = i === 19 || i === 20;
    return {
      t: i + 1,
      rps: stalled ? 0 : 40,
      p50: 18,
      p95: stalled ? 0 : i === 21 ? 390 : 70,
      p99: 200,
      errors: i === 21 ? 6 : 0,
      vus: Math.min(20, i + 1),
    };
  });
}

/**
 * A 30-second run against two endpoints, with one failed threshold and a few errors: a schema-1
 * document as the reader hands it to renderers (kind, unit and aggregation filled in).
 */
function fixture(): ResultDocument {
  return upgradeResult({
    schema: 1,
    tool: 'squall',
    version: '0.1.0',
    startedAt: '2025-06-01T10:00:00.000Z',
    endedAt: '2025-06-01T10:00:30.000Z',
    durationSec: 30,
    endReason: 'completed',
    config: { target: 'http://127.0.0.1:5110', vus: 20 },
    metrics: {
      http_reqs: { count: 1200, rate: 40 },
      http_req_duration: trend(18.4, 71.3, 212.7, 402.5),
      'http_req_duration{name:GET /health}': trend(3.1, 8.2, 12.5, 30.1, 800),
      http_req_failed: { rate: 0.005, fails: 6, total: 1200 },
      http_req_waiting: trend(17.9, 70.2, 210.3, 400.1),
      http_req_connecting: trend(0.21, 0.9, 1.4, 2.2, 20),
      iterations: { count: 1200, rate: 40 },
      iteration_duration: trend(19.1, 73, 215, 405),
      dropped_iterations: { count: 0, rate: 0 },
      vus: { value: 20, min: 1, max: 20 },
      vus_max: { value: 20, min: 20, max: 20 },
      data_received: { count: 1_540_000, rate: 51_333.3 },
      data_sent: { count: 162_000, rate: 5400 },
      checks: { rate: 0.99, fails: 4, total: 400 },
    },
    endpoints: [
      {
        name: 'GET /health',
        count: 800,
        failures: 0,
        rps: 26.67,
        statusCodes: { '200': 800 },
        latency: { p50: 3.1, p95: 8.2, p99: 12.5, max: 30.1, mean: 4 },
      },
      {
        name: 'POST /verify',
        count: 400,
        failures: 6,
        rps: 13.33,
        statusCodes: { '200': 394, '503': 4 },
        latency: { p50: 61.2, p95: 180.4, p99: 301.9, max: 402.5, mean: 70 },
      },
    ],
    // Deliberately not sorted: the summary must put the most frequent first.
    errors: [
      { kind: 'ECONNRESET', count: 2, example: 'POST /verify: read ECONNRESET' },
      { kind: 'status 503', count: 4, example: 'POST /verify answered 503' },
    ],
    timeline: timeline(),
    thresholds: [
      { metric: 'http_req_duration', expr: 'p(95)<300', ok: true, actual: 71.3 },
      { metric: 'http_req_duration', expr: 'p(99)<200', ok: false, actual: 212.7 },
      { metric: 'http_req_failed', expr: 'rate<0.01', ok: true, actual: 0.005 },
      { metric: 'http_reqs', expr: 'count>1000', ok: true, actual: 1200 },
      { metric: 'http_reqs', expr: 'rate>30', ok: true, actual: 40 },
    ],
    passed: false,
    monitor: null,
    breakingPoint: null,
  });
}

/** Every request refused: nothing listens on the port. */
function allFailedFixture(): ResultDocument {
  const doc = fixture();
  doc.config = { url: 'http://127.0.0.1:5999/', method: 'get' };
  doc.metrics = {
    http_reqs: { count: 50, rate: 10 },
    http_req_duration: trend(0.4, 0.9, 1.1, 1.3, 50),
    http_req_failed: { rate: 1, fails: 50, total: 50 },
    http_req_waiting: trend(0, 0, 0, 0, 0),
  };
  doc.endpoints = [
    {
      name: 'GET /',
      count: 50,
      failures: 50,
      rps: 10,
      statusCodes: {},
      latency: { p50: 0.4, p95: 0.9, p99: 1.1, max: 1.3, mean: 0.5 },
    },
  ];
  doc.errors = [{ kind: 'ECONNREFUSED', count: 50, example: 'connect ECONNREFUSED 127.0.0.1:5999' }];
  doc.timeline = [];
  doc.thresholds = [];
  doc.passed = true;
  doc.durationSec = 5;
  return doc;
}

describe('renderSummary', () => {
  const out = renderSummary(fixture(), { color: false });
  const lines = out.split('\n');

  it('starts with a header naming the target and the duration', () => {
    expect(lines[0]).toBe('  squall 0.1.0 · http://127.0.0.1:5110 · 30.00s');
  });

  it('lists thresholds grouped by metric with ✓/✗ and the actual value in its unit', () => {
    expect(out).toContain(
      "    http_req_duration\n    ✓ 'p(95)<300' p(95)=71.3ms\n    ✗ 'p(99)<200' p(99)=212.7ms",
    );
    expect(out).toContain("✓ 'rate<0.01' rate=0.50%");
    expect(out).toContain("✓ 'count>1000' count=1,200");
    // `rate` on a counter is per second, not a percentage.
    expect(out).toContain("✓ 'rate>30' rate=40.0/s");
  });

  it('prints k6-style dot-padded totals grouped HTTP / EXECUTION / NETWORK', () => {
    const http = out.indexOf('    HTTP\n');
    const exec = out.indexOf('    EXECUTION\n');
    const net = out.indexOf('    NETWORK\n');
    expect(http).toBeGreaterThan(0);
    expect(exec).toBeGreaterThan(http);
    expect(net).toBeGreaterThan(exec);
    expect(out).toMatch(
      /http_req_duration\.{3,}: avg=22\.1ms\s+min=1\.84ms\s+med=18\.4ms\s+max=402\.5ms\s+p\(90\)=57\.0ms\s+p\(95\)=71\.3ms\s+p\(99\)=212\.7ms/,
    );
    expect(out).toMatch(/ {2}\{ name:GET \/health \}\.{3,}: avg=/);
    expect(out).toMatch(/http_req_waiting\.{3,}: avg=/);
    expect(out).toMatch(/http_req_connecting\.{3,}: avg=/);
    expect(out).toMatch(/http_req_failed\.{3,}: 0\.50%\s+6 out of 1,200\n/);
    expect(out).toMatch(/http_reqs\.{3,}: 1,200\s+40\.0\/s\n/);
    expect(out).toMatch(/vus\.{3,}: 20 +min=1 max=20\n/);
    expect(out).toMatch(/data_received\.{3,}: 1\.54 MB\s+51\.3 kB\/s\n/);
    expect(out).toMatch(/checks_succeeded\.{3,}: 99\.00%\s+396 out of 400\n/);
    expect(out).toMatch(/checks_failed\.{3,}: 1\.00%\s+4 out of 400\n/);
    // Values line up: every `: ` of the totals sits in the same column.
    const totals = lines.slice(lines.indexOf('  █ TOTAL RESULTS'), lines.indexOf('  █ ENDPOINTS'));
    const colons = totals.filter((l) => /\.{3,}: /.test(l)).map((l) => l.indexOf('.: '));
    expect(colons.length).toBeGreaterThan(10);
    expect(new Set(colons).size).toBe(1);
  });

  it('hides dropped_iterations when none were dropped, and shows and warns when some were', () => {
    expect(out).not.toContain('dropped_iterations');
    const doc = fixture();
    doc.metrics.dropped_iterations = { count: 17, rate: 0.57 };
    const text = renderSummary(doc, { color: false });
    expect(text).toMatch(/dropped_iterations\.{3,}: 17\s+0\.57\/s/);
    expect(text).toContain('⚠ 17 iterations were dropped');
  });

  it('prints a per-endpoint row with reqs, fails, rps, percentiles and status codes', () => {
    expect(out).toMatch(
      /POST \/verify\s+400\s+6 \(1\.50%\)\s+13\.3\s+61\.2ms\s+180\.4ms\s+301\.9ms\s+402\.5ms\s+200×394 503×4/,
    );
    expect(out).toMatch(/GET \/health\s+800\s+0\s+26\.7\s+3\.10ms\s+8\.20ms\s+12\.5ms\s+30\.1ms\s+200×800/);
    expect(out).toMatch(
      /total\s+1,200\s+6 \(0\.50%\)\s+40\.0\s+18\.4ms\s+71\.3ms\s+212\.7ms\s+402\.5ms\s+200×1,194 503×4/,
    );
  });

  it('lists errors most frequent first, with an example', () => {
    const s503 = out.indexOf('status 503');
    const reset = out.indexOf('ECONNRESET');
    expect(s503).toBeGreaterThan(0);
    expect(reset).toBeGreaterThan(s503);
    expect(out).toMatch(/status 503\s+4\s+POST \/verify answered 503/);
    expect(out).toMatch(/ECONNRESET\s+2\s+POST \/verify: read ECONNRESET/);
  });

  it('draws a timeline in which the stall shows as a gap', () => {
    expect(out).toContain('█ TIMELINE  (30s, 1 column = 1s)');
    expect(out).toMatch(/rps\.+: █{19} {2}█{9}\s+peak 40\.0\/s/);
  });

  it('ends with a line naming the failed thresholds', () => {
    expect(lines.at(-2)).toBe(
      "  ✗ FAILED: 1 of 5 thresholds crossed: http_req_duration 'p(99)<200' (p(99)=212.7ms)",
    );
    expect(out.endsWith('\n')).toBe(true);
  });

  it('says PASSED when every threshold held', () => {
    const doc = fixture();
    doc.thresholds = doc.thresholds.filter((t) => t.ok);
    doc.passed = true;
    expect(renderSummary(doc, { color: false })).toMatch(/✓ PASSED: all 4 thresholds met\n$/);
  });

  it('contains no ANSI escapes when colour is off, and colours marks when it is on', () => {
    expect(out).not.toContain(ESC);
    const coloured = renderSummary(fixture(), { color: true });
    expect(coloured).toContain('\u001b[32m✓\u001b[39m');
    expect(coloured).toContain('\u001b[31m✗\u001b[39m');
    expect(coloured).toMatch(new RegExp(`http_req_duration${ESC}\\[2m\\.+${ESC}\\[22m: `));
  });

  it('says plainly when every request failed, near the top', () => {
    const text = renderSummary(allFailedFixture(), { color: false });
    const all = text.split('\n');
    expect(all[0]).toBe('  squall 0.1.0 · GET http://127.0.0.1:5999/ · 5.00s');
    expect(all[1]).toBe(
      '  ✗ All 50 requests failed — the target never answered successfully: ECONNREFUSED ×50',
    );
    expect(all[2]).toContain('hint: nothing accepted connections at the target');
    expect(text).toMatch(/http_req_waiting\.+: no samples/);
    expect(text).toMatch(/ECONNREFUSED\s+50\s+connect ECONNREFUSED 127\.0\.0\.1:5999/);
    expect(text).not.toContain('FAILED:');
    expect(renderSummary(fixture(), { color: false })).not.toContain('All ');
  });

  it('shows why the run ended when it did not complete', () => {
    const doc = fixture();
    doc.endReason = 'interrupted';
    expect(renderSummary(doc, { color: false }).split('\n')[0]).toContain(
      'ended early: interrupted, results cover the part that ran',
    );
  });

  it('renders the breaking point, and the monitor section of an older document', () => {
    const doc = fixture();
    doc.breakingPoint = { rate: 850, vus: 120, atSec: 95, reason: 'p99 over 1s', lastHealthyRate: 800 };
    // Written before the verdict, the CI and the threads/fds figures existed.
    doc.monitor = {
      pid: 4242,
      samples: [
        { t: 1, rssMb: 100, cpuPct: 20, threads: 10, fds: 30 },
        { t: 2, rssMb: 140, cpuPct: 60, threads: 10, fds: 31 },
      ],
      rssStartMb: 100,
      rssPeakMb: 140,
      rssEndMb: 139,
      rssGrowthMbPerMin: 12.5,
      leakSuspected: true,
      reasons: ['rss grew steadily'],
    };
    const text = renderSummary(doc, { color: false });
    expect(text).toContain('broke at 850 req/s (120 VUs) after 1m35s: p99 over 1s');
    expect(text).toContain('last healthy rate: 800 req/s');
    expect(text).toMatch(/rss\.+: start=100\.0 MiB peak=140\.0 MiB end=139\.0 MiB\n/);
    expect(text).toMatch(/growth\.+: \+12\.50 MiB\/min\n/);
    expect(text).toMatch(/cpu\.+: avg=40\.0% peak=60\.0%\n/);
    expect(text).toContain('    ✗ memory leak suspected\n      · rss grew steadily\n');
    expect(text).not.toMatch(/threads|fds/);
  });

  it('gives each resource its verdict line and sentence, and names the leaking ones up top', () => {
    const doc = fixture();
    doc.monitor = leakingMonitor();
    const text = section(renderSummary(doc, { color: false }), 'TARGET PROCESS');
    expect(text).toContain('\n    ✗ leak suspected: memory, fds\n');
    // The warning comes before the verdicts of what was watched.
    expect(unwrap(text)).toContain(`\n      ⚠ ${WRAPPER_WARNING}\n`);
    expect(text.indexOf('⚠')).toBeLessThan(text.indexOf('✗ memory'));
    // And at the top, before any figure.
    const whole = renderSummary(doc, { color: false });
    const top = whole.slice(0, whole.indexOf('█ '));
    expect(top).toMatch(/\n {2}⚠ target process: /);
    expect(top.replace(/\s+/g, ' ')).toContain(`⚠ target process: ${WRAPPER_WARNING}`);
    expect(unwrap(text)).toContain(`\n      ✗ memory   leak     ${MEMORY_SENTENCE}\n`);
    expect(unwrap(text)).toContain(`\n      ✗ fds      leak     ${FDS_SENTENCE}\n`);
    expect(unwrap(text)).toContain(`\n      ✓ threads  healthy  ${THREADS_SENTENCE}\n`);
    // Each sentence once: the reasons that repeat a resource's sentence are not printed again.
    for (const r of [MEMORY_SENTENCE, FDS_SENTENCE, THREADS_SENTENCE])
      expect(unwrap(text).split(r).length).toBe(2);
    // The table is the whole run, and says so; RSS in MiB.
    expect(text).toMatch(/fds\.+: 21 → 202 \(first → last sample, \+120\.0\/min after the warm-up\)\n/);
    expect(text).toMatch(/rss\.+: start=100\.0 MiB peak=190\.0 MiB end=190\.0 MiB\n/);
    expect(text).not.toMatch(/\bMB\b/);
  });

  it('does not speak of a warm-up for a resource in which none was found', () => {
    const doc = fixture();
    const m = leakingMonitor();
    m.resources!.fds = { ...m.resources!.fds!, warmupSource: 'none', warmupSec: 0, warmupGrowth: null };
    doc.monitor = m;
    const text = section(renderSummary(doc, { color: false }), 'TARGET PROCESS');
    expect(text).toMatch(/fds\.+: 21 → 202 \(first → last sample, \+120\.0\/min\)\n/);
    expect(text).toMatch(/threads\.+: .*after the warm-up\)\n/);
  });

  it('never calls a process that died healthy: it died, at that time, and the run failed', () => {
    const doc = fixture();
    doc.thresholds = [];
    doc.monitor = diedMonitor();
    const whole = renderSummary(doc, { color: false });
    const text = section(whole, 'TARGET PROCESS');
    expect(text).toContain('\n    ✗ died: the watched process went away 42.5s into monitoring\n');
    expect(text).toContain('\n      – memory   no leak seen  Memory stays at 100 MiB.\n');
    expect(text).not.toMatch(/✓|healthy/i);
    expect(whole).toContain('✗ FAILED: the watched process exited while in use (see TARGET PROCESS)');
    // The same process alive is healthy.
    doc.monitor = { ...diedMonitor(), exit: null, verdict: 'healthy' };
    const alive = section(renderSummary(doc, { color: false }), 'TARGET PROCESS');
    expect(alive).toContain('\n    ✓ healthy\n');
    expect(alive).toContain('\n      ✓ memory   healthy  Memory stays at 100 MiB.\n');
  });

  // Documents of every shape, partial and malformed ones included, are conformance.test.ts's.
  it('reads an unknown threshold expression as no data, and keeps a tagged custom metric', () => {
    const odd = fixture() as unknown as Record<string, unknown>;
    odd.metrics = { http_reqs: { count: null }, weird: 'x', 'custom_tokens{model:a}': { count: 3, rate: 1 } };
    odd.thresholds = [{ metric: 'nope', expr: '???', ok: false, actual: null }];
    const text = renderSummary(odd as unknown as ResultDocument, { color: false });
    expect(text).toContain("✗ '???' no data");
    expect(text).toMatch(/custom_tokens\{model:a\}\.+: 3\s+1\.00\/s/);
  });
});

describe('renderJson', () => {
  it('is pretty JSON with a trailing newline that parses back', () => {
    const text = renderJson(fixture());
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "schema": 1,');
    expect(JSON.parse(text)).toEqual(fixture());
  });
});

// ---------------------------------------------------------------------------------------------
// Documents of real monitored runs, through the built CLI.

const VERDICT_LINE = {
  healthy: '✓ healthy\n',
  inconclusive: '? inconclusive\n',
};

/** The headline the console gives `m`: the leaking resources by name; a death never healthy. */
function headline(m: MonitorResult): string {
  if (m.verdict === 'leak') {
    if (!m.resources && !m.leaks) return '✗ memory leak suspected\n';
    return m.leaks?.length ? `✗ leak suspected: ${m.leaks.join(', ')}\n` : '✗ leak suspected\n';
  }
  if (m.exit) return `✗ died: the ${m.cmd ? 'service' : 'watched process'} `;
  return VERDICT_LINE[m.verdict!];
}

/** The lines of one `█ TITLE` section, up to the next section. */
function section(text: string, title: string): string {
  const from = text.indexOf(`  █ ${title}`);
  if (from < 0) return '';
  const next = text.indexOf('\n  █ ', from + 1);
  return text.slice(from, next < 0 ? undefined : next);
}

const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Wrapped reason lines joined back into their sentences. */
const unwrap = (text: string) => text.replace(/\n {6,}(?=[^\s·|✓✗?–⚠])/g, ' ');

/** `+12.34` → 12.34; a figure printed with `digits` decimals is within half a unit of the last. */
function expectPrinted(text: string | undefined, actual: number, digits: number, what: string) {
  expect(text, what).toBeDefined();
  expect(Math.abs(Number(text) - actual), `${what}: ${text} vs ${actual}`).toBeLessThanOrEqual(
    0.5 * 10 ** -digits + 1e-9,
  );
}

describe('renderSummary of real monitored runs', () => {
  const dir = tempDir('squall-console-monitor-');
  let alone: ResultDocument;
  let loaded: ResultDocument;

  beforeAll(async () => {
    requireBuiltCli();
    ({ alone, loaded } = await monitoredRuns(dir.path));
  }, 60_000);
  afterAll(() => dir.remove());

  it('the runs are the ones described: a monitor alone, and a saturated run whose service died', () => {
    expect(alone.config.command).toBe('monitor');
    expect(alone.monitor!.samples.length).toBeGreaterThanOrEqual(3);
    expect(loaded.metrics.http_reqs.count).toBeGreaterThan(0);
    expect(loaded.generator?.saturated).toBe(true);
    expect(loaded.monitor?.exit?.tail.length).toBeGreaterThan(0);
  });

  it('shows the verdict with each of its reasons, and the figures of the document', () => {
    const healthy = judgedHealthy(alone);
    expect(healthy.monitor!.verdict).toBe('healthy');
    for (const doc of [alone, loaded, healthy]) {
      const m = doc.monitor!;
      const text = section(renderSummary(doc, { color: false }), 'TARGET PROCESS');
      const why = `${JSON.stringify({ ...m, samples: m.samples.length })}\n${text}`;
      expect(text, why).toContain(`(pid ${m.pid}, `);
      expect(text, why).toContain(`    cmd: ${m.cmd}\n`);
      expect(text, why).toContain(`\n    ${headline(m)}`);
      const sentences = Object.values(m.resources ?? {}).flatMap((r) => (r ? [r.sentence] : []));
      for (const r of sentences) expect(unwrap(text), why).toMatch(new RegExp(` ${escapeRe(r)}\n`));
      for (const r of m.reasons.filter((x) => !sentences.includes(x)))
        expect(unwrap(text), why).toContain(`\n      · ${r}\n`);
      expect(text, why).not.toMatch(m.exit ? /✓/ : /✗ died/);

      const rss = /rss\.+: start=([\d.]+) MiB peak=([\d.]+) MiB end=([\d.]+) MiB\n/.exec(text);
      expectPrinted(rss?.[1], m.rssStartMb, 1, 'rss start');
      expectPrinted(rss?.[2], m.rssPeakMb, 1, 'rss peak');
      expectPrinted(rss?.[3], m.rssEndMb, 1, 'rss end');
      const growth =
        /growth\.+: ([+-][\d.]+) MiB\/min(?: \(95% CI ([+-][\d.]+) to ([+-][\d.]+)\))? after a ([\d.]+)s warm-up(.*)\n/.exec(
          text,
        );
      expectPrinted(growth?.[1], m.rssGrowthMbPerMin, 2, 'growth');
      if (m.rssGrowthCiMbPerMin) {
        expectPrinted(growth?.[2], m.rssGrowthCiMbPerMin[0], 2, 'CI low');
        expectPrinted(growth?.[3], m.rssGrowthCiMbPerMin[1], 2, 'CI high');
      } else expect(growth?.[2], why).toBeUndefined();
      expect(Number(growth?.[4])).toBe(m.warmupSec);
      const settled = { true: ', settled by the end', false: ', still growing at the end', null: '' };
      // Per-resource documents say whether memory settled in its own verdict line instead.
      expect(growth?.[5]).toBe(m.resources ? '' : settled[String(m.settled) as 'true' | 'false' | 'null']);
      const cpu = /cpu\.+: avg=([\d.]+)% peak=([\d.]+)%\n/.exec(text);
      expectPrinted(cpu?.[1], m.cpuAvgPct!, 1, 'cpu avg');
      expectPrinted(cpu?.[2], m.cpuPeakPct!, 1, 'cpu peak');
      expect(text, why).toMatch(new RegExp(`threads\\.+: ${m.threadsStart} → ${m.threadsEnd}\\b`));
      expect(text, why).toMatch(new RegExp(`fds\\.+: ${m.fdsStart} → ${m.fdsEnd}\\b`));
    }
  });

  it('says how the service ended, with its last output', () => {
    const exit = loaded.monitor!.exit!;
    const text = section(renderSummary(loaded, { color: false }), 'TARGET PROCESS');
    expect(text).toContain(`✗ the service exited with code ${exit.code} `);
    for (const line of exit.tail) expect(text).toContain(`      | ${line}\n`);
    expect(section(renderSummary(alone, { color: false }), 'TARGET PROCESS')).not.toContain('exited');
  });

  it('draws the target memory and CPU in the timeline, from the samples', () => {
    for (const doc of [alone, loaded]) {
      const rss = doc.monitor!.samples.map((s) => s.rssMb);
      const text = section(renderSummary(doc, { color: false }), 'TIMELINE');
      const row = /target rss\.+: (.+) {2}([\d.]+) MiB → ([\d.]+) MiB, peak ([\d.]+) MiB\n/.exec(text);
      expect(row, text).not.toBeNull();
      expectPrinted(row![2], rss[0]!, 1, 'first rss');
      expectPrinted(row![3], rss.at(-1)!, 1, 'last rss');
      expectPrinted(row![4], Math.max(...rss), 1, 'peak rss');
      expect(text).toMatch(/target cpu\.+: /);
    }
    // Beside the HTTP rows, on the same seconds.
    expect(section(renderSummary(loaded, { color: false }), 'TIMELINE')).toMatch(/rps\.+: /);
  });

  it('warns that the figures measure squall when it was saturated, with the reasons, and not otherwise', () => {
    const text = renderSummary(loaded, { color: false });
    const top = text.slice(0, text.indexOf('  █ '));
    expect(top).toContain('⚠ squall itself was saturated: the figures below measure squall, not the target');
    for (const r of loaded.generator!.reasons) expect(unwrap(top)).toContain(`    · ${r}\n`);
    expect(top).toContain('what to do: run again with fewer VUs (--vus)');
    for (const doc of [unsaturated(loaded), alone])
      expect(renderSummary(doc, { color: false })).not.toMatch(/saturated|measure squall/);
  });

  it('a monitor document names its process and has no empty HTTP parts', () => {
    const text = renderSummary(alone, { color: false });
    expect(text.split('\n')[0]).toContain(`monitor '${alone.monitor!.cmd}' (pid ${alone.monitor!.pid})`);
    expect(text).not.toMatch(/No requests were made|TOTAL RESULTS|http_req|ENDPOINTS/);
    expect(text).toContain('█ TARGET PROCESS');
    // A load test that sent nothing still says so.
    const empty = { ...loaded, config: { ...loaded.config, command: 'quick' }, metrics: alone.metrics };
    expect(renderSummary(empty, { color: false })).toContain('⚠ No requests were made.');
  });
});
