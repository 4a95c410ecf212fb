import type { StopConditions } from '../engine/plan.js';
import type { BreakingPoint, TimelinePoint } from '../result/schema.js';

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

/** The last second that was within both bounds on its own; undefined if none was. */
export function lastHealthySecond(
  timeline: readonly TimelinePoint[],
  c: StopConditions,
): TimelinePoint | undefined {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const p = timeline[i]!;
    const requests = p.requests ?? p.rps;
    if (requests > 0 && p.errors / requests <= c.maxErrorRate && p.p99 !== null && p.p99 <= c.maxP99Ms)
      return p;
  }
  return undefined;
}

/** A bucket shorter than this is a sliver whose rate is noise, not the throughput of the moment. */
const MIN_WHOLE_SEC = 0.5;

/**
 * The throughput the run really reached at `atSec` (req/s): the latest second up to then that
 * saw requests and lasted long enough to measure. Measured, not planned: a closed-model ramp has
 * no planned rate, and an open-model ramp's plan says nothing of what the target got. An empty
 * second (the target stalled, or the ramp has not sent anything yet) never reads as 0.
 */
export function measuredRateAt(timeline: readonly TimelinePoint[], atSec: number): number {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const p = timeline[i]!;
    if (p.t > atSec) continue;
    const lengthSec = p.t - (i > 0 ? timeline[i - 1]!.t : 0);
    if ((p.requests ?? p.rps) > 0 && p.rps > 0 && lengthSec >= MIN_WHOLE_SEC) return p.rps;
  }
  return 0;
}

/**
 * The breaking point once a stop condition held at `crossed.atSec`: the throughput measured then,
 * and that of the last second that was healthy on its own (0 when none was).
 */
export function breakingPointAt(
  timeline: readonly TimelinePoint[],
  c: StopConditions,
  crossed: { reason: string; atSec: number },
  vus: number,
): BreakingPoint {
  const healthy = lastHealthySecond(timeline, c);
  return {
    rate: measuredRateAt(timeline, crossed.atSec),
    vus,
    atSec: crossed.atSec,
    reason: crossed.reason,
    lastHealthyRate: healthy?.rps ?? 0,
  };
}
