import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shown, table } from '../../test/helpers/markdown-table.js';
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
import type { EndpointResult, ResultDocument } from '../result/schema.js';
import { renderMarkdown } from './markdown.js';

/**
 * The Markdown summary, read back the way GitHub reads it (test/helpers/markdown-table.ts), with
 * formatted figures parsed back and compared with the document's.
 */

/** `850µs`, `12.3ms`, `4.56s`, `2m3s` back to ms. */
function parseMs(text: string): number {
  const m = /^(?:(\d+)m(\d+)s|([\d.]+)(µs|ms|s))$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  if (m[1] !== undefined) return (Number(m[1]) * 60 + Number(m[2])) * 1000;
  return Number(m[3]) * { µs: 0.001, ms: 1, s: 1000 }[m[4] as 'µs' | 'ms' | 's'];
}

const parseNum = (text: string) => Number(text.replace(/,/g, ''));

/** A figure shown with 3 significant digits or more is within half a percent of the true one. */
function expectShownAs(text: string | undefined, actual: number, parse: (t: string) => number, what: string) {
  expect(text, what).toBeDefined();
  expect(Math.abs(parse(text!) - actual), `${what}: ${text} vs ${actual}`).toBeLessThanOrEqual(
    actual * 0.005 + 0.0006,
  );
}

function endpoint(name: string, count: number, failures = 0): EndpointResult {
  return {
    name,
    method: 'GET',
    count,
    failures,
    rps: count / 30,
    statusCodes: { '200': count - failures, '503': failures },
    latency: { p50: 4 + count / 100, p95: 9.5 + count / 50, p99: 13.25 + count / 20, max: 80.5, mean: 5.5 },
  };
}

function fixture(): ResultDocument {
  return {
    schema: 1,
    tool: 'squall',
    version: '0.1.0',
    startedAt: '2025-06-01T10:00:00.000Z',
    endedAt: '2025-06-01T10:00:30.000Z',
    durationSec: 30.25,
    endReason: 'completed',
    config: { target: 'http://127.0.0.1:5110' },
    metrics: {
      http_reqs: { count: 12_345, rate: 408.099 },
      http_req_duration: {
        count: 12_300,
        min: 0.412,
        mean: 18.3,
        stdev: 4,
        p50: 14.57,
        p90: 60,
        p95: 71.32,
        p99: 212.7,
        p999: 390,
        max: 402.5,
      },
      http_req_failed: { rate: 45 / 12_345, fails: 45, total: 12_345 },
    },
    endpoints: [endpoint('GET /health', 8000), endpoint('POST /verify', 4345, 45)],
    errors: [
      { kind: 'status 503', count: 40, example: 'POST /verify answered 503' },
      { kind: 'ECONNRESET', count: 5, example: 'socket hang up' },
    ],
    timeline: [],
    thresholds: [
      { metric: 'http_req_duration', expr: 'p(95)<300', ok: true, actual: 71.32 },
      { metric: 'http_req_failed', expr: 'rate<0.001', ok: false, actual: 45 / 12_345 },
      { metric: 'http_req_duration{name:GET /gone}', expr: 'p(95)<100', ok: false, actual: null },
    ],
    passed: false,
    monitor: null,
    breakingPoint: null,
    checks: [
      { name: 'status is 200', passes: 12_300, fails: 45 },
      { name: 'has body', passes: 12_345, fails: 0 },
    ],
  };
}

