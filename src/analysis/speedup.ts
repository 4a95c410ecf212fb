import { Rng } from '../util/rng.js';
import { drawIndices, percentileInterval } from './bootstrap.js';
import { quantileSorted, sortedCopy } from './quantile.js';

/** How many times faster B is than A, with a bootstrap confidence interval. */
export interface Speedup {
  /** median(A) / median(B): 12.4 means B takes a 12.4th of A's time; below 1, B is slower. */
  factor: number;
  /** The interval's bounds, as factors. */
  low: number;
  high: number;
  /** The interval's confidence, 0.95 unless asked otherwise. */
  confidence: number;
  resamples: number;
  seed: number;
}

export interface SpeedupOptions {
  /** Seed of the resampling; the same seed and samples give the same interval (default 1). */
  seed?: number;
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  /** Confidence of the interval (default 0.95). */
  confidence?: number;
}

/**
 * The speedup of B over A as the ratio of their median sample times, with a bootstrap percentile
 * interval (Efron): each resample draws A's and B's samples anew, with replacement and
 * independently, and takes the ratio of the two medians; the interval is the middle
 * `confidence` share of those ratios. Medians, because a few slow samples (GC, a context
 * switch) move a mean but not a median; resampling the samples, because a ratio of two means
 * has no interval at all, and the samples carry the spread that a wide or a narrow interval
 * should show. Times are in ms per operation; both sets need at least one sample.
 */
export function speedup(a: readonly number[], b: readonly number[], options: SpeedupOptions = {}): Speedup {
  const seed = options.seed ?? 1;
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  if (a.length === 0 || b.length === 0) throw new RangeError('a speedup needs samples of both benches');
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!(Number.isInteger(resamples) && resamples >= 1))
    throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  const rng = new Rng(seed);
  const bufA = new Float64Array(a.length);
  const bufB = new Float64Array(b.length);
  const picks = new Int32Array(Math.max(a.length, b.length));
  const ratios = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++)
    ratios[r] = resampledMedian(a, bufA, picks, rng) / resampledMedian(b, bufB, picks, rng);
  ratios.sort();
  return {
    factor: quantileSorted(sortedCopy(a), 0.5) / quantileSorted(sortedCopy(b), 0.5),
    ...percentileInterval(ratios, confidence),
    confidence,
    resamples,
    seed,
  };
}

/** The median of one draw with replacement of `values`, made in `buf` (as many slots). */
function resampledMedian(values: readonly number[], buf: Float64Array, picks: Int32Array, rng: Rng): number {
  const n = values.length;
  drawIndices(n, 1, rng, picks);
  for (let i = 0; i < n; i++) buf[i] = values[picks[i]!]!;
  buf.sort();
  return quantileSorted(buf, 0.5);
}

/** A factor to three significant figures: `12.4`, `1.23`, `0.870`, `1240`. */
function factorText(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1000 ? String(Math.round(x)) : x.toPrecision(3);
}

/** `12.4× (95 % CI 11.9–12.9×)`, as the console, Markdown and HTML reports print a speedup. */
export function formatSpeedup(s: Speedup): string {
  const pct = Math.round(s.confidence * 1000) / 10;
  return `${factorText(s.factor)}× (${pct} % CI ${factorText(s.low)}–${factorText(s.high)}×)`;
}
