import type { StopConditions } from '../config/plan.js';
import type { TimelinePoint } from '../result/schema.js';

/**
 * breakpoint's stop conditions judged on the per-second timeline. Over the last window: the
 * error rate is errors ÷ requests, and p99 the worst second's p99 (seconds cannot be merged
 * exactly from the timeline; the worst one is the conservative reading).
 */
export function crossedStopCondition(
  timeline: readonly TimelinePoint[],
  c: StopConditions,
): { reason: string; atSec: number } | undefined {
  const n = Math.max(1, Math.round(c.windowMs / 1000));
  const window = timeline.slice(-n);
  let requests = 0;
  let errors = 0;
  let p99 = 0;
  for (const p of window) {
    requests += p.requests ?? p.rps;
    errors += p.errors;
    // null: no response in that second (its errors count above).
    if (p.p99 !== null && p.p99 > p99) p99 = p.p99;
  }
  const last = window[window.length - 1];
  if (!last || requests === 0) return undefined;
  const errorRate = errors / requests;
  if (errorRate > c.maxErrorRate) {
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    return { reason: `error rate ${pct(errorRate)} over ${pct(c.maxErrorRate)}`, atSec: last.t };
  }
  if (p99 > c.maxP99Ms) return { reason: `p99 ${Math.round(p99)} ms over ${c.maxP99Ms} ms`, atSec: last.t };
  return undefined;
}

/** The end of the last second that was within both bounds on its own; undefined if none was. */
export function lastHealthySec(timeline: readonly TimelinePoint[], c: StopConditions): number | undefined {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const p = timeline[i]!;
    const n = p.requests ?? p.rps;
    if (n > 0 && p.errors / n <= c.maxErrorRate && p.p99 !== null && p.p99 <= c.maxP99Ms) return p.t;
  }
  return undefined;
}
