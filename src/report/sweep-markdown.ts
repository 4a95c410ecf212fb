import type { ResultDocument } from '../result/schema.js';
import type { SweepSection } from '../result/sweep-schema.js';
import { fmtNum, formatMs, thresholdFigure } from '../util/figures.js';
import { asObj } from './format.js';
import { mdText, table } from './markdown-text.js';
import {
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
 * A sweep document for a PR or a step summary: the verdict, the table per level (as the console
 * prints it), the USL fit, the knee and the capacity, the verdict in words, the sweep's
 * thresholds. The same words as the console summary (sweep-format.ts).
 */

function headline(doc: ResultDocument, s: SweepSection): string[] {
  const list = (Array.isArray(doc.thresholds) ? doc.thresholds : []).filter((t) => asObj(t));
  const crossed = list.filter((t) => t.ok !== true);
  const why = sweepFailures(
    s,
    crossed.length > 0 ? `${crossed.length} of ${list.length} sweep thresholds crossed` : null,
  );
  const failed = why.length > 0 || doc.passed === false;
  const verdict = failed
    ? `❌ squall sweep failed${why.length > 0 ? `: ${mdText(why.join('; '), 400)}` : ''}`
    : `✅ squall sweep passed${s.capacity !== null ? `: capacity ${fmtNum(s.capacity)} ${levelUnit(s)} within budget` : ''}`;
  const config = asObj(doc.config) ?? {};
  const target = [config.url, config.target].find((v): v is string => typeof v === 'string' && v !== '');
  const parts = [verdict, ...(target ? [mdText(target, 200)] : [])];
  const plan = [
    `${s.mode === 'rate' ? 'Arrival rates' : 'Concurrency'} ${s.planned.map(fmtNum).join(', ')}`,
    `hold ${formatMs(s.holdSec * 1000)}`,
    s.warmupSec > 0 ? `warm-up ${formatMs(s.warmupSec * 1000)} per level` : 'no warm-up',
  ];
  const lines = [`### ${parts.join(' · ')}`, '', plan.join(' · ')];
  const end = endText(s);
  if (end) lines.push('', `⚠️ ${mdText(end, 300)}`);
  return lines;
}

function levels(doc: ResultDocument, s: SweepSection): string[] {
  if (s.levels.length === 0) return ['#### Levels', '', '_No level was measured._'];
  const budgeted = s.levels.some((l) => l.withinBudget !== null);
  const noted = s.levels.some((l) => levelNotes(l).length > 0);
  const head = [...SWEEP_COLUMNS, ...(budgeted ? ['budget'] : []), ...(noted ? ['note'] : [])];
  const rows = s.levels.map((l) => {
    const cells = levelCells(l).map((c) => mdText(c));
    if (l.littleOk === false) cells[7] = `${cells[7]} ⚠️`;
    if (budgeted) cells.push(l.withinBudget === null ? '' : l.withinBudget ? '✅' : '❌');
    if (noted) cells.push(levelNotes(l).join(', '));
    return cells;
  });
  const notes: string[] = [];
  if (s.levels.some((l) => l.littleOk === false))
    notes.push(
      "- ⚠️ Little's N (req/s × mean) more than 10 % from the level: requests waited outside the measured path.",
    );
  if (s.levels.some((l) => l.saturated))
    notes.push(
      '- squall saturated: squall, not the target, was the limit at that level (left out of the fit).',
    );
  const metrics = asObj(doc.metrics) ?? {};
  for (const l of s.levels.filter((x) => x.withinBudget === false)) {
    const which = l.thresholds
      .filter((t) => t.ok !== true)
      .map((t) => `${mdText(t.metric)} \`${mdText(t.expr)}\` ${thresholdFigure(t, metrics) ?? 'no data'}`)
      .join(', ');
    notes.push(`- ❌ Level ${fmtNum(l.level)}: ${which}`);
  }
  return [
    `#### Levels (${levelUnit(s)})`,
    '',
    ...table(
      head,
      head.map((_, i) => (i < SWEEP_COLUMNS.length ? 'r' : 'c')),
      rows,
    ),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ];
}

function fitBlock(s: SweepSection): string[] {
  const f = s.fit;
  if (!f) return ['#### USL fit', '', mdText(noFitText(s), 300)];
  return [
    '#### USL fit',
    '',
    `${mdText(fitHeadline(f), 300)}`,
    '',
    ...table(
      ['', 'Value', 'What', '95 % CI'],
      ['l', 'r', 'l', 'l'],
      fitRows(f).map(([sym, v, what, ci]) => [sym, v, mdText(what, 200), ci.replace(/^95 % CI /, '')]),
    ),
  ];
}

function answers(s: SweepSection): string[] {
  const lines = [kneeText(s), capacityText(s), untilText(s)].filter((x): x is string => x !== null);
  return ['#### Knee and capacity', '', ...lines.map((l) => `- ${mdText(l, 400)}`)];
}

function thresholds(doc: ResultDocument): string[] {
  const list = (Array.isArray(doc.thresholds) ? doc.thresholds : []).filter((t) => asObj(t));
  if (list.length === 0) return [];
  const metrics = asObj(doc.metrics) ?? {};
  return [
    '#### Sweep thresholds',
    '',
    ...table(
      ['', 'Metric', 'Expression', 'Actual'],
      ['c', 'l', 'l', 'r'],
      list.map((t) => [
        t.ok === true ? '✅' : '❌',
        mdText(t.metric),
        mdText(t.expr),
        thresholdFigure(t, metrics) ?? 'no data',
      ]),
    ),
  ];
}

/** The Markdown blocks of a sweep document, in order. */
export function sweepBlocks(doc: ResultDocument, s: SweepSection): string[][] {
  return [
    headline(doc, s),
    levels(doc, s),
    fitBlock(s),
    answers(s),
    // A verdict without a word (a sweep that measured nothing) says nothing.
    /\p{L}/u.test(s.verdict) ? ['#### Verdict', '', mdText(s.verdict, 2000)] : [],
    thresholds(doc),
  ];
}
