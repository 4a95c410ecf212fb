import type { TimerInfo } from './raw.js';

/** A sample never lasts less than this, whatever the clock: 1 ms. */
export const MIN_SAMPLE_NS = 1_000_000;

/**
 * How long one sample must last: at least 1 ms, and at least 1000 times both the clock's
 * resolution and the cost of reading it, so that neither is more than 0.1 % of a sample.
 */
export function targetSampleNs(timer: TimerInfo): number {
  return Math.max(MIN_SAMPLE_NS, 1000 * timer.resolutionNs, 1000 * timer.readCostNs);
}

/**
 * The batch size k for a function costing `perOpNs` per call: the fewest calls whose total
 * reaches the target sample length; 1 for a function that alone lasts at least that long.
 */
export function batchSize(perOpNs: number, targetNs: number): number {
  if (!(perOpNs > 0)) return MAX_BATCH;
  return Math.min(MAX_BATCH, Math.max(1, Math.ceil(targetNs / perOpNs)));
}

/** Bounds a batch of a function too cheap to time at all (the JIT removed it): 1e9 calls. */
export const MAX_BATCH = 1_000_000_000;
