import { performance } from 'node:perf_hooks';
import { mustYield, yieldTurn } from '../turns.js';
import type { Vu } from '../vu.js';
import type { ExecutorContext } from './executor.js';

/** When a closed-model VU goes on: `next` takes the next iteration, `peek` only asks. */
export interface LoopPolicy {
  /** May this VU start another iteration? May claim it (shared-iterations counts here). */
  next(vu: Vu): boolean;
  /** Would it? Asked after an iteration, so that no think time is spent before leaving. */
  peek(vu: Vu): boolean;
}

/**
 * A closed-model VU: iterations back to back, think time between them, while the policy says
 * so. Think time ends early when the scenario stops or the VU retires. The loop is not awaited by
 * anyone (a flow may never return after an interrupt); the scenario's busy count tracks it.
 */
async function loop(vu: Vu, policy: LoopPolicy): Promise<void> {
  vu.claim();
  for (;;) {
    while (policy.next(vu)) {
      if (!(await vu.iterate(performance.now()))) return;
      if (mustYield()) await yieldTurn();
      if (!policy.peek(vu)) break;
      const pause = vu.think();
      if (pause !== undefined) await pause;
    }
    // Retired by a ramp-down: the user leaves, so its onStop runs now (the scenario's end runs
    // the others'); scaled back up meanwhile, it starts again, onStart first.
    if (!vu.retiring || !vu.hasOnStop) break;
    await vu.stop();
    if (vu.retiring) break;
  }
  vu.release();
}

/** Starts a VU's loop in the background; a throw that is not the flow's (a bug) fails the scenario. */
export function startLoop(ctx: ExecutorContext, vu: Vu, policy: LoopPolicy): void {
  loop(vu, policy).catch((e: unknown) => ctx.fail(e));
}

/** Pools up to this size start at once; a larger one is spread over SPREAD_MS. */
export const START_AT_ONCE = 50;
export const SPREAD_MS = 1000;

/**
 * Starts VUs 0..count-1. Thousands of VUs starting (and connecting) in the same instant stall
 * the event loop and the first second measures squall, so a pool over START_AT_ONCE starts
 * evenly over the first second (VU i at i/count of it). A test that wants them all at once says
 * so with ramping-vus and `startVUs` (docs/test-file.md). Resolves once every VU has started, or
 * when the scenario stops (or `more` says no more are needed) first.
 */
export function startSpread(
  ctx: ExecutorContext,
  count: number,
  start: (index: number) => void,
  more: () => boolean = () => true,
): Promise<void> {
  const go = () => !ctx.stopping.aborted && more();
  if (count <= START_AT_ONCE) {
    for (let i = 0; i < count && go(); i++) start(i);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    let next = 0;
    const step = () => {
      const due = Math.min(count, Math.floor((ctx.elapsedMs() * count) / SPREAD_MS) + 1);
      while (next < due && go()) start(next++);
      if (next >= count || !go()) resolve();
      else setTimeout(step, Math.max(1, (next * SPREAD_MS) / count - ctx.elapsedMs()));
    };
    step();
  });
}

/** Loop until the scenario stops (constant-vus, ramping-vus), or until this VU is retired. */
export function untilStopped(ctx: ExecutorContext): LoopPolicy {
  const more = (vu: Vu) => !ctx.stopping.aborted && !vu.retiring;
  return { next: more, peek: more };
}
