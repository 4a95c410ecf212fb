import type * as hdr from 'hdr-histogram-js';
import { createHistogram, decodeHistogram, HIGHEST_US, LOWEST_US } from './hdr.js';

/** A latency-like statistic: null when its trend has no samples (result/schema.ts re-exports it). */
export type Stat = number | null;

/** A trend's figures in the document (result/schema.ts's TrendSummary adds kind, unit, histogram). */
export interface TrendFigures {
  count: number;
  min: Stat;
  mean: Stat;
  stdev: Stat;
  p50: Stat;
  p90: Stat;
  p95: Stat;
  p99: Stat;
  p999: Stat;
  max: Stat;
}

/** p50 … p99.99: k6's and Locust's percentiles, by the name the result document gives them. */
const REPORTED_PERCENTILES = [
  ['p50', 50],
  ['p66', 66],
  ['p75', 75],
  ['p80', 80],
  ['p90', 90],
  ['p95', 95],
  ['p98', 98],
  ['p99', 99],
  ['p999', 99.9],
  ['p9999', 99.99],
] as const;

export type ReportedPercentile = (typeof REPORTED_PERCENTILES)[number][0];

/** Rounded to the microsecond, as the document keeps milliseconds. */
const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** A trend's exact sum, min and max, integer microseconds (TrendHistogram.exactParts). */
export type ExactParts = [sumUs: number, minUs: number, maxUs: number];

/** A trend metric: an HDR histogram of microseconds, summarised in milliseconds. */
export class TrendHistogram {
  readonly histogram: hdr.Histogram = createHistogram();
  /** Exact sum and extremes: the histogram rounds them to its precision. */
  private sumUs = 0;
  private minUs = Number.POSITIVE_INFINITY;
  private maxUs = 0;

  /** Records one value in milliseconds (fractions kept to the microsecond). */
  recordMs(ms: number): void {
    let us = Math.round(ms * 1000);
    if (us < LOWEST_US) us = LOWEST_US;
    else if (us > HIGHEST_US) us = HIGHEST_US;
    this.histogram.recordValue(us);
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /**
   * Takes back one value recorded with recordMs (a request a script marked failed after the fact
   * moves to the failed cell). Counts, percentiles and the mean stay exact; a removed extreme is
   * replaced by the histogram's own, at its precision.
   */
  removeMs(ms: number): void {
    if (this.count === 0) return;
    let us = Math.round(ms * 1000);
    if (us < LOWEST_US) us = LOWEST_US;
    else if (us > HIGHEST_US) us = HIGHEST_US;
    this.histogram.recordValueWithCount(us, -1);
    this.sumUs -= us;
    if (this.count === 0) {
      this.reset();
      return;
    }
    const clamp = (v: number) => Math.min(this.maxUs, Math.max(this.minUs, v));
    if (us <= this.minUs) this.minUs = clamp(this.histogram.getValueAtPercentile(0));
    if (us >= this.maxUs) this.maxUs = clamp(this.histogram.getValueAtPercentile(100));
  }

  /** Percentile in ms, p in 0..100. 0 when empty. */
  percentileMs(p: number): number {
    if (this.count === 0) return 0;
    if (p >= 100) return this.maxUs / 1000;
    if (p <= 0) return this.minUs / 1000;
    // HDR answers with the top of the value's bucket, which can sit above the exact max (or
    // below the exact min): a p99.99 over the max would contradict the same report's max.
    const us = this.histogram.getValueAtPercentile(p);
    return Math.min(this.maxUs, Math.max(this.minUs, us)) / 1000;
  }

  meanMs(): number {
    return this.count === 0 ? 0 : this.sumUs / this.count / 1000;
  }

  minMs(): number {
    return this.count === 0 ? 0 : this.minUs / 1000;
  }

  maxMs(): number {
    return this.maxUs / 1000;
  }

  /** Adds another trend's values (workers, shards, endpoints into a total): lossless. */
  add(other: TrendHistogram): void {
    if (other.count === 0) return;
    this.histogram.add(other.histogram);
    this.sumUs += other.sumUs;
    if (other.minUs < this.minUs) this.minUs = other.minUs;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
  }

  /**
   * The exact sum, min and max in integer microseconds, which the encoded histogram keeps only to
   * its precision: a shard document carries them beside its histograms so that a merge is exact.
   */
  exactParts(): ExactParts {
    return this.count === 0 ? [0, 0, 0] : [this.sumUs, this.minUs, this.maxUs];
  }

  /**
   * A trend from an encoded histogram (encodeTrend) and, when known, its exact parts; without
   * them the sum, min and max are the histogram's own, to its precision.
   */
  static decode(base64: string, exact?: ExactParts): TrendHistogram {
    const t = new TrendHistogram();
    const h = decodeHistogram(base64);
    if (h.totalCount === 0) return t;
    t.histogram.add(h);
    if (exact !== undefined) [t.sumUs, t.minUs, t.maxUs] = exact;
    else {
      t.sumUs = Math.round(h.mean * h.totalCount);
      t.minUs = h.minNonZeroValue;
      t.maxUs = h.maxValue;
    }
    return t;
  }

  reset(): void {
    this.histogram.reset();
    this.sumUs = 0;
    this.minUs = Number.POSITIVE_INFINITY;
    this.maxUs = 0;
  }

  /**
   * The percentiles reported per endpoint and per second (Locust's columns among them), in ms;
   * null when empty (the document's figures: a 0 would read as a measured latency).
   */
  percentiles(): Record<ReportedPercentile, Stat> {
    const empty = this.count === 0;
    const out = {} as Record<ReportedPercentile, Stat>;
    for (const [key, p] of REPORTED_PERCENTILES) out[key] = empty ? null : r3(this.percentileMs(p));
    return out;
  }

  /** min, mean and max in ms for the document: null when empty. */
  extremes(): { min: Stat; mean: Stat; max: Stat } {
    if (this.count === 0) return { min: null, mean: null, max: null };
    return { min: r3(this.minMs()), mean: r3(this.meanMs()), max: r3(this.maxMs()) };
  }

  summary(): TrendFigures {
    const p = this.percentiles();
    const x = this.extremes();
    return {
      count: this.count,
      min: x.min,
      mean: x.mean,
      stdev: this.count === 0 ? null : r3(this.histogram.stdDeviation / 1000),
      p50: p.p50,
      p90: p.p90,
      p95: p.p95,
      p99: p.p99,
      p999: p.p999,
      max: x.max,
    };
  }
}
