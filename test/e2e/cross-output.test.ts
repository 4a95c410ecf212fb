import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/result/schema.js';
import { browserMissing, launchBrowser, watchedPage } from '../helpers/browser.js';
import { shown, table } from '../helpers/markdown-table.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { writeTestFile } from '../helpers/run-file.js';

/**
 * One result document, every output: a real short `squall run` writes the document, then
 * `squall report` renders it as the console summary, Markdown, JUnit, CSV and HTML (read in
 * Chromium). Every figure must read the same, value and unit, wherever it is shown: each
 * threshold's actual value (console, Markdown, JUnit, HTML) and each metric's figures (console,
 * Markdown, HTML), for a custom time Trend, a custom Trend of counts, a Counter, http_reqs and the
 * data_received / data_sent bytes and rates. Each text is also read back here, by rules of this
 * test rather than the formatter's, and must be the document's number in the metric's unit. The
 * JUnit file must validate against the Ant and the Jenkins xUnit schemas (xmllint).
 */

const TEST = `import { Counter, defineTest, Trend } from 'squall';

// Time or not is the Trend's isTime flag, never its name: 'queue_wait' is a time whose name
// says nothing of it, 'lifetime_orders' a count whose name contains 'time'.
const queueWait = new Trend('queue_wait', true);
const lifetimeOrders = new Trend('lifetime_orders');
const orders = new Counter('orders');
let n = 0;

export default defineTest({
  scenarios: {
    shop: {
      executor: 'per-vu-iterations',
      vus: 2,
      iterations: 6,
      users: [
        {
          name: 'Buyer',
          async run({ http, check }) {
            const res = await http.get('/items');
            check(res, { 'status is 200': (r) => r.status === 200 });
            queueWait.add(res.timings.duration + 12.5);
            lifetimeOrders.add([20, 30, 40][n++ % 3]);
            orders.add(2);
          },
        },
      ],
    },
  },
  thresholds: {
    queue_wait: ['p(90)<60000'],
    lifetime_orders: ['avg<1000', 'med<1000', 'max<25'],
    orders: ['count>0', 'rate>0'],
    http_reqs: ['count>0', 'rate>0'],
    data_received: ['count>0', 'rate>0'],
    data_sent: ['count>0', 'rate>0'],
    http_req_duration: ['p(95)<60000'],
    http_req_failed: ['rate<0.5'],
  },
});
`;

/** The metrics whose figures are compared, and the unit each one's values must read in. */
const METRICS: Record<string, 'ms' | 'count' | 'bytes'> = {
  queue_wait: 'ms',
  lifetime_orders: 'count',
  orders: 'count',
  http_reqs: 'count',
  data_received: 'bytes',
  data_sent: 'bytes',
  http_req_duration: 'ms',
};

const XSDS = ['JUnit.xsd', 'junit-10.xsd'].map((f) =>
  join(import.meta.dirname, '..', 'fixtures', 'junit', f),
);
const xmllint = spawnSync('xmllint', ['--version']).status === 0;
const missingBrowser = browserMissing();

type Unit = 'ms' | 'count' | 'bytes' | 'bytes/s' | '/s' | 'ratio';

/**
 * A figure as text back to its number and unit, by this test's own rules: `850µs`, `16.5ms`,
 * `10.02s` (ms); `3.88 kB`, `1.94 kB/s` (bytes, SI); `43,433/s`; `0.50%`; `1,204` (a count).
 */
function readFigure(text: string): { value: number; unit: Unit } {
  const n = (s: string) => Number(s.replace(/,/g, ''));
  let m = /^([\d.,]+)(µs|ms|s)$/.exec(text);
  if (m) return { value: n(m[1]!) * { µs: 0.001, ms: 1, s: 1000 }[m[2] as 'µs' | 'ms' | 's'], unit: 'ms' };
  m = /^([\d.,]+) (B|kB|MB|GB)(\/s)?$/.exec(text);
  if (m) {
    const scale = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'B' | 'kB' | 'MB' | 'GB'];
    return { value: n(m[1]!) * scale, unit: m[3] ? 'bytes/s' : 'bytes' };
  }
  m = /^([\d.,]+)\/s$/.exec(text);
  if (m) return { value: n(m[1]!), unit: '/s' };
  m = /^([\d.,]+)%$/.exec(text);
  if (m) return { value: n(m[1]!) / 100, unit: 'ratio' };
  m = /^[\d.,]+$/.exec(text);
  if (m) return { value: n(text), unit: 'count' };
  throw new Error(`not a figure: '${text}'`);
}

