import { scaleCount } from '../share.js';
import type { Executor, PlanOf, VuSchedule } from './executor.js';
import { startLoop, startSpread, untilStopped } from './vu-loop.js';

type Plan = PlanOf<'constant-vus'>;

/** k6's constant-vus: `vus` VUs loop for `duration`. */
export const constantVus: Executor<Plan, VuSchedule> = {
  type: 'constant-vus',

  plan(e, share) {
    const vus = scaleCount(e.vus, share);
    return {
      kind: 'vus',
      steps: [
        { atMs: 0, vus },
        { atMs: e.durationMs, vus: 0 },
      ],
      durationMs: e.durationMs,
      maxVUs: vus,
      gracefulRampDownMs: undefined,
    };
  },

  maxVUs: (e, share) => scaleCount(e.vus, share),
  durationMs: (e) => e.durationMs,
  totalDurationMs: (e, gracefulStopMs) => e.durationMs + gracefulStopMs,

  async run(ctx) {
    const policy = untilStopped(ctx);
    const vus = scaleCount(ctx.executor.vus, ctx.share);
    await startSpread(ctx, vus, (i) => startLoop(ctx, ctx.vu(i), policy));
    await ctx.drain();
  },
};
