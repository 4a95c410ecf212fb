import type { Stage } from '../plan.js';
import { type Share, scaleCount } from '../share.js';
import { EARLY_MS, type Executor, type PlanOf, type VuSchedule, type VuStep } from './executor.js';
import { startLoop, untilStopped } from './vu-loop.js';

type Plan = PlanOf<'ramping-vus'>;

/** Appends a step, merging steps at the same time and dropping ones that change nothing. */
function addStep(steps: VuStep[], atMs: number, vus: number): void {
  const last = steps[steps.length - 1];
  if (last !== undefined && last.atMs === atMs) {
    last.vus = vus;
    const before = steps[steps.length - 2];
    if (before !== undefined && before.vus === vus) steps.pop();
    return;
  }
  if (last === undefined || last.vus !== vus) steps.push({ atMs, vus });
}

/**
 * The VU count over time as a step function (k6's getRawExecutionSteps): linear between stage
 * targets, one step per VU. Ramping up, VU v joins when the line reaches v; ramping down, the
 * count drops to v when the line reaches v, so each VU stays until its share of the ramp is used.
 * Ends with 0 VUs at the end of the last stage.
 */
export function rampSteps(startVUs: number, stages: readonly Stage[]): VuStep[] {
  const steps: VuStep[] = [{ atMs: 0, vus: startVUs }];
  let from = startVUs;
  let endMs = 0;
  for (const stage of stages) {
    const startMs = endMs;
    endMs += stage.durationMs;
    const to = stage.target;
    if (to === from) continue;
    if (stage.durationMs === 0) addStep(steps, endMs, to);
    else if (to > from) {
      for (let v = from + 1; v <= to; v++)
        addStep(steps, startMs + (stage.durationMs * (v - from)) / (to - from), v);
    } else {
      for (let v = from - 1; v >= to; v--)
        addStep(steps, startMs + (stage.durationMs * (from - v)) / (from - to), v);
    }
    from = to;
  }
  addStep(steps, endMs, 0);
  return steps;
}

/** A shard's steps: VU index k is shard k mod count's, so the shards' steps add up to the whole. */
function shareSteps(steps: readonly VuStep[], share: Share | undefined): VuStep[] {
  if (share === undefined) return steps.map((s) => ({ ...s }));
  const out: VuStep[] = [];
  for (const s of steps) addStep(out, s.atMs, scaleCount(s.vus, share));
  return out;
}

/** The planned VU count at `atMs` (ms from the scenario's start). */
export function vusAt(steps: readonly VuStep[], atMs: number): number {
  let vus = 0;
  for (const s of steps) {
    if (s.atMs > atMs) break;
    vus = s.vus;
  }
  return vus;
}

const sumMs = (stages: readonly Stage[]) => stages.reduce((t, s) => t + s.durationMs, 0);

/**
 * k6's ramping-vus: the VU count follows the stages. VUs above the target finish their iteration
 * (cut short after gracefulRampDown) and leave; the highest indexes leave first and the lowest
 * come back first, so the VUs running are always 0..n-1 and keep their user types.
 */
export const rampingVus: Executor<Plan, VuSchedule> = {
  type: 'ramping-vus',

  plan(e, share) {
    const steps = shareSteps(rampSteps(e.startVUs, e.stages), share);
    return {
      kind: 'vus',
      steps,
      durationMs: sumMs(e.stages),
      maxVUs: steps.reduce((m, s) => Math.max(m, s.vus), 0),
      gracefulRampDownMs: e.gracefulRampDownMs,
    };
  },

  maxVUs: (e, share) =>
    scaleCount(
      e.stages.reduce((m, s) => Math.max(m, s.target), e.startVUs),
      share,
    ),
  durationMs: (e) => sumMs(e.stages),
  totalDurationMs: (e, gracefulStopMs) => sumMs(e.stages) + gracefulStopMs,

  async run(ctx) {
    const { steps, durationMs, gracefulRampDownMs } = rampingVus.plan(ctx.executor, ctx.share);
    const policy = untilStopped(ctx);
    let level = 0;
    let next = 0;
    let timer: NodeJS.Timeout | undefined;

    const setLevel = (target: number) => {
      for (let i = level; i < target; i++) {
        const vu = ctx.vu(i);
        if (vu.busy) vu.unretire();
        else startLoop(ctx, vu, policy);
      }
      for (let i = target; i < level; i++) ctx.vu(i).retire(gracefulRampDownMs ?? 0);
      level = target;
    };

    // The end of the last stage is the scenario's end, which gracefulStop governs, not a ramp-down.
    const advance = () => {
      timer = undefined;
      if (ctx.stopping.aborted) return;
      const dueMs = ctx.elapsedMs() + EARLY_MS;
      while (next < steps.length && steps[next]!.atMs < durationMs && steps[next]!.atMs <= dueMs) {
        setLevel(steps[next]!.vus);
        next++;
      }
      if (next < steps.length && steps[next]!.atMs < durationMs) {
        timer = setTimeout(advance, Math.max(0, steps[next]!.atMs - ctx.elapsedMs()));
      }
    };

    advance();
    await ctx.whenStopping();
    clearTimeout(timer);
    await ctx.drain();
  },
};
