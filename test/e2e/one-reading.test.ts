import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointResult, TimelinePoint } from '../../src/result/schema.js';
import { LOCUST_PERCENTILES, PCT_FIELDS } from '../helpers/locust-csv.js';
import { table } from '../helpers/markdown-table.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { type CliResult, explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import type { RunResult } from '../helpers/run-file.js';
import { writeTestFile } from '../helpers/run-file.js';
import { refusedPort } from '../helpers/target-server.js';

/**
 * Issue 11, items 9 to 12: one figure, one reading, in every output. Each case runs through the
 * CLI against a local server that counts what it saw; the outputs are compared with the result
 * document and with the server's counts, never with a figure written down here.
 *
 * 9. A latency with no sample behind it is null in the document, `—`/`-`/`N/A` in the reports.
 * 10. One request name used with two methods is two endpoints (Locust's rows).
 * 11. Every request is in exactly one timeline point; the last point says its real length.
 * 12. Every rate is counted over one duration, the document's durationSec.
 */

const dir = tempDir('squall-one-reading-');
const out = (name: string) => join(dir.path, name);
const read = (name: string) => readFileSync(out(name), 'utf8');
let server: RouteServer;
let down: number;
/** Arrival of each run's first /late request. */
const firstLate = new Map<string, number>();

type Rec = Record<string, string>;

