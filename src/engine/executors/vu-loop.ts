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
  while (policy.next(vu)) {
    if (!(await vu.iterate(performance.now()))) return;
    if (mustYield()) await yieldTurn();
    if (!policy.peek(vu)) break;
    const pause = vu.think();
    if (pause !== undefined) await pause;
  }
  vu.release();
}

/** Starts a VU's loop in the background; a throw that is not the flow's (a bug) fails the scenario. */
export function startLoop(ctx: ExecutorContext, vu: Vu, policy: LoopPolicy): void {
  loop(vu, policy).catch((e: unknown) => ctx.fail(e));
}

/** Loop until the scenario stops (constant-vus, ramping-vus), or until this VU is retired. */
export function untilStopped(ctx: ExecutorContext): LoopPolicy {
  const more = (vu: Vu) => !ctx.stopping.aborted && !vu.retiring;
  return { next: more, peek: more };
}
