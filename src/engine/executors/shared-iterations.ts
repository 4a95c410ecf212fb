import { type Share, scaleCount } from '../share.js';
import type { Executor, IterationSchedule, PlanOf } from './executor.js';
import { startLoop, startSpread } from './vu-loop.js';

type Plan = PlanOf<'shared-iterations'>;

/**
 * A slice's VUs: its share of them, never more than its iterations, and at least one while it has
 * iterations: with fewer VUs than slices (2 VUs over 4 shards), a slice left without a VU would
 * lose its iterations, and the whole must stay exact (40 iterations over 4 shards are 40).
 */
function sliceVus(e: Plan, share: Share | undefined): number {
  const total = scaleCount(e.iterations, share);
  return total === 0 ? 0 : Math.min(Math.max(1, scaleCount(e.vus, share)), total);
}

/**
 * k6's shared-iterations: `vus` VUs take iterations from a shared count until `iterations` have
 * started, within maxDuration. As in k6, never more VUs than iterations, and the iterations not
 * started by the end of maxDuration count as dropped_iterations.
 */
export const sharedIterations: Executor<Plan, IterationSchedule> = {
  type: 'shared-iterations',

  plan(e, share) {
    const total = scaleCount(e.iterations, share);
    return {
      kind: 'iterations',
      vus: sliceVus(e, share),
      iterationsPerVu: undefined,
      totalIterations: total,
      maxDurationMs: e.maxDurationMs,
    };
  },

  maxVUs: (e, share) => sliceVus(e, share),
  durationMs: (e) => e.maxDurationMs,
  totalDurationMs: (e, gracefulStopMs) => e.maxDurationMs + gracefulStopMs,

  async run(ctx) {
    const { vus, totalIterations } = sharedIterations.plan(ctx.executor, ctx.share);
    let claimed = 0;
    const policy = {
      next: () => {
        if (ctx.stopping.aborted || claimed >= totalIterations) return false;
        claimed++;
        return true;
      },
      peek: () => !ctx.stopping.aborted && claimed < totalIterations,
    };
    await startSpread(ctx, vus, (i) => startLoop(ctx, ctx.vu(i), policy), policy.peek);
    await ctx.drain();
    // k6: iterations never started when maxDuration ran out are dropped; interrupted ones are not.
    if (ctx.timeUp && claimed < totalIterations) ctx.dropped(totalIterations - claimed);
  },
};
