import { fmtCount, fmtPct, fmtRate } from '../../../util/figures.js';
import { el, fig, note, panel } from './dom.js';
import { arr, isMonitorOnly, num, type Obj, obj, str } from './read.js';
import { EN, fmtMs } from './time-format.js';
import { redraw } from './view.js';

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

function methodOf(ep: Obj): string {
  if (typeof ep.method === 'string' && ep.method !== '') return ep.method;
  const first = str(ep.name).split(' ')[0] ?? '';
  return HTTP_METHODS.has(first) ? first : '';
}

interface Col {
  key: string;
  label: string;
  text?: boolean;
  get: (ep: Obj) => string | number | null;
  fmt?: (v: unknown) => string;
}

const latency = (k: string) => (ep: Obj) => num(obj(ep.latency)[k]);

const EP_COLS: Col[] = [
  { key: 'name', label: 'Endpoint', text: true, get: (ep) => str(ep.name) },
  { key: 'method', label: 'Method', text: true, get: methodOf },
  { key: 'count', label: 'Requests', get: (ep) => num(ep.count), fmt: fmtCount },
  { key: 'failures', label: 'Failures', get: (ep) => num(ep.failures), fmt: fmtCount },
  { key: 'rps', label: 'req/s', get: (ep) => num(ep.rps), fmt: fmtRate },
  { key: 'p50', label: 'p50', get: latency('p50'), fmt: fmtMs },
  { key: 'p95', label: 'p95', get: latency('p95'), fmt: fmtMs },
  { key: 'p99', label: 'p99', get: latency('p99'), fmt: fmtMs },
  { key: 'max', label: 'max', get: latency('max'), fmt: fmtMs },
  { key: 'mean', label: 'mean', get: latency('mean'), fmt: fmtMs },
];

/** Document order until a header is clicked. */
export const sort: { key: string | null; dir: 'asc' | 'desc' } = { key: null, dir: 'asc' };

function sortedEndpoints(eps: Obj[]): Obj[] {
  const col = EP_COLS.find((c) => c.key === sort.key);
  if (!col) return eps;
  const sign = sort.dir === 'asc' ? 1 : -1;
  return eps
    .map((ep, i) => ({ ep, i, v: col.get(ep) }))
    .sort((a, b) => {
      // Missing values go last whichever the direction.
      if (a.v === null || a.v === '') return b.v === null || b.v === '' ? a.i - b.i : 1;
      if (b.v === null || b.v === '') return -1;
      const d = col.text ? String(a.v).localeCompare(String(b.v), EN) : Number(a.v) - Number(b.v);
      return d === 0 ? a.i - b.i : sign * d;
    })
    .map((x) => x.ep);
}

function onSort(key: string): void {
  const col = EP_COLS.find((c) => c.key === key);
  if (sort.key === key) sort.dir = sort.dir === 'asc' ? 'desc' : 'asc';
  else {
    sort.key = key;
    // Names read best A to Z; figures biggest first, as one looks for the slowest.
    sort.dir = col?.text ? 'asc' : 'desc';
  }
  redraw.slot('endpoints');
}

function cell(c: Col, v: unknown): HTMLTableCellElement {
  return fig('td', c.key, v, c.fmt ? c.fmt(v) : str(v) || '-', c.text ? 'text' : 'num');
}

/** Every endpoint's figures, sortable by any column, with the run's total below. */
export function renderEndpoints(doc: Obj): HTMLElement | null {
  if (isMonitorOnly(doc)) return null;
  const eps = arr(doc.endpoints).map(obj);
  if (eps.length === 0) return panel('endpoints', 'Endpoints', note('No requests were recorded.'));
  const head = el(
    'tr',
    null,
    EP_COLS.map((c) =>
      el(
        'th',
        {
          'data-col': c.key,
          class: c.text ? 'text' : 'num',
          'aria-sort': sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none',
        },
        el(
          'button',
          { type: 'button', class: 'sort', onclick: () => onSort(c.key), title: `Sort by ${c.label}` },
          c.label,
          el('span', { class: 'arrow', text: sort.key === c.key ? (sort.dir === 'asc' ? '▲' : '▼') : '' }),
        ),
      ),
    ),
  );
  const rows = sortedEndpoints(eps).map((ep) =>
    el(
      'tr',
      { 'data-endpoint': str(ep.name), class: (num(ep.failures) ?? 0) > 0 ? 'has-failures' : null },
      EP_COLS.map((c) => {
        const v = c.get(ep);
        const td = cell(c, v);
        if (c.key === 'name') td.setAttribute('title', str(ep.name));
        const count = num(ep.count);
        if (c.key === 'failures' && typeof v === 'number' && v > 0 && count !== null && count > 0) {
          td.append(el('span', { class: 'sub', text: ` ${fmtPct(v / count)}` }));
        }
        return td;
      }),
    ),
  );
  const m = obj(doc.metrics);
  const dur = obj(m.http_req_duration);
  const total: Record<string, unknown> = {
    name: 'All endpoints',
    method: '',
    count: num(obj(m.http_reqs).count),
    failures: num(obj(m.http_req_failed).fails),
    rps: num(obj(m.http_reqs).rate),
    p50: num(dur.p50),
    p95: num(dur.p95),
    p99: num(dur.p99),
    max: num(dur.max),
    mean: num(dur.mean),
  };
  const foot = el(
    'tr',
    { 'data-endpoint-total': true },
    EP_COLS.map((c) =>
      fig('td', c.key, total[c.key], c.fmt ? c.fmt(total[c.key]) : total[c.key], c.text ? 'text' : 'num'),
    ),
  );
  return panel(
    'endpoints',
    'Endpoints',
    el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        { class: 'data endpoints' },
        el('thead', null, head),
        el('tbody', null, rows),
        eps.length > 1 ? el('tfoot', null, foot) : null,
      ),
    ),
  );
}
