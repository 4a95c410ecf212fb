import type { ResultDocument, ThresholdResult } from '../result/schema.js';
import type { SweepLevel, SweepSection } from '../result/sweep-schema.js';
import { fmtNum, fmtRate, formatMs, isNum, thresholdFigure } from '../util/figures.js';
import {
  asObj,
  type Obj,
  type Painter,
  padEndVisible,
  padStartVisible,
  type Style,
  visibleWidth,
  wrapText,
} from './format.js';
import {
  budgetOf,
  capacityText,
  endText,
  fitHeadline,
  fitRows,
  kneeText,
  levelCells,
  levelNotes,
  levelUnit,
  noFitText,
  SWEEP_COLUMNS,
  sweepFailures,
  untilText,
} from './sweep-format.js';

/**
 * The console summary of a sweep document: the table per level (as the suites it replaces print
 * theirs), throughput and p95 against the level as bars, the USL fit, the knee, the capacity
 * within budget, the sweep's thresholds and its verdict in words, then PASSED or FAILED as every
 * summary ends. It fits 80 columns.
 */

const INDENT = '    ';
/** The bars' full width: with the level, the figure and a `← knee` they stay within 80 columns. */
const BAR_WIDTH = 40;
const TEXT_WIDTH = 76;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

const title = (text: string, p: Painter) => `  ${p('bold', text)}`;

