import { type Share, scaleCount } from '../share.js';
import { runArrivals } from './arrival-loop.js';
import type { ArrivalSchedule, Executor, PlanOf } from './executor.js';

type Plan = PlanOf<'constant-arrival-rate' | 'ramping-arrival-rate'>;

/**
 * A shard's VU pool: its striped part, but at least one VU when the test has any, because every
 * shard gets part of the rate and a shard with no VU could only drop it.
 */
export function poolSizes(e: Plan, share: Share | undefined): { preAllocatedVUs: number; maxVUs: number } {
  const scale = (n: number) => (n > 0 ? Math.max(1, scaleCount(n, share)) : 0);
  const preAllocatedVUs = scale(e.preAllocatedVUs);
  return { preAllocatedVUs, maxVUs: Math.max(preAllocatedVUs, scale(e.maxVUs)) };
}

/** k6's constant-arrival-rate: `rate` iterations per `timeUnit`, evenly spaced, for `duration`. */
export const constantArrivalRate: Executor<PlanOf<'constant-arrival-rate'>, ArrivalSchedule> = {
  type: 'constant-arrival-rate',

  plan(e, share) {
    const ratePerSec = (e.rate * 1000) / e.timeUnitMs;
    return {
      kind: 'arrivals',
      segments: [{ startMs: 0, durationMs: e.durationMs, fromPerSec: ratePerSec, toPerSec: ratePerSec }],
      durationMs: e.durationMs,
      arrival: e.arrival,
      phase: 0,
      overflow: e.queue === true ? 'queue' : 'drop',
      ...poolSizes(e, share),
      share,
    };
  },

  maxVUs: (e, share) => poolSizes(e, share).maxVUs,
  plannedVUs: (e, share) => poolSizes(e, share).preAllocatedVUs,
  durationMs: (e) => e.durationMs,
  totalDurationMs: (e, gracefulStopMs) => e.durationMs + gracefulStopMs,
  run: (ctx) => runArrivals(ctx, constantArrivalRate.plan(ctx.executor, ctx.share)),
};