function csvFile(name: string): Rec[] {
  const [header, ...rows] = parse(read(name)) as string[][];
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

/** `squall run FILE --host … -o json= -o csv= -o md= -o junit=`; stdout keeps the summary. */
async function runOutputs(
  tag: string,
  source: string,
  extra: string[] = [],
): Promise<{ run: CliResult; doc: RunResult; why: string }> {
  const file = writeTestFile(dir.path, `${tag}.ts`, source);
  const run = await runCli(
    [
      'run',
      file,
      '--host',
      server.url,
      '--no-color',
      '-o',
      `json=${out(`${tag}.json`)}`,
      '-o',
      `csv=${out(tag)}`,
      '-o',
      `md=${out(`${tag}.md`)}`,
      '-o',
      `junit=${out(`${tag}.xml`)}`,
      ...extra,
    ],
    { timeoutMs: 40_000 },
  );
  return { run, doc: readResult(out(`${tag}.json`), run) as RunResult, why: explain(run) };
}

const LATENCY_KEYS = [
  'p50',
  'p95',
  'p99',
  'max',
  'mean',
  'min',
  'p66',
  'p75',
  'p80',
  'p90',
  'p98',
  'p999',
  'p9999',
];
const TREND_KEYS = ['min', 'mean', 'stdev', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'];

beforeAll(async () => {
  requireBuiltCli();
  down = await refusedPort();
  server = await startRouteServer({
    delayMs: 1,
    handler: (h) => {
      // Hangs past the request's timeout: squall records `timeout`, no response.
      if (h.path === '/hang') return { delayMs: 3000 };
      // Answers late once a run is nearly over (850 ms after its first request), so that run's
      // slowest responses end in its drain, after the last full second.
      if (h.path === '/late') {
        const run = h.query.run ?? '';
        const first = firstLate.get(run) ?? h.at;
        firstLate.set(run, first);
        return { delayMs: h.at - first > 850 ? Number(h.query.ms) : 5 };
      }
      return undefined;
    },
  });
}, 20_000);

afterAll(async () => {
  await server?.close();
  dir.remove();
});

describe('item 9 and 10 and 12: two methods under one name, endpoints with no response, one duration', () => {
  let r: { run: CliResult; doc: RunResult; why: string };
  const ITERATIONS = 8;

  beforeAll(async () => {
    r = await runOutputs(
      'mixed',
      `import { defineTest } from 'squall';

export default defineTest({
  scenarios: {
    api: {
      executor: 'shared-iterations',
      vus: 1,
      iterations: ${ITERATIONS},
      users: [
        {
          name: 'Client',
          async run({ http }) {
            await http.get('/items', { name: 'items' });
            await http.post('/items', { json: { n: 1 }, name: 'items' });
            await http.get('http://127.0.0.1:${down}/down', { name: 'refused' });
            await http.get('/hang', { name: 'hangs', timeout: '100ms' });
          },
        },
      ],
    },
  },
  thresholds: {
    'http_reqs{name:items}': ['count>0'],
    'http_reqs{name:items,method:POST}': ['count>0'],
    'http_reqs{name:items,method:GET}': ['count>0'],
  },
});
`,
    );
  }, 60_000);

  const ep = (method: string, name: string): EndpointResult => {
    const found = r.doc.endpoints.filter((e) => e.method === method && e.name === name);
    expect(found, `${method} ${name}\n${r.why}`).toHaveLength(1);
    return found[0]!;
  };

  it('keeps GET items and POST items apart, each with the count the server saw (item 10)', () => {
    expect(r.run.code, r.why).toBe(0);
    const gets = server.on('/items').filter((h) => h.method === 'GET').length;
    const posts = server.on('/items').filter((h) => h.method === 'POST').length;
    expect(gets, r.why).toBeGreaterThan(0);
    expect(ep('GET', 'items').count).toBe(gets);
    expect(ep('POST', 'items').count).toBe(posts);

    // Locust's rows: one per (method, name).
    const stats = csvFile('mixed_stats.csv');
    const rows = stats.filter((x) => x.Name === 'items').map((x) => [x.Type, x.Name, x['Request Count']]);
    expect(rows).toEqual([
      ['GET', 'items', String(gets)],
      ['POST', 'items', String(posts)],
    ]);

    // A filter by name covers both methods; with a method, one.
    const actual = (metric: string) => r.doc.thresholds.find((t) => t.metric === metric)?.actual;
    expect(actual('http_reqs{name:items}')).toBe(gets + posts);
    expect(actual('http_reqs{name:items,method:POST}')).toBe(posts);
    expect(actual('http_reqs{name:items,method:GET}')).toBe(gets);

    // Tables that show only names say which method each row is.
    const md = table(read('mixed.md'), 'Endpoints').map((row) => row[0]);
    expect(md).toEqual(expect.arrayContaining(['GET items', 'POST items']));
    expect(r.run.stdout).toMatch(/GET items\s/);
    expect(r.run.stdout).toMatch(/POST items\s/);
  });

  it('stores null, not 0, for the latency of endpoints that got no response, and every output says so (item 9)', () => {
    for (const [name, kind] of [
      ['refused', 'ECONNREFUSED'],
      ['hangs', 'timeout'],
    ] as const) {
      const e = ep('GET', name);
      expect(e.count, r.why).toBe(ITERATIONS);
      expect(e.failures).toBe(ITERATIONS);
      expect(Object.keys(e.errors ?? {})).toEqual([kind]);
      for (const k of LATENCY_KEYS)
        expect((e.latency as unknown as Record<string, unknown>)[k], `${name} ${k}`).toBeNull();

      // CSV: N/A in every latency column.
      const row = csvFile('mixed_stats.csv').find((x) => x.Name === name)!;
      for (const c of [
        'Median Response Time',
        'Average Response Time',
        'Min Response Time',
        'Max Response Time',
        ...LOCUST_PERCENTILES,
      ])
        expect(row[c], `${name} ${c}`).toBe('N/A');
      // Markdown: '-'.
      const md = table(read('mixed.md'), 'Endpoints').find((x) => x[0] === name)!;
      expect(md.slice(4)).toEqual(['-', '-', '-', '-']);
      // Console: '—' in p50, p95, p99 and max.
      const line = r.run.stdout.split('\n').find((l) => new RegExp(`^\\s*${name}\\s`).test(l));
      expect(line, r.run.stdout).toMatch(/—\s+—\s+—\s+—/);
    }
    // The endpoints that answered keep their figures.
    expect(ep('GET', 'items').latency.p50).toBeGreaterThan(0);
    // `squall report` reads the document back (its validator accepts the nulls) and renders all.
    expect(r.doc.endpoints.length).toBe(4);
  });

  it('renders the document again with squall report, nulls included (item 9)', async () => {
    const again = await runCli([
      'report',
      out('mixed.json'),
      '-o',
      `csv=${out('again')}`,
      '-o',
      `html=${out('again.html')}`,
      '-o',
      `junit=${out('again.xml')}`,
      '--no-color',
    ]);
    expect(again.code, explain(again)).toBe(0);
    expect(read('again_stats.csv')).toBe(read('mixed_stats.csv'));
    expect(read('again.html')).toContain('"refused"');
    const summary = await runCli(['report', out('mixed.json'), '--no-color']);
    expect(summary.stdout, explain(summary)).toMatch(/refused\s.*—\s+—\s+—\s+—/);
  });

  it('counts every rate over durationSec: Requests/s and Failures/s of an endpoint whose requests all failed agree (item 12)', () => {
    const d = r.doc.durationSec;
    const per = (n: number) => Math.round((n / d) * 1000) / 1000;
    for (const e of r.doc.endpoints) expect(e.rps, e.name).toBe(per(e.count));
    expect(r.doc.metrics.http_reqs.rate).toBe(per(r.doc.metrics.http_reqs.count));
    const stats = csvFile('mixed_stats.csv');
    for (const name of ['refused', 'hangs']) {
      const row = stats.find((x) => x.Name === name)!;
      expect(row['Failures/s'], name).toBe(row['Requests/s']);
      expect(Number(row['Requests/s'])).toBe(per(ITERATIONS));
    }
    const agg = stats.find((x) => x.Name === 'Aggregated')!;
    expect(Number(agg['Requests/s'])).toBe(per(r.doc.metrics.http_reqs.count));
    expect(Number(agg['Failures/s'])).toBe(per(r.doc.metrics.http_req_failed.fails));
  });
});

describe('item 9: a run where nothing answered', () => {
  it('stores null for every run-wide latency figure and every timeline latency, and renders dashes', async () => {
    const r = await runOutputs(
      'nothing',
      `import { defineTest } from 'squall';

export default defineTest({
  scenarios: {
    api: {
      executor: 'shared-iterations',
      vus: 1,
      iterations: 5,
      users: [{ name: 'Client', async run({ http }) { await http.get('http://127.0.0.1:${down}/x', { name: 'x' }); } }],
    },
  },
});
`,
    );
    expect(r.doc.metrics.http_reqs.count, r.why).toBe(5);
    const dur = r.doc.metrics.http_req_duration as unknown as Record<string, unknown>;
    expect(dur.count).toBe(0);
    for (const k of TREND_KEYS) expect(dur[k], k).toBeNull();
    for (const p of r.doc.timeline) {
      for (const k of [
        'p50',
        'p95',
        'p99',
        'min',
        'mean',
        'max',
        'totalP50',
        'totalMin',
        'totalMax',
      ] as const)
        expect(p[k], `${p.t} ${k}`).toBeNull();
    }
    const keyFigures = table(read('nothing.md'))[0];
    expect(keyFigures?.slice(2, 5)).toEqual(['-', '-', '-']);
    const history = csvFile('nothing_stats_history.csv');
    for (const row of history) for (const c of LOCUST_PERCENTILES) expect(row[c], c).toBe('N/A');
    // The console: no figures for a trend with no samples, dashes for the endpoint.
    expect(r.run.stdout, r.why).toMatch(/http_req_duration[ .:]+no samples/);
    expect(r.run.stdout, r.why).toMatch(/^\s*x\s.*—\s+—\s+—\s+—/m);
  }, 60_000);
});

describe('item 11: every request in exactly one timeline point', () => {
  // A last part shorter than 0.25 s (merged into the second before) and a longer one (a point of
  // its own): the responses started near the end answer late, so the run's slowest end in the drain.
  it.each([
    ['short', 120],
    ['long', 450],
  ])(
    'the %s last part: counts, maxima and timestamps agree',
    async (tag, lateMs) => {
      const r = await runOutputs(
        `tail-${tag}`,
        `import { defineTest } from 'squall';

export default defineTest({
  scenarios: {
    api: {
      executor: 'constant-vus',
      vus: 2,
      duration: '1s',
      users: [
        {
          name: 'Client',
          async run({ http }) {
            await http.get('/late', { query: { run: '${tag}', ms: ${lateMs} }, name: 'late' });
          },
        },
      ],
    },
  },
});
`,
        [],
      );
      expect(r.run.code, r.why).toBe(0);
      const tl: TimelinePoint[] = r.doc.timeline;
      const served = server.on('/late').filter((h) => h.query.run === tag).length;
      expect(r.doc.metrics.http_reqs.count, r.why).toBe(served);
      // Every request in exactly one point.
      expect(tl.reduce((n, p) => n + (p.requests ?? 0), 0)).toBe(r.doc.metrics.http_reqs.count);
      // The run's max is the max of the points' maxima (the last part's durations are in a point).
      const runMax = r.doc.metrics.http_req_duration.max!;
      expect(Math.max(...tl.map((p) => p.max ?? 0))).toBe(runMax);
      expect(tl[tl.length - 1]!.totalMax).toBe(runMax);
      // Times strictly increase; each point says its length, and the lengths add up to the run.
      for (let i = 1; i < tl.length; i++) expect(tl[i]!.t).toBeGreaterThan(tl[i - 1]!.t);
      const lengths = tl.map((p) => p.lengthSec!);
      for (const [i, p] of tl.entries()) {
        expect(p.lengthSec, `point ${i}`).toBeGreaterThan(0);
        expect(p.rps).toBeCloseTo((p.requests ?? 0) / p.lengthSec!, 3);
      }
      expect(lengths.reduce((a, b) => a + b, 0)).toBeCloseTo(tl[tl.length - 1]!.t, 2);
      expect(tl[tl.length - 1]!.t).toBeCloseTo(r.doc.durationSec, 2);

      // _stats_history.csv: timestamps strictly increase; a row's 100% never exceeds the total max,
      // and the last row's total max is some row's 100%.
      const history = csvFile(`tail-${tag}_stats_history.csv`);
      expect(history).toHaveLength(tl.length);
      const stamps = history.map((h) => Number(h.Timestamp));
      for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1]!);
      const maxes = history.map((h) => Number(h['100%'])).filter((x) => Number.isFinite(x));
      for (const [i, h] of history.entries())
        expect(Number(h['100%']), `row ${i}`).toBeLessThanOrEqual(Number(h['Total Max Response Time']));
      expect(Math.max(...maxes)).toBe(Number(history[history.length - 1]!['Total Max Response Time']));
      expect(PCT_FIELDS.length).toBe(LOCUST_PERCENTILES.length);
    },
    60_000,
  );
});
