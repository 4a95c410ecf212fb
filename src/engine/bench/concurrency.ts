import { rawError, runTeardown } from './phase-error.js';
import type { BenchPhase, RawConcurrent } from './raw.js';
import type { WarmupOptions } from './sample.js';
import { now, sink } from './timer.js';

export interface ConcurrentOptions<A> {
  /** Calls kept in flight: as soon as one ends the next starts, never more than this at once. */
  concurrency: number;
  /** Milliseconds during which new calls start (default 1000); the window ends when the last ends. */
  time?: number;
  /** Calls to start in all, instead of a time. */
  iterations?: number;
  /** Warm-up at the same concurrency, not recorded (default 100 ms); `false` for none. */
  warmup?: WarmupOptions | false;
  /** Runs once before anything, not timed; its value is what `fn` receives. */
  setup?: () => A | Promise<A>;
  /** Runs once after everything (also after an error in fn), not timed. */
  teardown?: (value: A) => unknown;
  /** For tests: a clock to read instead of process.hrtime. */
  clock?: () => bigint;
  /**
   * Awaited after the warm-up, just before the timed window: `--workers` holds every thread here
   * until all are warm, so that their windows overlap and their throughputs add up.
   */
  beforeSample?: () => Promise<void>;
}

const DEFAULT_TIME_MS = 1000;
const DEFAULT_WARMUP_MS = 100;

/**
 * Load in the manner of `asyncio.gather`: `concurrency` workers each await `fn` in a loop, so
 * exactly N calls are in flight until the time (or the call count) is used up, then the last
 * ones drain. Records every call's latency and the throughput over the window (completed calls /
 * window). The first error stops new calls and is returned in `error` with what was recorded.
 */
export async function sampleConcurrent<A = undefined>(
  fn: (arg: A) => unknown,
  options: ConcurrentOptions<A>,
): Promise<RawConcurrent> {
  const n = options.concurrency;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, got ${String(n)}`);
  }
  const clock = options.clock ?? now;
  const out: RawConcurrent = {
    kind: 'concurrent',
    concurrency: n,
    latencies: [],
    completed: 0,
    windowMs: 0,
    opsPerSecond: 0,
    peakInFlight: 0,
    warmupIterations: 0,
    error: null,
  };
  let arg: A;
  try {
    arg = options.setup ? await options.setup() : (undefined as A);
  } catch (e) {
    out.error = rawError('setup', e);
    return out;
  }

  let inFlight = 0;
  let failed = false;
  /** Runs N workers until `more()` says stop; `done` sees each call's latency in ns. */
  const load = async (phase: BenchPhase, more: () => boolean, done: (ns: number) => void): Promise<void> => {
    const worker = async (): Promise<void> => {
      while (!failed && more()) {
        inFlight++;
        if (inFlight > out.peakInFlight) out.peakInFlight = inFlight;
        const t0 = clock();
        try {
          sink.value = await fn(arg);
        } catch (e) {
          inFlight--;
          failed = true;
          out.error ??= rawError(phase, e);
          return;
        }
        const t1 = clock();
        inFlight--;
        done(Number(t1 - t0));
      }
    };
    await Promise.all(Array.from({ length: n }, worker));
  };

  const warmup = options.warmup;
  if (warmup !== false) {
    const calls = warmup?.iterations;
    const budgetNs = (warmup?.time ?? (calls === undefined ? DEFAULT_WARMUP_MS : 0)) * 1e6;
    const start = clock();
    let started = 0;
    // Until both the time and the call count (when given) are used up.
    const more = (): boolean => {
      const go = (calls !== undefined && started < calls) || Number(clock() - start) < budgetNs;
      if (go) started++;
      return go;
    };
    await load('warmup', more, () => out.warmupIterations++);
  }

  if (options.beforeSample) await options.beforeSample();
  if (!failed) {
    const budgetNs = (options.time ?? DEFAULT_TIME_MS) * 1e6;
    const calls = options.iterations;
    let started = 0;
    const start = clock();
    const more = calls !== undefined ? () => started++ < calls : () => Number(clock() - start) < budgetNs;
    await load('sample', more, (ns) => out.latencies.push(ns / 1e6));
    out.windowMs = Number(clock() - start) / 1e6;
  }
  out.completed = out.latencies.length;
  out.opsPerSecond = out.windowMs > 0 ? (out.completed * 1000) / out.windowMs : 0;

  await runTeardown(options.teardown, arg, out);
  return out;
}

/**
 * The figures of one concurrent bench run in several threads at once (`squall bench --workers`),
 * each with its share of the concurrency, their timed windows started together: every call's
 * latency, the calls summed, and the throughput over the longest window (the span all of them
 * ran in). The first thread's error, if any, is the run's.
 */
export function mergeConcurrent(parts: readonly RawConcurrent[]): RawConcurrent {
  const windowMs = Math.max(0, ...parts.map((p) => p.windowMs));
  const latencies = parts.flatMap((p) => p.latencies);
  return {
    kind: 'concurrent',
    concurrency: parts.reduce((n, p) => n + p.concurrency, 0),
    latencies,
    completed: latencies.length,
    windowMs,
    opsPerSecond: windowMs > 0 ? (latencies.length * 1000) / windowMs : 0,
    // Each thread's peak, summed: the most the threads can have had in flight together.
    peakInFlight: parts.reduce((n, p) => n + p.peakInFlight, 0),
    warmupIterations: parts.reduce((n, p) => n + p.warmupIterations, 0),
    error: parts.find((p) => p.error !== null)?.error ?? null,
  };
}
