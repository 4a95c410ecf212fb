import { encodeTrend } from '../util/hdr.js';
import { type ExactParts, TrendHistogram } from '../util/trend-histogram.js';

/**
 * One endpoint's own per-second buckets, aligned with the run's timeline (bucket i of the
 * endpoint is bucket i of the run). The hot path adds one histogram record and two counts; a
 * closed bucket is kept as six numbers in one flat array (no object per second), and only the
 * seconds in which the endpoint had requests are kept. The run's own bucket is the sum of its
 * endpoints' (HttpMetrics.closeInterval), so the hot path records each duration once per second.
 */

/** Numbers kept per closed bucket: index, requests, errors, p50, p95, p99 (NaN: no response). */
const STRIDE = 6;

/** One bucket as the result document's `endpoints[i].timeline` needs it, before `t` and `rps`. */
export interface EndpointBucket {
  index: number;
  requests: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Shard runs only (keepHistograms): the bucket's durations, encoded, and their exact parts. */
  histogram?: string;
  exact?: ExactParts;
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

export class EndpointTimeline {
  private interval = new TrendHistogram();
  /** The durations of the last bucket closed: a short last part of the run is merged into it. */
  private closed = new TrendHistogram();
  private intervalRequests = 0;
  private intervalErrors = 0;
  private readonly buckets: number[] = [];
  /** A shard's run: each closed bucket's histogram is kept (encoded) for an exact merge. */
  keepHistograms = false;
  /** By closed bucket (same order as `buckets`), when keepHistograms. */
  private readonly kept: Array<{ histogram: string; exact: ExactParts }> = [];

  record(durationMs: number, failed: boolean): void {
    this.interval.recordMs(durationMs);
    this.intervalRequests++;
    if (failed) this.intervalErrors++;
  }

  /**
   * Adds the open bucket's durations to `t`: the run's bucket is the exact sum of its endpoints',
   * so a response is recorded once per second's histogram, not twice.
   */
  addIntervalTo(t: TrendHistogram): void {
    t.add(this.interval);
  }

  /** A request recorded as passed that its script then marked failed: an error of the open second. */
  markFailed(): void {
    this.intervalErrors++;
  }

  /** A request that got no response: counted, with no duration. */
  recordError(): void {
    this.intervalRequests++;
    this.intervalErrors++;
  }

  /**
   * Closes bucket `index` of the run; `merge` when the run merged this last short part into the
   * bucket before (HttpMetrics.closeInterval), so this endpoint does the same.
   */
  close(index: number, merge: boolean): void {
    const b = this.buckets;
    const lastAt = b.length - STRIDE;
    const hasLast = lastAt >= 0 && b[lastAt] === index;
    if (merge && hasLast) {
      this.closed.add(this.interval);
      b[lastAt + 1]! += this.intervalRequests;
      b[lastAt + 2]! += this.intervalErrors;
      this.writePercentiles(lastAt, this.closed);
      if (this.keepHistograms) this.kept[this.kept.length - 1] = this.keep(this.closed);
    } else if (this.intervalRequests > 0) {
      b.push(index, this.intervalRequests, this.intervalErrors, 0, 0, 0);
      this.writePercentiles(b.length - STRIDE, this.interval);
      if (this.keepHistograms) this.kept.push(this.keep(this.interval));
      const closed = this.closed;
      this.closed = this.interval;
      this.interval = closed;
    } else if (this.closed.count > 0) {
      // Nothing in this second: a later short part merged into it starts from nothing.
      this.closed.reset();
    }
    this.interval.reset();
    this.intervalRequests = 0;
    this.intervalErrors = 0;
  }

  private keep(t: TrendHistogram): { histogram: string; exact: ExactParts } {
    return { histogram: encodeTrend(t), exact: t.exactParts() };
  }

  private writePercentiles(at: number, t: TrendHistogram): void {
    const empty = t.count === 0;
    this.buckets[at + 3] = empty ? Number.NaN : r3(t.percentileMs(50));
    this.buckets[at + 4] = empty ? Number.NaN : r3(t.percentileMs(95));
    this.buckets[at + 5] = empty ? Number.NaN : r3(t.percentileMs(99));
  }

  /** The closed buckets in which the endpoint had requests, oldest first. */
  closedBuckets(): EndpointBucket[] {
    const out: EndpointBucket[] = [];
    const b = this.buckets;
    const stat = (v: number) => (Number.isNaN(v) ? null : v);
    for (let i = 0; i < b.length; i += STRIDE) {
      out.push({
        index: b[i]!,
        requests: b[i + 1]!,
        errors: b[i + 2]!,
        p50: stat(b[i + 3]!),
        p95: stat(b[i + 4]!),
        p99: stat(b[i + 5]!),
        ...this.kept[i / STRIDE],
      });
    }
    return out;
  }
}
