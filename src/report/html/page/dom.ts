/**
 * DOM helpers: text and attributes only. A value from the document (a request named
 * `<img onerror=…>`, an error message) is always text, never markup. Each figure carries
 * `data-field` (what it is) and `data-value` (the raw number from the document) next to its
 * friendly text, for scripts and tests that read the page.
 */

type Child = Node | string | null | undefined | false | Child[];
type Props = Record<string, unknown> | null;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = String(v);
    else if (k === 'class') e.className = String(v);
    else if (k === 'onclick') e.addEventListener('click', v as EventListener);
    else if (k === 'onchange') e.addEventListener('change', v as EventListener);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of (children as unknown[]).flat(Number.POSITIVE_INFINITY)) {
    if (c !== null && c !== undefined && c !== false) e.append(c as Node | string);
  }
  return e;
}

/** A data table: heads as [label, 'text' | 'num'] pairs (a header cell each), then the rows. */
export function dataTable(cls: string, heads: Array<[string, string]>, rows: Child[]): HTMLTableElement {
  return el(
    'table',
    { class: `data ${cls}` },
    el(
      'thead',
      null,
      el(
        'tr',
        null,
        heads.map(([label, align]) => el('th', { class: align, text: label })),
      ),
    ),
    el('tbody', null, rows),
  );
}

/** A figure: friendly text, with the raw value in data-value ('' when there is none). */
export function fig<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  field: string,
  value: unknown,
  text: unknown,
  cls?: string,
): HTMLElementTagNameMap[K] {
  return el(tag, {
    'data-field': field,
    'data-value': value === null || value === undefined ? '' : String(value),
    class: cls,
    text,
  });
}

export function panel(id: string, title: string, ...body: Child[]): HTMLElement {
  return el('section', { class: 'panel', id }, el('h2', { text: title }), ...body);
}

export function note(text: string, cls?: string): HTMLParagraphElement {
  return el('p', { class: `note ${cls || ''}`, text });
}

/** Label, data-field, raw value, text. */
export type KvRow = [string, string, unknown, string];

export function kv(rows: KvRow[]): HTMLElement {
  return el(
    'dl',
    { class: 'kv' },
    rows.map(([label, field, value, text]) =>
      el('div', { class: 'kv-item' }, el('dt', { text: label }), fig('dd', field, value, text)),
    ),
  );
}

/** A horizontal bar; its width goes through the style object, which needs no markup. */
export function bar(cls: string, ratio: number): HTMLDivElement {
  const b = el('div', { class: `bar ${cls}` });
  b.style.width = `${Math.max(1, ratio * 100)}%`;
  return b;
}
