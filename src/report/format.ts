import type { MonitorResult, MonitorSample, MonitorVerdict } from '../result/schema.js';
import { fmtCount, fmtNum, isNum } from '../util/figures.js';
import { judgesResources, monitorLeaks } from './monitor-state.js';

// Every figure's text, by its unit, comes from util/figures.ts (the report page runs the same
// functions); reporters take them from here.
export {
  baseName,
  type FigureKind,
  type FigureUnit,
  fmtBytes,
  fmtCount,
  fmtIn,
  fmtNum,
  fmtPct,
  fmtPerSec,
  fmtRate,
  fmtSig,
  fmtTrend,
  formatBytes,
  formatMs,
  isNum,
  metricCells,
  metricKind,
  metricUnit,
  thresholdFigure,
  thresholdLabel,
} from '../util/figures.js';
// What the reports say of a watched process: one set of rules, which the report page runs too.
export {
  judgesResources,
  monitorLeaks,
  monitorState,
  monitorWarnings,
  otherReasons,
  resourceState,
  resourceVerdicts,
} from './monitor-state.js';

/**
 * Small formatting helpers shared by the reporters (console, Markdown, CSV, JUnit), the live
 * progress line and the report page, which bundles this file for the browser: so it imports
 * nothing from Node.
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

// Node's util.stripVTControlCharacters pattern (CSI and OSC sequences), kept here so that this
// file also runs in the browser.
const ANSI =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is its job
  /[\u001B\u009B][[\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\d/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?(?:\u0007|\u001B\u005C|\u009C))|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g;

/** Width on screen, ignoring ANSI escapes, so coloured cells still line up. */
export function visibleWidth(text: string): number {
  return text.replace(ANSI, '').length;
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
export function isMonitorOnly(doc: { config?: unknown }): boolean {
  return asObj(doc.config)?.command === 'monitor';
}

/** `'node server.js' (pid 4242)` or `pid 4242`: the process a monitor watched; '' if unnamed. */
export function monitoredProcess(doc: { config?: unknown; monitor?: unknown } | null): string {
  const config = asObj(doc?.config) ?? {};
  const mon = asObj(doc?.monitor) ?? {};
  const cmd = [mon.cmd, config.cmd].find((v): v is string => typeof v === 'string' && v !== '');
  const pid = [mon.pid, config.pid].find(isNum);
  const pidText = pid === undefined ? '' : `pid ${pid}`;
  if (cmd) return `'${oneLine(cmd, 500)}'${pidText ? ` (${pidText})` : ''}`;
  return pidText;
}

/** `monitor 'node server.js' (pid 4242)` or `monitor pid 4242`. */
export function monitoredName(doc: { config?: unknown; monitor?: unknown } | null): string {
  return `monitor ${monitoredProcess(doc) || 'a process'}`;
}

/** The verdict of a monitor result; documents older than the verdict have only `leakSuspected`. */
export function monitorVerdict(m: Partial<MonitorResult>): MonitorVerdict | undefined {
  if (m.verdict === 'healthy' || m.verdict === 'leak' || m.verdict === 'inconclusive') return m.verdict;
  return m.leakSuspected === true ? 'leak' : undefined;
}

/**
 * `leak suspected: memory, fds`; documents older than per-resource verdicts keep their
 * `memory leak suspected`.
 */
export function leakHeadline(m: Partial<MonitorResult>): string {
  const leaks = monitorLeaks(m);
  if (!judgesResources(m)) return 'memory leak suspected';
  return leaks.length > 0 ? `leak suspected: ${leaks.join(', ')}` : 'leak suspected';
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

/**
 * `12 → 14 (first → last sample, peak 15, +1.5/min after the warm-up)`: the whole run, said so,
 * since the verdict's sentence may quote the level after the warm-up instead; '' when the
 * platform did not count them (null).
 */
export function countRange(
  start: unknown,
  end: unknown,
  peak: unknown,
  perMin: unknown,
  resource?: unknown,
): string {
  if (!isNum(start) || !isNum(end)) return '';
  // Documents with per-resource verdicts say whether a warm-up was found for this resource.
  const noWarmup = asObj(resource)?.warmupSource === 'none';
  const extra = [
    'first → last sample',
    isNum(peak) && peak > Math.max(start, end) ? `peak ${fmtCount(peak)}` : '',
    isNum(perMin) ? `${signed(perMin, perMin === 0 ? 0 : 1)}/min${noWarmup ? '' : ' after the warm-up'}` : '',
  ].filter(Boolean);
  return `${fmtCount(start)} → ${fmtCount(end)} (${extra.join(', ')})`;
}

/** CPU as a percentage of one core, as top shows it: `12.3%` (a busy process passes 100%). */
export function fmtCpu(v: unknown): string {
  return isNum(v) ? `${v.toFixed(1)}%` : '-';
}

/** RSS in mebibytes, as the samples count it: `139.0 MiB`. */
export function fmtMib(v: unknown): string {
  return isNum(v) ? `${v.toFixed(1)} MiB` : '-';
}

/** `+12.50 MiB/min (95% CI +9.10 to +15.20) after a 10s warm-up, still growing at the end`. */
export function rssGrowthText(m: Partial<MonitorResult>): string {
  if (!isNum(m.rssGrowthMbPerMin)) return '';
  const ci = m.rssGrowthCiMbPerMin;
  let text = `${signed(m.rssGrowthMbPerMin, 2)} MiB/min`;
  if (Array.isArray(ci) && isNum(ci[0]) && isNum(ci[1])) {
    text += ` (95% CI ${signed(ci[0], 2)} to ${signed(ci[1], 2)})`;
  }
  // Without an interval the warm-up left too few samples: the slope is of every sample, warm-up
  // included, and says little (the verdict says so).
  const memory = asObj(asObj(m.resources)?.memory);
  if (ci === null) text += ' over every sample (too few after the warm-up to judge)';
  else if (memory?.warmupSource === 'none') text += ', no warm-up found';
  else if (isNum(m.warmupSec)) {
    text += ` after a ${fmtNum(m.warmupSec)}s warm-up${memory?.warmupSource === 'found' ? ' (found in the data)' : ''}`;
  }
  // Documents with per-resource verdicts say whether it settled in memory's own line.
  if (memory) return text;
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
export function serviceExited(doc: { monitor?: unknown }): boolean {
  const m = asObj(doc.monitor);
  return !!m && !!asObj(m.exit) && typeof m.cmd === 'string' && m.cmd !== '';
}

/**
 * The watched process, started by squall or not (`--monitor-pid`), ended before monitoring did:
 * the run fails, and no report may call it passed or healthy.
 */
export function monitorExited(doc: { monitor?: unknown }): boolean {
  return !!asObj(asObj(doc.monitor)?.exit);
}

/** `the service exited with code 3 2.58s into monitoring` or `the watched process went away …`. */
export function diedText(doc: { monitor?: unknown }): string {
  const exit = asObj(asObj(doc.monitor)?.exit);
  if (!exit) return '';
  return `${serviceExited(doc) ? 'the service' : 'the watched process'} ${exitText(exit)}`;
}

/** `The service …`: a phrase made the start of a sentence. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `1 sample`, `48 samples`, `1,200 VUs`: a count with its noun, singular for one. */
export function plural(n: unknown, one: string, many = `${one}s`): string {
  return `${fmtCount(n)} ${n === 1 ? one : many}`;
}
