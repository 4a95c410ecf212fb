import { median } from '../../monitor/theil-sen.js';
import type { TimerInfo } from './raw.js';

/** The clock: monotonic nanoseconds. Every measurement in bench/ reads this one. */
export const now: () => bigint = process.hrtime.bigint;

/** Keeps results alive: the JIT cannot drop a call whose value is stored where others can read it. */
export const sink: { value: unknown } = { value: undefined };

export type SyncBatch = <A>(fn: (arg: A) => unknown, arg: A, k: number, clock?: () => bigint) => number;
export type AsyncBatch = <A>(
  fn: (arg: A) => unknown,
  arg: A,
  k: number,
  clock?: () => bigint,
) => Promise<number>;

// The timed region: k calls back to back between two clock reads; the last result is kept alive.
const SYNC_BODY =
  'let last; const t0 = clock(); for (let i = 0; i < k; i++) last = fn(arg); const t1 = clock(); sink.value = last; return Number(t1 - t0);';
const ASYNC_BODY =
  'let last; const t0 = clock(); for (let i = 0; i < k; i++) last = await fn(arg); const t1 = clock(); sink.value = last; return Number(t1 - t0);';
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as FunctionConstructor;
/**
 * V8 caches `new Function` by its source, feedback included: a loop whose source repeats would
 * share its call site's feedback with every other, so each source carries a number of its own.
 */
let loops = 0;

/**
 * A batch loop of its own for one benchmark: compiled from source each time (as mitata and
 * tinybench do), so that its call site has seen only that benchmark's function. A loop shared by
 * every bench turns megamorphic after the first, stops inlining, and then a trivial function
 * reads the ~2.5 ns of a call it would not pay inlined, or not, from one run to the next.
 */
export function freshBatchLoop(): SyncBatch {
  const loop = new Function('fn', 'arg', 'k', 'clock', 'sink', `${SYNC_BODY} // loop ${++loops}`);
  return (fn, arg, k, clock = now) => loop(fn, arg, k, clock, sink) as number;
}

/** The async twin of freshBatchLoop: each call is awaited before the next starts. */
export function freshAsyncBatchLoop(): AsyncBatch {
  const loop = new AsyncFunction('fn', 'arg', 'k', 'clock', 'sink', `${ASYNC_BODY} // loop ${++loops}`);
  return (fn, arg, k, clock = now) => loop(fn, arg, k, clock, sink) as Promise<number>;
}

/** Calls `fn(arg)` k times back to back and returns the elapsed ns, in a loop shared by all. */
export const runBatch: SyncBatch = freshBatchLoop();

/** The async twin of runBatch. */
export const runBatchAsync: AsyncBatch = freshAsyncBatchLoop();

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
  // Loops of their own, as each bench gets (freshBatchLoop), warmed so they are optimised as
  // they will be when measuring.
  const syncLoop = freshBatchLoop();
  const asyncLoop = freshAsyncBatchLoop();
  for (let i = 0; i < 5; i++) syncLoop(empty, undefined, LOOP_CALLS);
  for (let i = 0; i < 5; i++) await asyncLoop(empty, undefined, LOOP_CALLS);
  const sync: number[] = [];
  const async_: number[] = [];
  for (let i = 0; i < LOOP_ROUNDS; i++) {
    sync.push(syncLoop(empty, undefined, LOOP_CALLS) / LOOP_CALLS);
    async_.push((await asyncLoop(empty, undefined, LOOP_CALLS)) / LOOP_CALLS);
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
