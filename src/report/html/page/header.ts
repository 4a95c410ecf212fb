import { judgesResources, leakHeadline, monitoredProcess } from '../../format.js';
import { comparisonOfPage, VERDICT_CLASS } from './comparison.js';
import { el, fig, kv } from './dom.js';
import { monitorExit, stateOf, VERDICTS } from './monitor-words.js';
import { isMonitorOnly, num, type Obj, obj, str } from './read.js';
import { fmtDate, fmtSec } from './time-format.js';
import { running, view } from './view.js';

export function target(config: unknown): string {
  const c = obj(config);
  return str(c.target || c.url || c.host);
}

/** The title row (the verdicts as badges) and what ran, where and when. */
export function renderHeader(doc: Obj): HTMLElement {
  // A watched process that died fails the run, whichever flag named it.
  const died = !!monitorExit(doc.monitor);
  const passed = doc.passed === false || died ? false : doc.passed === true ? true : null;
  const verdictText =
    passed === null ? 'no verdict' : (passed ? 'passed' : 'failed') + (running() ? ' so far' : '');
  const verdict = fig(
    'span',
    'passed',
    passed,
    verdictText,
    `badge ${passed === true ? 'ok' : passed === false ? 'bad' : ''}`,
  );
  const badges: HTMLElement[] = [verdict];
  // The target's verdict sits next to the thresholds' one: a run can pass its budgets and leak.
  const mv = doc.monitor && typeof doc.monitor === 'object' ? stateOf(obj(doc.monitor)) : null;
  if (mv) {
    const m = obj(doc.monitor);
    const badge = mv === 'leak' && judgesResources(m) ? leakHeadline(m) : VERDICTS[mv].badge;
    badges.push(
      el('span', { class: `badge ${VERDICTS[mv].cls}`, 'data-field': 'monitor.state', text: badge }),
    );
  }
  // `--baseline`: whether the run regressed against it, which alone can fail a run.
  const c = comparisonOfPage(doc);
  if (c) {
    const text = `baseline: ${c.verdict === 'regressed' || c.verdict === 'inconclusive' ? c.verdict : 'no regression'}`;
    badges.push(
      el('span', {
        class: `badge ${VERDICT_CLASS[c.verdict] || 'ok'}`,
        'data-field': 'comparison.verdict',
        'data-value': c.verdict,
        title: `against ${c.a}`,
        text,
      }),
    );
  }
  if (view.live)
    badges.unshift(fig('span', 'state', view.state, view.state, `badge state state-${view.state}`));
  const monitorOnly = isMonitorOnly(doc);
  const process = monitoredProcess(doc) || '-';
  const files = Array.isArray(obj(doc.config).files)
    ? (obj(doc.config).files as unknown[]).map(str).join(', ')
    : '';
  const meta = kv([
    doc.kind === 'bench'
      ? ['Files', 'files', files, files || '-']
      : monitorOnly
        ? ['Process', 'process', process, process]
        : ['Target', 'target', target(doc.config), target(doc.config) || '-'],
    ['Started', 'startedAt', str(doc.startedAt), fmtDate(doc.startedAt)],
    ['Ended', 'endedAt', str(doc.endedAt), running() ? '-' : fmtDate(doc.endedAt)],
    ['Duration', 'durationSec', num(doc.durationSec), fmtSec(doc.durationSec)],
    ['End reason', 'endReason', str(doc.endReason), running() ? 'running' : str(doc.endReason) || '-'],
    ['squall', 'version', str(doc.version), str(doc.version) || '-'],
  ]);
  const title =
    doc.kind === 'bench'
      ? 'Bench report'
      : doc.kind === 'sweep'
        ? 'Sweep report'
        : monitorOnly
          ? 'Monitor report'
          : running()
            ? 'Live load test'
            : 'Load test report';
  return el(
    'header',
    { class: 'top' },
    el(
      'div',
      { class: 'title-row' },
      el('div', { class: 'brand' }, el('span', { class: 'logo', text: 'squall' }), el('h1', { text: title })),
      el('div', { class: 'badges' }, badges),
    ),
    meta,
  );
}
