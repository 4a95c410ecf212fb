/** The page's own figures: time axes and dates; everything else is util/figures.ts's and format.ts's. */
import { fmtIn, fmtNum } from '../../../util/figures.js';
import { isNum, str } from './read.js';

export const EN = 'en-US';

export const fmtMs = (ms: unknown): string => fmtIn('ms', ms);

/** Seconds on a time axis: `45s`, `2m05s`, `1h02m`. */
export function clock(sec: unknown): string {
  if (!isNum(sec)) return '-';
  if (sec < 60) return `${Number.isInteger(sec) ? sec : sec.toFixed(1)}s`;
  const total = Math.round(sec);
  const h = Math.floor(total / 3600);
  const m = Math.floor(total / 60) % 60;
  const s = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return `${m}m${String(s).padStart(2, '0')}s`;
}

export function fmtSec(sec: unknown): string {
  return isNum(sec) ? fmtMs(sec * 1000) : '-';
}

export function fmtDate(iso: unknown): string {
  const d = new Date(str(iso));
  if (Number.isNaN(d.getTime())) return str(iso) || '-';
  return d.toLocaleString(EN, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

/** Axis labels stay short: `0`, `250µs`, `2.5ms`, `1.2s`. */
export function axisMs(v: unknown): string {
  if (!isNum(v) || v === 0) return '0';
  if (v < 1) return `${fmtNum(v * 1000)}µs`;
  if (v < 1000) return `${fmtNum(v)}ms`;
  return `${fmtNum(v / 1000)}s`;
}
