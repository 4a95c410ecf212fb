import { fmtCount, fmtPct, fmtRate } from '../../../util/figures.js';
import { el, fig } from './dom.js';
import { arr, isMonitorOnly, isNum, num, type Obj, obj, str } from './read.js';
import { fmtMs } from './time-format.js';

function card(label: string, field: string, value: unknown, text: string, sub: string | null, cls?: string) {
  return el(
    'div',
    { class: `card ${cls || ''}` },
    el('div', { class: 'card-label', text: label }),
    fig('div', field, value, text, 'card-value'),
    sub ? el('div', { class: 'card-sub' }, sub) : null,
  );
}

/** The run at a glance: requests, throughput, latency, errors, thresholds. */
export function renderCards(doc: Obj): HTMLElement | null {
  // Monitoring alone sends no requests: the target's panel takes the cards' place.
  if (isMonitorOnly(doc)) return null;
  const m = obj(doc.metrics);
  const reqs = obj(m.http_reqs);
  const dur = obj(m.http_req_duration);
  const failed = obj(m.http_req_failed);
  const th = arr(doc.thresholds).map(obj);
  const errRate = num(failed.rate);
  return el(
    'section',
    { class: 'cards', id: 'summary' },
    card(
      'Requests',
      'http_reqs.count',
      num(reqs.count),
      fmtCount(reqs.count),
      isNum(failed.fails) ? `${fmtCount(failed.fails)} failed` : null,
    ),
    card(
      'Throughput',
      'http_reqs.rate',
      num(reqs.rate),
      isNum(reqs.rate) ? `${fmtRate(reqs.rate)}/s` : '-',
      'requests per second',
    ),
    card('Latency p50', 'http_req_duration.p50', num(dur.p50), fmtMs(dur.p50), 'median'),
    card('Latency p95', 'http_req_duration.p95', num(dur.p95), fmtMs(dur.p95), `mean ${fmtMs(dur.mean)}`),
    card('Latency p99', 'http_req_duration.p99', num(dur.p99), fmtMs(dur.p99), `max ${fmtMs(dur.max)}`),
    card(
      'Error rate',
      'http_req_failed.rate',
      errRate,
      fmtPct(errRate),
      'of requests failed',
      errRate === null ? '' : errRate > 0 ? 'bad' : 'ok',
    ),
    thresholdsCard(doc, th),
  );
}

/**
 * Thresholds: how many passed of how many, in the run's verdict colour (a partial pass is not
 * painted as a total failure), and which ones failed, by name.
 */
function thresholdsCard(doc: Obj, th: Obj[]): HTMLElement {
  const thOk = th.filter((t) => t.ok === true).length;
  const thBad = th.filter((t) => t.ok === false).length;
  const verdict = th.length === 0 ? '' : doc.passed === true ? 'ok' : doc.passed === false ? 'bad' : '';
  const failedNames = th.filter((t) => t.ok === false).map((t) => `${str(t.metric)} ${str(t.expr)}`);
  const shown = failedNames.slice(0, 3).join(', ');
  const more = failedNames.length > 3 ? ` and ${failedNames.length - 3} more` : '';
  return el(
    'div',
    { class: `card thresholds-card ${verdict}`, 'data-verdict': verdict || null },
    el('div', { class: 'card-label', text: 'Thresholds' }),
    el(
      'div',
      { class: 'card-value' },
      fig('span', 'thresholds.passed', thOk, th.length > 0 ? String(thOk) : '–'),
      el('span', { class: 'card-of', text: th.length > 0 ? ` / ${th.length} passed` : ' none set' }),
    ),
    el(
      'div',
      { class: 'card-sub' },
      fig(
        'span',
        'thresholds.failed',
        thBad,
        thBad > 0 ? `${thBad} failed: ` : `${thBad} failed`,
        thBad > 0 ? 'bad' : '',
      ),
      thBad > 0
        ? el('span', { class: 'failed-list', title: failedNames.join('\n'), text: `${shown}${more}` })
        : null,
    ),
  );
}
