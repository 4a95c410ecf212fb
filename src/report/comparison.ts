import type { CompareRow, Comparison, Verdict } from '../result/comparison-schema.js';

/**
 * `squall compare`'s table for the console, and the same as Markdown for a pull-request comment:
 * a verdict line, then a row per metric with its change, interval and verdict.
 */

const VERDICT_MARK: Record<Verdict, string> = {
  improved: '✓ improved',
  unchanged: '= unchanged',
  regressed: '✗ regressed',
  inconclusive: '? inconclusive',
};

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

function verdictText(r: CompareRow): string {
  const more =
    r.verdict === 'inconclusive' && r.runsNeeded !== null
      ? ` (${r.runsNeeded > 100 ? 'over 100 more runs' : `about ${r.runsNeeded} more run${r.runsNeeded === 1 ? '' : 's'}`})`
      : '';
  return `${VERDICT_MARK[r.verdict]}${more}`;
}

const pct = (v: number) => `${Number((v * 100).toFixed(2))} %`;

/** Some metric has its own budget (the test file's `regressions:`): the table shows each row's. */
const perMetricBudgets = (c: Comparison) => c.rows.some((r) => r.budget !== c.budget);

function budgetText(r: CompareRow): string {
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
      ...(budgets ? [budgetText(r)] : []),
      verdictText(r),
    ]),
  ];
}

function headline(c: Comparison): string {
  const n = (v: Verdict) => c.rows.filter((r) => r.verdict === v).length;
  const over = c.runsA >= 2 && c.runsB >= 2 ? `; over runs, ${c.runsA} against ${c.runsB}` : '';
  const budget = `budget ${perMetricBudgets(c) ? `${pct(c.budget)} unless the row says` : pct(c.budget)}, noise ${pct(c.noise)}${over}`;
  return `${c.verdict === 'regressed' ? '✗ regressed' : c.verdict === 'inconclusive' ? '? inconclusive' : '✓ no regression'}: ${n('regressed')} regressed, ${n('inconclusive')} inconclusive, ${n('improved')} improved, ${n('unchanged')} unchanged (${budget})`;
}

/** The console table. */
export function renderComparison(c: Comparison): string {
  const cells = comparisonCells(c);
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const lines = cells.map((r) =>
    r
      .map((x, i) => (i === 0 || i === r.length - 1 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  return [`  A: ${c.a}`, `  B: ${c.b}`, '', ...lines.map((l) => `  ${l}`), '', `  ${headline(c)}`, ''].join(
    '\n',
  );
}

/** Markdown for a pull-request comment: the verdict line, then the table with arrows. */
export function renderComparisonMarkdown(c: Comparison): string {
  // The direction of the change, and whether that is worse (red) or better (green); none inside the noise.
  const arrow = (r: CompareRow) => {
    if (r.change === null || Math.abs(r.change) < c.noise || r.change === 0) return '';
    const worse = r.change > 0 === (r.direction === 'lower-is-better');
    return ` ${r.change > 0 ? '↑' : '↓'}${worse ? '🔴' : '🟢'}`;
  };
  const esc = (t: string) => t.replace(/\|/g, '\\|');
  const budgets = perMetricBudgets(c);
  const rows = c.rows.map(
    (r) =>
      `| ${esc(r.metric)} | ${figure(r.a)} | ${figure(r.b)} | ${changeText(r, r.change)}${arrow(r)} | ${intervalText(r)} |${budgets ? ` ${budgetText(r)} |` : ''} ${verdictText(r)} |`,
  );
  return [
    `### ${c.verdict === 'regressed' ? '❌' : c.verdict === 'inconclusive' ? '⚠️' : '✅'} squall compare: ${headline(c)}`,
    '',
    `A: \`${esc(c.a)}\` · B: \`${esc(c.b)}\``,
    '',
    `| metric | A | B | change | 95 % CI |${budgets ? ' budget |' : ''} verdict |`,
    `| --- | ---: | ---: | ---: | ---: |${budgets ? ' ---: |' : ''} --- |`,
    ...rows,
    '',
  ].join('\n');
}
