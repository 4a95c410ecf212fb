/**
 * Raw measurements of one benchmark, before any statistics: what `sampleFunction` and
 * `sampleConcurrent` return. Every duration is in milliseconds (floating point), like every
 * duration in squall's result document. Statistics, budgets and reports are computed from these.
 */

/** Where the measured code threw: the measurement stops there and keeps what it had. */
export type BenchPhase = 'setup' | 'warmup' | 'sample' | 'teardown';

export interface RawError {
  phase: BenchPhase;
  /** `Name: message` of what was thrown (or its String()). */
  message: string;
  /** The thrown value itself, for a stack or a code. */
  cause: unknown;
}

/** What the clock and the empty measurement loop cost on this machine (see timer.ts). */
export interface TimerInfo {
  /** Smallest non-zero step between two clock reads, in ns. */
  resolutionNs: number;
  /** Cost of one clock read, in ns (median of back-to-back reads). */
  readCostNs: number;
  /** Cost of one iteration of the sync batch loop with an empty function, in ns. */
  loopOverheadNs: number;
  /** The same for the async batch loop (the loop plus one `await` of a plain value), in ns. */
  asyncLoopOverheadNs: number;
}

/** Samples of one function called back to back (`sampleFunction`). */
export interface RawSample {
  kind: 'serial';
  /**
   * One entry per sample: milliseconds per operation, i.e. the batch's time minus the calibrated
   * loop overhead and clock read, divided by the calls in the batch. Never negative (a function
   * cheaper than the overhead's noise reads 0).
   */
  samples: number[];
  /** Calls timed together in each sample (the batch size k). */
  iterationsPerSample: number;
  /** Calls timed in all samples (samples.length × iterationsPerSample); warm-up excluded. */
  totalIterations: number;
  /** Calls made during warm-up (and batch-size estimation), not timed. */
  warmupIterations: number;
  /** Whether the function returned a promise (then every call was awaited). */
  async: boolean;
  /**
   * Heap bytes allocated per operation: median over a few batches of the growth of
   * `heapUsed` across a batch, divided by its calls. null when no batch could be read
   * (every one saw a garbage collection) or the measurement stopped on an error.
   */
  heapBytesPerOp: number | null;
  /** Whether `global.gc` was available, so each allocation batch started from a collected heap. */
  gcExposed: boolean;
  timer: TimerInfo;
  /** Set when the function, setup or teardown threw; the samples are those taken before. */
  error: RawError | null;
}

/** Calls kept N in flight (`sampleConcurrent`). */
export interface RawConcurrent {
  kind: 'concurrent';
  concurrency: number;
  /** Latency of each completed call, in ms, in completion order; warm-up excluded. */
  latencies: number[];
  /** Calls completed in the window (= latencies.length). */
  completed: number;
  /** From the first timed call's start to the last one's end, in ms. */
  windowMs: number;
  /** completed / window, in operations per second. */
  opsPerSecond: number;
  /** Most calls seen in flight at once (never above `concurrency`). */
  peakInFlight: number;
  /** Calls made during warm-up, not recorded. */
  warmupIterations: number;
  error: RawError | null;
}
