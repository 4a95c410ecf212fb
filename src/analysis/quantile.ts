/**
 * The p-quantile (0 ≤ p ≤ 1) of values sorted ascending, interpolating linearly between the two
 * nearest ranks (Hyndman & Fan type 7, the default of R, NumPy and spreadsheets), so the figures
 * match what users get when they check a sample set by hand. Exact on the samples themselves,
 * unlike the load tests' HDR histograms, which bucket.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('the quantile of no values is undefined');
  const h = (n - 1) * Math.min(Math.max(p, 0), 1);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (h - lo);
}

/** Values copied and sorted ascending, as numbers (Array#sort alone compares text). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}
