import type { CompareRow, Comparison, Verdict } from '../result/comparison-schema.js';
import type { ResultDocument } from '../result/schema.js';
import type { Painter, Style } from './format.js';

/**
 * `squall compare`'s table for the console, and the same as Markdown for a pull-request comment:
 * a verdict line, then a row per metric with its change, interval and verdict. A run with
 * `--baseline` keeps the same comparison in its document, and every report of it (console,
 * Markdown, HTML, JUnit) draws it with these cells and words.
 */

const VERDICT_MARK: Record<Verdict, string> = {
  improved: '✓ improved',
  unchanged: '= unchanged',
  regressed: '✗ regressed',
  inconclusive: '? inconclusive',
};

const VERDICTS = new Set<string>(Object.keys(VERDICT_MARK));
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): number | null => (isNum(v) ? v : null);

/**
 * The document's comparison, when it has one, read defensively as every report reads a document
 * (an older or hand-edited file): rows without a metric or a known verdict are left out.
 */
export function comparisonOf(doc: ResultDocument): Comparison | undefined {
  const c = (doc as { comparison?: unknown }).comparison;
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return undefined;
  const o = c as Record<string, unknown>;
  if (!Array.isArray(o.rows)) return undefined;
  const rows: CompareRow[] = [];
  for (const x of o.rows) {
    if (x === null || typeof x !== 'object') continue;
    const r = x as Record<string, unknown>;
    if (typeof r.metric !== 'string' || !VERDICTS.has(String(r.verdict))) continue;
    rows.push({
      metric: r.metric,
      direction: r.direction === 'higher-is-better' ? 'higher-is-better' : 'lower-is-better',
      a: numOrNull(r.a),
      b: numOrNull(r.b),
      change: numOrNull(r.change),
      scale: r.scale === 'absolute' ? 'absolute' : 'relative',
      low: numOrNull(r.low),
      high: numOrNull(r.high),
      budget: isNum(r.budget) ? r.budget : 0,
      verdict: r.verdict as Verdict,
      runsNeeded: numOrNull(r.runsNeeded),
    });
  }
  return {
    a: typeof o.a === 'string' ? o.a : 'the baseline',
    b: typeof o.b === 'string' ? o.b : 'this run',
    kind: typeof o.kind === 'string' ? o.kind : '',
    runsA: isNum(o.runsA) ? o.runsA : 1,
    runsB: isNum(o.runsB) ? o.runsB : 1,
    ...(isNum(o.processesA) && isNum(o.processesB)
      ? { processesA: o.processesA, processesB: o.processesB }
      : {}),
    budget: isNum(o.budget) ? o.budget : 0,
    noise: isNum(o.noise) ? o.noise : 0,
    rows,
    verdict: VERDICTS.has(String(o.verdict)) ? (o.verdict as Verdict) : 'unchanged',
  };
}

