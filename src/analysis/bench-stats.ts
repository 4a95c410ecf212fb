import type { BenchStats } from '../result/bench-schema.js';
import { quantileSorted, sortedCopy } from './quantile.js';

/**
 * Two-sided 95 % critical values of Student's t by degrees of freedom (any statistics textbook's
 * table, to four decimals). Between rows the value is interpolated in 1/df, which is how such
 * tables are meant to be read and lands within 0.001 of the exact value; past 120 it tends to
 * the normal 1.96.
 */
const T95: readonly (readonly [df: number, t: number])[] = [
  [1, 12.7062],
  [2, 4.3027],
  [3, 3.1824],
  [4, 2.7764],
  [5, 2.5706],
  [6, 2.4469],
  [7, 2.3646],
  [8, 2.306],
  [9, 2.2622],
  [10, 2.2281],
  [11, 2.201],
  [12, 2.1788],
  [13, 2.1604],
  [14, 2.1448],
  [15, 2.1314],
  [16, 2.1199],
  [17, 2.1098],
  [18, 2.1009],
  [19, 2.093],
  [20, 2.086],
  [21, 2.0796],
  [22, 2.0739],
  [23, 2.0687],
  [24, 2.0639],
  [25, 2.0595],
  [26, 2.0555],
  [27, 2.0518],
  [28, 2.0484],
  [29, 2.0452],
  [30, 2.0423],
  [40, 2.0211],
  [60, 2.0003],
  [120, 1.9799],
];

/** The normal distribution's two-sided 95 % critical value: t's limit as df grows. */
export const Z95 = 1.96;

/**
 * Student's t two-sided 95 % critical value for `df` degrees of freedom (df ≥ 1): what the
 * standard error of a mean of df + 1 samples is multiplied by for a 95 % margin of error. Few
 * samples widen it (12.7 for two samples), which a normal 1.96 would hide.
 */
export function tCritical95(df: number): number {
  if (!(df >= 1)) throw new RangeError(`Student's t needs at least 1 degree of freedom, got ${df}`);
  if (!Number.isFinite(df)) return Z95;
  for (let i = 0; i < T95.length; i++) {
    const [d, t] = T95[i]!;
    if (df === d) return t;
    if (df < d) {
      const [d0, t0] = T95[i - 1]!;
      return interpolateInverse(df, d0, t0, d, t);
    }
  }
  const [d, t] = T95[T95.length - 1]!;
  return interpolateInverse(df, d, t, Number.POSITIVE_INFINITY, Z95);
}

/** Linear in 1/df between (d0, t0) and (d1, t1); 1/∞ is 0. */
function interpolateInverse(df: number, d0: number, t0: number, d1: number, t1: number): number {
  const x0 = 1 / d0;
  const x1 = 1 / d1;
  return t0 + ((t1 - t0) * (1 / df - x0)) / (x1 - x0);
}

/** Tukey's fences: samples beyond Q1 − k·IQR or Q3 + k·IQR, k = 1.5 (mild) and 3 (severe). */
export interface TukeyOutliers {
  q1: number;
  q3: number;
  iqr: number;
  /** Below Q1 − 1.5·IQR (the severe ones included). */
  low: number;
  /** Above Q3 + 1.5·IQR (the severe ones included). */
  high: number;
  /** Below Q1 − 3·IQR. */
  lowSevere: number;
  /** Above Q3 + 3·IQR. */
  highSevere: number;
}

/**
 * Outliers by Tukey's fences (Exploratory Data Analysis, 1977), on the quartiles: they depend on
 * the middle half of the samples only, so a few GC pauses cannot widen the fences that are meant
 * to catch them, as a mean ± k·SD rule would.
 */
export function tukeyOutliers(sorted: ArrayLike<number>): TukeyOutliers {
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const iqr = q3 - q1;
  const out = { q1, q3, iqr, low: 0, high: 0, lowSevere: 0, highSevere: 0 };
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (v < q1 - 1.5 * iqr) out.low++;
    if (v < q1 - 3 * iqr) out.lowSevere++;
    if (v > q3 + 1.5 * iqr) out.high++;
    if (v > q3 + 3 * iqr) out.highSevere++;
  }
  return out;
}

