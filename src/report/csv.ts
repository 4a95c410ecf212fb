import type { BenchSection } from '../result/bench-schema.js';
import type { EndpointResult, ResultDocument, TimelinePoint } from '../result/schema.js';
import { round } from '../util/units.js';
import { benchFailures, benchSection, failureText } from './bench-format.js';
import { asObj, isNum, type Obj } from './format.js';
import { sweepSection } from './sweep-format.js';

/**
 * Locust's CSV files (`--csv PREFIX`) from a result document, with Locust's exact headers and
 * column order (locust/stats.py, StatsCSV and StatsCSVFileWriter), so spreadsheets and scripts
 * built on Locust's files keep working: `_stats.csv`, `_stats_history.csv`, `_failures.csv`.
 *
 * Like Locust: "N/A" where there is no figure, the Aggregated row last with an empty Type, RFC
 * 4180 quoting and CRLF line ends (Python's csv.writer). Documents read back from disk may come
 * from older versions, so every field is checked before use and a missing one reads "N/A".
 */

export interface LocustCsv {
  stats: string;
  history: string;
  failures: string;
}

/** A value for one CSV cell: text is quoted as needed, anything that is not a finite number is N/A. */
type Cell = unknown;
const NA = 'N/A';

/** Locust's PERCENTILES_TO_REPORT as its headers name them, with our field for each. */
const PERCENTILES = [
  ['50%', 'p50'],
  ['66%', 'p66'],
  ['75%', 'p75'],
  ['80%', 'p80'],
  ['90%', 'p90'],
  ['95%', 'p95'],
  ['98%', 'p98'],
  ['99%', 'p99'],
  ['99.9%', 'p999'],
  ['99.99%', 'p9999'],
  ['100%', 'max'],
] as const;

type PercentileKey = (typeof PERCENTILES)[number][1];

const STATS_COLUMNS = [
  'Type',
  'Name',
  'Request Count',
  'Failure Count',
  'Median Response Time',
  'Average Response Time',
  'Min Response Time',
  'Max Response Time',
  'Average Content Size',
  'Requests/s',
  'Failures/s',
  ...PERCENTILES.map(([label]) => label),
];

const HISTORY_COLUMNS = [
  'Timestamp',
  'User Count',
  'Type',
  'Name',
  'Requests/s',
  'Failures/s',
  ...PERCENTILES.map(([label]) => label),
  'Total Request Count',
  'Total Failure Count',
  'Total Median Response Time',
  'Total Average Response Time',
  'Total Min Response Time',
  'Total Max Response Time',
  'Total Average Content Size',
];

const FAILURES_COLUMNS = ['Method', 'Name', 'Error', 'Occurrences'];

const HTTP_METHODS = new Set([
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'CONNECT',
]);

/** Plain decimal, at most three decimals (the document's own precision), never an exponent. */
function cell(v: Cell): string {
  if (typeof v === 'string') return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  return isNum(v) ? String(round(v, 3)) : NA;
}

function csv(header: readonly string[], rows: readonly Cell[][]): string {
  return [header, ...rows].map((r) => `${r.map(cell).join(',')}\r\n`).join('');
}

function ratio(n: unknown, d: unknown): number | undefined {
  if (!isNum(n) || !isNum(d)) return undefined;
  // Locust writes 0 for a per-request average over no requests (its ZeroDivisionError branch).
  return d > 0 ? n / d : 0;
}

/**
 * Type and Name as Locust shows them: the method, and the path without the `METHOD ` prefix of
 * squall's default request names. Older documents have no `method`: read it from that prefix.
 */
function locustTypeAndName(e: Pick<EndpointResult, 'name' | 'method'>): [string, string] {
  const name = String(e.name ?? '');
  const method = typeof e.method === 'string' ? e.method : '';
  if (method !== '') {
    return [method, name.startsWith(`${method} `) ? name.slice(method.length + 1) : name];
  }
  const space = name.indexOf(' ');
  const head = name.slice(0, space);
  if (space > 0 && HTTP_METHODS.has(head)) return [head, name.slice(space + 1)];
  return ['', name];
}

