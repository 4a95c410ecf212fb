import { Rng } from '../util/rng.js';
import type { Stage } from './plan.js';
import { isMine, type Share, scaleCount } from './share.js';

/**
 * The open model's schedule: the arrival rate over time as linear segments, and the arrival
 * times that follow from it. Everything here is pure; the arrival-rate executors walk an
 * ArrivalSource with timers.
 */

/** The rate goes linearly from `fromPerSec` to `toPerSec` over the segment (whole run, all shards). */
export interface RateSegment {
  startMs: number;
  durationMs: number;
  fromPerSec: number;
  toPerSec: number;
}

/** ramping-arrival-rate's stages as rate segments; zero-length stages are jumps and need none. */
export function rateSegments(startRate: number, stages: readonly Stage[], timeUnitMs: number): RateSegment[] {
  const out: RateSegment[] = [];
  let from = startRate;
  let at = 0;
  for (const stage of stages) {
    if (stage.durationMs > 0) {
      out.push({
        startMs: at,
        durationMs: stage.durationMs,
        fromPerSec: (from * 1000) / timeUnitMs,
        toPerSec: (stage.target * 1000) / timeUnitMs,
      });
    }
    at += stage.durationMs;
    from = stage.target;
  }
  return out;
}

/** Arrivals per second at `tMs` (0 outside the segments). */
export function rateAtMs(segments: readonly RateSegment[], tMs: number): number {
  for (const s of segments) {
    if (tMs >= s.startMs && tMs < s.startMs + s.durationMs) {
      return s.fromPerSec + ((s.toPerSec - s.fromPerSec) * (tMs - s.startMs)) / s.durationMs;
    }
  }
  return 0;
}

/** Expected arrivals in one segment's first `tMs` (the area under its rate line). */
function segmentCount(s: RateSegment, tMs: number): number {
  const t = Math.min(Math.max(tMs, 0), s.durationMs);
  const a = s.fromPerSec / 1000;
  const b = s.toPerSec / 1000;
  return a * t + ((b - a) * t * t) / (2 * s.durationMs);
}

/** Expected arrivals in [0, tMs): the integral of the rate. */
export function countByMs(segments: readonly RateSegment[], tMs: number): number {
  let n = 0;
  for (const s of segments) if (tMs > s.startMs) n += segmentCount(s, tMs - s.startMs);
  return n;
}

/**
 * The time within a segment at which its integral reaches `u` arrivals: the root of
 * a·t + (b−a)·t²/2d = u, written as 2u / (a + √(a² + 2(b−a)u/d)) so that a flat or nearly flat
 * ramp loses no precision to cancellation.
 */
function segmentTimeOf(s: RateSegment, u: number): number {
  if (u <= 0) return 0;
  const a = s.fromPerSec / 1000;
  const b = s.toPerSec / 1000;
  const root = Math.sqrt(Math.max(0, a * a + (2 * (b - a) * u) / s.durationMs));
  return Math.min(s.durationMs, (2 * u) / (a + root));
}

/**
 * The arrival times of a schedule, in ms from the scenario's start, ascending, one at a time
 * (no array of a whole run's arrivals, no iterator objects per arrival).
 *
 * Arrival k (0-based, counted over all shards) comes when the rate's integral reaches s_k:
 * - even spacing: s_k = k + phase. constant-arrival-rate has phase 0 (the first arrival at once,
 *   then one every 1/r, as k6); ramping-arrival-rate has phase 1, as k6's: its first arrival
 *   comes where one iteration's worth of area has accumulated, so a ramp from 0 does not fire
 *   at t = 0;
 * - poisson: s_k is a sum of k+1 unit exponentials, i.e. a Poisson process whose intensity is
 *   the planned rate (time-rescaling), so ramps keep their shape.
 * A shard keeps the arrivals k ≡ index (mod count), so shards add up to the single-process run.
 * Only arrivals before `endMs` are produced (phase 1: up to and including it).
 */
export class ArrivalSource {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private seg = 0;
  private k = 0;
  private s = 0;
  private readonly rng: Rng | null;

