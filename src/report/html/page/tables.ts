import { fmtCount, fmtPct, isNum, thresholdFigure } from '../../../util/figures.js';
import { dataTable, el, fig, note, panel } from './dom.js';
import { arr, isMonitorOnly, num, type Obj, obj, str } from './read.js';

export function renderThresholds(doc: Obj): HTMLElement {
  const th = arr(doc.thresholds).map(obj);
  if (th.length === 0) {
    // A sweep's per-level budgets are in its levels' table; these are on the sweep's own figures.
    if (doc.kind === 'sweep')
      return panel(
        'thresholds',
        'Thresholds',
        note(
          "No thresholds on the sweep's figures (add one with --threshold 'sweep_capacity>=20'; " +
            "a budget per level, such as 'http_req_duration:p(95)<300', shows in the levels' table).",
        ),
      );
    const example = isMonitorOnly(doc)
      ? 'target_rss_growth_mb_per_min:value<5'
      : 'http_req_duration:p(95)<300';
    return panel(
      'thresholds',
      'Thresholds',
      note(`No thresholds were set (add budgets with --threshold '${example}').`),
    );
  }
  const metrics = obj(doc.metrics);
  return panel(
    'thresholds',
    'Thresholds',
    dataTable(
      'thresholds',
      [
        ['', 'text'],
        ['Metric', 'text'],
        ['Budget', 'text'],
        ['Actual', 'num'],
      ],
      th.map((t) =>
        el(
          'tr',
          { 'data-metric': str(t.metric), 'data-expr': str(t.expr), class: t.ok === false ? 'failed' : null },
          fig(
            'td',
            'ok',
            t.ok === true || t.ok === false ? t.ok : null,
            t.ok === true ? '✓ passed' : t.ok === false ? '✗ failed' : '-',
            `text verdict ${t.ok === true ? 'ok' : t.ok === false ? 'bad' : ''}`,
          ),
          fig('td', 'metric', str(t.metric), str(t.metric), 'text mono'),
          fig('td', 'expr', str(t.expr), str(t.expr), 'text mono'),
          fig(
            'td',
            'actual',
            num(t.actual),
            thresholdFigure(t, metrics) ?? 'no data',
            `num ${isNum(t.actual) ? '' : 'muted'}`,
          ),
        ),
      ),
    ),
  );
}

export function renderChecks(doc: Obj): HTMLElement | null {
  if (!Array.isArray(doc.checks)) return null;
  const checks = doc.checks.map(obj);
  if (checks.length === 0) return panel('checks', 'Checks', note('No checks ran.'));
  return panel(
    'checks',
    'Checks',
    dataTable(
      'checks',
      [
        ['Check', 'text'],
        ['Passed', 'num'],
        ['Failed', 'num'],
        ['Pass rate', 'num'],
      ],
      checks.map((c) => {
        const passes = num(c.passes);
        const fails = num(c.fails) ?? 0;
        const total = (passes || 0) + fails;
        return el(
          'tr',
          { 'data-check': str(c.name), class: fails > 0 ? 'failed' : null },
          fig('td', 'name', str(c.name), `${fails > 0 ? '✗' : '✓'} ${str(c.name)}`, 'text'),
          fig('td', 'passes', passes, fmtCount(passes), 'num'),
          fig('td', 'fails', num(c.fails), fmtCount(c.fails), `num ${fails > 0 ? 'bad' : ''}`),
          el('td', { class: 'num', text: total > 0 ? fmtPct((passes || 0) / total) : '-' }),
        );
      }),
    ),
  );
}

const SCENARIO_COLS: Array<[string, string]> = [
  ['iterations', 'Iterations'],
  ['failedIterations', 'Failed'],
  ['dropped', 'Dropped'],
  ['interrupted', 'Interrupted'],
  ['vusMax', 'Peak VUs'],
];

export function renderScenarios(doc: Obj): HTMLElement | null {
  const entries = Object.entries(obj(doc.scenarios));
  if (entries.length === 0) return null;
  return panel(
    'scenarios',
    'Scenarios',
    dataTable(
      'scenarios',
      [
        ['Scenario', 'text'],
        ...SCENARIO_COLS.map(([, label]): [string, string] => [label, 'num']),
        ['Users (VUs · iterations)', 'text'],
      ],
      entries.map(([name, s0]) => {
        const s = obj(s0);
        const users = Object.entries(obj(s.users))
          .map(([u, x]) => `${u} (${fmtCount(obj(x).vus)} · ${fmtCount(obj(x).iterations)})`)
          .join(', ');
        return el(
          'tr',
          { 'data-scenario': name },
          el('td', { class: 'text', text: name }),
          SCENARIO_COLS.map(([k]) => fig('td', k, num(s[k]), fmtCount(s[k]), 'num')),
          el('td', { class: 'text muted', text: users || '-' }),
        );
      }),
    ),
  );
}