/** Whether any response was timed: requests that got none (refused, timeout) carry no duration. */
function endpointAnswered(e: EndpointResult): boolean {
  if (!isNum(e.count) || e.count === 0) return false;
  const codes = asObj(e.statusCodes);
  if (!codes) return true;
  return Object.values(codes).some((n) => isNum(n) && n > 0);
}

/** Latency columns (Median, Average, Min, Max, then the percentiles) of one row. */
function latencyCells(lat: Obj | undefined, timed: boolean): { summary: Cell[]; percentiles: Cell[] } {
  // With no timed response a 0 would read as "0 ms"; Locust writes N/A when it has no data.
  const pick = (key: string): Cell => (timed && lat && isNum(lat[key]) ? (lat[key] as number) : NA);
  return {
    summary: [pick('p50'), pick('mean'), pick('min'), pick('max')],
    percentiles: PERCENTILES.map(([, key]) => pick(key)),
  };
}

interface SortedEndpoint {
  e: EndpointResult;
  type: string;
  name: string;
}

/** Locust sorts its rows by (name, method); so do we, so rows land where its users expect them. */
function sortedEndpoints(doc: ResultDocument): SortedEndpoint[] {
  const list = (Array.isArray(doc.endpoints) ? doc.endpoints : []).filter((e) => asObj(e));
  const rows = list.map((e) => {
    const [type, name] = locustTypeAndName(e);
    return { e, type, name };
  });
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return rows.sort((a, b) => cmp(a.name, b.name) || cmp(a.type, b.type));
}

function endpointRow(r: SortedEndpoint, durationSec: unknown): Cell[] {
  const { e } = r;
  const lat = latencyCells(asObj(e.latency), endpointAnswered(e));
  return [
    r.type,
    r.name,
    e.count,
    e.failures,
    ...lat.summary,
    ratio(e.bytesReceived, e.count),
    e.rps,
    ratio(e.failures, durationSec),
    ...lat.percentiles,
  ];
}

/**
 * The run-wide percentiles Locust reports, from http_req_duration (which carries Locust's 66,
 * 75, 80, 98 and 99.99 too). Older documents lack those five: with one endpoint its histogram is
 * the whole run's, so its percentiles stand in exactly; with several, no honest figure can be
 * derived from theirs (the highest endpoint's would overstate it), so the cell says N/A.
 */
function aggregatedLatency(doc: ResultDocument, endpoints: SortedEndpoint[]): Obj | undefined {
  const dur = asObj(asObj(doc.metrics)?.http_req_duration);
  if (!dur) return undefined;
  const only = endpoints.length === 1 ? asObj(endpoints[0]!.e.latency) : undefined;
  const out: Obj = { ...dur };
  for (const [, key] of PERCENTILES) {
    if (!isNum(out[key]) && only && isNum(only[key])) out[key] = only[key];
  }
  return out;
}

function aggregatedRow(doc: ResultDocument, endpoints: SortedEndpoint[]): Cell[] {
  const m = asObj(doc.metrics) ?? {};
  const reqs = asObj(m.http_reqs) ?? {};
  const failed = asObj(m.http_req_failed) ?? {};
  const sum = (pick: (e: EndpointResult) => unknown): number | undefined => {
    if (endpoints.length === 0 || endpoints.some(({ e }) => !isNum(pick(e)))) return undefined;
    return endpoints.reduce((a, { e }) => a + (pick(e) as number), 0);
  };
  const count = isNum(reqs.count) ? reqs.count : sum((e) => e.count);
  const fails = isNum(failed.fails) ? failed.fails : sum((e) => e.failures);
  const bytes = sum((e) => e.bytesReceived) ?? asObj(m.data_received)?.count;
  const lat = aggregatedLatency(doc, endpoints);
  const timed = lat !== undefined && (isNum(lat.count) ? lat.count > 0 : isNum(count) && count > 0);
  const cells = latencyCells(lat, timed);
  return [
    '',
    'Aggregated',
    count,
    fails,
    ...cells.summary,
    ratio(bytes, count),
    reqs.rate,
    ratio(fails, doc.durationSec),
    ...cells.percentiles,
  ];
}

