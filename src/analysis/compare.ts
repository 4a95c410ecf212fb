import type { CompareRow, Comparison, Direction, Verdict } from '../result/comparison-schema.js';
import { Rng } from '../util/rng.js';
import { tCritical95, Z95 } from './bench-stats.js';
import { drawIndices, percentileInterval } from './bootstrap.js';

/**
 * One observation of a metric: a second of a load run (its mean latency, p95 or rate, weighted
 * by its requests or its length), one sample of a bench, or one whole run when several runs of
 * a test are on a side.
 */
export interface Window {
  value: number;
  /** Non-negative; 1 for unweighted observations. */
  weight: number;
}

/** How a side's windows are summed up into the figure compared. */
export type Statistic =
  /** Σ weight·value / Σ weight: the run's latency mean (window means weighted by requests),
   *  throughput (window rates weighted by seconds), error rate (error shares weighted by requests). */
  | 'mean'
  /** The weighted median of the values: for p95/p99 from per-second p95s/p99s (see compareMetric). */
  | 'median';

export type { CompareRow, Comparison, Direction, Verdict };

export interface VerdictRules {
  direction: Direction;
  /** How much worse B may be: 0.10 = 10 % (in the metric's units with scale 'absolute'). */
  budget: number;
  /** The noise floor: a change smaller than this is 'unchanged' whatever its interval. */
  noise: number;
}

export interface CompareOptions extends VerdictRules {
  /** Default 'mean'. */
  statistic?: Statistic;
  /**
   * 'blocks' (default) for per-second windows of a run, which are not independent;
   * 'values' for independent observations (bench samples, whole runs).
   */
  resampling?: 'blocks' | 'values';
  /** Block length for 'blocks'; default ⌈√n⌉ windows per side. */
  block?: number;
  /** 'relative' (default): change = b/a − 1; 'absolute': change = b − a (an error rate from 0). */
  scale?: 'relative' | 'absolute';
  /** How many runs each side's windows come from (default 1); runsNeeded counts in these. */
  runs?: number;
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
  /** Default 1: the same seed and windows give the same interval. */
  seed?: number;
}

export interface Judgement {
  verdict: Verdict;
  /** For 'inconclusive': more runs per side that would likely settle it; else null. */
  runsNeeded: number | null;
  /** For 'inconclusive': the factor by which each side's data must grow; else null. */
  growth: number | null;
}

export interface MetricComparison extends Judgement {
  /** The statistic of A's and of B's windows. */
  a: number;
  b: number;
  /** b/a − 1 (or b − a with scale 'absolute'). */
  change: number;
  /** The 95 % interval of the change: ±Infinity when a side has a single window (no spread to go by). */
  low: number;
  high: number;
}

/**
 * Compares one metric between a baseline A and a candidate B: the change of the statistic of
 * their windows and a bootstrap percentile interval of it, each resample drawing A's and B's
 * windows anew and independently. Per-second windows are drawn in circular blocks of ⌈√n⌉
 * seconds, so a resample keeps what neighbouring seconds share (a GC pause, a noisy neighbour
 * spanning several seconds) and the interval is not made narrower than the data allow; √n
 * keeps many blocks in short runs (8 of 8 s in a minute) and long blocks in long ones. The
 * percentile interval is then widened for few blocks (Student's t). A side of one window has no
 * spread to go by: its interval is unbounded, so a change beyond the noise is 'inconclusive'
 * (two bare numbers never make a regression).
 *
 * For p95 and p99 the per-second windows hold percentiles, which cannot be merged; their
 * weighted median ('median') approximates the run's percentile, robust to one slow second,
 * where a weighted mean of per-second p95s would be pulled by it (and neither equals the p95 of
 * the whole run's histogram, which has no interval of its own).
 */