function figure(v: number | null): string {
  if (v === null) return '-';
  return Number(v.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

function changeText(r: CompareRow, v: number | null): string {
  if (v === null) return '-';
  if (r.scale === 'absolute') return `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)} pt`;
  return `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} %`;
}

function intervalText(r: CompareRow): string {
  return r.low === null || r.high === null ? '-' : `${changeText(r, r.low)} … ${changeText(r, r.high)}`;
}

/** A bench's observations are its processes (`--forks`), a load run's its runs. */
function verdictText(r: CompareRow, unit: 'run' | 'process'): string {
  const units = unit === 'run' ? 'runs' : 'processes';
  const more =
    r.verdict === 'inconclusive' && r.runsNeeded !== null
      ? ` (${r.runsNeeded > 100 ? `over 100 more ${units}` : `about ${r.runsNeeded} more ${r.runsNeeded === 1 ? unit : units}`})`
      : '';
  return `${VERDICT_MARK[r.verdict]}${more}`;
}

const pct = (v: number) => `${Number((v * 100).toFixed(2))} %`;

/** Some metric has its own budget (the test file's `regressions:`): the table shows each row's. */
const perMetricBudgets = (c: Comparison) => c.rows.some((r) => r.budget !== c.budget);

/** A row's budget: `10 %`, or `0.5 pt` for an error rate. */
export function comparisonBudgetText(r: CompareRow): string {
  return r.scale === 'absolute' ? `${Number((r.budget * 100).toFixed(2))} pt` : pct(r.budget);
}

/** The rows as cells: metric, A, B, change, 95 % interval, (budget,) verdict. */
export function comparisonCells(c: Comparison): string[][] {
  const budgets = perMetricBudgets(c);
  return [
    ['metric', 'A', 'B', 'change', '95 % CI', ...(budgets ? ['budget'] : []), 'verdict'],
    ...c.rows.map((r) => [
      r.metric,
      figure(r.a),
      figure(r.b),
      changeText(r, r.change),
      intervalText(r),
      ...(budgets ? [comparisonBudgetText(r)] : []),
      verdictText(r, c.processesA === undefined ? 'run' : 'process'),
    ]),
  ];
}

/** How a bench comparison's intervals were made: over processes, or not at all. */
function overProcesses(a: number, b: number): string {
  if (a >= 2 && b >= 2) return `; over processes, ${a} against ${b}`;
  return `; one process on a side gives a bench no interval: run squall bench with --forks 5 (the default with --save and --baseline)`;
}

/** The comparison's one-line summary: its verdict, the count of each verdict, the budget and noise. */
export function comparisonHeadline(c: Comparison): string {
  const n = (v: Verdict) => c.rows.filter((r) => r.verdict === v).length;
  const over =
    c.processesA !== undefined && c.processesB !== undefined
      ? overProcesses(c.processesA, c.processesB)
      : c.runsA >= 2 && c.runsB >= 2
        ? `; over runs, ${c.runsA} against ${c.runsB}`
        : '';
  const budget = `budget ${perMetricBudgets(c) ? `${pct(c.budget)} unless the row says` : pct(c.budget)}, noise ${pct(c.noise)}${over}`;
  return `${c.verdict === 'regressed' ? '✗ regressed' : c.verdict === 'inconclusive' ? '? inconclusive' : '✓ no regression'}: ${n('regressed')} regressed, ${n('inconclusive')} inconclusive, ${n('improved')} improved, ${n('unchanged')} unchanged (${budget})`;
}

/**
 * Why a run with `--baseline` failed, for the verdict line of every report (`2 metrics regressed
 * against baseline main (run 12)`), or undefined when no metric regressed.
 */
export function regressionText(c: Comparison): string | undefined {
  const n = c.rows.filter((r) => r.verdict === 'regressed').length;
  if (n === 0 && c.verdict !== 'regressed') return undefined;
  return `${n === 1 ? '1 metric' : `${n} metrics`} regressed against ${c.a}`;
}

/** The passing counterpart of regressionText: `no regression against baseline main (run 12)`. */
export function noRegressionText(c: Comparison): string {
  const n = c.rows.filter((r) => r.verdict === 'inconclusive').length;
  return `no regression against ${c.a}${n > 0 ? ` (${n} inconclusive)` : ''}`;
}

export interface TableStyle {
  /** Paints the header row (the console dims it). */
  header?: (text: string) => string;
  /** Paints a row's verdict cell (the console colours regressed red and improved green). */
  verdict?: (verdict: Verdict, text: string) => string;
}

/** The table as aligned text lines: names and verdicts to the left, figures to the right. */
export function comparisonTableLines(c: Comparison, style: TableStyle = {}): string[] {
  const cells = comparisonCells(c);
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const last = widths.length - 1;
  // Padded before painting, so colour codes never count as width.
  return cells.map((r, row) => {
    const line = r
      .map((x, i) => (i === last ? x : i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!)))
      .map((x, i) =>
        i === last && row > 0 && style.verdict ? style.verdict(c.rows[row - 1]!.verdict, x) : x,
      )
      .join('  ')
      .trimEnd();
    return row === 0 && style.header ? style.header(line) : line;
  });
}

/** How the console colours a verdict: red regressed, green improved, yellow inconclusive. */
export const VERDICT_STYLE: Record<Verdict, Style | undefined> = {
  regressed: 'red',
  improved: 'green',
  inconclusive: 'yellow',
  unchanged: undefined,
};

/**
 * The body of a run's "COMPARED WITH" block in the console summary (its title is the caller's,
 * in its own style): the table with its verdicts coloured, then the headline.
 */
export function comparisonBlockLines(c: Comparison, p: Painter, indent: string): string[] {
  const paint = (v: Verdict, text: string) => {
    const style = VERDICT_STYLE[v];
    return style ? p(style, text) : text;
  };
  return [
    ...comparisonTableLines(c, { header: (t) => p('dim', t), verdict: paint }).map((l) => `${indent}${l}`),
    '',
    `${indent}${p(c.verdict === 'regressed' ? 'red' : c.verdict === 'inconclusive' ? 'yellow' : 'green', comparisonHeadline(c))}`,
  ];
}

/** The console table. */
export function renderComparison(c: Comparison): string {
  return [
    `  A: ${c.a}`,
    `  B: ${c.b}`,
    '',
    ...comparisonTableLines(c).map((l) => `  ${l}`),
    '',
    `  ${comparisonHeadline(c)}`,
    '',
  ].join('\n');
}

const escPipe = (t: string) => t.replace(/\|/g, '\\|');

/**
 * The comparison as a GitHub-flavoured table, with arrows: the direction of each change (none
 * inside the noise), red when regressed, yellow when inconclusive, green when improved. `esc` makes a cell's text safe
 * (the PR comment escapes `|`; the run's Markdown report all that opens inline Markdown).
 */
export function comparisonMarkdownTable(c: Comparison, esc: (text: string) => string = escPipe): string[] {
  // Coloured by the verdict, not the sign: a change worse but within its budget is not red.
  const arrow = (r: CompareRow) => {
    if (r.change === null || Math.abs(r.change) < c.noise || r.change === 0) return '';
    const colour = { regressed: '🔴', inconclusive: '🟡', improved: '🟢', unchanged: '' }[r.verdict];
    return ` ${r.change > 0 ? '↑' : '↓'}${colour}`;
  };
  const unit = c.processesA === undefined ? 'run' : 'process';
  const budgets = perMetricBudgets(c);
  return [
    `| metric | A | B | change | 95 % CI |${budgets ? ' budget |' : ''} verdict |`,
    `| --- | ---: | ---: | ---: | ---: |${budgets ? ' ---: |' : ''} --- |`,
    ...c.rows.map(
      (r) =>
        `| ${esc(r.metric)} | ${figure(r.a)} | ${figure(r.b)} | ${changeText(r, r.change)}${arrow(r)} | ${intervalText(r)} |${budgets ? ` ${comparisonBudgetText(r)} |` : ''} ${verdictText(r, unit)} |`,
    ),
  ];
}

/** The Markdown verdict mark of a comparison: ❌ regressed, ⚠️ inconclusive, ✅ otherwise. */
function comparisonMark(c: Comparison): string {
  return c.verdict === 'regressed' ? '❌' : c.verdict === 'inconclusive' ? '⚠️' : '✅';
}

/** Markdown for a pull-request comment: the verdict line, then the table with arrows. */
export function renderComparisonMarkdown(c: Comparison): string {
  return [
    `### ${comparisonMark(c)} squall compare: ${comparisonHeadline(c)}`,
    '',
    `A: \`${escPipe(c.a)}\` · B: \`${escPipe(c.b)}\``,
    '',
    ...comparisonMarkdownTable(c),
    '',
  ].join('\n');
}