function renderStats(doc: ResultDocument): string {
  const endpoints = sortedEndpoints(doc);
  const rows = endpoints.map((r) => endpointRow(r, doc.durationSec));
  rows.push(aggregatedRow(doc, endpoints));
  return csv(STATS_COLUMNS, rows);
}

function historyRow(p: TimelinePoint, lengthSec: number, timestamp: Cell): Cell[] {
  // A second whose requests all went unanswered has no durations (null; older documents: 0).
  const volume = isNum(p.requests) ? p.requests : p.rps;
  const timed = !(isNum(volume) && volume <= 0) && !(isNum(p.max) && p.max <= 0);
  const pct = (key: PercentileKey): Cell => (timed && isNum(p[key]) ? p[key] : NA);
  const totalTimed = isNum(p.totalMax) && p.totalMax > 0;
  const total = (v: unknown): Cell => (totalTimed && isNum(v) ? v : NA);
  return [
    timestamp,
    p.vus,
    '',
    'Aggregated',
    p.rps,
    isNum(p.errors) && lengthSec > 0 ? p.errors / lengthSec : NA,
    ...PERCENTILES.map(([, key]) => pct(key)),
    p.totalRequests,
    p.totalFailures,
    total(p.totalP50),
    total(p.totalMean),
    total(p.totalMin),
    total(p.totalMax),
    ratio(p.totalBytes, p.totalRequests),
  ];
}

/**
 * One Aggregated row per timeline point, as Locust appends one every second. A point's length is
 * its `lengthSec` (older documents: the time since the one before). Its timestamp is the Unix
 * second its bucket ended in, truncated as Locust's `int(time.time())`; a last part that ends in
 * the same second as the bucket before takes the next second, so timestamps strictly increase.
 */
function renderHistory(doc: ResultDocument): string {
  const points = (Array.isArray(doc.timeline) ? doc.timeline : []).filter((p) => asObj(p));
  const startMs = Date.parse(String(doc.startedAt ?? ''));
  let prevT = 0;
  let prevStamp = Number.NEGATIVE_INFINITY;
  const rows = points.map((p) => {
    const t = isNum(p.t) ? p.t : prevT + 1;
    const length = isNum(p.lengthSec) ? p.lengthSec : t - prevT;
    let stamp: Cell = NA;
    if (Number.isFinite(startMs)) {
      stamp = Math.max(Math.floor(startMs / 1000 + t), prevStamp + 1);
      prevStamp = stamp as number;
    }
    const row = historyRow(p, length, stamp);
    prevT = t;
    return row;
  });
  return csv(HISTORY_COLUMNS, rows);
}

/**
 * One row per endpoint and error kind. Documents older than the per-endpoint `errors` field only
 * say which errors the run had, not where: their rows leave Method and Name empty.
 */
function renderFailures(doc: ResultDocument): string {
  const endpoints = sortedEndpoints(doc);
  const rows: Cell[][] = [];
  const perEndpoint = endpoints.some(({ e }) => asObj(e.errors));
  if (perEndpoint) {
    for (const { e, type, name } of endpoints) {
      const kinds = Object.entries(asObj(e.errors) ?? {}).filter(([, n]) => isNum(n) && n > 0);
      kinds.sort(([, a], [, b]) => (b as number) - (a as number));
      for (const [kind, n] of kinds) rows.push([type, name, kind, n as number]);
    }
  } else {
    for (const g of Array.isArray(doc.errors) ? doc.errors : []) {
      const o = asObj(g);
      if (o && isNum(o.count) && o.count > 0) rows.push(['', '', String(o.kind ?? ''), o.count]);
    }
  }
  return csv(FAILURES_COLUMNS, rows);
}

