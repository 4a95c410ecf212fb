/**
 * setup() and teardown() run once per run, as in k6, however many workers there are: worker 0
 * runs setup and hands its data (structured-cloned, as k6 hands JSON) to the others through the
 * parent; every worker says when its load has ended, and worker 0 runs teardown once all have.
 */

import type { TestPlan } from '../../engine/plan.js';

export interface SetupChannel {
  /** Worker 0: setup's data, for the others. */
  shareData(data: unknown): void;
  /** Workers 1…N-1: the data worker 0's setup returned (rejects when the run is stopped first). */
  data(): Promise<unknown>;
  /** This worker's load is over. */
  loadEnded(): void;
  /** Worker 0: every worker's load is over (resolves when the run is stopped too). */
  allLoadsEnded(): Promise<void>;
}

export function setupOnce(plan: TestPlan, index: number, ch: SetupChannel): TestPlan {
  const { setup, teardown } = plan;
  if (index !== 0) {
    return {
      ...plan,
      setup: setup === undefined ? undefined : () => ch.data(),
      teardown: () => ch.loadEnded(),
    };
  }
  return {
    ...plan,
    setup:
      setup === undefined
        ? undefined
        : async (ctx) => {
            const data = await setup(ctx);
            ch.shareData(data);
            return data;
          },
    teardown: async (ctx) => {
      ch.loadEnded();
      if (teardown === undefined) return;
      await ch.allLoadsEnded();
      return teardown(ctx);
    },
  };
}