/**
 * Sarle's bimodality coefficient, BC = (g² + 1) / (G2 + 3(n−1)²/((n−2)(n−3))), from the sample
 * skewness g and excess kurtosis G2 (both bias-corrected, as SAS computes them). A uniform
 * distribution gives 5/9 ≈ 0.555; more than that suggests two modes, a normal one gives 1/3.
 * Undefined (undefined) below 4 values, or when all values are equal.
 */
export function bimodalityCoefficient(values: ArrayLike<number>): number | undefined {
  const n = values.length;
  if (n < 4) return undefined;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  if (m2 === 0) return undefined;
  const g1 = m3 / m2 ** 1.5;
  const skew = (g1 * Math.sqrt(n * (n - 1))) / (n - 2);
  const g2 = m4 / (m2 * m2) - 3;
  const kurt = ((n - 1) / ((n - 2) * (n - 3))) * ((n + 1) * g2 + 6);
  return (skew * skew + 1) / (kurt + (3 * (n - 1) ** 2) / ((n - 2) * (n - 3)));
}

/** Above this, a bench's samples look bimodal: the bimodality coefficient of a uniform distribution. */
export const BIMODAL_THRESHOLD = 5 / 9;
/** Fewer samples than this (after stray outliers are set aside) and no bimodality is claimed. */
export const BIMODAL_MIN_SAMPLES = 20;
/** Severe outliers up to this share of the samples are strays (GC pauses), not a second mode. */
const STRAY_SHARE = 0.05;
/** Two modes closer than this share of the median are one result for any practical purpose. */
const MIN_MODE_GAP = 0.02;
/** The smaller mode must be at least this share of the larger one's height to count. */
const MIN_MODE_HEIGHT = 0.1;
/** Each mode must hold at least this share of the samples. */
const MIN_MODE_SHARE = 0.1;
/** The valley between two modes must dip below this share of the smaller one. */
const MAX_VALLEY = 0.5;
/** A relative margin of error above this marks a bench as noisy. */
export const NOISY_RME = 0.05;

export interface BenchStatsOptions {
  /** Relative margin of error above which the result is flagged noisy (default 0.05, i.e. 5 %). */
  noisyRme?: number;
}

/**
 * A bench's figures from its samples: the document's `BenchStats` (durations in ms per operation;
 * sd, moe and rme null for a single sample, opsPerSec 1000 / mean) and what judges them.
 */
export interface SampleStats extends BenchStats {
  outliers: TukeyOutliers;
  /** Sarle's coefficient over the samples less stray severe outliers; undefined when not computed. */
  bimodality: number | undefined;
  /** The margin of error is wider than `noisyRme` of the mean (or there is only one sample). */
  noisy: boolean;
  /** The samples look like two populations (see `bimodality`). */
  bimodal: boolean;
}

/**
 * The figures reported per bench, from per-sample times in ms per operation. The margin of
 * error is Student's t (n − 1 df) × SD / √n, the half-width of the mean's 95 % confidence
 * interval, as Benchmark.js, tinybench and mitata report it. The bimodal check leaves out
 * severe outliers when they are at most 5 % of the samples: one GC pause far out drives
 * skewness and kurtosis so that it would read as a second mode, and it is counted as an
 * outlier already; a larger cluster out there is kept, since it is a second mode.
 */