/** A bench document's columns: durations in ms, as in the document; one row per bench. */
const BENCH_COLUMNS = [
  'File',
  'Group',
  'Name',
  'Async',
  'Concurrency',
  'Samples',
  'Iterations/sample',
  'Median (ms)',
  'Mean (ms)',
  'P75 (ms)',
  'P99 (ms)',
  'Min (ms)',
  'Max (ms)',
  'SD (ms)',
  'RME',
  'Ops/s',
  'Heap bytes/op',
  'Outliers low',
  'Outliers high',
  'Budgets',
  'Passed',
  'Error',
];

/** Six significant digits: a bench's durations reach nanoseconds, which three decimals of ms lose. */
const fine = (v: unknown): Cell => (isNum(v) ? Number(v.toPrecision(6)).toString() : NA);

/**
 * A bench document as CSV: the stats file holds one row per bench (a concurrency bench's median
 * and mean are its per-call latency), the failures file the benches that threw, and the history
 * file Locust's header only (a bench has no timeline).
 */
function renderBenchCsv(b: BenchSection): LocustCsv {
  const rows = b.benches.map((e) => {
    const s = e.stats;
    const c = e.concurrent;
    return [
      e.file,
      e.group ?? '',
      e.name,
      e.async ? 'true' : 'false',
      e.concurrency,
      s?.samples,
      e.iterationsPerSample,
      fine(c ? c.latency.p50 : s?.median),
      fine(c ? c.latency.mean : s?.mean),
      fine(s?.p75),
      fine(c ? c.latency.p99 : s?.p99),
      fine(s?.min),
      fine(s?.max),
      fine(s?.sd),
      fine(s?.rme),
      fine(c ? c.opsPerSec : s?.opsPerSec),
      fine(e.heapBytesPerOp),
      e.outliers?.low,
      e.outliers?.high,
      e.budgets.map((x) => `${x.ok ? 'ok' : 'FAILED'} ${x.expr}`).join('; '),
      benchFailures(e, b).length === 0 ? 'true' : 'false',
      failureText(e),
    ];
  });
  const failures = b.benches.filter((e) => e.error).map((e) => ['bench', e.name, failureText(e), 1]);
  return {
    stats: csv(BENCH_COLUMNS, rows),
    history: csv(HISTORY_COLUMNS, []),
    failures: csv(FAILURES_COLUMNS, failures),
  };
}

/** A sweep document's columns: one row per level, the document's own fields (sweep-schema.ts). */
const SWEEP_COLUMNS = [
  'level',
  'durationSec',
  'requests',
  'failed',
  'rps',
  'errorRate',
  'latencyMean',
  'latencyP50',
  'latencyP95',
  'latencyP99',
  'littleN',
  'littleOk',
  'saturated',
  'allFailed',
  'withinBudget',
];

const flag = (v: boolean | null): Cell => (v === null ? NA : v ? 'true' : 'false');

/**
 * A sweep document as CSV: PREFIX_sweep.csv, one row per level in the order measured, for a
 * spreadsheet's scalability chart. A sweep has no endpoints or timeline of its own (each level
 * is a load of its own), so Locust's three files would be empty: it writes only this one.
 * Undefined for any other document.
 */
export function renderSweepCsv(doc: ResultDocument): string | undefined {
  const s = sweepSection(doc);
  if (!s) return undefined;
  const rows = s.levels.map((l) => [
    l.level,
    l.durationSec,
    l.requests,
    l.failed,
    l.rps,
    // Six significant digits: a small error rate or a Little's N below 1 must not read 0.
    fine(l.errorRate),
    l.latency.mean,
    l.latency.p50,
    l.latency.p95,
    l.latency.p99,
    fine(l.littleN),
    flag(l.littleOk),
    flag(l.saturated),
    flag(l.allFailed),
    flag(l.withinBudget),
  ]);
  return csv(SWEEP_COLUMNS, rows);
}

/** Locust's three CSV files of a result document. */
export function renderCsv(doc: ResultDocument): LocustCsv {
  const bench = benchSection(doc);
  if (bench) return renderBenchCsv(bench);
  return { stats: renderStats(doc), history: renderHistory(doc), failures: renderFailures(doc) };
}
