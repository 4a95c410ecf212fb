import { stripVTControlCharacters } from 'node:util';
import type { MonitorResult, MonitorSample, MonitorVerdict, ResultDocument } from '../result/schema.js';
import { formatMs } from '../util/duration.js';
import { formatBytes } from '../util/units.js';

/**
 * Small formatting helpers shared by the reporters (console, Markdown, CSV, JUnit) and the live
 * progress line.
 *
 * Colours are raw ANSI codes behind an explicit flag rather than `util.styleText`: newer Node
 * versions make styleText check process.stdout for a TTY by default, which would silently drop
 * colours from a summary written to stderr while stdout is piped (`--json > r.json`). The
 * caller already knows whether colour is wanted (`--no-color`, NO_COLOR, TTY), so we obey it.
 */

export type Style = 'red' | 'green' | 'yellow' | 'cyan' | 'dim' | 'bold';

const CODES: Record<Style, readonly [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export type Painter = (style: Style, text: string) => string;

/** Returns a painter that colours text, or leaves it untouched when colour is off. */
export function painter(color: boolean): Painter {
  if (!color) return (_style, text) => text;
  return (style, text) => {
    const [open, close] = CODES[style];
    return text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`;
  };
}

/** Width on screen, ignoring ANSI escapes, so coloured cells still line up. */
export function visibleWidth(text: string): number {
  return stripVTControlCharacters(text).length;
}

export function padEndVisible(text: string, width: number): string {
  const n = width - visibleWidth(text);
  return n > 0 ? text + ' '.repeat(n) : text;
}

export function padStartVisible(text: string, width: number): string {
  const n = width - visibleWidth(text);
  return n > 0 ? ' '.repeat(n) + text : text;
}

/** A JSON object read from a result document, whose fields are still to be checked. */
export type Obj = Record<string, unknown>;

/** Result documents come from files and other versions: anything but an object is missing. */
export function asObj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' ? (v as Obj) : undefined;
}

/** Result documents come from files and other versions: treat anything odd as missing. */
export function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** A count with thousands separators (`12,345`), fixed to en-US so output is the same everywhere. */
export function fmtCount(n: unknown): string {
  if (!isNum(n)) return '-';
  return Math.round(n).toLocaleString('en-US');
}

/** A plain number with up to two decimals (`3.14`, `1,200`). */
export function fmtNum(n: unknown): string {
  if (!isNum(n)) return '-';
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/**
 * A per-second rate with fixed decimals by magnitude, so a column of rates lines up and small
 * rates keep their meaning (`0.25`, `13.3`, `1,204`).
 */
export function fmtRate(n: unknown): string {
  if (!isNum(n)) return '-';
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * A fraction as a percentage with two decimals. Never rounds a partial failure to `100.00%`
 * or a non-zero one to `0.00%`: either would tell the reader the opposite of the truth.
 */
export function fmtPct(fraction: unknown): string {
  if (!isNum(fraction)) return '-';
  let s = (fraction * 100).toFixed(2);
  if (fraction < 1 && s === '100.00') s = '99.99';
  if (fraction > 0 && s === '0.00') return '<0.01%';
  return `${s}%`;
}

/** Collapses whitespace and cuts long text with an ellipsis, for one-line table cells. */
export function oneLine(text: unknown, max: number): string {
  const s = String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}

/** Breaks one line of text at spaces into lines of at most `width` (a longer word gets its own line). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    if (word === '') continue;
    if (cur !== '' && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur === '' ? word : `${cur} ${word}`;
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// The monitored process in words, the same in the console summary and the Markdown. Older
// documents lack most of these fields, so each is checked.

/** A `squall monitor` document: no HTTP traffic by design, only the watched process. */
export function isMonitorOnly(doc: Pick<ResultDocument, 'config'>): boolean {
  return asObj(doc.config)?.command === 'monitor';
}

/** `monitor 'node server.js' (pid 4242)` or `monitor pid 4242`. */
export function monitoredName(doc: Pick<ResultDocument, 'config' | 'monitor'>): string {
  const config = asObj(doc.config) ?? {};
  const mon = asObj(doc.monitor) ?? {};
  const cmd = [mon.cmd, config.cmd].find((v): v is string => typeof v === 'string' && v !== '');
  const pid = [mon.pid, config.pid].find(isNum);
  const pidText = pid === undefined ? '' : `pid ${pid}`;
  if (cmd) return `monitor '${oneLine(cmd, 500)}'${pidText ? ` (${pidText})` : ''}`;
  return `monitor ${pidText || 'a process'}`;
}

/** The verdict of a monitor result; documents older than the verdict have only `leakSuspected`. */
export function monitorVerdict(m: Partial<MonitorResult>): MonitorVerdict | undefined {
  if (m.verdict === 'healthy' || m.verdict === 'leak' || m.verdict === 'inconclusive') return m.verdict;
  return m.leakSuspected === true ? 'leak' : undefined;
}

/** The samples of a monitor result that carry a time, whatever else is wrong with them. */
export function monitorSamples(m: unknown): MonitorSample[] {
  const samples = asObj(m)?.samples;
  return (Array.isArray(samples) ? samples : []).filter((s): s is MonitorSample => isNum(asObj(s)?.t));
}

/** The most processes summed into one sample (tree mode); 0 when the samples do not say. */
export function processesSummed(samples: readonly MonitorSample[]): number {
  return Math.max(0, ...samples.map((s) => (isNum(s.processes) ? s.processes : 0)));
}

export function signed(v: number, digits: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
}

/** `12 → 14 (peak 15, +1.5/min)`; '' when the platform did not count them (null). */
export function countRange(start: unknown, end: unknown, peak: unknown, perMin: unknown): string {
  if (!isNum(start) || !isNum(end)) return '';
  const extra = [
    isNum(peak) && peak > Math.max(start, end) ? `peak ${fmtCount(peak)}` : '',
    isNum(perMin) ? `${signed(perMin, perMin === 0 ? 0 : 1)}/min` : '',
  ].filter(Boolean);
  return `${fmtCount(start)} → ${fmtCount(end)}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}

/** `+12.50 MB/min (95% CI +9.10 to +15.20) after a 10s warm-up, still growing at the end`. */
export function rssGrowthText(m: Partial<MonitorResult>): string {
  if (!isNum(m.rssGrowthMbPerMin)) return '';
  const ci = m.rssGrowthCiMbPerMin;
  let text = `${signed(m.rssGrowthMbPerMin, 2)} MB/min`;
  if (Array.isArray(ci) && isNum(ci[0]) && isNum(ci[1])) {
    text += ` (95% CI ${signed(ci[0], 2)} to ${signed(ci[1], 2)})`;
  }
  // Without an interval the warm-up left too few samples: the slope is of every sample, warm-up
  // included, and says little (the verdict says so).
  if (ci === null) text += ' over every sample (too few after the warm-up to judge)';
  else if (isNum(m.warmupSec)) text += ` after a ${fmtNum(m.warmupSec)}s warm-up`;
  if (m.settled === true) text += ', settled by the end';
  if (m.settled === false) text += ', still growing at the end';
  return text;
}

/** `exited with code 3 2.58s into monitoring`, `was killed by SIGKILL …`, `went away …`. */
export function exitText(exit: Obj): string {
  const how =
    typeof exit.signal === 'string' && exit.signal !== ''
      ? `was killed by ${oneLine(exit.signal, 20)}`
      : isNum(exit.code)
        ? `exited with code ${exit.code}`
        : 'went away';
  return isNum(exit.atSec) ? `${how} ${fmtNum(exit.atSec)}s into monitoring` : how;
}

/** The started service died while in use (`monitor.exit` with a `cmd`): the run failed. */
export function serviceExited(doc: Pick<ResultDocument, 'monitor'>): boolean {
  const m = asObj(doc.monitor);
  return !!m && !!asObj(m.exit) && typeof m.cmd === 'string' && m.cmd !== '';
}

/** `1 sample`, `48 samples`, `1,200 VUs`: a count with its noun, singular for one. */
export function plural(n: unknown, one: string, many = `${one}s`): string {
  return `${fmtCount(n)} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------------------------------------
// Metrics and thresholds, as every reporter reads them

export type Kind = 'trend' | 'rate' | 'gauge' | 'counter' | 'unknown';

/** The document has no metric types, so infer them from the fields each summary carries. */
export function kindOf(v: unknown): Kind {
  const o = asObj(v);
  if (!o) return 'unknown';
  if (isNum(o.p50) && isNum(o.p95)) return 'trend';
  if (isNum(o.rate) && isNum(o.total)) return 'rate';
  if (isNum(o.value)) return 'gauge';
  if (isNum(o.count)) return 'counter';
  return 'unknown';
}

/** `http_req_duration{name:GET /x}` -> `http_req_duration`. */
export function baseName(key: string): string {
  const i = key.indexOf('{');
  return i < 0 ? key : key.slice(0, i).trim();
}

/**
 * Trends carry no unit, and a custom trend may count tokens or bytes, so only the ones whose
 * names say they are times are shown in ms (k6 does the same with its `isTime` flag).
 */
const TIME_NAME =
  /duration|latency|time|waiting|connecting|blocked|sending|receiving|handshaking|ttft|itl|tpot|_ms$/i;
export function isTimeMetric(base: string): boolean {
  return TIME_NAME.test(base);
}

export const BYTE_COUNTERS = new Set(['data_received', 'data_sent']);

export interface Aggregation {
  label: string;
  kind: 'trend' | 'rate' | 'count' | 'value' | 'unknown';
}

/** What a threshold expression reads: `p(95)<300` -> p(95) of a trend. */
export function thresholdAggregation(expr: string): Aggregation {
  const m = /^\s*(p\(\s*([\d.]+)\s*\)|avg|min|max|med|count|rate|value)/.exec(expr);
  if (!m) return { label: 'value', kind: 'unknown' };
  if (m[2] !== undefined) return { label: `p(${m[2]})`, kind: 'trend' };
  const name = m[1]!;
  if (name === 'count' || name === 'rate' || name === 'value') return { label: name, kind: name };
  return { label: name, kind: 'trend' };
}

/**
 * A threshold's actual value in the unit its metric is read in: ms, %, /s, bytes or a count;
 * undefined when it had no data.
 */
export function formatThresholdValue(
  t: { metric?: unknown; expr?: unknown; actual?: unknown },
  metrics: Obj,
): string | undefined {
  if (!isNum(t.actual)) return undefined;
  const agg = thresholdAggregation(String(t.expr ?? ''));
  const base = baseName(String(t.metric ?? ''));
  const kind = kindOf(metrics[base]);
  const v = t.actual;
  const bytes = (n: number) => formatBytes(Math.round(n));
  switch (agg.kind) {
    case 'rate':
      // `rate` is a fraction on a Rate metric but requests per second on a Counter.
      if (kind !== 'counter') return fmtPct(v);
      return BYTE_COUNTERS.has(base) ? `${bytes(v)}/s` : `${fmtRate(v)}/s`;
    case 'count':
      return BYTE_COUNTERS.has(base) ? bytes(v) : fmtCount(v);
    case 'trend':
      return isTimeMetric(base) ? formatMs(v) : fmtNum(v);
    default:
      return fmtNum(v);
  }
}
