import { scaleCount } from '../share.js';
import type { Vu } from '../vu.js';
import type { Executor, IterationSchedule, PlanOf } from './executor.js';
import { startLoop, startSpread } from './vu-loop.js';

type Plan = PlanOf<'per-vu-iterations'>;

/**
 * k6's per-vu-iterations: each of `vus` VUs runs `iterations` iterations, within maxDuration;
 * those not started by the end of maxDuration count as dropped_iterations.
 */
export const perVuIterations: Executor<Plan, IterationSchedule> = {
  type: 'per-vu-iterations',

  plan(e, share) {
    const vus = scaleCount(e.vus, share);
    return {
      kind: 'iterations',
      vus,
      iterationsPerVu: e.iterations,
      totalIterations: vus * e.iterations,
      maxDurationMs: e.maxDurationMs,
    };
  },

  maxVUs: (e, share) => scaleCount(e.vus, share),
  durationMs: (e) => e.maxDurationMs,
  totalDurationMs: (e, gracefulStopMs) => e.maxDurationMs + gracefulStopMs,

  async run(ctx) {
    const { vus, iterationsPerVu = 0 } = perVuIterations.plan(ctx.executor, ctx.share);
    // info.iteration counts this VU's finished iterations (an interrupted one ends the scenario).
    const more = (vu: Vu) => !ctx.stopping.aborted && vu.info.iteration < iterationsPerVu;
    let started = 0;
    const next = (vu: Vu) => {
      if (!more(vu)) return false;
      started++;
      return true;
    };
    const policy = { next, peek: more };
    if (iterationsPerVu > 0) await startSpread(ctx, vus, (i) => startLoop(ctx, ctx.vu(i), policy));
    await ctx.drain();
    // k6: iterations never started when maxDuration ran out are dropped; interrupted ones are not.
    const total = vus * iterationsPerVu;
    if (ctx.timeUp && started < total) ctx.dropped(total - started);
  },
};
