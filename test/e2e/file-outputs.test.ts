import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmtPct } from '../../src/report/format.js';
import type { EndpointResult } from '../../src/result/schema.js';
import {
  LOCUST_FAILURES_HEADER,
  LOCUST_HISTORY_HEADER,
  LOCUST_PERCENTILES,
  LOCUST_STATS_HEADER,
  PCT_FIELDS,
} from '../helpers/locust-csv.js';
import { shown, table } from '../helpers/markdown-table.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { type CliResult, explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import type { RunResult } from '../helpers/run-file.js';
import { writeTestFile } from '../helpers/run-file.js';
import { refusedPort } from '../helpers/target-server.js';

/**
 * `-o csv=PREFIX -o junit=PATH -o md=PATH` from a real `squall run` against a real server: every
 * figure in the files is checked against the run's own result document (`-o json=`) and the
 * server's counts; the Markdown is appended to $GITHUB_STEP_SUMMARY; `squall report` renders the
 * same files again from the document alone.
 */

const dir = tempDir('squall-file-outputs-');
let server: RouteServer;
let run: CliResult;
let result: RunResult;
let why: string;
/** The refused port's requests, named with their origin: a second origin (issue 13, item 15). */
let downName: string;

const out = (name: string) => join(dir.path, name);
const read = (name: string) => readFileSync(out(name), 'utf8');
const SUMMARY = out('step-summary.md');

// Names that need CSV quoting (comma, quote) and Markdown and XML escaping (pipe, backtick, <, &).
const ORDERS_NAME = 'POST /orders, "bulk" | `v2` <b>&';
const HOSTILE_CHECK = 'stock < 10 & "fresh" | `ok`\u0001';

beforeAll(async () => {
  requireBuiltCli();
  server = await startRouteServer({
    delayMs: 2,
    handler: (h) => (h.path === '/fail' ? { status: 503, body: 'down' } : undefined),
  });
  const down = await refusedPort();
  downName = `http://127.0.0.1:${down}/down`;
  const file = writeTestFile(
    dir.path,
    'outputs.ts',
    `import { defineTest } from 'squall';

export default defineTest({
  scenarios: {
    api: {
      executor: 'constant-vus',
      vus: 2,
      duration: '2500ms',
      users: [
        {
          name: 'Client',
          async run({ http, check }) {
            const list = await http.get('/items', { query: { page: 1 } });
            check(list, { 'list is 200': (r) => r.status === 200 });
            await http.post('/orders', { json: { n: 1 }, name: ${JSON.stringify(ORDERS_NAME)} });
            const fail = await http.get('/fail');
            check(fail, { ${JSON.stringify(HOSTILE_CHECK)}: (r) => r.status === 200 });
            await http.get('http://127.0.0.1:${down}/down', { timeout: '2s' });
          },
        },
      ],
    },
  },
  thresholds: {
    http_req_duration: ['p(95)<10000'],
    http_req_failed: ['rate<0.05'],
    'http_req_duration{name:GET /never}': ['p(95)<100'],
  },
});
`,
  );
  run = await runCli(
    [
      'run',
      file,
      '--host',
      server.url,
      '-q',
      '-o',
      `json=${out('r.json')}`,
      '-o',
      `csv=${out('stats')}`,
      '-o',
      `junit=${out('junit.xml')}`,
      '-o',
      `md=${out('summary.md')}`,
    ],
    { timeoutMs: 40_000, env: { GITHUB_STEP_SUMMARY: SUMMARY } },
  );
  why = explain(run);
  result = readResult(out('r.json'), run) as RunResult;
}, 60_000);

afterAll(async () => {
  await server?.close();
  dir.remove();
});

type Rec = Record<string, string>;

/** Header and records of a CSV file, parsed by csv-parse (RFC 4180). */
function csvFile(name: string): { header: string[]; recs: Rec[] } {
  const [header, ...rows] = parse(read(name)) as string[][];
  return { header: header!, recs: rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!]))) };
}

/** Locust's Name column: the request name without its `METHOD ` prefix. */
const locustName = (e: EndpointResult) =>
  e.method && e.name.startsWith(`${e.method} `) ? e.name.slice(e.method.length + 1) : e.name;

const num = (cell: string | undefined) => Number(cell);

