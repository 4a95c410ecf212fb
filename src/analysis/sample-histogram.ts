import type { BenchHistogram } from '../result/bench-schema.js';
import { tukeyOutliers } from './bench-stats.js';
import { sortedCopy } from './quantile.js';

/**
 * A bench's samples in equal-width bins, for the console's sparkline and the HTML histogram.
 * Bins between the Tukey fences (Q1 − 1.5·IQR, Q3 + 1.5·IQR) clamped to the samples' range, so
 * one GC pause cannot squeeze every other sample into the first bin; the outliers are counted in
 * the end bins (and reported apart, as `outliers`).
 */
export function sampleHistogram(samplesMs: readonly number[], bins = 20): BenchHistogram | null {
  if (samplesMs.length === 0) return null;
  const sorted = sortedCopy(samplesMs);
  const t = tukeyOutliers(sorted);
  const fromMs = Math.max(sorted[0]!, t.q1 - 1.5 * t.iqr);
  const toMs = Math.min(sorted[sorted.length - 1]!, t.q3 + 1.5 * t.iqr);
  const counts = new Array<number>(bins).fill(0);
  const width = (toMs - fromMs) / bins;
  for (const v of sorted) {
    const i = width > 0 ? Math.floor((v - fromMs) / width) : 0;
    counts[Math.min(bins - 1, Math.max(0, i))]!++;
  }
  return { fromMs, toMs, counts };
}
