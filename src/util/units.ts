// One formatter for every output (the report page runs it too): see figures.ts.
export { formatBytes } from './figures.js';

/** Rounds to a fixed number of decimals, for figures in the result document. */
export function round(n: number, decimals = 3): number {
  const f = 10 ** decimals;
  return Math.round(n * f) / f;
}
