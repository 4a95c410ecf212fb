import type {
  BreakingPoint,
  EndpointResult,
  ErrorGroup,
  MonitorResult,
  MonitorSample,
  MonitorVerdict,
  ResultDocument,
  ThresholdResult,
  TimelinePoint,
} from '../result/schema.js';
import { aggregationFigure, type FigureUnit } from '../util/figures.js';
import { renderBenchSummary } from './bench-console.js';
import { benchSection } from './bench-format.js';
import { comparisonBlockLines, comparisonOf, noRegressionText, regressionText } from './comparison.js';
import { droppedNotes } from './dropped.js';
import { endpointLabeller } from './endpoint-label.js';
import {
  asObj,
  baseName,
  countRange,
  diedText,
  metricCells as figureCells,
  fmtCount,
  fmtCpu,
  fmtMib,
  fmtNum,
  fmtPct,
  fmtRate,
  formatMs,
  isMonitorOnly,
  isNum,
  leakHeadline,
  monitorExited,
  monitoredName,
  monitorSamples,
  monitorState,
  monitorWarnings,
  type Obj,
  oneLine,
  otherReasons,
  type Painter,
  padEndVisible,
  padStartVisible,
  painter,
  plural,
  processesSummed,
  resourceState,
  resourceVerdicts,
  rssGrowthText,
  serviceExited,
  visibleWidth,
  wrapText,
} from './format.js';
import { sparkline } from './sparkline.js';
import { renderSweepSummary } from './sweep-console.js';
import { sweepSection } from './sweep-format.js';

/**
 * The end-of-test summary printed to the terminal: k6's layout (THRESHOLDS, TOTAL RESULTS
 * grouped HTTP / EXECUTION / NETWORK, dot-padded labels) so k6 users read it without thinking,
 * plus what k6 leaves out: a per-endpoint table, status codes, grouped errors with an example,
 * a timeline sparkline that shows stalls, and a plain sentence when nothing worked. With a
 * monitored target it adds the target's verdict and figures; when squall itself was the
 * bottleneck it says so before any figure.
 *
 * It reads only the result document and must render any document, including one loaded from
 * an older or partial file, so every field is checked before use.
 */

export interface SummaryOptions {
  color: boolean;
  /** The terminal's width: a wide one gets more (a bench's distribution); unknown, the narrow form. */
  width?: number;
}

const INDENT = '    ';
const MAX_ENDPOINT_ROWS = 30;
const MAX_ERROR_ROWS = 10;

function tagsOf(key: string): string {
  const i = key.indexOf('{');
  if (i < 0) return '';
  return key
    .slice(i + 1)
    .replace(/}\s*$/, '')
    .trim();
}

function fmtTime(v: unknown): string {
  return isNum(v) ? formatMs(v) : '-';
}

// ---------------------------------------------------------------------------------------------
// Thresholds

/**
 * `p(95)=412ms`: a threshold's aggregation and its actual value in its metric's kind and unit,
 * all as the document says them (the reader filled them in for a schema-1 document).
 */
function formatThresholdActual(t: ThresholdResult, metrics: Obj): string {
  if (!isNum(t.actual)) return 'no data';
  const key = String(t.metric ?? '');
  // A tagged threshold (`http_reqs{name:x}`) reads its metric's kind and unit.
  const m = asObj(metrics[key]) ?? asObj(metrics[baseName(key)]);
  const aggregation = typeof t.aggregation === 'string' ? t.aggregation : 'value';
  const unit = (typeof m?.unit === 'string' ? m.unit : 'count') as FigureUnit;
  const kind = typeof m?.kind === 'string' ? m.kind : undefined;
  return `${aggregation}=${aggregationFigure(aggregation, kind, unit, t.actual)}`;
}

/** The threshold that stopped the run (abortOnFail): when, and its value then. */
function abortNote(t: ThresholdResult, metrics: Obj): string {
  if (!isNum(t.abortedAtSec) || !isNum(t.actualAtAbort)) return '';
  const then = formatThresholdActual({ ...t, actual: t.actualAtAbort }, metrics);
  return ` — crossed at ${t.abortedAtSec.toFixed(1)}s with ${then}: aborted the run`;
}

