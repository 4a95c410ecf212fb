import { batchSize, MAX_BATCH, targetSampleNs } from './batch-size.js';
import { heapBytesPerOp } from './heap.js';
import { isThenable, rawError, runTeardown } from './phase-error.js';
import type { BenchPhase, RawSample, TimerInfo } from './raw.js';
import { calibrateTimer, freshAsyncBatchLoop, freshBatchLoop, now } from './timer.js';

export interface WarmupOptions {
  /** Milliseconds of warm-up calls (default 100 when neither is given). */
  time?: number;
  /** Calls of warm-up instead of a time. */
  iterations?: number;
}

export interface SampleOptions<A> {
  /** Milliseconds of sampling (default 1000). Ignored when `iterations` is given. */
  time?: number;
  /** Timed calls in all, instead of a time: rounded up to a whole number of batches. */
  iterations?: number;
  /** Fewest samples in time mode, however slow the function (default 5). */
  minSamples?: number;
  /** Warm-up before sampling; `false` keeps only the few calls that choose the batch size. */
  warmup?: WarmupOptions | false;
  /** Runs once before anything, not timed; its value is what `fn` receives. */
  setup?: () => A | Promise<A>;
  /** Runs once after everything (also after an error in fn), not timed. */
  teardown?: (value: A) => unknown;
  /** Measure heap bytes per operation (default true): a few extra untimed batches. */
  memory?: boolean;
  /** For tests: a clock to read instead of process.hrtime, and its calibration. */
  clock?: () => bigint;
  timer?: TimerInfo;
}

const DEFAULT_TIME_MS = 1000;
const DEFAULT_WARMUP_MS = 100;
const DEFAULT_MIN_SAMPLES = 5;

type Batch = (k: number) => number | Promise<number>;

/**
 * Measures `fn` called back to back, sync or async (a function that returns a promise has every
 * call awaited). Sample by sample, each of `iterationsPerSample` calls timed together; see
 * raw.ts for what comes back. Errors thrown by setup, fn or teardown are returned in `error`,
 * never thrown.
 *
 * Batching rule: k doubles from 1 until a batch lasts an eighth of the target sample length
 * (max(1 ms, 1000 × clock resolution, 1000 × clock read cost)), then k = ceil(target / time
 * per call); after the warm-up k is chosen again from the warm-up's last batches (the JIT has
 * made the function faster by then) and frozen for all samples.
 */
export async function sampleFunction<A = undefined>(
  fn: (arg: A) => unknown,
  options: SampleOptions<A> = {},
): Promise<RawSample> {
  const clock = options.clock ?? now;
  const timer = options.timer ?? (await calibrateTimer());
  const target = targetSampleNs(timer);
  const out: RawSample = {
    kind: 'serial',
    samples: [],
    iterationsPerSample: 1,
    totalIterations: 0,
    warmupIterations: 0,
    async: false,
    heapBytesPerOp: null,
    gcExposed: typeof globalThis.gc === 'function',
    timer,
    error: null,
  };
  let phase: BenchPhase = 'setup';
  let arg: A;
  try {
    arg = options.setup ? await options.setup() : (undefined as A);
  } catch (e) {
    out.error = rawError('setup', e);
    return out;
  }
  try {
    phase = 'warmup';
    // The first call tells a sync function from an async one.
    const first = fn(arg);
    out.warmupIterations = 1;
    if (isThenable(first)) {
      out.async = true;
      await first;
    }
    const loop = out.async ? freshAsyncBatchLoop() : freshBatchLoop();
    const batch: Batch = (k) => loop(fn, arg, k, clock);
    let k = await chooseBatch(batch, target, out);
    k = await warmUp(batch, k, target, options.warmup, clock, out);
    out.iterationsPerSample = k;

    phase = 'sample';
    const overhead = timer.readCostNs + k * (out.async ? timer.asyncLoopOverheadNs : timer.loopOverheadNs);
    const record = (elapsed: number): void => {
      out.samples.push(Math.max(0, elapsed - overhead) / k / 1e6);
      out.totalIterations += k;
    };
    if (options.iterations !== undefined) {
      const count = Math.max(1, Math.ceil(options.iterations / k));
      for (let i = 0; i < count; i++) record(await batch(k));
    } else {
      const budgetNs = (options.time ?? DEFAULT_TIME_MS) * 1e6;
      const minSamples = options.minSamples ?? DEFAULT_MIN_SAMPLES;
      const start = clock();
      while (out.samples.length < minSamples || Number(clock() - start) < budgetNs) record(await batch(k));
    }
    if (options.memory !== false) out.heapBytesPerOp = await heapBytesPerOp(batch, k);
  } catch (e) {
    out.error = rawError(phase, e);
  }
  await runTeardown(options.teardown, arg, out);
  return out;
}

/** Doubles k until a batch is long enough to estimate the time per call (batching rule). */
async function chooseBatch(batch: Batch, target: number, out: RawSample): Promise<number> {
  let k = 1;
  for (;;) {
    const elapsed = await batch(k);
    out.warmupIterations += k;
    if (elapsed >= target / 8 || k >= MAX_BATCH) return batchSize(elapsed / k, target);
    k *= 2;
  }
}

/** Runs batches for the warm-up, then re-chooses k from its last few batches. */
async function warmUp(
  batch: Batch,
  k: number,
  target: number,
  warmup: WarmupOptions | false | undefined,
  clock: () => bigint,
  out: RawSample,
): Promise<number> {
  if (warmup === false) return k;
  const calls = warmup?.iterations;
  const budgetNs = (warmup?.time ?? (calls === undefined ? DEFAULT_WARMUP_MS : 0)) * 1e6;
  const start = clock();
  let done = 0;
  const perOp: number[] = [];
  while ((calls !== undefined && done < calls) || Number(clock() - start) < budgetNs) {
    perOp.push((await batch(k)) / k);
    out.warmupIterations += k;
    done += k;
  }
  if (perOp.length === 0) return k;
  const last = perOp.slice(-5).sort((a, b) => a - b);
  return batchSize(last[last.length >> 1]!, target);
}
