import type { ExecutorName, ExecutorPlan } from '../plan.js';
import type { Share } from '../share.js';
import { constantArrivalRate } from './constant-arrival-rate.js';
import { constantVus } from './constant-vus.js';
import type { Executor, ExecutorSchedule, PlanOf } from './executor.js';
import { perVuIterations } from './per-vu-iterations.js';
import { rampingArrivalRate } from './ramping-arrival-rate.js';
import { rampingVus } from './ramping-vus.js';
import { sharedIterations } from './shared-iterations.js';

/** The executors by k6 name: an explicit map, so a missing one fails type-checking. */
export const EXECUTORS: { readonly [T in ExecutorName]: Executor<PlanOf<T>> } = {
  'constant-vus': constantVus,
  'ramping-vus': rampingVus,
  'constant-arrival-rate': constantArrivalRate,
  'ramping-arrival-rate': rampingArrivalRate,
  'per-vu-iterations': perVuIterations,
  'shared-iterations': sharedIterations,
};

/** The executor module of a plan, typed for it. */
export function executorFor<E extends ExecutorPlan>(executor: E): Executor<E> {
  return EXECUTORS[executor.type] as unknown as Executor<E>;
}

/** What an executor will do (this shard's part): its schedule, without running it. */
export function planExecutor(executor: ExecutorPlan, share?: Share): ExecutorSchedule {
  return executorFor(executor).plan(executor, share);
}

export type {
  ArrivalSchedule,
  Executor,
  ExecutorContext,
  ExecutorSchedule,
  IterationSchedule,
  PlanOf,
  VuSchedule,
  VuStep,
} from './executor.js';
