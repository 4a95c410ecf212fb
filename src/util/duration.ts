const UNIT_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)/y;

/**
 * Parses a duration such as `500ms`, `30s`, `1m30s`, `2h` into milliseconds.
 * A bare number is seconds (k6 and Artillery both read it so). Returns undefined when the text
 * is not a duration, so the caller can name the flag or key in its message.
 */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== at) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return total;
}

// One formatter for every output (the report page runs it too): see figures.ts.
export { formatMs } from './figures.js';