describe('a run with -o csv= -o junit= -o md=', () => {
  it('ran the load and failed its crossed thresholds with exit 99', () => {
    expect(run.code, why).toBe(99);
    // The names that need escaping really are in the result, as given.
    expect(
      result.endpoints.map((e) => e.name),
      why,
    ).toContain(ORDERS_NAME);
    expect(
      result.checks?.map((c) => c.name),
      why,
    ).toContain(HOSTILE_CHECK);
    expect(result.metrics.http_reqs.count, why).toBeGreaterThan(20);
  });

  it("writes _stats.csv with Locust's columns: each endpoint as squall and the server counted it, then Aggregated", () => {
    const { header, recs } = csvFile('stats_stats.csv');
    expect(header).toEqual(LOCUST_STATS_HEADER);
    expect(recs).toHaveLength(result.endpoints.length + 1);
    const sec = result.durationSec;
    for (const e of result.endpoints) {
      const r = recs.find((x) => x.Type === e.method && x.Name === locustName(e));
      expect(r, `${e.name}\n${read('stats_stats.csv')}`).toBeDefined();
      if (!r) continue;
      const ctx = `${e.name}: ${JSON.stringify(r)}\n${JSON.stringify(e)}`;
      expect(num(r['Request Count']), ctx).toBe(e.count);
      expect(num(r['Failure Count']), ctx).toBe(e.failures);
      expect(num(r['Requests/s']), ctx).toBeCloseTo(e.rps, 3);
      expect(num(r['Failures/s']), ctx).toBeCloseTo(e.failures / sec, 2);
      expect(num(r['Average Content Size']), ctx).toBeCloseTo(e.bytesReceived! / e.count, 2);
      const answered = Object.values(e.statusCodes).reduce((a, n) => a + n, 0) > 0;
      const lat = e.latency as unknown as Record<string, number>;
      const latencyCols: [string, string][] = [
        ['Median Response Time', 'p50'],
        ['Average Response Time', 'mean'],
        ['Min Response Time', 'min'],
        ['Max Response Time', 'max'],
        ...LOCUST_PERCENTILES.map((c, i): [string, string] => [c, PCT_FIELDS[i]!]),
      ];
      for (const [col, field] of latencyCols) {
        if (answered) expect(num(r[col]), `${ctx}\n${col}`).toBeCloseTo(lat[field]!, 3);
        else expect(r[col], `${ctx}\n${col}`).toBe('N/A');
      }
    }
    // The server's own counts, path by path.
    const byName = (name: string) => recs.find((r) => r.Name === name)!;
    expect(num(byName('/items')['Request Count']), why).toBe(server.on('/items').length);
    expect(num(byName('/fail')['Request Count']), why).toBe(server.on('/fail').length);
    expect(num(byName('/fail')['Failure Count']), why).toBe(server.on('/fail').length);
    expect(num(byName('/orders, "bulk" | `v2` <b>&')['Request Count']), why).toBe(
      server.on('/orders').length,
    );
    // Nothing listened on /down: every request failed and none was timed.
    const downRow = byName(downName);
    expect(num(downRow['Failure Count'])).toBe(num(downRow['Request Count']));
    expect(downRow['50%']).toBe('N/A');

    const agg = recs[recs.length - 1]!;
    const m = result.metrics;
    const dur = m.http_req_duration;
    expect([agg.Type, agg.Name]).toEqual(['', 'Aggregated']);
    expect(num(agg['Request Count'])).toBe(m.http_reqs.count);
    expect(num(agg['Request Count'])).toBe(server.hits.length + num(downRow['Request Count']));
    expect(num(agg['Failure Count'])).toBe(m.http_req_failed.fails);
    expect(num(agg['Requests/s'])).toBeCloseTo(m.http_reqs.rate, 3);
    expect(num(agg['Failures/s'])).toBeCloseTo(m.http_req_failed.fails / sec, 2);
    const bytes = result.endpoints.reduce((a, e) => a + e.bytesReceived!, 0);
    expect(num(agg['Average Content Size'])).toBeCloseTo(bytes / m.http_reqs.count, 2);
    expect(num(agg['Median Response Time'])).toBe(dur.p50);
    expect(num(agg['Average Response Time'])).toBe(dur.mean);
    expect(num(agg['Min Response Time'])).toBe(dur.min);
    expect(num(agg['Max Response Time'])).toBe(dur.max);
    const runWide: Record<string, number | null | undefined> = {
      '50%': dur.p50,
      '66%': dur.p66,
      '75%': dur.p75,
      '80%': dur.p80,
      '90%': dur.p90,
      '95%': dur.p95,
      '98%': dur.p98,
      '99%': dur.p99,
      '99.9%': dur.p999,
      '99.99%': dur.p9999,
      '100%': dur.max,
    };
    // Every Locust percentile is in the document's run-wide http_req_duration.
    for (const col of LOCUST_PERCENTILES) {
      expect(runWide[col], col).toBeTypeOf('number');
      expect(agg[col], col).toBe(String(runWide[col]));
    }
  });

  it('writes _stats_history.csv: one row per timeline point, the last one carrying the run totals', () => {
    const { header, recs } = csvFile('stats_stats_history.csv');
    expect(header).toEqual(LOCUST_HISTORY_HEADER);
    const tl = result.timeline;
    expect(tl.length, why).toBeGreaterThanOrEqual(2);
    expect(recs).toHaveLength(tl.length);
    const start = Date.parse(result.startedAt) / 1000;
    let prevStamp = Number.NEGATIVE_INFINITY;
    tl.forEach((p, i) => {
      const r = recs[i]!;
      const ctx = `${JSON.stringify(r)}\n${JSON.stringify(p)}`;
      const length = p.lengthSec!;
      expect(length, ctx).toBeCloseTo(p.t - (i === 0 ? 0 : tl[i - 1]!.t), 2);
      // The second the point ended in; a last part ending in the same second as the point before
      // takes the next, so timestamps strictly increase.
      const stamp = Math.max(Math.floor(start + p.t), prevStamp + 1);
      expect(num(r.Timestamp), ctx).toBe(stamp);
      prevStamp = stamp;
      expect(num(r['User Count']), ctx).toBe(p.vus);
      expect([r.Type, r.Name], ctx).toEqual(['', 'Aggregated']);
      expect(num(r['Requests/s']), ctx).toBeCloseTo(p.rps, 3);
      expect(num(r['Failures/s']), ctx).toBeCloseTo(p.errors / length, 2);
      LOCUST_PERCENTILES.forEach((col, j) => {
        expect(num(r[col]), `${ctx}\n${col}`).toBeCloseTo(p[PCT_FIELDS[j]!]!, 3);
      });
      expect(num(r['Total Request Count']), ctx).toBe(p.totalRequests);
      expect(num(r['Total Failure Count']), ctx).toBe(p.totalFailures);
    });
    // The history ends where the run ends.
    const last = recs[recs.length - 1]!;
    const m = result.metrics;
    expect(num(last['Total Request Count'])).toBe(m.http_reqs.count);
    expect(num(last['Total Failure Count'])).toBe(m.http_req_failed.fails);
    expect(num(last['Total Median Response Time'])).toBeCloseTo(m.http_req_duration.p50!, 3);
    expect(num(last['Total Average Response Time'])).toBeCloseTo(m.http_req_duration.mean!, 3);
    expect(num(last['Total Min Response Time'])).toBeCloseTo(m.http_req_duration.min!, 3);
    expect(num(last['Total Max Response Time'])).toBeCloseTo(m.http_req_duration.max!, 3);
    const bytes = result.endpoints.reduce((a, e) => a + e.bytesReceived!, 0);
    expect(num(last['Total Average Content Size'])).toBeCloseTo(bytes / m.http_reqs.count, 2);
    const seconds = recs.map((r) => num(r.Timestamp));
    expect(seconds[0]).toBeGreaterThanOrEqual(Math.floor(start));
    expect(seconds[seconds.length - 1]).toBeLessThanOrEqual(Math.ceil(Date.parse(result.endedAt) / 1000));
  });

  it('writes _failures.csv: one row per endpoint and error kind, as the server answered', () => {
    const { header, recs } = csvFile('stats_failures.csv');
    expect(header).toEqual(LOCUST_FAILURES_HEADER);
    const expected = result.endpoints.flatMap((e) =>
      Object.entries(e.errors ?? {}).map(([kind, n]) => ({
        Method: e.method!,
        Name: locustName(e),
        Error: kind,
        n,
      })),
    );
    expect(expected.length, why).toBeGreaterThanOrEqual(2);
    expect(recs).toHaveLength(expected.length);
    for (const x of expected) {
      const r = recs.find((y) => y.Method === x.Method && y.Name === x.Name && y.Error === x.Error);
      expect(r, JSON.stringify(x)).toBeDefined();
      expect(num(r?.Occurrences)).toBe(x.n);
    }
    const s503 = recs.find((r) => r.Name === '/fail');
    expect(s503?.Error).toBe('status 503');
    expect(num(s503?.Occurrences)).toBe(server.on('/fail').length);
    expect(recs.find((r) => r.Name === downName)?.Error).toBe('ECONNREFUSED');
  });

  it("writes JUnit XML that validates, with a case per threshold and per check matching the result's", () => {
    const xml = read('junit.xml');
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      htmlEntities: true,
      isArray: (name) => ['testsuite', 'testcase'].includes(name),
    }).parse(xml) as { testsuites: Record<string, unknown> & { testsuite: Record<string, unknown>[] } };
    const root = parsed.testsuites;
    const suite = (name: string) => root.testsuite.find((s) => s.name === name)!;
    const cases = (name: string) => (suite(name).testcase ?? []) as Record<string, unknown>[];

    const thresholds = cases('thresholds');
    expect(thresholds).toHaveLength(result.thresholds.length);
    result.thresholds.forEach((t, i) => {
      const c = thresholds[i]!;
      expect(String(c.name)).toContain(t.metric);
      expect(String(c.name)).toContain(t.expr);
      const failure = c.failure as Record<string, string> | undefined;
      expect(failure === undefined, `${t.metric} ${t.expr}`).toBe(t.ok);
      // The actual value in its metric's unit (issue 10 #22): a rate as %, a duration in ms.
      const rate = t.metric.startsWith('http_req_failed');
      const unit = rate ? '%' : 'ms';
      if (failure && t.actual === null) expect(failure.message).toMatch(/actual no data$/);
      else if (failure) {
        expect(failure.message).toMatch(new RegExp(`actual [\\d.,]+\\s?${unit}$`));
        if (rate) expect(failure.message).toContain(fmtPct(t.actual));
      } else {
        // A passed threshold's value is a line of its suite's <system-out> (none per case in Ant's schema).
        const line = String(suite('thresholds')['system-out'])
          .split('\n')
          .find((l) => l.startsWith(`${c.name}: passed, actual `));
        expect(line, String(c.name)).toMatch(new RegExp(`actual [\\d.,]+\\s?${unit}$`));
      }
    });
    // The run has all three kinds: met, crossed, and crossed for want of data.
    expect(
      result.thresholds.map((t) => (t.ok ? 'ok' : t.actual === null ? 'no data' : 'crossed')).sort(),
    ).toEqual(['crossed', 'no data', 'ok']);

    const checks = cases('checks');
    expect(checks.map((c) => c.name)).toEqual(result.checks!.map((c) => c.name.replace('\u0001', '')));
    result.checks!.forEach((c, i) => {
      const failure = checks[i]!.failure as Record<string, string> | undefined;
      expect(failure === undefined, c.name).toBe(c.fails === 0);
      if (failure) expect(failure.message).toContain(`${c.fails} of ${c.passes + c.fails}`);
    });

    const failedCases =
      result.thresholds.filter((t) => !t.ok).length + result.checks!.filter((c) => c.fails > 0).length;
    // Tools add the suites up (the Ant schema allows no totals on <testsuites>), and the times
    // add up to the run once.
    const sum = (k: string) => root.testsuite.reduce((n, s) => n + Number(s[k]), 0);
    expect(sum('tests')).toBe(result.thresholds.length + result.checks!.length);
    expect(sum('failures')).toBe(failedCases);
    expect(sum('time')).toBe(result.durationSec);
    expect(Number(suite('thresholds').failures)).toBe(result.thresholds.filter((t) => !t.ok).length);
  });

  it('writes Markdown whose tables hold the figures of the result, with the hostile names inside their cells', () => {
    const md = read('summary.md');
    expect(md.split('\n')[0]).toMatch(/^### ❌ /);
    const [key] = table(md);
    expect(key).toHaveLength(7);
    expect(parseCount(key![0]!)).toBe(result.metrics.http_reqs.count);
    expectShownAs(key![3]!, result.metrics.http_req_duration.p95!, 'p95');

    const thresholds = table(md, 'Thresholds');
    expect(thresholds).toHaveLength(result.thresholds.length);
    for (const t of result.thresholds) {
      const row = thresholds.find((r) => shown(r[1]!) === t.metric && shown(r[2]!) === t.expr);
      expect(row, `${t.metric} ${t.expr}\n${md}`).toBeDefined();
      expect(row![0]).toBe(t.ok ? '✅' : '❌');
    }

    const endpoints = table(md, 'Endpoints');
    expect(endpoints).toHaveLength(result.endpoints.length);
    for (const e of result.endpoints) {
      const row = endpoints.find((r) => shown(r[0]!) === e.name);
      expect(row, `${e.name}\n${md}`).toBeDefined();
      expect(row).toHaveLength(8);
      expect(parseCount(row![1]!)).toBe(e.count);
      expect(parseCount(row![2]!.split(' ')[0]!)).toBe(e.failures);
    }

    const checks = table(md, 'Checks');
    for (const c of result.checks!) {
      const row = checks.find((r) => shown(r[1]!) === c.name.replace('\u0001', '').trim());
      expect(row, `${c.name}\n${md}`).toBeDefined();
      expect(row).toHaveLength(4);
      expect([row![0], parseCount(row![2]!), parseCount(row![3]!)]).toEqual([
        c.fails > 0 ? '❌' : '✅',
        c.passes,
        c.fails,
      ]);
    }
    const errors = table(md, 'Errors');
    expect(errors.map((r) => [shown(r[0]!), parseCount(r[1]!)]).sort()).toEqual(
      result.errors.map((e) => [e.kind, e.count]).sort(),
    );
    expect(md).not.toContain('<b>');
  });

  it('appends the Markdown to $GITHUB_STEP_SUMMARY, once per run', async () => {
    const first = read('summary.md');
    expect(read('step-summary.md').startsWith(first)).toBe(true);
    const second = await runCli(
      ['quick', '-n', '20', '-q', `${server.url}/items`, '-o', `md=${out('second.md')}`],
      {
        env: { GITHUB_STEP_SUMMARY: SUMMARY },
      },
    );
    expect(second.code, explain(second)).toBe(0);
    const both = read('step-summary.md');
    const secondMd = read('second.md');
    expect(both.startsWith(first)).toBe(true);
    expect(both.indexOf(secondMd, first.length)).toBeGreaterThanOrEqual(first.length);
    expect(both.match(/^### /gm)).toHaveLength(2);
  });

  it('squall report renders the same CSV, JUnit and Markdown files from the result document', async () => {
    const again = await runCli(
      [
        'report',
        out('r.json'),
        '-q',
        '-o',
        `csv=${out('again')}`,
        '-o',
        `junit=${out('again.xml')}`,
        '-o',
        `md=${out('again.md')}`,
      ],
      { env: { GITHUB_STEP_SUMMARY: undefined } },
    );
    // The result did not pass its thresholds, and report says so with the same exit code.
    expect(again.code, explain(again)).toBe(99);
    for (const [ran, rendered] of [
      ['stats_stats.csv', 'again_stats.csv'],
      ['stats_stats_history.csv', 'again_stats_history.csv'],
      ['stats_failures.csv', 'again_failures.csv'],
      ['junit.xml', 'again.xml'],
      ['summary.md', 'again.md'],
    ] as const) {
      expect(read(rendered), rendered).toBe(read(ran));
    }
  });
});

const parseCount = (text: string) => Number(text.replace(/,/g, ''));

/** `850µs`, `12.3ms`, `4.56s` back to ms: within half a percent of the figure it shows. */
function expectShownAs(text: string, actual: number, what: string): void {
  const m = /^([\d.]+)(µs|ms|s)$/.exec(text);
  expect(m, `${what}: ${text}`).not.toBeNull();
  const ms = Number(m![1]) * { µs: 0.001, ms: 1, s: 1000 }[m![2] as 'µs' | 'ms' | 's'];
  expect(Math.abs(ms - actual), `${what}: ${text} vs ${actual}`).toBeLessThanOrEqual(actual * 0.005 + 0.0006);
}

describe('JUnit of a run without thresholds (issue 10 #22)', () => {
  it('has one "run completed" case, not zero tests', async () => {
    const xmlPath = out('quick-junit.xml');
    const quick = await runCli([
      'quick',
      '-n',
      '20',
      '-c',
      '2',
      '-q',
      '-o',
      `junit=${xmlPath}`,
      `${server.url}/items`,
    ]);
    const why = explain(quick);
    expect(quick.code, why).toBe(0);
    const xml = readFileSync(xmlPath, 'utf8');
    expect(XMLValidator.validate(xml), xml).toBe(true);
    const root = (
      new XMLParser({
        ignoreAttributes: false,
        attributeNamePrefix: '',
        isArray: (name) => ['testsuite', 'testcase'].includes(name),
      }).parse(xml) as { testsuites: Record<string, unknown> & { testsuite: Record<string, unknown>[] } }
    ).testsuites;
    expect(
      root.testsuite.map((s) => [s.name, Number(s.tests), Number(s.failures)]),
      xml,
    ).toEqual([['run', 1, 0]]);
    const cases = root.testsuite.flatMap((s) => (s.testcase ?? []) as Record<string, unknown>[]);
    expect(cases.map((c) => c.name)).toEqual(['run completed']);
    expect(String(root.testsuite[0]!['system-out'])).toContain('requests: 20');
  });
});
