/**
 * Weighted choices of the engine: which user type each VU is (deterministic, by VU index) and
 * which task an iteration runs (random, by weight).
 */

/** Weights that sum to zero or less (or are not numbers) count as equal, never as NaN shares. */
function usable(weights: readonly number[]): number[] {
  const clean = weights.map((w) => (Number.isFinite(w) && w > 0 ? w : 0));
  return clean.some((w) => w > 0) ? clean : weights.map(() => 1);
}

/**
 * Gives VU index 0, 1, 2, … a user type each, by weight, so that:
 * - the first n VUs always split within one of their exact shares (n·w/W rounded down or up),
 *   so 70/30 of 10 VUs is exactly 7/3 and 2 of 3 equal types never go to one type;
 * - VU i keeps its type whatever n becomes, so ramping up and down never re-types a VU.
 * Largest remainder alone satisfies the first but not the second (the Alabama paradox), and
 * smooth weighted round-robin breaks the first with uneven weights. Balinski and Young's quota
 * method does both: the next VU goes to the type with the highest w/(count+1) among those that
 * would not exceed their upper share.
 */
export class WeightedSequence {
  private readonly weights: number[];
  private readonly total: number;
  private readonly counts: number[];
  private readonly types: number[] = [];

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new RangeError('WeightedSequence needs at least one weight');
    this.weights = usable(weights);
    this.total = this.weights.reduce((a, b) => a + b, 0);
    this.counts = this.weights.map(() => 0);
  }

  /** The type (index into the weights) of VU `index` (0-based). */
  at(index: number): number {
    while (this.types.length <= index) this.types.push(this.nextType());
    return this.types[index]!;
  }

  private nextType(): number {
    const n = this.types.length + 1;
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.weights.length; i++) {
      const w = this.weights[i]!;
      // Upper quota: a type already at its exact share n·w/W (or above) waits; the tolerance
      // keeps float error from blocking an exact share (10·70/100 must be 7).
      if (this.counts[i]! >= (n * w) / this.total - 1e-9) continue;
      const score = w / (this.counts[i]! + 1);
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    // The theorem says someone is always eligible; float error must not make this a crash.
    if (best < 0) best = this.weights.indexOf(Math.max(...this.weights));
    this.counts[best]!++;
    return best;
  }
}

/** How many of the first `n` VUs each type gets (the counts WeightedSequence produces). */
export function splitByWeight(weights: readonly number[], n: number): number[] {
  const seq = new WeightedSequence(weights);
  const counts = weights.map(() => 0);
  for (let i = 0; i < n; i++) counts[seq.at(i)]!++;
  return counts;
}

/** Picks an index by weight from a uniform draw in [0, 1): a scan over cumulative weights. */
export class WeightedPicker {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new RangeError('WeightedPicker needs at least one weight');
    const clean = usable(weights);
    this.cumulative = new Float64Array(clean.length);
    let sum = 0;
    for (let i = 0; i < clean.length; i++) {
      sum += clean[i]!;
      this.cumulative[i] = sum;
    }
    this.total = sum;
  }

  get size(): number {
    return this.cumulative.length;
  }

  pick(uniform: number): number {
    const x = uniform * this.total;
    const last = this.cumulative.length - 1;
    // Task lists are short, so a linear scan beats a binary search; the last index also catches
    // a draw that float error pushed onto the total.
    for (let i = 0; i < last; i++) if (x < this.cumulative[i]!) return i;
    return last;
  }
}
