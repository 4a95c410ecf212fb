import { type BenchSection, benchPassed } from '../result/bench-schema.js';
import type { ResultDocument } from '../result/schema.js';
import { formatMs, isNum } from '../util/figures.js';
import {
  BENCH_COLUMNS,
  benchCells,
  benchGroups,
  budgetText,
  complexityText,
  distributionLine,
  failureText,
  groupTitle,
  speedupText,
} from './bench-format.js';
import { comparisonBlockLines, comparisonOf, noRegressionText, regressionText } from './comparison.js';
import { type Painter, padEndVisible, padStartVisible, visibleWidth } from './format.js';

/**
 * The console summary of a bench document: one table per group, as mitata and pytest-benchmark
 * print them, each followed by its budgets and speedups; then the complexity fits, the warnings
 * and the verdict.
 */

const INDENT = '    ';

/** The distribution column: each bench's samples as a sparkline (analysis/sample-histogram.ts). */
const DISTRIBUTION = 'distribution';

function table(rows: string[][], p: Painter, width: number | undefined): string[] {
  const header: string[] = [...BENCH_COLUMNS];
  // A wide terminal also gets each bench's distribution, when the whole row fits.
  const narrow = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const extra = Math.max(DISTRIBUTION.length, ...rows.map((r) => visibleWidth(r[header.length] ?? '')));
  const fits = width !== undefined && INDENT.length + narrow.reduce((a, w) => a + w + 2, 0) + extra <= width;
  if (fits && rows.some((r) => (r[header.length] ?? '') !== '')) header.push(DISTRIBUTION);
  rows = rows.map((r) => r.slice(0, header.length));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === 0 || i === BENCH_COLUMNS.length ? padEndVisible(c, widths[i]!) : padStartVisible(c, widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [`${INDENT}${p('dim', line(header))}`, ...rows.map((r) => INDENT + line(r))];
}

const mark = (ok: boolean | null, text: string, p: Painter) => p(ok === false ? 'red' : 'green', text);

function groupBlock(b: BenchSection, group: string | null, p: Painter, width: number | undefined): string[] {
  const benches = b.benches.filter((e) => e.group === group);
  const rows = benches.map((e) => [...benchCells(e), distributionLine(e.histogram)]);
  const lines = [`  ${p('bold', groupTitle(group).toUpperCase())}`, ...table(rows, p, width)];
  for (const e of benches) {
    if (e.error) lines.push(`${INDENT}${p('red', `✗ ${e.name}: ${failureText(e)}`)}`);
    for (const x of e.budgets) lines.push(`${INDENT}${mark(x.ok, `${e.name}: ${budgetText(x)}`, p)}`);
    for (const w of e.warnings) lines.push(`${INDENT}${p('yellow', `! ${e.name}: ${w}`)}`);
  }
  for (const s of b.speedups.filter((x) => x.group === group)) {
    lines.push(`${INDENT}${s.ok === null ? speedupText(s) : mark(s.ok, speedupText(s), p)}`);
  }
  return lines;
}

function header(doc: ResultDocument, b: BenchSection, p: Painter): string {
  const env = b.environment;
  const parts = [p('bold', `squall ${doc.version ?? ''} bench`.trim())];
  if (isNum(doc.durationSec)) parts.push(formatMs(doc.durationSec * 1000));
  if (env.node) parts.push(`node ${env.node}`);
  if (env.cpu) parts.push(env.cpu);
  if (!env.gcExposed) parts.push(p('yellow', 'no --expose-gc'));
  if (doc.endReason && doc.endReason !== 'completed')
    parts.push(p('yellow', `ended early: ${doc.endReason}`));
  return `  ${parts.join(p('dim', ' · '))}`;
}

function verdict(doc: ResultDocument, b: BenchSection, p: Painter): string {
  const expectations =
    b.benches.reduce((n, e) => n + e.budgets.length, 0) +
    b.speedups.filter((s) => s.ok !== null).length +
    b.complexity.filter((c) => c.ok !== null).length;
  const comparison = comparisonOf(doc);
  // A regression beyond its budget fails the run even when every expectation held: say which.
  const regressed = comparison && regressionText(comparison);
  if (doc.passed === false || regressed) {
    // The bench's own expectations are named when they failed, or when nothing else explains it.
    const why = [
      ...(!benchPassed(b) || !regressed
        ? ['a budget, speedup or complexity expectation failed, or a bench threw']
        : []),
      ...(regressed ? [regressed] : []),
    ];
    return `  ${p('red', `✗ FAILED: ${why.join('; ')}`)}`;
  }
  const passed = `✓ PASSED: ${b.benches.length} benches, ${expectations} expectations met`;
  return `  ${p('green', comparison ? `${passed}; ${noRegressionText(comparison)}` : passed)}`;
}

export function renderBenchSummary(doc: ResultDocument, b: BenchSection, p: Painter, width?: number): string {
  const blocks: string[][] = [[header(doc, b, p)]];
  for (const g of benchGroups(b)) blocks.push(groupBlock(b, g.group, p, width));
  if (b.complexity.length > 0) {
    blocks.push([
      `  ${p('bold', 'COMPLEXITY')}`,
      ...b.complexity.map(
        (c) =>
          `${INDENT}${c.ok === null && !c.error ? complexityText(c) : mark(c.error ? false : c.ok, complexityText(c), p)}`,
      ),
    ]);
  }
  const warnings = Array.isArray(doc.warnings) ? doc.warnings : [];
  if (warnings.length > 0)
    blocks.push([`  ${p('bold', 'WARNINGS')}`, ...warnings.map((w) => `${INDENT}${p('yellow', `! ${w}`)}`)]);
  const comparison = comparisonOf(doc);
  if (comparison)
    blocks.push([
      `  ${p('bold', 'COMPARED WITH')} ${p('bold', comparison.a)}`,
      ...comparisonBlockLines(comparison, p, INDENT),
    ]);
  blocks.push([verdict(doc, b, p)]);
  return `${blocks.map((x) => x.join('\n')).join('\n\n')}\n`;
}