/** `text` is `value` in `unit`, to the precision shown (three significant digits at least). */
function expectReads(text: string, value: number, unit: Unit, what: string): void {
  const f = readFigure(text);
  expect(f.unit, `${what}: '${text}'`).toBe(unit);
  expect(Math.abs(f.value - value), `${what}: '${text}' vs ${value}`).toBeLessThanOrEqual(
    Math.abs(value) * 0.006 + 0.006,
  );
}

/** `avg=16.5ms` -> ['avg', '16.5ms']; `3.88 kB` -> ['', '3.88 kB']. */
function cell(text: string): [string, string] {
  const m = /^([a-z]+(?:\([\d.]+\))?)=(.*)$/.exec(text);
  return m ? [m[1]!, m[2]!] : ['', text];
}

/** The console's TOTAL RESULTS rows: metric -> its cells. */
function consoleMetrics(summary: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of summary.split('\n')) {
    const m = /^ {4}([a-z_]+)\.{3,}: (.*)$/.exec(line);
    // Cells are two spaces apart, or one before a `stat=`.
    if (m) rows.set(m[1]!, m[2]!.trim().split(/ {2,}| (?=[a-z]+(?:\([\d.]+\))?=)/));
  }
  return rows;
}

/** The console's THRESHOLDS block: `metric expr` -> the actual value's text. */
function consoleThresholds(summary: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = summary.split('\n');
  let i = lines.findIndex((l) => l.includes('█ THRESHOLDS'));
  let metric = '';
  for (i++; i < lines.length && !lines[i]!.includes('█'); i++) {
    const line = lines[i]!;
    const t = /^ {4}[✓✗] '(.+)' [a-z]+(?:\([\d.]+\))?=(.*)$/.exec(line);
    if (t) out.set(`${metric} ${t[1]}`, t[2]!);
    else if (/^ {4}\S/.test(line)) metric = line.trim();
  }
  return out;
}

