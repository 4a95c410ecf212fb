import type { Rng } from '../util/rng.js';
import { quantileSorted } from './quantile.js';

/**
 * Fills `out` (n slots) with the indices of one bootstrap draw of n items: blocks of `block`
 * consecutive indices from uniformly drawn starts, wrapping past the end (the circular block
 * bootstrap of Politis & Romano, so the first and last items are drawn as often as the rest),
 * the last block cut to fit. A block of 1 is Efron's ordinary bootstrap, one draw per index.
 * Blocks keep what neighbouring items share (a slow second next to another) in each resample.
 */
export function drawIndices(n: number, block: number, rng: Rng, out: Int32Array): void {
  let filled = 0;
  while (filled < n) {
    const start = Math.floor(rng.next() * n);
    for (let j = 0; j < block && filled < n; j++) out[filled++] = (start + j) % n;
  }
}

/** The middle `confidence` share of bootstrap replicates sorted ascending (the percentile interval). */
export function percentileInterval(sorted: Float64Array, confidence: number): { low: number; high: number } {
  const tail = (1 - confidence) / 2;
  return { low: quantileSorted(sorted, tail), high: quantileSorted(sorted, 1 - tail) };
}
