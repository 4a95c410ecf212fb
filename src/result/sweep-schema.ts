import type { ThresholdResult } from '../thresholds/types.js';
import type { TimelinePoint } from './schema.js';

/**
 * The `sweep` section of a result document (`squall sweep`, kind "sweep"): the same load at
 * several concurrency levels (or arrival rates), each level's figures, the Universal Scalability
 * Law fitted to their throughput, the knee and the capacity within budget.
 * docs/result-schema.md "Sweep".
 */

/** One level of the sweep, measured over its hold (its warm-up is not in these figures). */
export interface SweepLevel {
  /** Concurrent connections or VUs; with `--rate`, the arrival rate asked for, per second. */
  level: number;
  /** When the hold started and ended (ISO 8601): the level's own document's times. */
  startedAt?: string;
  endedAt?: string;
  durationSec: number;
  requests: number;
  failed: number;
  /** Requests per second over the hold. */
  rps: number;
  /** failed / requests; 0 with no request. */
  errorRate: number;
  /** Response time, ms: the whole hold's histogram; null with no response. */
  latency: { mean: number | null; p50: number | null; p95: number | null; p99: number | null };
  /**
   * Little's law for a closed model: rps × mean response time (s) is the concurrency the
   * responses account for; `littleOk` false when it is more than 10 % from `level` (requests
   * waiting outside the measured path, or a client that was not always busy). With `--rate`:
   * the concurrency the rate implies, and `littleOk` null.
   */
  littleN: number | null;
  littleOk: boolean | null;
  /** squall itself, not the target, was the limit at this level: left out of the fit. */
  saturated: boolean;
  /** Every request failed: the sweep ends at this level. */
  allFailed: boolean;
  /** The test's thresholds evaluated on this level alone; empty without thresholds. */
  thresholds: ThresholdResult[];
  /** All of this level's thresholds held; null without thresholds. */
  withinBudget: boolean | null;
  /**
   * The hold's per-second points (`t` from the hold's start), as a load document's `timeline`:
   * what `squall compare` resamples for a level's interval. Absent in older sweep documents.
   */
  timeline?: TimelinePoint[];
}

export interface SweepInterval {
  low: number | null;
  high: number | null;
}

/** The Universal Scalability Law fitted to the levels' throughput (analysis/usl.ts). */
export interface SweepFit {
  lambda: number;
  sigma: number;
  kappa: number;
  r2: number;
  /** Concurrency of peak throughput; null when κ = 0 (no peak, throughput levels off). */
  peakN: number | null;
  /** The fitted peak throughput (with κ = 0, the ceiling λ/σ; null when linear). */
  peakX: number | null;
  intervals: {
    lambda: SweepInterval;
    sigma: SweepInterval;
    kappa: SweepInterval;
    peakN: SweepInterval;
    peakX: SweepInterval;
  };
  /** The levels fitted (saturated ones and those with every request failed are left out). */
  levels: number[];
}

export interface SweepSection {
  /** `concurrency`: levels are connections or VUs (closed model); `rate`: arrivals per second. */
  mode: 'concurrency' | 'rate';
  /** The levels asked for, in order; `levels` holds those measured. */
  planned: number[];
  holdSec: number;
  warmupSec: number;
  levels: SweepLevel[];
  /** Null with fewer than three levels to fit, or in rate mode. */
  fit: SweepFit | null;
  /**
   * The level after which throughput grows by less than a quarter of what the added concurrency
   * would give while the median latency climbs; null when every step still scales.
   */
  knee: number | null;
  /** The highest level whose thresholds all held (every level below it held too); null without thresholds. */
  capacity: number | null;
  /** `--until EXPR`, and the level at which it stopped the sweep (null when it never held). */
  until: { expr: string; stoppedAt: number | null } | null;
  /** Why the sweep ended: every level run, `--until`, a level with every request failed, Ctrl-C. */
  endReason: 'completed' | 'until' | 'all-failed' | 'interrupted';
  /** One plain paragraph: where throughput stops growing, what limits it, the capacity. */
  verdict: string;
}
