import type { SeriesPoint } from './jumps.js';

/**
 * The warm-up of a resource series, found from the data: start-up allocations, JIT, caches and
 * pools filling are growth that stops, not a leak. The series is split in two at every candidate
 * point of its first third, each side fitted with its own line; the warm-up ends at the split
 * that fits best, when that split is worth having: it grew materially before it, much faster
 * than after, and the two lines explain the series far better than one.
 */

export interface FoundWarmup {
  /** Index of the first sample after the warm-up. */
  index: number;
  /** How much the resource grew during it (the later line at the split, minus the first at t0). */
  growth: number;
}

/** A warm-up is at most this share of the series: the rest must be long enough to judge. */
const MAX_SHARE = 1 / 3;
/** Fewer samples than this on either side of the split say nothing about a change of slope. */
const MIN_SIDE = 3;
/** The warm-up's average growth rate must exceed the later slope by this factor. */
const RATE_FACTOR = 3;
/** Two lines must leave at most this share of one line's squared error. */
const SSE_SHARE = 0.5;

/** Prefix sums for least-squares fits of any range in O(1). */
class Sums {
  private readonly s: Float64Array[];
  constructor(points: readonly SeriesPoint[]) {
    const n = points.length;
    this.s = Array.from({ length: 5 }, () => new Float64Array(n + 1));
    const [sx, sy, sxx, sxy, syy] = this.s as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    for (let i = 0; i < n; i++) {
      const { t: x, y } = points[i]!;
      sx[i + 1] = sx[i]! + x;
      sy[i + 1] = sy[i]! + y;
      sxx[i + 1] = sxx[i]! + x * x;
      sxy[i + 1] = sxy[i]! + x * y;
      syy[i + 1] = syy[i]! + y * y;
    }
  }

  /** Least-squares line over points [from, to) and its squared error. */
  fit(from: number, to: number): { slope: number; intercept: number; sse: number } {
    const k = to - from;
    const [sx, sy, sxx, sxy, syy] = this.s.map((a) => a[to]! - a[from]!) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const vxx = sxx - (sx * sx) / k;
    const vxy = sxy - (sx * sy) / k;
    const vyy = syy - (sy * sy) / k;
    const slope = vxx > 0 ? vxy / vxx : 0;
    const intercept = (sy - slope * sx) / k;
    return { slope, intercept, sse: Math.max(0, vyy - slope * vxy) };
  }
}

/**
 * The warm-up of `points` (time in seconds), or undefined when none stands out. `minGrowth` is
 * the smallest growth worth calling a warm-up, in the series' unit.
 */
export function findWarmup(points: readonly SeriesPoint[], minGrowth: number): FoundWarmup | undefined {
  const n = points.length;
  const last = Math.floor(n * MAX_SHARE);
  if (last < MIN_SIDE || n - last < MIN_SIDE) return undefined;
  const sums = new Sums(points);
  const whole = sums.fit(0, n);
  let best: { index: number; sse: number } | undefined;
  for (let b = MIN_SIDE; b <= last; b++) {
    const sse = sums.fit(0, b).sse + sums.fit(b, n).sse;
    if (!best || sse < best.sse) best = { index: b, sse };
  }
  if (!best || best.sse > SSE_SHARE * whole.sse) return undefined;
  const before = sums.fit(0, best.index);
  const after = sums.fit(best.index, n);
  const t0 = points[0]!.t;
  const tb = points[best.index]!.t;
  const growth = after.intercept + after.slope * tb - (before.intercept + before.slope * t0);
  const rate = growth / Math.max(tb - t0, 1e-9);
  if (growth < minGrowth || rate < RATE_FACTOR * Math.max(after.slope, 0)) return undefined;
  return { index: best.index, growth };
}