/** A bar of `v` against `max`, in eighths of a cell; a figure above 0 always shows. */
export function bar(v: number, max: number, width = BAR_WIDTH): string {
  if (!(max > 0) || !(v > 0)) return '';
  const eighths = Math.max(1, Math.round((Math.min(v, max) / max) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}

function header(doc: ResultDocument, s: SweepSection, p: Painter): string[] {
  const config = asObj(doc.config) ?? {};
  const target = [config.url, config.target].find((v): v is string => typeof v === 'string' && v !== '');
  const method = typeof config.method === 'string' && config.url ? `${config.method.toUpperCase()} ` : '';
  const parts = [p('bold', `squall ${doc.version ?? ''} sweep`.trim())];
  if (target) parts.push(p('cyan', `${method}${target}`));
  if (isNum(doc.durationSec)) parts.push(formatMs(doc.durationSec * 1000));
  if (s.endReason !== 'completed') parts.push(p('yellow', `ended early: ${s.endReason}`));
  // The plan on a line of its own: with a long URL one line would pass 80 columns.
  const plan = [
    `${s.mode === 'rate' ? 'arrival rates' : 'concurrency'} ${s.planned.map(fmtNum).join(', ')}`,
    `hold ${formatMs(s.holdSec * 1000)}`,
    s.warmupSec > 0 ? `warm-up ${formatMs(s.warmupSec * 1000)} per level` : 'no warm-up',
  ];
  return [`  ${parts.join(p('dim', ' · '))}`, `  ${plan.join(p('dim', ' · '))}`];
}

/** `p(95)=62.0ms`, `value=8`: a threshold's aggregation and its actual value in its metric's unit. */
function actualOf(t: ThresholdResult, metrics: Obj): string {
  const figure = thresholdFigure(t, metrics);
  if (figure === undefined) return 'no data';
  return `${typeof t.aggregation === 'string' ? t.aggregation : 'value'}=${figure}`;
}

function levelsTable(doc: ResultDocument, s: SweepSection, p: Painter): string[] {
  const budgeted = s.levels.some((l) => l.withinBudget !== null);
  const head = [...SWEEP_COLUMNS, ...(budgeted ? ['budget'] : []), ''];
  const rows = s.levels.map((l) => {
    const cells = levelCells(l);
    // Little's law off by more than 10 %: requests waited outside the measured path.
    if (l.littleOk === false) cells[7] = p('yellow', `${cells[7]} !`);
    if (l.errorRate > 0) cells[6] = p('red', cells[6]!);
    if (budgeted) cells.push(l.withinBudget === null ? '' : l.withinBudget ? p('green', '✓') : p('red', '✗'));
    const notes = levelNotes(l);
    cells.push(notes.length === 0 ? '' : p(l.allFailed ? 'red' : 'yellow', `⚠ ${notes.join(', ')}`));
    return cells;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : padStartVisible(c, widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [
    title(`LEVELS (${levelUnit(s)})`, p),
    `${INDENT}${p('dim', line(head))}`,
    ...rows.map((r) => INDENT + line(r)),
  ];
  const marks: string[] = [];
  if (s.levels.some((l) => l.littleOk === false))
    marks.push("! Little's N (req/s × mean) more than 10 % from the level: requests waited elsewhere");
  if (s.levels.some((l) => l.saturated))
    marks.push('squall saturated: squall, not the target, was the limit');
  for (const m of marks) lines.push(`${INDENT}${p('dim', m)}`);
  // Which per-level thresholds a level crossed, with its figures.
  const metrics = asObj(doc.metrics) ?? {};
  for (const l of s.levels.filter((x) => x.withinBudget === false)) {
    const crossed = l.thresholds.filter((t) => t.ok !== true);
    const which = crossed.map((t) => `${t.metric} '${t.expr}' ${actualOf(t, metrics)}`).join(', ');
    lines.push(`${INDENT}${p('red', `✗ level ${fmtNum(l.level)}: ${which}`)}`);
  }
  return lines;
}

/** One line per level: its bar against the largest, its figure, and the knee and capacity marked. */
function chart(
  s: SweepSection,
  heading: string,
  value: (l: SweepLevel) => number | null,
  text: (v: number) => string,
  style: (l: SweepLevel) => Style,
  p: Painter,
): string[] {
  const values = s.levels.map(value);
  const max = Math.max(0, ...values.filter(isNum));
  if (!(max > 0)) return [];
  const levelWidth = Math.max(...s.levels.map((l) => fmtNum(l.level).length));
  return [
    title(heading, p),
    ...s.levels.map((l, i) => {
      const v = values[i];
      const b = isNum(v) ? bar(v, max) : '';
      const marks = [s.knee === l.level ? 'knee' : '', s.capacity === l.level ? 'capacity' : ''].filter(
        Boolean,
      );
      const tail = marks.length > 0 ? p('dim', ` ← ${marks.join(', ')}`) : '';
      return `${INDENT}${fmtNum(l.level).padStart(levelWidth)}  ${padEndVisible(p(style(l), b), BAR_WIDTH)}  ${isNum(v) ? text(v) : '-'}${tail}`;
    }),
  ];
}

function charts(s: SweepSection, p: Painter): string[][] {
  const flagged = (l: SweepLevel): Style | undefined =>
    l.allFailed ? 'red' : l.saturated ? 'yellow' : undefined;
  return [
    chart(
      s,
      'THROUGHPUT (req/s)',
      (l) => l.rps,
      fmtRate,
      (l) => flagged(l) ?? 'cyan',
      p,
    ),
    chart(
      s,
      'LATENCY p95',
      (l) => l.latency.p95,
      formatMs,
      // Within budget green, past it red; without thresholds, plain.
      (l) => flagged(l) ?? (l.withinBudget === null ? 'cyan' : l.withinBudget ? 'green' : 'red'),
      p,
    ),
  ];
}

function fitBlock(s: SweepSection, p: Painter): string[] {
  const f = s.fit;
  if (!f)
    return [title('USL FIT', p), ...wrapText(noFitText(s), TEXT_WIDTH - 2).map((l) => INDENT + p('dim', l))];
  const rows = fitRows(f);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return [
    `${title('USL FIT', p)}  ${p('dim', fitHeadline(f))}`,
    ...rows.map(([sym, v, what, ci]) =>
      `${INDENT}${sym.padEnd(w[0]!)}  ${v.padStart(w[1]!)}  ${ci ? `${what.padEnd(w[2]!)}  ${p('dim', ci)}` : what}`.trimEnd(),
    ),
  ];
}

function answers(s: SweepSection, p: Painter): string[] {
  const lines = [title('KNEE AND CAPACITY', p)];
  const wrapped = (text: string, style?: Style) => {
    for (const l of wrapText(text, TEXT_WIDTH - 2)) lines.push(`${INDENT}${style ? p(style, l) : l}`);
  };
  wrapped(kneeText(s));
  wrapped(capacityText(s), s.capacity === 0 ? 'red' : undefined);
  const until = untilText(s);
  if (until) wrapped(until);
  const end = endText(s);
  if (end) wrapped(end, 'yellow');
  return lines;
}

function thresholdsBlock(doc: ResultDocument, p: Painter): string[] {
  const list = (Array.isArray(doc.thresholds) ? doc.thresholds : []).filter((t) => asObj(t));
  if (list.length === 0) return [];
  const metrics = asObj(doc.metrics) ?? {};
  return [
    title('SWEEP THRESHOLDS', p),
    ...list.map((t) => {
      const mark = t.ok ? p('green', '✓') : p('red', '✗');
      const expr = `'${t.expr}'`;
      return `${INDENT}${mark} ${t.metric} ${t.ok ? expr : p('red', expr)} ${actualOf(t, metrics)}`;
    }),
  ];
}

function verdictParagraph(s: SweepSection, p: Painter): string[] {
  // A verdict without a word (a sweep that measured nothing) says nothing.
  if (!/\p{L}/u.test(s.verdict)) return [];
  return [title('VERDICT', p), ...wrapText(s.verdict, TEXT_WIDTH - 2).map((l) => INDENT + l)];
}

function verdictLine(doc: ResultDocument, s: SweepSection, p: Painter): string {
  const list = (Array.isArray(doc.thresholds) ? doc.thresholds : []).filter((t) => asObj(t));
  const metrics = asObj(doc.metrics) ?? {};
  const crossed = list.filter((t) => t.ok !== true);
  const thresholds =
    crossed.length > 0
      ? `${crossed.length} of ${list.length} sweep thresholds crossed: ${crossed
          .map((t) => `${t.metric} '${t.expr}' (${actualOf(t, metrics)})`)
          .join(', ')}`
      : null;
  const why = sweepFailures(s, thresholds);
  if (why.length > 0) return `  ${p('red', `✗ FAILED: ${why.join('; ')}`)}`;
  if (doc.passed === false) return `  ${p('red', '✗ FAILED')}`;
  const met = [`${s.levels.length} ${s.levels.length === 1 ? 'level' : 'levels'} measured`];
  if (s.capacity !== null) met.push(`capacity ${fmtNum(s.capacity)} within ${budgetOf(s) ?? 'budget'}`);
  if (list.length > 0)
    met.push(`${list.length === 1 ? 'the sweep threshold' : `all ${list.length} sweep thresholds`} met`);
  return `  ${p('green', `✓ PASSED: ${met.join('; ')}`)}`;
}

/** Renders a sweep document's summary; ends with a newline. */
export function renderSweepSummary(doc: ResultDocument, s: SweepSection, p: Painter): string {
  const blocks: string[][] = [
    header(doc, s, p),
    levelsTable(doc, s, p),
    ...charts(s, p),
    fitBlock(s, p),
    answers(s, p),
    thresholdsBlock(doc, p),
    verdictParagraph(s, p),
    [verdictLine(doc, s, p)],
  ];
  return `${blocks
    .filter((b) => b.length > 0)
    .map((b) => b.join('\n'))
    .join('\n\n')}\n`;
}
