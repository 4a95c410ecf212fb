import { stripVTControlCharacters } from 'node:util';

/**
 * Small formatting helpers shared by the console summary and the live progress line.
 *
 * Colours are raw ANSI codes behind an explicit flag rather than `util.styleText`: newer Node
 * versions make styleText check process.stdout for a TTY by default, which would silently drop
 * colours from a summary written to stderr while stdout is piped (`--json > r.json`). The
 * caller already knows whether colour is wanted (`--no-color`, NO_COLOR, TTY), so we obey it.
 */

export type Style = 'red' | 'green' | 'yellow' | 'cyan' | 'dim' | 'bold';

const CODES: Record<Style, readonly [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export type Painter = (style: Style, text: string) => string;

/** Returns a painter that colours text, or leaves it untouched when colour is off. */
export function painter(color: boolean): Painter {
  if (!color) return (_style, text) => text;
  return (style, text) => {
    const [open, close] = CODES[style];
    return text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`;
  };
}

/** Width on screen, ignoring ANSI escapes, so coloured cells still line up. */
export function visibleWidth(text: string): number {
  return stripVTControlCharacters(text).length;
}

export function padEndVisible(text: string, width: number): string {
  const n = width - visibleWidth(text);
  return n > 0 ? text + ' '.repeat(n) : text;
}

export function padStartVisible(text: string, width: number): string {
  const n = width - visibleWidth(text);
  return n > 0 ? ' '.repeat(n) + text : text;
}

/** Result documents come from files and other versions: treat anything odd as missing. */
export function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** A count with thousands separators (`12,345`), fixed to en-US so output is the same everywhere. */
export function fmtCount(n: unknown): string {
  if (!isNum(n)) return '-';
  return Math.round(n).toLocaleString('en-US');
}

/** A plain number with up to two decimals (`3.14`, `1,200`). */
export function fmtNum(n: unknown): string {
  if (!isNum(n)) return '-';
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/**
 * A per-second rate with fixed decimals by magnitude, so a column of rates lines up and small
 * rates keep their meaning (`0.25`, `13.3`, `1,204`).
 */
export function fmtRate(n: unknown): string {
  if (!isNum(n)) return '-';
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * A fraction as a percentage with two decimals. Never rounds a partial failure to `100.00%`
 * or a non-zero one to `0.00%`: either would tell the reader the opposite of the truth.
 */
export function fmtPct(fraction: unknown): string {
  if (!isNum(fraction)) return '-';
  let s = (fraction * 100).toFixed(2);
  if (fraction < 1 && s === '100.00') s = '99.99';
  if (fraction > 0 && s === '0.00') return '<0.01%';
  return `${s}%`;
}

/** Collapses whitespace and cuts long text with an ellipsis, for one-line table cells. */
export function oneLine(text: unknown, max: number): string {
  const s = String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}
