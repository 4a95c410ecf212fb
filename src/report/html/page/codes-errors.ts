import { fmtCount, fmtPct } from '../../../util/figures.js';
import { bar, el, fig, note, panel } from './dom.js';
import { arr, isMonitorOnly, isNum, num, type Obj, obj, str } from './read.js';

function statusClass(code: string): string {
  const n = Number(code);
  if (n >= 500) return 's5';
  if (n >= 400) return 's4';
  if (n >= 300) return 's3';
  if (n >= 200) return 's2';
  return 's0';
}

/** Status codes summed over the endpoints; requests with no response as `none`. */
function renderStatusCodes(doc: Obj): HTMLElement {
  const sums = new Map<string, number>();
  let answered = 0;
  let total = 0;
  for (const ep of arr(doc.endpoints).map(obj)) {
    if (isNum(ep.count)) total += ep.count;
    for (const [code, n] of Object.entries(obj(ep.statusCodes))) {
      if (!isNum(n)) continue;
      sums.set(code, (sums.get(code) || 0) + n);
      answered += n;
    }
  }
  const rows: Array<[string, number]> = [...sums.entries()].sort((a, b) => Number(a[0]) - Number(b[0]));
  if (total > answered) rows.push(['none', total - answered]);
  if (rows.length === 0) return panel('status-codes', 'Status codes', note('No responses.'));
  const max = Math.max(...rows.map((r) => r[1]));
  return panel(
    'status-codes',
    'Status codes',
    el(
      'table',
      { class: 'data codes' },
      el(
        'tbody',
        null,
        rows.map(([code, n]) => {
          const cls = code === 'none' ? 's5' : statusClass(code);
          return el(
            'tr',
            { 'data-status': code },
            el(
              'td',
              { class: 'text' },
              el('span', { class: `code ${cls}`, text: code === 'none' ? 'no response' : code }),
            ),
            fig('td', 'count', n, fmtCount(n), 'num'),
            el('td', { class: 'bar-cell' }, bar(cls, n / max)),
            el('td', { class: 'num muted', text: total > 0 ? fmtPct(n / total) : '' }),
          );
        }),
      ),
    ),
  );
}

function renderErrors(doc: Obj): HTMLElement {
  const errors = arr(doc.errors).map(obj);
  if (errors.length === 0) return panel('errors', 'Errors', note('No errors.', 'ok'));
  return panel(
    'errors',
    'Errors',
    el(
      'ul',
      { class: 'errors' },
      errors.map((e) =>
        el(
          'li',
          { 'data-error': str(e.kind) },
          el(
            'div',
            { class: 'error-head' },
            fig('span', 'kind', str(e.kind), str(e.kind) || '?', 'error-kind'),
            fig('span', 'count', num(e.count), `${fmtCount(e.count)}×`, 'error-count'),
          ),
          e.example ? fig('code', 'example', str(e.example), str(e.example), 'error-example') : null,
        ),
      ),
    ),
  );
}

export function renderCodesErrors(doc: Obj): HTMLElement | null {
  return isMonitorOnly(doc)
    ? null
    : el('div', { class: 'two-col' }, renderStatusCodes(doc), renderErrors(doc));
}