describe('one result document, every output: each figure reads the same, in its unit', () => {
  const dir = tempDir('squall-cross-output-');
  const path = (name: string) => join(dir.path, name);
  let server: RouteServer;
  let doc: ResultDocument;
  let summary: string;
  const thresholdTexts: Record<string, Map<string, string>> = {};
  const metricTexts: Record<string, Map<string, string[]>> = {};

  beforeAll(async () => {
    requireBuiltCli();
    server = await startRouteServer({ delayMs: 2, handler: () => ({ body: 'an item list '.repeat(20) }) });
    const file = writeTestFile(dir.path, 'shop.ts', TEST);
    // 'max<25' fails (the values are 20, 30 and 40): a failed case is in the JUnit file too.
    const run = await runCli(['run', file, '--host', server.url, '-q', '-o', `json=${path('r.json')}`], {
      timeoutMs: 40_000,
    });
    expect(run.code, explain(run)).toBe(99);
    doc = readResult(path('r.json'), run);

    const console = await runCli(['report', path('r.json'), '--no-color']);
    expect(console.code, explain(console)).toBe(99);
    summary = console.stdout;
    const files = await runCli([
      'report',
      path('r.json'),
      '-o',
      `md=${path('r.md')}`,
      '-o',
      `html=${path('r.html')}`,
      '-o',
      `junit=${path('r.xml')}`,
      '-o',
      `csv=${path('stats')}`,
    ]);
    expect(files.code, explain(files)).toBe(99);

    thresholdTexts.console = consoleThresholds(summary);
    metricTexts.console = consoleMetrics(summary);

    const md = readFileSync(path('r.md'), 'utf8');
    thresholdTexts.markdown = new Map(
      table(md, 'Thresholds').map((r) => [`${shown(r[1]!)} ${shown(r[2]!)}`, shown(r[3]!)]),
    );
    const details = md.slice(md.indexOf('<details><summary>All metrics'));
    metricTexts.markdown = new Map(table(details).map((r) => [shown(r[0]!), shown(r[2]!).split(' · ')]));

    const xml = readFileSync(path('r.xml'), 'utf8');
    const out = /<testsuite name="thresholds"[\s\S]*?<system-out>([\s\S]*?)<\/system-out>/.exec(xml)![1]!;
    thresholdTexts.junit = new Map(
      out
        .split('\n\n')[0]! // the endpoints' lines follow the thresholds' after a blank line
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const m = /^(\w+): (.+): (?:passed|failed), actual (.*)$/.exec(line)!;
          return [`${m[1]} ${m[2]}`, m[3]!];
        }),
    );
  }, 90_000);

  afterAll(async () => {
    await server?.close();
    dir.remove();
  });

  it('the run is the one described: every threshold has a value, the custom metrics are in the document', () => {
    const why = JSON.stringify(doc.metrics);
    expect(doc.thresholds).toHaveLength(14);
    for (const t of doc.thresholds) expect(t.actual, `${t.metric} ${t.expr}`).not.toBeNull();
    expect(doc.metrics.queue_wait, why).toMatchObject({ kind: 'trend', unit: 'ms', count: 12 });
    expect(doc.metrics.lifetime_orders, why).toMatchObject({ kind: 'trend', unit: 'count', count: 12 });
    expect(doc.metrics.orders, why).toMatchObject({ kind: 'counter', unit: 'count', count: 24 });
    expect(doc.metrics.data_received, why).toMatchObject({ kind: 'counter', unit: 'bytes' });
    expect(doc.metrics.http_reqs, why).toMatchObject({ count: server.hits.length });
  });

  it("every threshold's actual value reads the same in the console, Markdown and JUnit, in its unit", () => {
    for (const t of doc.thresholds) {
      const key = `${t.metric} ${t.expr}`;
      const texts = ['console', 'markdown', 'junit'].map((o) => thresholdTexts[o]!.get(key));
      expect(texts, key).toEqual([texts[0], texts[0], texts[0]]);
      const unit = METRICS[t.metric];
      const agg = t.expr.replace(/[<>=].*$/, '');
      const expected: Unit =
        t.metric === 'http_req_failed'
          ? 'ratio'
          : agg === 'rate'
            ? unit === 'bytes'
              ? 'bytes/s'
              : '/s'
            : unit === 'bytes'
              ? 'bytes'
              : (unit ?? 'count');
      expectReads(texts[0]!, t.actual!, expected, key);
    }
    // The count trend of 20, 30 and 40: its histogram's 30.02 reads 30 (three significant digits).
    expect(thresholdTexts.console!.get('lifetime_orders med<1000')).toBe('30');
  });

  it("every metric's figures read the same in the console and Markdown, in the metric's unit", () => {
    for (const [name, unit] of Object.entries(METRICS)) {
      const m = doc.metrics[name] as unknown as Record<string, number>;
      const cells = metricTexts.console!.get(name);
      expect(cells, `${name} in the console:\n${summary}`).toBeDefined();
      expect(metricTexts.markdown!.get(name), name).toEqual(cells);
      if (m.p50 !== undefined) {
        const stats: Record<string, number> = {
          avg: m.mean!,
          min: m.min!,
          med: m.p50,
          max: m.max!,
          'p(90)': m.p90!,
          'p(95)': m.p95!,
          'p(99)': m.p99!,
        };
        expect(
          cells!.map((c) => cell(c)[0]),
          name,
        ).toEqual(Object.keys(stats));
        for (const c of cells!) {
          const [stat, text] = cell(c);
          expectReads(text, stats[stat]!, unit, `${name} ${stat}`);
        }
      } else {
        expect(cells, name).toHaveLength(2);
        expectReads(cells![0]!, m.count!, unit, `${name} count`);
        expectReads(cells![1]!, m.rate!, unit === 'bytes' ? 'bytes/s' : '/s', `${name} rate`);
      }
    }
    // The count trend shows no more digits than its histogram holds.
    expect(metricTexts.console!.get('lifetime_orders')).toEqual([
      'avg=30',
      'min=20',
      'med=30',
      'max=40',
      'p(90)=40',
      'p(95)=40',
      'p(99)=40',
    ]);
  });

  it("the CSV's Aggregated row holds the same request count, rate and latency", () => {
    const rows = parse(readFileSync(path('stats_stats.csv'), 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    const agg = rows.find((r) => r.Name === 'Aggregated')!;
    const reqs = metricTexts.console!.get('http_reqs')!;
    expect(Number(agg['Request Count'])).toBe(readFigure(reqs[0]!).value);
    expectReads(reqs[1]!, Number(agg['Requests/s']), '/s', 'Requests/s');
    const dur = new Map(metricTexts.console!.get('http_req_duration')!.map(cell));
    expectReads(dur.get('avg')!, Number(agg['Average Response Time']), 'ms', 'Average Response Time');
    expectReads(dur.get('med')!, Number(agg['Median Response Time']), 'ms', 'Median Response Time');
  });

  it.skipIf(!xmllint && !process.env.CI)(
    'the JUnit file validates against the Ant and the Jenkins xUnit schemas',
    () => {
      for (const xsd of XSDS) {
        const r = spawnSync('xmllint', ['--noout', '--schema', xsd, path('r.xml')], { encoding: 'utf8' });
        expect(r.status, `${xsd}\n${r.stderr}`).toBe(0);
      }
    },
  );

  it('the JUnit suites add up to the run once: thresholds and checks, times summing to its duration', () => {
    const xml = readFileSync(path('r.xml'), 'utf8');
    const suites = [...xml.matchAll(/<testsuite name="(\w+)" tests="(\d+)"[^>]* time="([\d.]+)"/g)];
    expect(suites.map((m) => m[1])).toEqual(['thresholds', 'checks']);
    expect(suites.reduce((n, m) => n + Number(m[2]), 0)).toBe(doc.thresholds.length + doc.checks!.length);
    expect(suites.reduce((n, m) => n + Number(m[3]), 0)).toBeCloseTo(doc.durationSec, 3);
  });

  it.skipIf(missingBrowser !== undefined)(
    'the HTML page, in Chromium, shows every threshold value and metric figure as the console does',
    async () => {
      const browser: Browser = await launchBrowser();
      try {
        const w = await watchedPage(browser);
        await w.page.goto(pathToFileURL(path('r.html')).href);
        await w.page.waitForSelector('#metrics');
        expect(w.pageErrors).toEqual([]);
        const rows = await w.page.$$eval('tr[data-metric]', (trs) =>
          trs.map((tr) => ({
            metric: tr.getAttribute('data-metric') ?? '',
            expr: tr.getAttribute('data-expr'),
            cells: [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
            actual: tr.querySelector('[data-field="actual"]')?.textContent ?? '',
          })),
        );
        // Threshold rows carry their expression; the metrics table's rows do not.
        const thresholds = new Map(
          rows.filter((r) => r.expr !== null).map((r) => [`${r.metric} ${r.expr}`, r.actual]),
        );
        const metrics = new Map(
          rows.filter((r) => r.expr === null).map((r) => [r.metric, (r.cells[2] ?? '').split('  ')]),
        );
        for (const t of doc.thresholds) {
          const key = `${t.metric} ${t.expr}`;
          expect(thresholds.get(key), key).toBe(thresholdTexts.console!.get(key));
        }
        for (const name of Object.keys(METRICS)) {
          expect(metrics.get(name), name).toEqual(metricTexts.console!.get(name));
        }
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