function renderThresholds(thresholds: ThresholdResult[], metrics: Obj, p: Painter): string[] {
  const lines = [sectionTitle('THRESHOLDS', p), ''];
  // Grouped by metric in first-seen order, as k6 prints them.
  const groups = new Map<string, ThresholdResult[]>();
  for (const t of thresholds) {
    const key = String(t.metric ?? '?');
    const g = groups.get(key);
    if (g) g.push(t);
    else groups.set(key, [t]);
  }
  for (const [metric, list] of groups) {
    lines.push(`${INDENT}${metric}`);
    for (const t of list) {
      const mark = t.ok ? p('green', '✓') : p('red', '✗');
      const expr = `'${t.expr}'`;
      const actual = formatThresholdActual(t, metrics);
      lines.push(`${INDENT}${mark} ${t.ok ? expr : p('red', expr)} ${actual}${abortNote(t, metrics)}`);
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Total results

type Align = 'trend' | 'value' | 'none';

interface Row {
  label: string;
  cells: string[];
  /** Rows of the same alignment group share column widths across all sections. */
  align: Align;
}

type SectionName = 'CHECKS' | 'HTTP' | 'EXECUTION' | 'NETWORK' | 'WEBSOCKET' | 'CUSTOM';
const SECTION_ORDER: SectionName[] = ['CHECKS', 'HTTP', 'EXECUTION', 'NETWORK', 'WEBSOCKET', 'CUSTOM'];

// The latency view people look at first comes first; the rest follow in k6's order.
const HTTP_ORDER = [
  'http_req_duration',
  'http_req_service_duration',
  'http_req_waiting',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_blocked',
  'http_req_sending',
  'http_req_receiving',
  'http_req_failed',
  'http_reqs',
];
const EXECUTION_ORDER = ['iteration_duration', 'iterations', 'dropped_iterations', 'vus', 'vus_max'];
const NETWORK_ORDER = ['data_received', 'data_sent'];
// k6's WEBSOCKET section, with squall's round trip and failure share (transports/ws/ws-metrics.ts).
const WS_ORDER = [
  'ws_rtt',
  'ws_connecting',
  'ws_session_duration',
  'ws_failed',
  'ws_msgs_received',
  'ws_msgs_sent',
  'ws_sessions',
];

/** The trend fields DESIGN.md defines: what "the same trend" compares (extras such as p66 aside). */
const TREND_FIELDS = ['count', 'min', 'mean', 'stdev', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;

function sameTrend(a: unknown, b: unknown): boolean {
  const x = asObj(a);
  const y = asObj(b);
  return !!x && !!y && TREND_FIELDS.every((k) => x[k] === y[k]);
}

function sectionOf(base: string): SectionName {
  if (base === 'checks') return 'CHECKS';
  if (base.startsWith('http_')) return 'HTTP';
  if (EXECUTION_ORDER.includes(base)) return 'EXECUTION';
  if (NETWORK_ORDER.includes(base)) return 'NETWORK';
  if (WS_ORDER.includes(base)) return 'WEBSOCKET';
  return 'CUSTOM';
}

function rankOf(base: string): number {
  for (const order of [HTTP_ORDER, EXECUTION_ORDER, NETWORK_ORDER, WS_ORDER]) {
    const i = order.indexOf(base);
    if (i >= 0) return i;
  }
  return 1000;
}

/** A metric's figures (util/figures.ts, the same in every output), coloured where they warn. */
function metricCells(key: string, m: Obj, p: Painter): { cells: string[]; align: Align } | undefined {
  const base = baseName(key);
  const kind = m.kind;
  const cells = figureCells(key, m);
  if (cells.length === 0) return undefined;
  if (kind === 'trend') return { cells, align: cells.length > 1 ? 'trend' : 'none' };
  if (kind === 'rate' && base === 'http_req_failed' && isNum(m.fails) && m.fails > 0) {
    cells[0] = p('red', cells[0]!);
  }
  if (base === 'dropped_iterations') cells[0] = p('yellow', cells[0]!);
  return { cells, align: 'value' };
}

/** k6 splits `checks` into succeeded and failed lines; so do we. */
function checksRows(m: Obj, p: Painter): Row[] {
  if (m.kind !== 'rate') return [];
  const total = m.total as number;
  const passed = Math.round((m.rate as number) * total);
  const failed = total - passed;
  const failPct = fmtPct(total > 0 ? failed / total : 0);
  return [
    {
      label: 'checks_succeeded',
      cells: [fmtPct(m.rate), `${fmtCount(passed)} out of ${fmtCount(total)}`],
      align: 'value',
    },
    {
      label: 'checks_failed',
      cells: [failed > 0 ? p('red', failPct) : failPct, `${fmtCount(failed)} out of ${fmtCount(total)}`],
      align: 'value',
    },
  ];
}

function buildMetricRows(metrics: Obj, p: Painter): Map<SectionName, Row[]> {
  const keys = Object.keys(metrics);
  const subKeys = new Map<string, string[]>();
  const bases: string[] = [];
  for (const key of keys) {
    const base = baseName(key);
    if (!bases.includes(base)) bases.push(base);
    if (key !== base) {
      const list = subKeys.get(base) ?? [];
      list.push(key);
      subKeys.set(base, list);
    }
  }
  bases.sort((a, b) => rankOf(a) - rankOf(b) || a.localeCompare(b));

  const sections = new Map<SectionName, Row[]>();
  for (const base of bases) {
    // In the closed model service time is duration itself: one row says it.
    if (base === 'http_req_service_duration' && sameTrend(metrics[base], metrics.http_req_duration)) continue;
    const section = sectionOf(base);
    const rows = sections.get(section) ?? [];
    const m = asObj(metrics[base]);
    if (m) {
      if (base === 'checks') {
        rows.push(...checksRows(m, p));
      } else if (
        (base === 'dropped_iterations' || base === 'http_req_retries') &&
        !(isNum(m.count) && m.count > 0)
      ) {
        // Zero drops (or retries) is the normal case and not worth a line.
      } else {
        const r = metricCells(base, m, p);
        if (r) rows.push({ label: base, ...r });
      }
    }
    for (const key of subKeys.get(base) ?? []) {
      const sm = asObj(metrics[key]);
      const r = sm && metricCells(key, sm, p);
      // Indented under their metric, as k6 shows `{ expected_response:true }`.
      if (r) rows.push({ label: m ? `  { ${tagsOf(key)} }` : key, ...r });
    }
    if (rows.length > 0) sections.set(section, rows);
  }
  return sections;
}

function columnWidths(rows: Row[], align: Align): number[] {
  const widths: number[] = [];
  for (const r of rows) {
    if (r.align !== align) continue;
    r.cells.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleWidth(c));
    });
  }
  return widths;
}

function renderTotals(metrics: Obj, p: Painter): string[] {
  const sections = buildMetricRows(metrics, p);
  const all = [...sections.values()].flat();
  if (all.length === 0) return [];
  // Labels end in at least three dots, and line up across every group like k6's.
  const labelWidth = Math.min(Math.max(...all.map((r) => r.label.length)) + 3, 48);
  const widths = { trend: columnWidths(all, 'trend'), value: columnWidths(all, 'value') };
  const lines = [sectionTitle('TOTAL RESULTS', p)];
  // A WebSocket test without HTTP requests: k6 leaves the empty HTTP group out, so do we.
  const wsOnly = metrics.ws_sessions !== undefined && asObj(metrics.http_reqs)?.count === 0;
  for (const name of SECTION_ORDER) {
    const rows = sections.get(name);
    if (!rows || (wsOnly && name === 'HTTP')) continue;
    lines.push('');
    if (name !== 'CHECKS') lines.push(`${INDENT}${p('bold', name)}`);
    for (const r of rows) {
      const dots = '.'.repeat(Math.max(labelWidth - r.label.length, 3));
      const cells = r.cells.map((c, i) => {
        if (i === r.cells.length - 1) return c;
        // Trend stats line up column by column; other rows only align their main value (as
        // k6 does) and keep two spaces after it, so `0.50%  6 out of 1,200` reads as one unit.
        if (r.align === 'trend') return padEndVisible(c, widths.trend[i] ?? 0);
        return i === 0 ? padEndVisible(c, (widths.value[0] ?? 0) + 1) : c;
      });
      lines.push(`${INDENT}${r.label}${p('dim', dots)}: ${cells.join(' ')}`.trimEnd());
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Tables: endpoints and errors

function table(header: string[], rows: string[][], right: boolean[], p: Painter): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const fmtRow = (cells: string[]) =>
    cells
      .map((c, i) => {
        const last = i === cells.length - 1;
        if (right[i]) return padStartVisible(c, widths[i]!);
        return last ? c : padEndVisible(c, widths[i]!);
      })
      .join('  ')
      .trimEnd();
  return [`${INDENT}${p('dim', fmtRow(header))}`, ...rows.map((r) => INDENT + fmtRow(r))];
}

function statusCodes(codes: Record<string, number> | undefined, p: Painter): string {
  const entries = Object.entries(asObj(codes) ?? {}).filter(([, n]) => isNum(n) && n > 0);
  entries.sort(([a], [b]) => Number(a) - Number(b) || a.localeCompare(b));
  return entries
    .map(([code, n]) => {
      const text = `${code}×${fmtCount(n)}`;
      // 0 is what some clients record for "no response"; it is a failure too.
      const bad = Number(code) >= 400 || code === '0';
      return bad ? p('red', text) : text;
    })
    .join(' ');
}

function renderEndpoints(result: ResultDocument, p: Painter): string[] {
  const endpoints = (Array.isArray(result.endpoints) ? result.endpoints : []).filter((e) => asObj(e));
  if (endpoints.length === 0) return [];
  const shown = endpoints.slice(0, MAX_ENDPOINT_ROWS);
  const failCell = (fails: unknown, count: unknown) => {
    if (!isNum(fails) || fails <= 0) return fmtCount(fails);
    const pct = isNum(count) && count > 0 ? ` (${fmtPct(fails / count)})` : '';
    return p('red', `${fmtCount(fails)}${pct}`);
  };
  const label = endpointLabeller(endpoints);
  const row = (e: EndpointResult): string[] => {
    const lat = asObj(e.latency) ?? {};
    // No response at all (every request refused, reset, timed out): no latency to show (null;
    // older documents hold zeros there).
    const answered = Object.values(e.statusCodes ?? {}).some((n) => isNum(n) && n > 0);
    const t = (v: unknown) => (answered && isNum(v) ? fmtTime(v) : '—');
    return [
      // The protocol when it is not HTTP/1.1 (`GET / [h2]`).
      oneLine(typeof e.protocol === 'string' ? `${label(e)} [${e.protocol}]` : label(e), 48),
      fmtCount(e.count),
      failCell(e.failures, e.count),
      fmtRate(e.rps),
      t(lat.p50),
      t(lat.p95),
      t(lat.p99),
      t(lat.max),
      statusCodes(e.statusCodes, p),
    ];
  };
  const rows = shown.map(row);
  if (endpoints.length > 1) {
    // The total row doubles as the run's status-code breakdown.
    const m = asObj(result.metrics) ?? {};
    const reqs = asObj(m.http_reqs) ?? {};
    const failed = asObj(m.http_req_failed) ?? {};
    const dur = asObj(m.http_req_duration) ?? {};
    const codes: Record<string, number> = {};
    for (const e of endpoints) {
      for (const [code, n] of Object.entries(asObj(e.statusCodes) ?? {})) {
        if (isNum(n)) codes[code] = (codes[code] ?? 0) + n;
      }
    }
    rows.push([
      p('bold', 'total'),
      fmtCount(reqs.count),
      failCell(failed.fails, reqs.count),
      fmtRate(reqs.rate),
      ...[dur.p50, dur.p95, dur.p99, dur.max].map((v) => (isNum(v) ? fmtTime(v) : '—')),
      statusCodes(codes, p),
    ]);
  }
  const lines = [
    sectionTitle('ENDPOINTS', p),
    '',
    ...table(
      ['name', 'reqs', 'fails', 'rps', 'p50', 'p95', 'p99', 'max', 'status codes'],
      rows,
      [false, true, true, true, true, true, true, true, false],
      p,
    ),
  ];
  if (endpoints.length > shown.length) {
    lines.push(
      `${INDENT}${p('dim', `… and ${endpoints.length - shown.length} more endpoints (see --out json or csv)`)}`,
    );
  }
  return lines;
}

function sortedErrors(result: ResultDocument): ErrorGroup[] {
  const errors = Array.isArray(result.errors) ? result.errors : [];
  return errors
    .filter((e) => asObj(e) && isNum(e.count))
    .slice()
    .sort((a, b) => b.count - a.count);
}

function renderErrors(result: ResultDocument, p: Painter): string[] {
  const errors = sortedErrors(result);
  if (errors.length === 0) return [];
  const shown = errors.slice(0, MAX_ERROR_ROWS);
  const rows = shown.map((e) => [p('red', oneLine(e.kind, 32)), fmtCount(e.count), oneLine(e.example, 90)]);
  const lines = [
    sectionTitle('ERRORS', p),
    '',
    ...table(['kind', 'count', 'example'], rows, [false, true, false], p),
  ];
  if (errors.length > shown.length) {
    const rest = errors.slice(shown.length).reduce((n, e) => n + e.count, 0);
    lines.push(
      `${INDENT}${p('dim', `… and ${errors.length - shown.length} more kinds (${fmtCount(rest)} errors)`)}`,
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Timeline: a sparkline per series, so a stall or a latency spike shows at a glance.

const MAX_SPARK_COLUMNS = 60;

function downsample(values: number[], columns: number, how: 'avg' | 'max' | 'sum'): number[] {
  if (values.length <= columns) return values;
  const out: number[] = [];
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * values.length) / columns);
    const to = Math.floor(((c + 1) * values.length) / columns);
    const slice = values.slice(from, Math.max(to, from + 1));
    const sum = slice.reduce((a, b) => a + b, 0);
    out.push(how === 'max' ? Math.max(...slice) : how === 'sum' ? sum : sum / slice.length);
  }
  return out;
}

type SparkRow = [label: string, spark: string, note: string];

/** The HTTP rows: requests per second, p95, failures and VUs, one column per second or more. */
function httpTimelineRows(points: TimelinePoint[], cols: number, p: Painter): SparkRow[] {
  const series = (pick: (t: TimelinePoint) => unknown) =>
    points.map((t) => (isNum(pick(t)) ? (pick(t) as number) : 0));
  const rps = downsample(
    series((t) => t.rps),
    cols,
    'avg',
  );
  const p95 = downsample(
    series((t) => t.p95),
    cols,
    'max',
  );
  const errors = downsample(
    series((t) => t.errors),
    cols,
    'sum',
  );
  const vus = series((t) => t.vus);
  const rows: SparkRow[] = [
    ['rps', sparkline(rps), `peak ${fmtRate(Math.max(...rps))}/s`],
    // No second with a response: no latency to speak of (the document's nulls), not "0µs".
    ['p95', sparkline(p95), points.some((t) => isNum(t.p95)) ? `peak ${formatMs(Math.max(...p95))}` : '—'],
  ];
  const errorTotal = errors.reduce((a, b) => a + b, 0);
  if (errorTotal > 0) rows.push(['errors', p('red', sparkline(errors)), `total ${fmtCount(errorTotal)}`]);
  // VUs are worth a line only when they moved (ramps, spikes); a flat line says nothing.
  if (Math.min(...vus) !== Math.max(...vus)) {
    rows.push(['vus', sparkline(downsample(vus, cols, 'avg')), `peak ${fmtCount(Math.max(...vus))}`]);
  }
  return rows;
}

/**
 * Averages of the samples in each of `cols` equal slices of `spanSec` seconds, by their time
 * (`t` ends its interval, as a timeline point's does), so the target's rows line up with the
 * HTTP rows above them. A slice left empty after a sample is timer jitter, or sampling that
 * stopped a moment before the load did, and takes the value before it; only when the process
 * went away (`ended`) do the slices after its last sample stay blank.
 */
function bucketByTime(
  samples: MonitorSample[],
  pick: (s: MonitorSample) => unknown,
  cols: number,
  spanSec: number,
  ended: boolean,
): number[] {
  const sums = new Array<number>(cols).fill(0);
  const counts = new Array<number>(cols).fill(0);
  for (const s of samples) {
    const v = pick(s);
    if (!isNum(v)) continue;
    const c = Math.min(cols - 1, Math.max(0, Math.ceil((s.t / spanSec) * cols) - 1));
    sums[c]! += v;
    counts[c]! += 1;
  }
  const out: number[] = [];
  const last = counts.findLastIndex((n) => n > 0);
  for (let i = 0; i < cols; i++) {
    if (counts[i]! > 0) out.push(sums[i]! / counts[i]!);
    else out.push(i > 0 && (i < last || !ended) ? out[i - 1]! : 0);
  }
  return out;
}

/** The target's RSS and CPU from the monitor's samples, from zero so growth reads as growth. */
function targetTimelineRows(
  samples: MonitorSample[],
  cols: number,
  spanSec: number | null,
  ended: boolean,
): SparkRow[] {
  const rss = samples.map((s) => s.rssMb).filter(isNum);
  const cpu = samples.map((s) => s.cpuPct).filter(isNum);
  // Alone, the samples are evenly spaced already: one column per sample, or their averages.
  const series = (pick: (s: MonitorSample) => unknown) =>
    spanSec === null
      ? downsample(
          samples.map((s) => (isNum(pick(s)) ? (pick(s) as number) : 0)),
          cols,
          'avg',
        )
      : bucketByTime(samples, pick, cols, spanSec, ended);
  const rows: SparkRow[] = [];
  if (rss.length > 0) {
    rows.push([
      'target rss',
      sparkline(series((s) => s.rssMb)),
      `${fmtMib(rss[0])} → ${fmtMib(rss[rss.length - 1])}, peak ${fmtMib(Math.max(...rss))}`,
    ]);
  }
  if (cpu.length > 0) {
    rows.push([
      'target cpu',
      sparkline(series((s) => s.cpuPct)),
      `avg ${fmtCpu(cpu.reduce((a, b) => a + b, 0) / cpu.length)}, peak ${fmtCpu(Math.max(...cpu))}`,
    ]);
  }
  return rows;
}

function renderTimeline(result: ResultDocument, p: Painter): string[] {
  const points = (Array.isArray(result.timeline) ? result.timeline : []).filter((t) => asObj(t));
  const samples = monitorSamples(result.monitor);
  const m = asObj(result.metrics) ?? {};
  // The timeline counts HTTP requests: a WebSocket run without any has nothing to draw there.
  const wsOnly = m.ws_sessions !== undefined && asObj(m.http_reqs)?.count === 0;
  const http = points.length >= 3 && !wsOnly;
  const target = samples.length >= 3;
  if (!http && !target) return [];
  const cols = Math.min(http ? points.length : samples.length, MAX_SPARK_COLUMNS);
  // With HTTP rows, the target's samples (often several a second) are placed on their seconds.
  const spanSec = http ? Math.max(points.length, ...points.map((x) => (isNum(x.t) ? x.t : 0))) : null;
  const rows = [
    ...(http ? httpTimelineRows(points, cols, p) : []),
    ...(target
      ? targetTimelineRows(samples, cols, spanSec, asObj(asObj(result.monitor)?.exit) !== undefined)
      : []),
  ];
  let scale: string;
  if (http) {
    const per = points.length / cols;
    scale = `${points.length}s, ${per === 1 ? '1 column = 1s' : `1 column ≈ ${fmtNum(per)}s`}`;
  } else {
    const span = samples[samples.length - 1]!.t;
    scale = `${fmtNum(span)}s, ${fmtCount(samples.length)} samples, 1 column ≈ ${fmtNum(span / cols)}s`;
  }
  const labelWidth = Math.max(...rows.map((r) => r[0].length)) + 3;
  return [
    `${sectionTitle('TIMELINE', p)}  ${p('dim', `(${scale})`)}`,
    '',
    ...rows.map(
      ([label, spark, note]) =>
        `${INDENT}${label}${p('dim', '.'.repeat(labelWidth - label.length))}: ${padEndVisible(spark, cols)}  ${note}`,
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Breaking point and monitor

function renderBreakingPoint(bp: BreakingPoint | null | undefined, p: Painter): string[] {
  const b = asObj(bp);
  if (!b) return [];
  return [
    sectionTitle('BREAKING POINT', p),
    '',
    `${INDENT}broke at ${p('bold', `${fmtRate(b.rate)} req/s`)} (${plural(b.vus, 'VU')}) after ${fmtTime(
      isNum(b.atSec) ? b.atSec * 1000 : undefined,
    )}: ${oneLine(b.reason, 100)}`,
    `${INDENT}last healthy rate: ${p('green', `${fmtRate(b.lastHealthyRate)} req/s`)}`,
  ];
}

/** `squall run`: every check by name, k6's ✓ / ✗ list with passes and fails. */
function renderChecks(result: ResultDocument, p: Painter): string[] {
  const list = (result as { checks?: unknown }).checks;
  if (!Array.isArray(list) || list.length === 0) return [];
  const lines = [sectionTitle('CHECKS', p), ''];
  for (const c of list.slice(0, MAX_ENDPOINT_ROWS)) {
    const o = asObj(c);
    if (!o) continue;
    const fails = isNum(o.fails) ? o.fails : 0;
    const passes = isNum(o.passes) ? o.passes : 0;
    const mark = fails > 0 ? p('red', '✗') : p('green', '✓');
    const tail = fails > 0 ? `  ${p('red', `${fmtCount(fails)} failed`)} of ${fmtCount(passes + fails)}` : '';
    lines.push(`${INDENT}${mark} ${oneLine(o.name, 80)}${tail}`);
  }
  return lines;
}

/** `squall run`: iterations and VUs per scenario and per user type (Locust's user-class ratio). */
function renderScenarios(result: ResultDocument, p: Painter): string[] {
  const scenarios = asObj((result as { scenarios?: unknown }).scenarios);
  if (!scenarios || Object.keys(scenarios).length === 0) return [];
  const lines = [sectionTitle('SCENARIOS', p), ''];
  for (const [name, raw] of Object.entries(scenarios)) {
    const sc = asObj(raw);
    if (!sc) continue;
    const extra = [
      isNum(sc.dropped) && sc.dropped > 0 ? p('yellow', `${fmtCount(sc.dropped)} dropped`) : '',
      isNum(sc.interrupted) && sc.interrupted > 0 ? `${fmtCount(sc.interrupted)} interrupted` : '',
      isNum(sc.failedIterations) && sc.failedIterations > 0
        ? p('red', `${fmtCount(sc.failedIterations)} threw`)
        : '',
    ].filter(Boolean);
    lines.push(
      `${INDENT}${p('bold', oneLine(name, 40))}: ${plural(sc.iterations, 'iteration')}, up to ${plural(sc.vusMax, 'VU')}` +
        (extra.length > 0 ? `, ${extra.join(', ')}` : ''),
    );
    for (const [user, u] of Object.entries(asObj(sc.users) ?? {})) {
      const uo = asObj(u);
      if (uo)
        lines.push(
          `${INDENT}  ${oneLine(user, 40)}: ${plural(uo.vus, 'VU')}, ${plural(uo.iterations, 'iteration')}`,
        );
    }
  }
  const spike = asObj((result as { spike?: unknown }).spike);
  if (spike) {
    const rec = isNum(spike.recoverySec)
      ? `${spike.recoverySec}s after the spike`
      : p('red', 'not within the run');
    lines.push('', `${INDENT}spike recovery (p95 back within its pre-spike band): ${rec}`);
  }
  return lines;
}

// The target process: the verdict first, then the figures it rests on.

type Mark = { mark: string; text: string; style: 'green' | 'red' | 'yellow' | 'dim' };
const VERDICTS: Record<MonitorVerdict, Mark> = {
  healthy: { mark: '✓', text: 'healthy', style: 'green' },
  leak: { mark: '✗', text: 'leak', style: 'red' },
  inconclusive: { mark: '?', text: 'inconclusive', style: 'yellow' },
};
// A resource of a process that died showed no leak while it lived: that is not "healthy".
const NO_LEAK_BEFORE_DEATH: Mark = { mark: '–', text: 'no leak seen', style: 'dim' };
const MAX_EXIT_TAIL = 5;
const REASON_WIDTH = 100;

/**
 * `✓ healthy`, `✗ leak suspected: memory, fds`, `? inconclusive`, or for a process that died
 * without a leak found first, `✗ died: the service exited with code 3 2.58s into monitoring`.
 */
function monitorHeadline(m: Partial<MonitorResult>, p: Painter): string {
  const state = monitorState(m);
  if (state === 'leak') return p('red', `✗ ${leakHeadline(m)}`);
  if (state === 'died') return p('red', `✗ died: ${diedText({ monitor: m as MonitorResult })}`);
  if (state === 'none') return p('green', '✓ no leak suspected');
  const v = VERDICTS[state];
  return p(v.style, `${v.mark} ${v.text}`);
}

/** `pid 4242, 3 processes summed, 48 samples every 0.25s` */
function monitorWho(m: Partial<MonitorResult>, samples: MonitorSample[]): string {
  const processes = processesSummed(samples);
  return [
    isNum(m.pid) ? `pid ${m.pid}` : '',
    processes > 1 ? `${processes} processes summed` : m.tree === true ? 'with its child processes' : '',
    samples.length > 0
      ? `${plural(samples.length, 'sample')}${isNum(m.intervalMs) ? ` every ${fmtNum(m.intervalMs / 1000)}s` : ''}`
      : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function renderMonitor(mon: MonitorResult | null | undefined, p: Painter): string[] {
  const m = asObj(mon) as Partial<MonitorResult> | undefined;
  if (!m) return [];
  const samples = monitorSamples(m);
  const who = monitorWho(m, samples);
  const lines = [`${sectionTitle('TARGET PROCESS', p)}${who ? `  ${p('dim', `(${who})`)}` : ''}`];
  const cmd = typeof m.cmd === 'string' && m.cmd !== '' ? m.cmd : undefined;
  if (cmd) lines.push(`${INDENT}${p('dim', `cmd: ${oneLine(cmd, 500)}`)}`);
  lines.push('');

  // The verdict always comes first, then each resource's own, the doubts about what was watched,
  // and the plain sentences it rests on.
  lines.push(`${INDENT}${monitorHeadline(m, p)}`);
  const wrapped = (mark: string, text: string, indent: string) => {
    const [first, ...rest] = wrapText(oneLine(text, 1000), REASON_WIDTH);
    const pad = ' '.repeat(visibleWidth(mark) + 1);
    lines.push(`${indent}${mark} ${first ?? ''}`, ...rest.map((l) => `${indent}${pad}${l}`));
  };
  for (const w of monitorWarnings(m)) wrapped(p('yellow', '⚠'), p('yellow', w), `${INDENT}  `);
  const judged = resourceVerdicts(m);
  const marks = judged.map(({ r }) => {
    const state = resourceState(m, r);
    return state === 'unseen' ? NO_LEAK_BEFORE_DEATH : VERDICTS[state];
  });
  const nameWidth = Math.max(0, ...judged.map(({ resource }) => resource.length));
  const textWidth = Math.max(0, ...marks.map((v) => v.text.length));
  judged.forEach(({ resource, r }, i) => {
    const v = marks[i]!;
    const head = p(v.style, `${v.mark} ${resource.padEnd(nameWidth)}  ${v.text.padEnd(textWidth + 1)}`);
    wrapped(head, typeof r.sentence === 'string' ? r.sentence : '', `${INDENT}  `);
  });
  for (const r of otherReasons(m)) wrapped('·', r, `${INDENT}  `);
  lines.push('');

  const rows: Array<[string, string]> = [
    ['rss', `start=${fmtMib(m.rssStartMb)} peak=${fmtMib(m.rssPeakMb)} end=${fmtMib(m.rssEndMb)}`],
    ['growth', rssGrowthText(m)],
  ];
  const cpu = samples.filter((s) => isNum(s.cpuPct)).map((s) => s.cpuPct);
  const cpuAvg = isNum(m.cpuAvgPct)
    ? m.cpuAvgPct
    : cpu.length > 0
      ? cpu.reduce((a, b) => a + b, 0) / cpu.length
      : null;
  const cpuPeak = isNum(m.cpuPeakPct) ? m.cpuPeakPct : cpu.length > 0 ? Math.max(...cpu) : null;
  if (cpuAvg !== null) rows.push(['cpu', `avg=${fmtCpu(cpuAvg)} peak=${fmtCpu(cpuPeak)}`]);
  const res = asObj(m.resources);
  rows.push([
    'threads',
    countRange(m.threadsStart, m.threadsEnd, m.threadsPeak, m.threadsGrowthPerMin, res?.threads),
  ]);
  rows.push(['fds', countRange(m.fdsStart, m.fdsEnd, m.fdsPeak, m.fdsGrowthPerMin, res?.fds)]);
  const shown = rows.filter(([, text]) => text !== '');
  const width = Math.max(...shown.map(([label]) => label.length)) + 3;
  for (const [label, text] of shown) {
    lines.push(`${INDENT}${label}${p('dim', '.'.repeat(width - label.length))}: ${text}`);
  }

  // A service that died in use: how, when, and its last words.
  const exit = asObj(m.exit);
  if (exit) {
    const tail = (Array.isArray(exit.tail) ? exit.tail : []).filter((l) => typeof l === 'string');
    const shownTail = tail.slice(-MAX_EXIT_TAIL);
    lines.push(
      '',
      `${INDENT}${p('red', `✗ ${diedText({ monitor: m as MonitorResult })}${shownTail.length > 0 ? '; its last output:' : ''}`)}`,
    );
    for (const l of shownTail) lines.push(`${INDENT}  ${p('dim', `| ${oneLine(l, 160)}`)}`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Header, plain-language notices and the verdict

function sectionTitle(title: string, p: Painter): string {
  return `  ${p('bold', `█ ${title}`)}`;
}

const END_REASONS: Record<string, string> = {
  interrupted: 'interrupted, results cover the part that ran',
  'threshold-abort': 'aborted by a threshold (abortOnFail)',
  'breaking-point': 'the breaking point was found (see BREAKING POINT)',
  'script-error': 'stopped by a script error',
};

function renderHeader(result: ResultDocument, p: Painter): string {
  const config = asObj(result.config) ?? {};
  const target = [config.url, config.target].find((v): v is string => typeof v === 'string' && v !== '');
  const method = typeof config.method === 'string' && target ? `${config.method.toUpperCase()} ` : '';
  const parts = [p('bold', `squall ${result.version ?? ''}`.trim())];
  if (isMonitorOnly(result)) parts.push(p('cyan', monitoredName(result)));
  else if (target) parts.push(p('cyan', `${method}${target}`));
  if (isNum(result.durationSec)) parts.push(formatMs(result.durationSec * 1000));
  const reason = result.endReason;
  if (reason && reason !== 'completed') {
    parts.push(p('yellow', `ended early: ${END_REASONS[reason] ?? String(reason)}`));
  }
  return `  ${parts.join(p('dim', ' · '))}`;
}

// For the causes that are nearly always a setup mistake rather than a load problem.
const ALL_FAILED_HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing accepted connections at the target; is the server running, on that host and port?',
  ENOTFOUND: 'the host name did not resolve; check the target URL',
  EAI_AGAIN: 'the host name did not resolve; check the target URL and DNS',
};

function renderNotices(result: ResultDocument, p: Painter): string[] {
  const m = asObj(result.metrics) ?? {};
  const failed = asObj(m.http_req_failed) ?? {};
  const reqs = asObj(m.http_reqs) ?? {};
  const total = isNum(failed.total) ? failed.total : isNum(reqs.count) ? reqs.count : 0;
  const lines: string[] = [];
  if (failed.rate === 1 && total > 0) {
    // The one situation where the numbers below mislead (fast "latencies" of refused
    // connections), so say it in words before them.
    const errors = sortedErrors(result);
    const causes = errors
      .slice(0, 3)
      .map((e) => `${oneLine(e.kind, 40)} ×${fmtCount(e.count)}`)
      .join(', ');
    const more = errors.length > 3 ? ', …' : '';
    const why = causes ? `: ${causes}${more}` : '';
    lines.push(
      `  ${p('red', `✗ All ${fmtCount(total)} requests failed — the target never answered successfully${why}`)}`,
    );
    const hint = ALL_FAILED_HINTS[errors[0]?.kind ?? ''];
    if (hint) lines.push(`    ${p('dim', `hint: ${hint}`)}`);
  } else if (
    total === 0 &&
    isNum(reqs.count) &&
    reqs.count === 0 &&
    !isMonitorOnly(result) &&
    // A WebSocket test makes no HTTP requests by design.
    m.ws_sessions === undefined
  ) {
    // Monitoring alone sends no load by design: nothing to warn about.
    lines.push(`  ${p('yellow', '⚠ No requests were made.')}`);
  }
  const dropped = asObj(m.dropped_iterations);
  const dropNotes = droppedNotes(result);
  for (const note of dropNotes) lines.push(`  ${p('yellow', `⚠ ${note}`)}`);
  if (dropNotes.length === 0 && dropped && isNum(dropped.count) && dropped.count > 0) {
    const what = `⚠ ${fmtCount(dropped.count)} iterations were dropped`;
    lines.push(
      `  ${p('yellow', `${what}: the target or the load generator could not keep up with the rate`)}`,
    );
  }
  lines.push(...renderSaturation(result, p));
  // Doubts about the watched process (a wrapper, not the port's owner) before any figure of it.
  const mon = asObj(result.monitor) as Partial<MonitorResult> | undefined;
  for (const w of mon ? monitorWarnings(mon) : []) {
    const [first, ...rest] = wrapText(oneLine(`⚠ target process: ${w}`, 1000), REASON_WIDTH);
    lines.push(...[first ?? '', ...rest.map((l) => `  ${l}`)].map((l) => `  ${p('yellow', l)}`));
  }
  return lines;
}

/**
 * When squall itself ran out of CPU or its event loop lagged, every latency includes its own
 * delay: said before the figures, with the reasons and what to change.
 */
function renderSaturation(result: ResultDocument, p: Painter): string[] {
  const gen = asObj(result.generator);
  if (gen?.saturated !== true) return [];
  const lines = [
    `  ${p('yellow', '⚠ squall itself was saturated: the figures below measure squall, not the target')}`,
  ];
  for (const r of Array.isArray(gen.reasons) ? gen.reasons : []) {
    if (typeof r !== 'string') continue;
    const [first, ...rest] = wrapText(oneLine(r, 1000), REASON_WIDTH);
    lines.push(`    · ${first ?? ''}`, ...rest.map((l) => `      ${l}`));
  }
  const command = asObj(result.config)?.command;
  const fewer =
    command === 'quick' ? 'fewer connections (-c)' : command === 'run' ? 'fewer VUs (--vus)' : 'less load';
  lines.push(
    `    ${p('dim', `what to do: run again with ${fewer} and compare, or run squall on a bigger machine, apart from the target`)}`,
  );
  return lines;
}

/** `--baseline`: the run against its baseline, the comparison's table and headline. */
function renderCompared(result: ResultDocument, p: Painter): string[] {
  const c = comparisonOf(result);
  if (!c) return [];
  return [`${sectionTitle('COMPARED WITH', p)} ${p('bold', c.a)}`, '', ...comparisonBlockLines(c, p, INDENT)];
}

function renderVerdict(result: ResultDocument, metrics: Obj, p: Painter): string[] {
  const thresholds = Array.isArray(result.thresholds) ? result.thresholds : [];
  const failed = thresholds.filter((t) => asObj(t) && !t.ok);
  const comparison = comparisonOf(result);
  // A regression beyond its budget fails the run even when every threshold passed: say both.
  const regressed = comparison && regressionText(comparison);
  const reasons: string[] = [];
  if (failed.length > 0) {
    const which = failed
      .map((t) => `${t.metric} '${t.expr}' (${formatThresholdActual(t, metrics)})`)
      .join(', ');
    reasons.push(`${failed.length} of ${thresholds.length} thresholds crossed: ${which}`);
  } else if (serviceExited(result)) {
    reasons.push('the service under test exited while in use (see TARGET PROCESS)');
  } else if (monitorExited(result)) {
    reasons.push('the watched process exited while in use (see TARGET PROCESS)');
  }
  if (regressed) reasons.push(regressed);
  if (reasons.length > 0) return [`  ${p('red', `✗ FAILED: ${reasons.join('; ')}`)}`];
  if (result.passed === false) return [`  ${p('red', '✗ FAILED')}`];
  const met: string[] = [];
  const n = thresholds.length;
  if (n > 0) met.push(`${n === 1 ? 'the threshold' : `all ${n} thresholds`} met`);
  if (comparison) met.push(noRegressionText(comparison));
  return met.length > 0 ? [`  ${p('green', `✓ PASSED: ${met.join('; ')}`)}`] : [];
}

/** Renders the end-of-test summary. Ends with a newline; never throws on a partial document. */
export function renderSummary(result: ResultDocument, opts: SummaryOptions): string {
  const p = painter(opts.color);
  const bench = benchSection(result);
  if (bench) return renderBenchSummary(result, bench, p, opts.width);
  const sweep = sweepSection(result);
  if (sweep) return renderSweepSummary(result, sweep, p);
  const metrics = (asObj(result.metrics) ?? {}) as Obj;
  const thresholds = Array.isArray(result.thresholds) ? result.thresholds.filter((t) => asObj(t)) : [];
  const blocks: string[][] = [
    [renderHeader(result, p), ...renderNotices(result, p)],
    thresholds.length > 0 ? renderThresholds(thresholds, metrics, p) : [],
    renderChecks(result, p),
    // A monitor document has no HTTP traffic: its empty HTTP totals would only be noise.
    isMonitorOnly(result) ? [] : renderTotals(metrics, p),
    renderEndpoints(result, p),
    renderScenarios(result, p),
    renderTimeline(result, p),
    renderErrors(result, p),
    renderBreakingPoint(result.breakingPoint, p),
    renderMonitor(result.monitor, p),
    renderCompared(result, p),
    renderVerdict(result, metrics, p),
  ];
  return `${blocks
    .filter((b) => b.length > 0)
    .map((b) => b.join('\n'))
    .join('\n\n')}\n`;
}
