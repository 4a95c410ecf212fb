import { Rng } from '../util/rng.js';

/** A point where a series' distribution shifted. */
export interface ChangePoint {
  /** Index of the first value after the change. */
  index: number;
  /** Permutation p-value of the split when it was tested (within the segment it cut). */
  pValue: number;
  /** Mean of the segment before (from the previous change point, or the start). */
  before: number;
  /** Mean of the segment after (up to the next change point, or the end). */
  after: number;
  /** Relative shift, after / before − 1 (0 when both are 0). */
  shift: number;
}

export interface ChangePointOptions {
  /**
   * Significance level of each split's permutation test (default 0.01: at 0.05 a flat history of
   * 30 runs shows a change point one time in 16 and a real step gets a spurious second one one
   * time in 6; at 0.01, one time in 60 and one in 30, and every step of 20 % is still found).
   */
  alpha?: number;
  /** Permutations per test (default 199, so the smallest p-value is 0.005). */
  permutations?: number;
  /** Fewest values in a segment (default 3, at least 2: a segment's spread needs two). */
  minSize?: number;
  /** Seed of the permutations; the same seed and values give the same points (default 1). */
  seed?: number;
}

/**
 * Change points by E-Divisive means (Matteson & James 2014), the method of MongoDB's
 * performance CI and Apache Otava (hunter): the best split of a segment is the one that
 * maximises the energy divergence between its two sides (distance exponent 1, so a shift of the
 * mean, of the spread or of the shape all count); its significance comes from a permutation
 * test — the same statistic on the segment's values shuffled, `permutations` times, gives
 * p = (shuffles at least as divergent + 1) / (permutations + 1). A split with p ≤ alpha is kept
 * and both sides are searched again (recursive bisection); otherwise the segment is whole. A
 * slow drift is found because the divergence compares whole sides, not neighbouring values.
 * Sorted by index; none for fewer than 2·minSize values or a constant series.
 */
export function changePoints(values: readonly number[], options: ChangePointOptions = {}): ChangePoint[] {
  const alpha = options.alpha ?? 0.01;
  const permutations = options.permutations ?? 199;
  const minSize = Math.max(2, options.minSize ?? 3);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(Number.isInteger(permutations) && permutations >= 1))
    throw new RangeError(`permutations must be a positive integer, got ${permutations}`);
  if (!Number.isInteger(minSize)) throw new RangeError(`minSize must be an integer, got ${minSize}`);
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError('change points need finite values');
  const rng = new Rng(options.seed ?? 1);
  const found: { index: number; pValue: number }[] = [];
  const search = (lo: number, hi: number): void => {
    const segment = Float64Array.from(values.slice(lo, hi));
    const best = bestSplit(segment, minSize);
    if (!best) return;
    const pValue = permutationPValue(segment, best.q, minSize, permutations, rng);
    if (pValue > alpha) return;
    found.push({ index: lo + best.at, pValue });
    search(lo, lo + best.at);
    search(lo + best.at, hi);
  };
  search(0, values.length);
  found.sort((x, y) => x.index - y.index);
  return describe(values, found);
}

/** Each found split with the means of the final segments on either side. */
function describe(
  values: readonly number[],
  found: readonly { index: number; pValue: number }[],
): ChangePoint[] {
  const bounds = [0, ...found.map((f) => f.index), values.length];
  const means = bounds.slice(1).map((end, i) => mean(values, bounds[i]!, end));
  return found.map((f, i) => {
    const before = means[i]!;
    const after = means[i + 1]!;
    return { index: f.index, pValue: f.pValue, before, after, shift: relativeShift(before, after) };
  });
}

function mean(values: readonly number[], lo: number, hi: number): number {
  let sum = 0;
  for (let i = lo; i < hi; i++) sum += values[i]!;
  return sum / (hi - lo);
}

function relativeShift(before: number, after: number): number {
  if (before === after) return 0;
  return after / before - 1;
}

/**
 * The split of `x` (index of the first value of the right side) with the largest divergence
 *   Q(τ, κ) = m·k/(m+k) · (2/(m·k)·Σ|xᵢ−xⱼ| − 1/C(m,2)·Σ|xᵢ−xᵢ'| − 1/C(k,2)·Σ|xⱼ−xⱼ'|)
 * between the m = τ values before τ and the k = κ − τ values from τ up to some κ ≤ n, both at
 * least minSize. Scanning κ too (as the paper does, not only κ = n) finds a step that comes back
 * (a bump of 12 runs in 36), whose right side would otherwise mix both levels. Undefined when
 * the segment is too short or nothing diverges (a constant segment). O(n²) time and memory:
 * column prefix sums of the distances make each (τ, κ) one step from the last.
 */
export function bestSplit(x: Float64Array, minSize: number): { at: number; q: number } | undefined {
  const n = x.length;
  if (n < 2 * minSize) return undefined;
  // above[c·n + r] = Σ_{i<r} |x_i − x_c| for r ≤ c.
  const above = new Float64Array(n * n);
  let total = 0;
  for (let c = 0; c < n; c++)
    for (let r = 0; r < c; r++) {
      above[c * n + r + 1] = above[c * n + r]! + Math.abs(x[r]! - x[c]!);
      if (r === c - 1) total += above[c * n + c]!;
    }
  if (total === 0) return undefined;
  let best: { at: number; q: number } | undefined;
  let withinLeft = 0;
  for (let t = 1; t <= n - minSize; t++) {
    withinLeft += above[(t - 1) * n + t - 1]!;
    const m = t;
    if (m < minSize) continue;
    let between = 0;
    let withinRight = 0;
    for (let c = t; c < n; c++) {
      const toLeft = above[c * n + t]!;
      between += toLeft;
      withinRight += above[c * n + c]! - toLeft;
      const k = c - t + 1;
      if (k < minSize) continue;
      const divergence =
        (2 * between) / (m * k) - withinLeft / ((m * (m - 1)) / 2) - withinRight / ((k * (k - 1)) / 2);
      const q = ((m * k) / (m + k)) * divergence;
      if (!best || q > best.q) best = { at: t, q };
    }
  }
  return best;
}

/** Share of shuffles of `x` whose best split diverges at least as much as `observed` (+1 smoothing). */
function permutationPValue(
  x: Float64Array,
  observed: number,
  minSize: number,
  permutations: number,
  rng: Rng,
) {
  const shuffled = Float64Array.from(x);
  let atLeast = 0;
  // A relative tolerance, so a shuffle equal to the observed split up to rounding counts.
  const bar = observed * (1 - 1e-12);
  for (let p = 0; p < permutations; p++) {
    shuffle(shuffled, rng);
    const q = bestSplit(shuffled, minSize)?.q ?? 0;
    if (q >= bar) atLeast++;
  }
  return (atLeast + 1) / (permutations + 1);
}

/** Fisher–Yates, in place. */
function shuffle(x: Float64Array, rng: Rng): void {
  for (let i = x.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = x[i]!;
    x[i] = x[j]!;
    x[j] = t;
  }
}
