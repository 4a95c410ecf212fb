import { median } from '../../monitor/theil-sen.js';
import type { TimerInfo } from './raw.js';

/** The clock: monotonic nanoseconds. Every measurement in bench/ reads this one. */
export const now: () => bigint = process.hrtime.bigint;

/** Keeps results alive: the JIT cannot drop a call whose value is stored where others can read it. */
export const sink: { value: unknown } = { value: undefined };

/** Calls `fn(arg)` k times back to back and returns the elapsed ns (the timed region is this loop). */
export function runBatch<A>(fn: (arg: A) => unknown, arg: A, k: number, clock: () => bigint = now): number {
  let last: unknown;
  const t0 = clock();
  for (let i = 0; i < k; i++) last = fn(arg);
  const t1 = clock();
  sink.value = last;
  return Number(t1 - t0);
}

/** The async twin of runBatch: each call is awaited before the next starts. */
export async function runBatchAsync<A>(
  fn: (arg: A) => unknown,
  arg: A,
  k: number,
  clock: () => bigint = now,
): Promise<number> {
  let last: unknown;
  const t0 = clock();
  for (let i = 0; i < k; i++) last = await fn(arg);
  const t1 = clock();
  sink.value = last;
  return Number(t1 - t0);
}

const empty = (): undefined => undefined;
const LOOP_CALLS = 10_000;
const LOOP_ROUNDS = 31;

function measureResolution(): { resolutionNs: number; readCostNs: number } {
  let resolution = Number.POSITIVE_INFINITY;
  const costs: number[] = [];
  for (let round = 0; round < 50; round++) {
    // Spin until the clock moves: the step is its resolution.
    const a = now();
    let b = now();
    while (b === a) b = now();
    resolution = Math.min(resolution, Number(b - a));
    // 1000 reads back to back: the per-read cost, what a sample pays on top of its calls.
    const t0 = now();
    for (let i = 0; i < 1000; i++) now();
    costs.push(Number(now() - t0) / 1001);
  }
  return { resolutionNs: resolution, readCostNs: median(costs) };
}

async function measureLoops(): Promise<{ loopOverheadNs: number; asyncLoopOverheadNs: number }> {
  // Warm both loops so they are optimised as they will be when measuring.
  for (let i = 0; i < 5; i++) runBatch(empty, undefined, LOOP_CALLS);
  for (let i = 0; i < 5; i++) await runBatchAsync(empty, undefined, LOOP_CALLS);
  const sync: number[] = [];
  const async_: number[] = [];
  for (let i = 0; i < LOOP_ROUNDS; i++) {
    sync.push(runBatch(empty, undefined, LOOP_CALLS) / LOOP_CALLS);
    async_.push((await runBatchAsync(empty, undefined, LOOP_CALLS)) / LOOP_CALLS);
  }
  // The median, not the minimum: an overhead read too high would make real work read too fast.
  return { loopOverheadNs: median(sync), asyncLoopOverheadNs: median(async_) };
}

let calibrated: Promise<TimerInfo> | undefined;

/**
 * The clock's resolution and read cost and the empty loop's cost per iteration, measured once per
 * process (about 50 ms) and shared by every benchmark after.
 */
export function calibrateTimer(): Promise<TimerInfo> {
  calibrated ??= measureLoops().then((loops) => ({ ...measureResolution(), ...loops }));
  return calibrated;
}
