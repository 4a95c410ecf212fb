import type { Comparison, Verdict } from '../../../result/comparison-schema.js';
import type { ResultDocument } from '../../../result/schema.js';
import { comparisonCells, comparisonHeadline, comparisonOf } from '../../comparison.js';
import { dataTable, el, fig, note, panel } from './dom.js';
import type { Obj } from './read.js';

/**
 * `--baseline`: the run against its baseline, in the words and figures of `squall compare` (the
 * cells come from report/comparison.ts, as the console's and the Markdown's do), each verdict
 * coloured: regressed red, improved green, inconclusive amber.
 */

export const VERDICT_CLASS: Record<Verdict, string> = {
  regressed: 'bad',
  improved: 'ok',
  inconclusive: 'warn',
  unchanged: '',
};

export function comparisonOfPage(doc: Obj): Comparison | undefined {
  return comparisonOf(doc as unknown as ResultDocument);
}

export function renderComparisonPanel(doc: Obj): HTMLElement | null {
  const c = comparisonOfPage(doc);
  if (!c) return null;
  const [head, ...rows] = comparisonCells(c);
  const budgets = head!.includes('budget');
  return panel(
    'comparison',
    `Compared with ${c.a}`,
    note(comparisonHeadline(c), `comparison-headline ${VERDICT_CLASS[c.verdict]}`),
    dataTable(
      'comparison',
      head!.map((h, i): [string, string] => [h, i === 0 || i === head!.length - 1 ? 'text' : 'num']),
      c.rows.map((r, i) => {
        const cells = rows[i]!;
        const at = (name: string) => cells[head!.indexOf(name)]!;
        return el(
          'tr',
          {
            'data-metric': r.metric,
            'data-verdict': r.verdict,
            class: r.verdict === 'regressed' ? 'failed' : null,
          },
          fig('td', 'metric', r.metric, r.metric, 'text mono'),
          fig('td', 'a', r.a, at('A'), 'num'),
          fig('td', 'b', r.b, at('B'), 'num'),
          fig('td', 'change', r.change, at('change'), 'num'),
          fig(
            'td',
            'interval',
            r.low === null || r.high === null ? null : `${r.low},${r.high}`,
            at('95 % CI'),
            'num',
          ),
          budgets ? fig('td', 'budget', r.budget, at('budget'), 'num') : null,
          fig('td', 'verdict', r.verdict, at('verdict'), `text verdict ${VERDICT_CLASS[r.verdict]}`),
        );
      }),
    ),
  );
}