export function compareMetric(
  a: readonly Window[],
  b: readonly Window[],
  options: CompareOptions,
): MetricComparison {
  const resamples = options.resamples ?? 2000;
  if (!(Number.isInteger(resamples) && resamples >= 1))
    throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  const statA = summary(a, options.statistic ?? 'mean', 'A');
  const statB = summary(b, options.statistic ?? 'mean', 'B');
  const delta = options.scale === 'absolute' ? (x: number, y: number) => y - x : relativeChange;
  const pointA = statA(ones(a.length));
  const pointB = statB(ones(b.length));
  const change = delta(pointA, pointB);
  const judge = (low: number, high: number): MetricComparison => ({
    a: pointA,
    b: pointB,
    change,
    low,
    high,
    ...verdictOf(change, low, high, options, options.runs ?? 1),
  });
  if (a.length < 2 || b.length < 2) return judge(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const rng = new Rng(options.seed ?? 1);
  const blockA = blockLength(a.length, options);
  const blockB = blockLength(b.length, options);
  const drawA = resampler(a.length, blockA, rng);
  const drawB = resampler(b.length, blockB, rng);
  const changes = new Float64Array(resamples);
  let kept = 0;
  for (let r = 0; r < resamples; r++) {
    const c = delta(statA(drawA()), statB(drawB()));
    // NaN: a resample of only weightless windows; it says nothing.
    if (!Number.isNaN(c)) changes[kept++] = c;
  }
  if (kept === 0) return judge(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const { low, high } = percentileInterval(changes.subarray(0, kept).sort(), 0.95);
  // A bootstrap of few blocks gives too narrow an interval (on synthetic AR(1) seconds it missed
  // a zero change 11–16 % of the time for 30–60 s instead of 5 %): widened by Student's t over
  // the normal for the fewer side's blocks − 1 degrees of freedom, it misses 4–7 %.
  const blocks = Math.min(Math.ceil(a.length / blockA), Math.ceil(b.length / blockB));
  const widen = tCritical95(blocks - 1) / Z95;
  if (options.scale === 'absolute' || !(1 + low > 0) || !(1 + change > 0))
    return judge(change - widen * (change - low), change + widen * (high - change));
  // A ratio is widened on its log scale: B/A stays above 0 (a latency cannot fall by over 100 %).
  const log = (v: number) => Math.log1p(v);
  const c = log(change);
  return judge(Math.expm1(c - widen * (c - log(low))), Math.expm1(c + widen * (log(high) - c)));
}

/**
 * The verdict on a change and its interval (also to re-judge with another budget):
 * - |change| < noise: 'unchanged', whatever the interval;
 * - the interval wholly beyond the budget on the worse side: 'regressed';
 * - the interval reaching past the budget on the worse side (straddling it): 'inconclusive';
 * - the interval wholly better than the noise floor: 'improved';
 * - else 'unchanged' (B may be worse, but within its budget).
 * For 'inconclusive', an interval's half-width shrinks as 1/√n, so it stops straddling the
 * budget once n grows by growth = (half-width on the budget's side / |estimate − budget|)²;
 * runsNeeded = ⌈runs·growth⌉ − runs (at least 1), null when the estimate sits on the budget.
 */
export function verdictOf(
  change: number,
  low: number,
  high: number,
  rules: VerdictRules,
  runs = 1,
): Judgement {
  const worse = rules.direction === 'lower-is-better' ? 1 : -1;
  const c = worse * change;
  const lo = Math.min(worse * low, worse * high);
  const hi = Math.max(worse * low, worse * high);
  const settled = (verdict: Verdict): Judgement => ({ verdict, runsNeeded: null, growth: null });
  if (Math.abs(change) < rules.noise) return settled('unchanged');
  if (lo > rules.budget) return settled('regressed');
  if (hi > rules.budget) {
    const distance = Math.abs(c - rules.budget);
    const halfWidth = c < rules.budget ? hi - c : c - lo;
    if (!(distance > 0) || !Number.isFinite(halfWidth))
      return { verdict: 'inconclusive', runsNeeded: null, growth: null };
    const growth = (halfWidth / distance) ** 2;
    return { verdict: 'inconclusive', runsNeeded: Math.max(1, Math.ceil(runs * growth) - runs), growth };
  }
  if (hi < -rules.noise) return settled('improved');
  return settled('unchanged');
}

const severity: Record<Verdict, number> = { regressed: 3, inconclusive: 2, unchanged: 1, improved: 0 };

/** The most severe of some verdicts (regressed > inconclusive > unchanged > improved); 'unchanged' for none. */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = 'unchanged';
  let first = true;
  for (const v of verdicts) {
    if (first || severity[v] > severity[worst]) worst = v;
    first = false;
  }
  return worst;
}

/** b/a − 1; 0 when both are equal (two zero error rates), ±Infinity from a zero baseline. */
function relativeChange(a: number, b: number): number {
  return a === b ? 0 : b / a - 1;
}

function blockLength(n: number, options: CompareOptions): number {
  if (options.resampling === 'values') return 1;
  const block = options.block ?? Math.ceil(Math.sqrt(n));
  if (!(Number.isInteger(block) && block >= 1))
    throw new RangeError(`block must be a positive integer, got ${block}`);
  // At least two blocks, or every resample is the side itself turned round.
  return Math.max(1, Math.min(block, Math.floor(n / 2)));
}

function ones(n: number): Float64Array {
  return new Float64Array(n).fill(1);
}

/** A function giving each window's multiplicity in a fresh bootstrap draw. */
function resampler(n: number, block: number, rng: Rng): () => Float64Array {
  const picks = new Int32Array(n);
  const counts = new Float64Array(n);
  return () => {
    drawIndices(n, block, rng, picks);
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[picks[i]!]!++;
    return counts;
  };
}

/** The statistic of a side's windows taken with given multiplicities (all 1: the side itself). */
function summary(
  windows: readonly Window[],
  statistic: Statistic,
  side: string,
): (counts: Float64Array) => number {
  if (windows.length === 0) throw new RangeError(`side ${side} has no windows to compare`);
  for (const w of windows)
    if (!(Number.isFinite(w.value) && Number.isFinite(w.weight) && w.weight >= 0))
      throw new RangeError(
        `side ${side} has a window of value ${w.value} and weight ${w.weight}; both must be finite, the weight ≥ 0`,
      );
  if (!windows.some((w) => w.weight > 0))
    throw new RangeError(`side ${side} has no window of positive weight`);
  if (statistic === 'mean')
    return (counts) => {
      let sum = 0;
      let weight = 0;
      for (let i = 0; i < windows.length; i++) {
        const w = counts[i]! * windows[i]!.weight;
        sum += w * windows[i]!.value;
        weight += w;
      }
      return sum / weight;
    };
  // The median walks the windows in value order, weighing each by its multiplicity: no sort per draw.
  const order = windows.map((_, i) => i).sort((x, y) => windows[x]!.value - windows[y]!.value);
  return (counts) => weightedMedian(windows, order, counts);
}

/** The value where the cumulative weight first reaches half (the mean of the two at an exact half). */
function weightedMedian(windows: readonly Window[], order: readonly number[], counts: Float64Array): number {
  let total = 0;
  for (let i = 0; i < windows.length; i++) total += counts[i]! * windows[i]!.weight;
  if (!(total > 0)) return Number.NaN;
  const half = total / 2;
  let cumulative = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const w = counts[i]! * windows[i]!.weight;
    if (w === 0) continue;
    cumulative += w;
    if (cumulative > half) return windows[i]!.value;
    if (cumulative === half) {
      // Exactly half below: the mean of this value and the next weighted one.
      for (let m = k + 1; m < order.length; m++) {
        const j = order[m]!;
        if (counts[j]! * windows[j]!.weight > 0) return (windows[i]!.value + windows[j]!.value) / 2;
      }
      return windows[i]!.value;
    }
  }
  return Number.NaN;
}