describe('renderMarkdown', () => {
  it('starts with a heading that says pass or fail', () => {
    const failed = fixture();
    expect(renderMarkdown(failed).split('\n')[0]).toMatch(/^### ❌ .*failed: 2 of 3 thresholds/);
    const passed = fixture();
    passed.thresholds = passed.thresholds.map((t) => ({ ...t, ok: true }));
    passed.passed = true;
    expect(renderMarkdown(passed).split('\n')[0]).toMatch(/^### ✅ .*passed/);
    expect(table(renderMarkdown(passed), 'Thresholds').map((r) => r[0])).toEqual(
      passed.thresholds.map(() => '✅'),
    );
  });

  it('says when the run ended early, found its breaking point, or had no successful request', () => {
    const d = fixture();
    d.endReason = 'breaking-point';
    d.breakingPoint = { rate: 850, vus: 40, atSec: 95, reason: 'p99 over 1000 ms', lastHealthyRate: 800 };
    d.metrics.http_req_failed = {
      rate: 1,
      fails: d.metrics.http_reqs.count,
      total: d.metrics.http_reqs.count,
    };
    const md = renderMarkdown(d);
    expect(md).toContain('Ended early');
    expect(md).toMatch(
      new RegExp(
        `Breaking point at ${d.breakingPoint.rate} req/s \\(last healthy ${d.breakingPoint.lastHealthyRate} `,
      ),
    );
    expect(md).toContain(d.breakingPoint.reason);
    expect(md).toMatch(/All [\d,]+ requests failed/);
    expect(renderMarkdown(fixture())).not.toMatch(/Ended early|Breaking point|requests failed/);
  });

  it('has a table of the key figures equal to the run-wide metrics', () => {
    const d = fixture();
    const [row] = table(renderMarkdown(d));
    const m = d.metrics;
    expect(row).toHaveLength(7);
    const [requests, rps, p50, p95, p99, errors, duration] = row!;
    expect(parseNum(requests!)).toBe(m.http_reqs.count);
    expectShownAs(rps, m.http_reqs.rate, parseNum, 'rps');
    expectShownAs(p50, m.http_req_duration.p50!, parseMs, 'p50');
    expectShownAs(p95, m.http_req_duration.p95!, parseMs, 'p95');
    expectShownAs(p99, m.http_req_duration.p99!, parseMs, 'p99');
    const e = /^([\d.]+)% \(([\d,]+)\)$/.exec(errors!);
    expect(e, errors).not.toBeNull();
    expect(Number(e![1])).toBeCloseTo(m.http_req_failed.rate * 100, 2);
    expect(parseNum(e![2]!)).toBe(m.http_req_failed.fails);
    expectShownAs(duration, d.durationSec * 1000, parseMs, 'duration');
  });

  it('lists every threshold with ✅/❌, crossed ones first, and the actual value or "no data"', () => {
    const d = fixture();
    const rows = table(renderMarkdown(d), 'Thresholds');
    expect(rows).toHaveLength(d.thresholds.length);
    const order = [...d.thresholds.filter((t) => !t.ok), ...d.thresholds.filter((t) => t.ok)];
    order.forEach((t, i) => {
      const [mark, metric, expr, actual] = rows[i]!;
      expect(mark).toBe(t.ok ? '✅' : '❌');
      expect(shown(metric!)).toBe(t.metric);
      expect(shown(expr!)).toBe(t.expr);
      if (t.actual === null) expect(actual).toBe('no data');
      else if (t.metric === 'http_req_failed')
        expect(Number(actual!.replace('%', ''))).toBeCloseTo(t.actual * 100, 2);
      else expectShownAs(actual, t.actual, parseMs, t.expr);
    });
  });

  it('lists endpoints by request count, with their figures', () => {
    const d = fixture();
    const rows = table(renderMarkdown(d), 'Endpoints');
    const sorted = [...d.endpoints].sort((a, b) => b.count - a.count);
    expect(rows.map((r) => shown(r[0]!))).toEqual(sorted.map((e) => e.name));
    sorted.forEach((e, i) => {
      const r = rows[i]!;
      expect(parseNum(r[1]!)).toBe(e.count);
      expect(parseNum(r[2]!.split(' ')[0]!)).toBe(e.failures);
      expectShownAs(r[4], e.latency.p50!, parseMs, `${e.name} p50`);
      expectShownAs(r[5], e.latency.p95!, parseMs, `${e.name} p95`);
      expectShownAs(r[6], e.latency.p99!, parseMs, `${e.name} p99`);
      expectShownAs(r[7], e.latency.max!, parseMs, `${e.name} max`);
    });
  });

  it('shows the most requested endpoints when there are many, and says it cut the list', () => {
    const d = fixture();
    d.endpoints = Array.from({ length: 35 }, (_, i) => endpoint(`GET /e${i}`, 100 + ((i * 37) % 35)));
    const md = renderMarkdown(d);
    const rows = table(md, 'Endpoints');
    const top = [...d.endpoints].sort((a, b) => b.count - a.count).slice(0, rows.length);
    expect(rows.length).toBeLessThan(d.endpoints.length);
    expect(rows.map((r) => shown(r[0]!))).toEqual(top.map((e) => e.name));
    expect(md).toContain(`Showing ${rows.length} of ${d.endpoints.length} endpoints`);
  });

  it('lists checks, failing ones first, and errors by count', () => {
    const d = fixture();
    const md = renderMarkdown(d);
    const checks = table(md, 'Checks');
    expect(checks.map((r) => [r[0], shown(r[1]!), parseNum(r[2]!), parseNum(r[3]!)])).toEqual(
      d.checks!.map((c) => [c.fails > 0 ? '❌' : '✅', c.name, c.passes, c.fails]),
    );
    const errors = table(md, 'Errors');
    expect(errors.map((r) => [shown(r[0]!), parseNum(r[1]!), shown(r[2]!)])).toEqual(
      [...d.errors].sort((a, b) => b.count - a.count).map((e) => [e.kind, e.count, e.example]),
    );
  });

  it('keeps a hostile name inside its cell: no new cell, row or HTML, no code span or link', () => {
    const hostile = 'GET /a|b `c` <img src=x onerror=alert(1)> \\| [x](http://e) *em* $m$ &lt;\r\nnext | end';
    const d = fixture();
    d.endpoints = [endpoint(hostile, 10)];
    d.checks = [{ name: hostile, passes: 1, fails: 0 }];
    d.errors = [{ kind: hostile, count: 3, example: hostile }];
    const md = renderMarkdown(d);
    const oneLine = hostile.replace(/\s+/g, ' ');
    const [ep] = table(md, 'Endpoints');
    expect(ep).toHaveLength(8);
    expect(shown(ep![0]!)).toBe(oneLine);
    const [check] = table(md, 'Checks');
    expect(check).toHaveLength(4);
    expect(shown(check![1]!)).toBe(oneLine);
    const [err] = table(md, 'Errors');
    expect(err).toHaveLength(3);
    expect(shown(err![0]!)).toBe(oneLine);
    expect(md).not.toContain('<img');
    // Every backtick, bracket and asterisk is escaped, so none opens a span.
    expect(md).not.toMatch(/(^|[^\\])[`*[\]]/m);
  });

  it('stays small however large the run: tables are cut and names shortened', () => {
    const d = fixture();
    const long = (i: number) => `GET /${'x'.repeat(5000)}/${i}`;
    d.endpoints = Array.from({ length: 5000 }, (_, i) => endpoint(long(i), i + 1));
    d.checks = Array.from({ length: 5000 }, (_, i) => ({ name: long(i), passes: i, fails: i % 2 }));
    d.errors = Array.from({ length: 5000 }, (_, i) => ({ kind: long(i), count: i + 1, example: long(i) }));
    d.thresholds = Array.from({ length: 5000 }, (_, i) => ({
      metric: `http_req_duration{name:${long(i)}}`,
      expr: 'p(95)<1',
      ok: false,
      actual: 2,
    }));
    const bytes = Buffer.byteLength(renderMarkdown(d));
    // GitHub's step summary takes at most 1 MiB; a summary should be a small part of it.
    expect(bytes).toBeLessThan(64 * 1024);
  });
});

describe('renderMarkdown of a monitored process', () => {
  /** The lines of the `#### Target process` section, up to its table. */
  const target = (md: string) => {
    const lines = md.split('\n');
    const from = lines.indexOf('#### Target process');
    return lines.slice(
      from,
      lines.findIndex((l, i) => i > from && l.startsWith('|')),
    );
  };

  it('names the leaking resources up top and gives each resource its line and sentence', () => {
    const doc = fixture();
    doc.monitor = leakingMonitor();
    const md = renderMarkdown(doc);
    const top = md.slice(0, md.indexOf('| Requests |'));
    expect(top).toContain('\n⚠️ Leak suspected in the target process: memory, fds (see Target process).\n');
    expect(shown(top)).toContain(`\n⚠️ ${WRAPPER_WARNING}\n`);
    const lines = target(md).map(shown);
    expect(lines).toContain('❌ **Leak suspected**: memory, fds · pid 4242 · 4 samples every 30s');
    expect(lines.filter((l) => l.startsWith('- '))).toEqual([
      `- ❌ **memory: leak** · ${MEMORY_SENTENCE}`,
      `- ❌ **fds: leak** · ${FDS_SENTENCE}`,
      `- ✅ **threads: healthy** · ${THREADS_SENTENCE}`,
    ]);
    const rows = new Map(table(md, 'Target process').map((r) => [r[0], shown(r[1]!)]));
    expect(rows.get('RSS start / peak / end')).toBe('100.0 MiB / 190.0 MiB / 190.0 MiB');
    expect(rows.get('RSS growth')).toMatch(/^\+5\.00 MiB\/min /);
    expect(rows.get('Open files')).toBe('21 → 202 (first → last sample, +120.0/min after the warm-up)');
    expect(md).not.toMatch(/\bMB\b/);
  });

  it('never calls a process that died healthy, and fails the run', () => {
    const doc = fixture();
    doc.thresholds = [];
    doc.passed = true;
    doc.monitor = diedMonitor();
    const md = renderMarkdown(doc);
    expect(md.split('\n')[0]).toMatch(/^### ❌ squall failed: the watched process exited while in use · /);
    const lines = target(md).map(shown);
    expect(lines[2]).toBe(
      '❌ **Died**: the watched process went away 42.5s into monitoring · pid 4242 · 4 samples every 30s',
    );
    expect(lines).toContain('- ➖ **memory: no leak seen** · Memory stays at 100 MiB.');
    expect(lines).toContain('- The process went away 42.5 s into monitoring.');
    // (The fixture's checks table has its own ✅.)
    expect([md.split('\n')[0], ...lines].join('\n')).not.toMatch(/Healthy|healthy|✅/);
    // Alive, the same figures are healthy.
    doc.monitor = { ...diedMonitor(), exit: null, verdict: 'healthy' };
    const alive = renderMarkdown(doc);
    expect(alive.split('\n')[0]).toMatch(/^### ✅ /);
    expect(target(alive)).toContain('✅ **Healthy** · pid 4242 · 4 samples every 30s');
  });

  it('renders a document older than per-resource verdicts as before', () => {
    const doc = fixture();
    const { resources: _r, leaks: _l, warnings: _w, ...old } = leakingMonitor();
    doc.monitor = { ...old, reasons: ['rss grew steadily'] };
    const md = renderMarkdown(doc);
    expect(md).toContain('\n⚠️ Memory leak suspected in the target process (see Target process).\n');
    const lines = target(md).map(shown);
    expect(lines[2]).toMatch(/^❌ \*\*Leak suspected\*\* · pid 4242/);
    expect(lines.filter((l) => l.startsWith('- '))).toEqual(['- rss grew steadily']);
    expect(md).not.toContain('⚠️ pid');
  });
});

describe('renderMarkdown of real monitored runs', () => {
  const dir = tempDir('squall-md-monitor-');
  let alone: ResultDocument;
  let loaded: ResultDocument;

  beforeAll(async () => {
    requireBuiltCli();
    ({ alone, loaded } = await monitoredRuns(dir.path));
  }, 60_000);
  afterAll(() => dir.remove());

  const VERDICT = {
    healthy: '✅ **Healthy**',
    leak: '❌ **Leak suspected**',
    inconclusive: '❔ **Inconclusive**',
  };

  /** The lines of the `#### Target process` section. */
  function targetSection(md: string): string[] {
    const lines = md.split('\n');
    const from = lines.indexOf('#### Target process');
    expect(from, md).toBeGreaterThanOrEqual(0);
    const end = lines.findIndex((l, i) => i > from && l.startsWith('#### '));
    return lines.slice(from, end < 0 ? undefined : end);
  }

  /** `59.1 MiB / 292.9 MiB / 292.9 MiB` → [59.1, 292.9, 292.9] */
  const numbers = (text: string | undefined) =>
    [...(text ?? '').matchAll(/[+-]?[\d.]+/g)].map((m) => Number(m[0]));

  it('shows the verdict, each reason and the figures of the document', () => {
    const healthy = judgedHealthy(alone);
    expect(healthy.monitor!.verdict).toBe('healthy');
    for (const doc of [alone, loaded, healthy]) {
      const m = doc.monitor!;
      const md = renderMarkdown(doc);
      const lines = targetSection(md);
      // A process that died is never "Healthy": it died, unless a leak was found first.
      const lead = lines.find((l) =>
        l.startsWith(m.verdict !== 'leak' && m.exit ? '❌ **Died**' : VERDICT[m.verdict!]),
      );
      expect(lead, md).toBeDefined();
      expect(shown(lead!)).toContain(`pid ${m.pid}`);
      expect(shown(lead!)).toContain(m.cmd!);
      if (m.exit) expect(lines.join('\n')).not.toMatch(/Healthy|✅/);
      // Each resource's line, then the reasons that are not a resource's sentence.
      const judged = Object.entries(m.resources ?? {}).flatMap(([name, r]) => (r ? [{ name, r }] : []));
      const bullets = lines.filter((l) => l.startsWith('- ')).map((l) => shown(l.slice(2)));
      expect(bullets.slice(0, judged.length).map((b) => b.split(' · ').slice(1).join(' · '))).toEqual(
        judged.map(({ r }) => r.sentence),
      );
      expect(bullets.slice(judged.length)).toEqual(
        m.reasons.filter((r) => !judged.some((j) => j.r.sentence === r)),
      );

      const rows = new Map(table(md, 'Target process').map((r) => [r[0], shown(r[1]!)]));
      const near = (got: number | undefined, want: number, digits: number, what: string) =>
        expect(Math.abs((got ?? Number.NaN) - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(
          0.5 * 10 ** -digits + 1e-9,
        );
      const rss = numbers(rows.get('RSS start / peak / end'));
      near(rss[0], m.rssStartMb, 1, 'rss start');
      near(rss[1], m.rssPeakMb, 1, 'rss peak');
      near(rss[2], m.rssEndMb, 1, 'rss end');
      const growth = rows.get('RSS growth')!;
      near(numbers(growth)[0], m.rssGrowthMbPerMin, 2, 'growth');
      if (m.rssGrowthCiMbPerMin) {
        const ci = /95% CI ([+-][\d.]+) to ([+-][\d.]+)/.exec(growth);
        near(Number(ci?.[1]), m.rssGrowthCiMbPerMin[0], 2, 'CI low');
        near(Number(ci?.[2]), m.rssGrowthCiMbPerMin[1], 2, 'CI high');
      } else expect(growth).not.toContain('CI');
      // Per-resource documents say whether memory settled in its own verdict line instead.
      if (m.settled === true && !m.resources) expect(growth).toContain('settled by the end');
      if (m.settled === false && !m.resources) expect(growth).toContain('still growing at the end');
      const cpu = numbers(rows.get('CPU avg / peak'));
      near(cpu[0], m.cpuAvgPct!, 1, 'cpu avg');
      near(cpu[1], m.cpuPeakPct!, 1, 'cpu peak');
      expect(numbers(rows.get('Threads')).slice(0, 2)).toEqual([m.threadsStart, m.threadsEnd]);
      expect(rows.get('Threads')).toContain('first → last sample');
      expect(numbers(rows.get('Open files')).slice(0, 2)).toEqual([m.fdsStart, m.fdsEnd]);
    }
  });

  it('says how the service ended, with its last output in a code block', () => {
    const exit = loaded.monitor!.exit!;
    const md = renderMarkdown(loaded);
    const row = table(md, 'Target process').find((r) => r[0] === 'Exit');
    const how = /^exited with code (\d+) ([\d.]+)s into monitoring$/.exec(shown(row![1]!));
    expect(Number(how?.[1])).toBe(exit.code);
    // Shown to two decimals: half a hundredth off at most (and a float's hair over that).
    expect(Math.abs(Number(how?.[2]) - exit.atSec)).toBeLessThanOrEqual(0.005 + 1e-9);
    const lines = targetSection(md);
    const open = lines.indexOf('```');
    expect(lines.slice(open + 1, open + 1 + exit.tail.length)).toEqual(exit.tail);
    expect(lines[open + 1 + exit.tail.length]).toBe('```');
    expect(table(renderMarkdown(alone), 'Target process').map((r) => r[0])).not.toContain('Exit');
  });

  it('warns that the figures measure squall when it was saturated, with the reasons, and not otherwise', () => {
    const md = renderMarkdown(loaded);
    const top = md.slice(0, md.indexOf('| Requests |'));
    expect(top).toContain('⚠️ **squall itself was saturated: the figures measure squall, not the target.**');
    const bullets = top
      .split('\n')
      .filter((l) => l.startsWith('- '))
      .map((l) => shown(l.slice(2)));
    expect(bullets).toEqual(loaded.generator!.reasons);
    for (const doc of [unsaturated(loaded), alone])
      expect(renderMarkdown(doc)).not.toMatch(/saturated|measure squall/);
  });

  it('a monitor document names its process and has no table of request figures', () => {
    const md = renderMarkdown(alone);
    expect(shown(md.split('\n')[0]!)).toContain(
      `monitor '${alone.monitor!.cmd}' (pid ${alone.monitor!.pid})`,
    );
    expect(md).not.toMatch(/\| Requests \||#### Endpoints|requests failed/);
    // A load test keeps its table, even with a monitor.
    expect(renderMarkdown(loaded)).toMatch(/^\| Requests \|/m);
  });
});
