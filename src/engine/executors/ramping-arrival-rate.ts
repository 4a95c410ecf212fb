import { rateSegments } from '../arrivals.js';
import type { Stage } from '../plan.js';
import { runArrivals } from './arrival-loop.js';
import { poolSizes } from './constant-arrival-rate.js';
import type { ArrivalSchedule, Executor, PlanOf } from './executor.js';

const sumMs = (stages: readonly Stage[]) => stages.reduce((t, s) => t + s.durationMs, 0);

/** k6's ramping-arrival-rate: the rate goes linearly from stage to stage (targets per timeUnit). */
export const rampingArrivalRate: Executor<PlanOf<'ramping-arrival-rate'>, ArrivalSchedule> = {
  type: 'ramping-arrival-rate',

  plan(e, share) {
    return {
      kind: 'arrivals',
      segments: rateSegments(e.startRate, e.stages, e.timeUnitMs),
      durationMs: sumMs(e.stages),
      arrival: e.arrival,
      phase: 1,
      overflow: e.queue === true ? 'queue' : 'drop',
      ...poolSizes(e, share),
      share,
    };
  },

  maxVUs: (e, share) => poolSizes(e, share).maxVUs,
  plannedVUs: (e, share) => poolSizes(e, share).preAllocatedVUs,
  durationMs: (e) => sumMs(e.stages),
  totalDurationMs: (e, gracefulStopMs) => sumMs(e.stages) + gracefulStopMs,
  run: (ctx) => runArrivals(ctx, rampingArrivalRate.plan(ctx.executor, ctx.share)),
};
