import { oneLine } from './format.js';

/** The Markdown reporters' text and tables (markdown.ts, sweep-markdown.ts). */

const MAX_NAME = 100;

/**
 * Text for a table cell or a line, shown as written: one line, cut to `max`; `&` and `<` as entities so
 * no HTML gets through; a backslash before what opens inline Markdown (code, emphasis, strike-
 * through, links, GitHub's `$` math) and before `|`, which GitHub's tables read as a cell's end
 * even inside other spans. The backslash itself is escaped too, so `\|` in a name stays text.
 */
export function mdText(text: unknown, max = MAX_NAME): string {
  return oneLine(String(text ?? '').replace(/\p{Cc}/gu, ' '), max)
    .replace(/[\\`*_[\]|~$]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;');
}

export function table(header: string[], align: ('l' | 'r' | 'c')[], rows: string[][]): string[] {
  const sep = align.map((a) => (a === 'r' ? '---:' : a === 'c' ? ':---:' : '---'));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(sep), ...rows.map(line)];
}
