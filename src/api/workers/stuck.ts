/**
 * Which scenario a worker thread that stopped answering was running. A flow stuck in synchronous
 * code (`while (true) {}`) blocks its thread's event loop, so the worker cannot say anything:
 * before each piece of test code it enters (an iteration's task, a VU's onStart or onStop) it
 * writes the scenario's number into memory shared with the parent, which reads it when the
 * worker does not answer.
 */

import type { TestPlan } from '../../engine/plan.js';
import type { FlowFn } from '../../script-api/vu-context.js';

/** Shared memory for one worker: [0] = 1 + the index of the scenario last entered, 0 before any. */
export function whereBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
}

function marked(fn: FlowFn, where: Int32Array, slot: number): FlowFn {
  return (ctx) => {
    where[0] = slot;
    return fn(ctx);
  };
}

/** The plan with its test code wrapped so that entering it records its scenario (in the worker). */
export function markScenarios(plan: TestPlan, where: Int32Array): TestPlan {
  return {
    ...plan,
    scenarios: plan.scenarios.map((s, i) => ({
      ...s,
      users: s.users.map((u) => ({
        ...u,
        tasks: u.tasks.map((t) => ({ ...t, run: marked(t.run, where, i + 1) })),
        ...(u.onStart === undefined ? {} : { onStart: marked(u.onStart, where, i + 1) }),
        ...(u.onStop === undefined ? {} : { onStop: marked(u.onStop, where, i + 1) }),
      })),
    })),
  };
}

/** The scenario a worker last entered, by name; undefined before any (setup, loading). */
export function stuckScenario(names: readonly string[], where: SharedArrayBuffer): string | undefined {
  const slot = Atomics.load(new Int32Array(where), 0);
  return slot === 0 ? undefined : names[slot - 1];
}
