/**
 * The Theil–Sen slope (the median of all pairwise slopes) with Sen's (1968) distribution-free
 * confidence interval, read off the same sorted slopes at ranks given by Kendall's S statistic.
 * It is the robust trend line for memory: a GC sawtooth, a compaction or a one-off spike moves a
 * least-squares slope a lot and the median of slopes hardly at all (breakdown point 29%).
 */

export interface Point {
  x: number;
  y: number;
}

export interface SlopeEstimate {
  slope: number;
  /** The median of y - slope·x, so that the line passes through the middle of the data. */
  intercept: number;
  /** Bounds of the confidence interval of the slope (equal to `slope` when every pair agrees). */
  low: number;
  high: number;
  /** Points used (after thinning). */
  n: number;
  /** Independent points they are worth: n unless `correlated`. */
  effectiveN: number;
}

export interface TheilSenOptions {
  /**
   * Widen the interval for serially correlated points: Sen's interval assumes independent
   * residuals, and samples a second apart are anything but (a GC cycle, a slow wander). Var S is
   * inflated by n / n_eff, with n_eff from the residuals' lag-1 autocorrelation ρ as
   * n·(1−ρ)/(1+ρ) (the AR(1) effective sample size; Hamed & Rao 1998 correct Mann–Kendall so).
   */
  correlated?: boolean;
  /** Thin longer series to this many points first (default MAX_POINTS). */
  maxPoints?: number;
}

/** Two-sided 95%: the normal quantile Sen's interval uses for Kendall's S. */
const Z_95 = 1.959963984540054;

/**
 * Pairwise slopes grow as n²; past this many points the series is thinned to evenly spaced
 * points first, which keeps a four-hour soak at 1 Hz to 180 k pairs and barely moves a median.
 */
export const MAX_POINTS = 600;

/** The value at a 1-based fractional rank of sorted values, interpolating between neighbours. */
function atRank(sorted: Float64Array, rank: number): number {
  const r = Math.min(Math.max(rank, 1), sorted.length) - 1;
  const lo = Math.floor(r);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (r - lo);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Robust standard deviation of values around their median (1.4826 × MAD). */
export function robustSd(values: readonly number[]): number {
  const m = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - m)));
}

/** Evenly spaced points of a long series, the first and last always kept. */
export function thin(points: readonly Point[], max = MAX_POINTS): Point[] {
  if (points.length <= max) return [...points];
  const out: Point[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))]!);
  return out;
}

/**
 * Variance of Kendall's S with the correction for tied y values (quantised RSS often repeats);
 * ties in x do not occur in a time series sampled at distinct times.
 */
function varianceOfS(ys: readonly number[]): number {
  const n = ys.length;
  const counts = new Map<number, number>();
  for (const y of ys) counts.set(y, (counts.get(y) ?? 0) + 1);
  let ties = 0;
  for (const t of counts.values()) ties += t * (t - 1) * (2 * t + 5);
  return (n * (n - 1) * (2 * n + 5) - ties) / 18;
}

/** The largest lag-1 autocorrelation credited: beyond it n_eff would fall under two points. */
const MAX_RHO = 0.99;

/** Lag-1 autocorrelation of residuals (0 for a perfect fit: nothing is correlated). */
export function lag1Autocorrelation(residuals: readonly number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < residuals.length; i++) {
    const r = residuals[i]!;
    den += r * r;
    if (i + 1 < residuals.length) num += r * residuals[i + 1]!;
  }
  return den > 0 ? num / den : 0;
}

/** n·(1−ρ)/(1+ρ), with ρ clamped to [0, MAX_RHO]: negative correlation earns no extra points. */
export function effectiveSize(residuals: readonly number[]): number {
  const rho = Math.min(Math.max(lag1Autocorrelation(residuals), 0), MAX_RHO);
  return Math.max(2, Math.min(residuals.length, (residuals.length * (1 - rho)) / (1 + rho)));
}

/**
 * The Theil–Sen line through `points` and the 95% confidence interval of its slope. Undefined
 * with fewer than two points of distinct x: there is no slope to speak of.
 */
export function theilSen(input: readonly Point[], opts: TheilSenOptions = {}): SlopeEstimate | undefined {
  const points = thin(input, opts.maxPoints);
  const n = points.length;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = points[i]!;
    for (let j = i + 1; j < n; j++) {
      const b = points[j]!;
      if (b.x !== a.x) slopes.push((b.y - a.y) / (b.x - a.x));
    }
  }
  if (slopes.length === 0) return undefined;
  const sorted = Float64Array.from(slopes).sort();
  const count = sorted.length;
  const slope = count % 2 === 1 ? sorted[count >> 1]! : (sorted[count / 2 - 1]! + sorted[count / 2]!) / 2;
  // Sen's ranks: (N - C)/2 and (N + C)/2 + 1 with C = z·sqrt(Var S). With few points C exceeds
  // N and the interval is every slope seen, which is the honest answer.
  const intercept = median(points.map((p) => p.y - slope * p.x));
  const effectiveN = opts.correlated ? effectiveSize(points.map((p) => p.y - slope * p.x - intercept)) : n;
  const c = Z_95 * Math.sqrt(varianceOfS(points.map((p) => p.y)) * (n / effectiveN));
  const low = atRank(sorted, (count - c) / 2);
  const high = atRank(sorted, (count + c) / 2 + 1);
  return { slope, intercept, low: Math.min(low, slope), high: Math.max(high, slope), n, effectiveN };
}