export function benchStats(samplesMs: readonly number[], options: BenchStatsOptions = {}): SampleStats {
  const n = samplesMs.length;
  if (n === 0) throw new RangeError('a bench needs at least one sample');
  for (const v of samplesMs)
    if (!Number.isFinite(v) || v < 0)
      throw new RangeError(`a sample time must be a finite number ≥ 0 ms, got ${v}`);
  const sorted = sortedCopy(samplesMs);
  let sum = 0;
  for (const v of samplesMs) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of samplesMs) ss += (v - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : null;
  const moe = sd === null ? null : (tCritical95(n - 1) * sd) / Math.sqrt(n);
  const rme = moe === null || mean === 0 ? null : moe / mean;
  const outliers = tukeyOutliers(sorted);
  const bimodality = bimodalityOf(sorted, outliers);
  const twoModes =
    bimodality !== undefined && bimodality > BIMODAL_THRESHOLD && hasTwoModes(keptOf(sorted, outliers));
  return {
    samples: n,
    mean,
    median: quantileSorted(sorted, 0.5),
    p75: quantileSorted(sorted, 0.75),
    p99: quantileSorted(sorted, 0.99),
    min: sorted[0]!,
    max: sorted[n - 1]!,
    sd,
    moe,
    rme,
    opsPerSec: mean === 0 ? Number.POSITIVE_INFINITY : 1000 / mean,
    outliers,
    bimodality,
    noisy: rme === null ? n < 2 : rme > (options.noisyRme ?? NOISY_RME),
    bimodal: twoModes,
  };
}

/**
 * Whether the samples' histogram has two separate peaks: each at least a tenth of the other's
 * height, a valley between them below half of the smaller, each side of the valley holding at
 * least a tenth of the samples, and their centres at least 2 % of the median apart. Sarle's coefficient alone also rises for one skewed peak (a right tail is
 * what timings have), so it is only believed when the histogram shows two.
 */
export function hasTwoModes(sorted: ArrayLike<number>): boolean {
  const n = sorted.length;
  if (n < BIMODAL_MIN_SAMPLES) return false;
  const lo = sorted[0]!;
  const hi = sorted[n - 1]!;
  const median = quantileSorted(sorted, 0.5);
  // A median of 0 is a function faster than squall can time: its spread is the clock's noise.
  if (!(median > 0)) return false;
  const gap = MIN_MODE_GAP * median;
  if (!(hi - lo > gap)) return false;
  const bins = Math.min(30, Math.max(10, Math.round(Math.sqrt(n))));
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins + 2).fill(0);
  for (let i = 0; i < n; i++) counts[1 + Math.min(bins - 1, Math.floor((sorted[i]! - lo) / width))]!++;
  // A light smoothing, so that one jagged bin is not a peak of its own.
  const h = counts.map((c, i) =>
    i === 0 || i === bins + 1 ? 0 : (counts[i - 1]! + 2 * c + counts[i + 1]!) / 4,
  );
  const peaks: number[] = [];
  for (let i = 1; i <= bins; i++) if (h[i]! > h[i - 1]! && h[i]! >= h[i + 1]!) peaks.push(i);
  for (let a = 0; a < peaks.length; a++) {
    for (let b = a + 1; b < peaks.length; b++) {
      const [i, j] = [peaks[a]!, peaks[b]!];
      const small = Math.min(h[i]!, h[j]!);
      if (small < MIN_MODE_HEIGHT * Math.max(h[i]!, h[j]!)) continue;
      if ((j - i) * width < gap) continue;
      let v = i + 1;
      for (let k = i + 1; k < j; k++) if (h[k]! < h[v]!) v = k;
      if (!(h[v]! <= MAX_VALLEY * small)) continue;
      // Each side of the valley must hold a real share of the samples: a few per cent pushed
      // aside by another process are noise the median already ignores, not a second result.
      let left = 0;
      for (let k = 1; k < v; k++) left += counts[k]!;
      if (Math.min(left, n - left) >= MIN_MODE_SHARE * n) return true;
    }
  }
  return false;
}

/** The samples without stray severe outliers (GC pauses), when they are only a few. */
function keptOf(sorted: Float64Array, o: TukeyOutliers): Float64Array {
  const strays = o.lowSevere + o.highSevere <= STRAY_SHARE * sorted.length;
  return strays ? sorted.subarray(o.lowSevere, sorted.length - o.highSevere) : sorted;
}

function bimodalityOf(sorted: Float64Array, o: TukeyOutliers): number | undefined {
  const kept = keptOf(sorted, o);
  return kept.length < BIMODAL_MIN_SAMPLES ? undefined : bimodalityCoefficient(kept);
}
