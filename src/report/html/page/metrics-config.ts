import { metricCells, metricKind } from '../../../util/figures.js';
import { el } from './dom.js';
import { isMonitorOnly, type Obj, obj } from './read.js';
import { EN } from './time-format.js';

/** Every metric in the document, folded: its kind and its figures, as the console prints them. */
export function renderMetrics(doc: Obj): HTMLElement | null {
  // A monitor document's HTTP metrics are there only to keep the schema, and are empty.
  if (isMonitorOnly(doc)) return null;
  const entries = Object.entries(obj(doc.metrics)).sort((a, b) => a[0].localeCompare(b[0], EN));
  if (entries.length === 0) return null;
  return el(
    'section',
    { class: 'panel', id: 'metrics' },
    el(
      'details',
      { 'data-key': 'metrics' },
      el('summary', null, el('h2', { text: `All metrics (${entries.length})` })),
      el(
        'table',
        { class: 'data metrics' },
        el(
          'tbody',
          null,
          entries.map(([name, v]) =>
            el(
              'tr',
              { 'data-metric': name },
              el('td', { class: 'text mono', text: name }),
              el('td', { class: 'text muted', text: metricKind(v) }),
              el('td', { class: 'text mono', text: metricCells(name, v).join('  ') || JSON.stringify(v) }),
            ),
          ),
        ),
      ),
    ),
  );
}

export function renderConfig(doc: Obj): HTMLElement | null {
  if (!doc.config || typeof doc.config !== 'object') return null;
  return el(
    'section',
    { class: 'panel', id: 'config' },
    el(
      'details',
      { open: true, 'data-key': 'config' },
      el('summary', null, el('h2', { text: 'Configuration' })),
      el('pre', { class: 'config', 'data-field': 'config', text: JSON.stringify(doc.config, null, 2) }),
    ),
  );
}