  constructor(
    private readonly segments: readonly RateSegment[],
    private readonly endMs: number,
    arrival: 'even' | 'poisson',
    seed: number,
    private readonly share: Share | undefined,
    private readonly phase: 0 | 1 = 0,
  ) {
    this.rng = arrival === 'poisson' ? new Rng(seed) : null;
    this.starts = new Float64Array(segments.length);
    this.ends = new Float64Array(segments.length);
    let n = 0;
    segments.forEach((s, i) => {
      this.starts[i] = n;
      n += segmentCount(s, s.durationMs);
      this.ends[i] = n;
    });
  }

  /** The next arrival of this shard (ms from the start), or +Infinity when there are no more. */
  next(): number {
    for (;;) {
      const k = this.k++;
      if (this.rng === null) this.s = k + this.phase;
      else this.s += this.rng.exponential();
      const t = this.timeOf(this.s);
      // Phase 1 (k6's ramping-arrival-rate) keeps an arrival that lands on the very end, so a
      // ramp runs the whole area under its rate line (rounded down), as k6's does.
      if (t > this.endMs || (t === this.endMs && this.phase === 0)) {
        this.seg = this.segments.length;
        return Number.POSITIVE_INFINITY;
      }
      if (isMine(k, this.share)) return t;
    }
  }

  /**
   * Skips every arrival before `tMs` without visiting each (a backlog that waited too long, at a
   * rate of millions per second, is dropped in one step); returns how many of this shard's it
   * skipped. Even spacing: the arrivals up to the integral's value there. Poisson: their number
   * is Poisson-distributed with the integral's growth as its mean (sampled: exactly for small
   * means, by the normal approximation for large ones), and the process restarts there, as it
   * is memoryless.
   */
  skipBefore(tMs: number): number {
    const c = countByMs(this.segments, Math.min(tMs, this.endMs));
    let skipped: number;
    if (this.rng === null) {
      // Arrivals k with k + phase < c.
      const to = Math.ceil(c - this.phase - 1e-9 * Math.max(1, c));
      if (to <= this.k) return 0;
      skipped = to - this.k;
      this.s = to - 1 + this.phase;
    } else {
      const mean = c - this.s;
      if (mean <= 0) return 0;
      skipped = poissonSample(this.rng, mean);
      this.s = c;
    }
    const from = this.k;
    this.k += skipped;
    return scaleCount(this.k, this.share) - scaleCount(from, this.share);
  }

  /**
   * Where the integral reaches `s`. Segments hold the counts [start, end): a count on a boundary
   * belongs to the next segment with a rate, so no arrival lands on the first instant of a pause
   * or on the very end. The segment pointer only moves forward, as s grows.
   */
  private timeOf(s: number): number {
    const n = this.segments.length;
    // The tolerance absorbs the float error of summed segment areas (relative, like the sums).
    for (; this.seg < n; this.seg++) {
      const end = this.ends[this.seg]!;
      const tolerance = 1e-9 * Math.max(1, end);
      if (s < end - tolerance) break;
      if (this.phase === 1 && this.seg === n - 1 && s <= end + tolerance) break;
    }
    if (this.seg >= n) return Number.POSITIVE_INFINITY;
    const segment = this.segments[this.seg]!;
    return segment.startMs + segmentTimeOf(segment, s - this.starts[this.seg]!);
  }
}

/** A Poisson-distributed count with this mean (Knuth's method below 50, else normal). */
function poissonSample(rng: Rng, mean: number): number {
  if (mean < 50) {
    let n = 0;
    for (let sum = rng.exponential(); sum < mean; sum += rng.exponential()) n++;
    return n;
  }
  // Box–Muller: 1 - u lies in (0, 1], so the log is finite.
  const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
}

/** All arrival times of a schedule (tests and descriptions; the engine never builds this array). */
export function arrivalTimes(source: ArrivalSource, limit = 10_000_000): number[] {
  const out: number[] = [];
  for (let t = source.next(); t !== Number.POSITIVE_INFINITY && out.length < limit; t = source.next()) {
    out.push(t);
  }
  return out;
}
