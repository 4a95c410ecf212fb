/**
 * Weighted choices of the engine: which user type each VU is (closed model) or each started
 * iteration is (open model), deterministic, in order; and which task an iteration runs (random,
 * by weight).
 */

/** Weights that sum to zero or less (or are not numbers) count as equal, never as NaN shares. */
function usable(weights: readonly number[]): number[] {
  const clean = weights.map((w) => (Number.isFinite(w) && w > 0 ? w : 0));
  return clean.some((w) => w > 0) ? clean : weights.map(() => 1);
}

/**
 * Deals items 0, 1, 2, … (VUs in the closed model, started iterations in the open model) out to
 * types by weight, one at a time, so that:
 * - the first n items always split within one of their exact shares (n·w/W rounded down or up),
 *   so 70/30 of 10 VUs is exactly 7/3 and 2 of 3 equal types never go to one type;
 * - item i keeps its type whatever n becomes, so ramping up and down never re-types a VU.
 * Largest remainder alone satisfies the first but not the second (the Alabama paradox), and
 * smooth weighted round-robin breaks the first with uneven weights. Balinski and Young's quota
 * method does both: the next item goes to the type with the highest w/(count+1) among those that
 * would not exceed their upper share. Its state is one count per type, so an open-model run
 * deals millions of iterations in constant memory.
 */
export class Apportionment {
  private readonly weights: number[];
  private readonly total: number;
  private readonly counts: number[];
  private n = 0;

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new RangeError('Apportionment needs at least one weight');
    this.weights = usable(weights);
    this.total = this.weights.reduce((a, b) => a + b, 0);
    this.counts = this.weights.map(() => 0);
  }

  /** The type (index into the weights) of the next item. */
  next(): number {
    const n = ++this.n;
    // Upper quota: a type already at its exact share n·w/W (or above) waits. The tolerance keeps
    // float error from blocking an exact share (10·70/100 must be 7); it grows with n, as the
    // error of n·w/W does, and stays far below one item.
    const tolerance = 1e-9 + 1e-12 * n;
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.weights.length; i++) {
      const w = this.weights[i]!;
      if (this.counts[i]! >= (n * w) / this.total - tolerance) continue;
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

/** The Apportionment of VU indexes, remembered, so that VU i's type can be asked again. */
export class WeightedSequence {
  private readonly deal: Apportionment;
  private readonly types: number[] = [];

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new RangeError('WeightedSequence needs at least one weight');
    this.deal = new Apportionment(weights);
  }

  /** The type (index into the weights) of VU `index` (0-based). */
  at(index: number): number {
    while (this.types.length <= index) this.types.push(this.deal.next());
    return this.types[index]!;
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
