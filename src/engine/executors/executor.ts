import type { RateSegment } from '../arrivals.js';
import type { ExecutorName, ExecutorPlan } from '../plan.js';
import type { Share } from '../share.js';
import type { Vu } from '../vu.js';

/**
 * The executor plug-in contract (k6's lib/executors.go shape): a pure `plan()` that says what the
 * executor will do (pre-allocation, `--shard` slicing, the start-of-run description, tests), and
 * `run(ctx)` that does it with the scenario's VUs.
 */

/** The ExecutorPlan variant of one executor type. */
export type PlanOf<T extends ExecutorName> = Extract<ExecutorPlan, { type: T }>;

/** From `atMs` on (ms from the scenario's start), `vus` VUs loop. */
export interface VuStep {
  atMs: number;
  vus: number;
}

/** Closed model by time: a step function of the VU count, ending with 0 VUs at `durationMs`. */
export interface VuSchedule {
  kind: 'vus';
  steps: VuStep[];
  durationMs: number;
  maxVUs: number;
  /** ramping-vus: how long a VU above the target may finish its iteration. */
  gracefulRampDownMs: number | undefined;
}

/** Open model: iterations start at planned times, whatever the VUs are doing. */
export interface ArrivalSchedule {
  kind: 'arrivals';
  /** The rate over time, for the whole test (every shard together); see ArrivalSource. */
  segments: RateSegment[];
  durationMs: number;
  arrival: 'even' | 'poisson';
  /** Even spacing: where the first arrival falls (see ArrivalSource). */
  phase: 0 | 1;
  /**
   * What an arrival that finds every VU busy (and maxVUs reached) does: k6's 'drop' (counted in
   * dropped_iterations), or 'queue' (it waits for the next free VU and is measured from its
   * planned time: the `queue: true` scenario option).
   */
  overflow: 'drop' | 'queue';
  preAllocatedVUs: number;
  maxVUs: number;
  share: Share | undefined;
}

/** Closed model by count: a number of iterations, bounded by `maxDurationMs`. */
export interface IterationSchedule {
  kind: 'iterations';
  vus: number;
  /** per-vu-iterations: each VU's count; undefined when the VUs share the total. */
  iterationsPerVu: number | undefined;
  totalIterations: number;
  maxDurationMs: number;
}

export type ExecutorSchedule = VuSchedule | ArrivalSchedule | IterationSchedule;

/**
 * What a scenario gives its executor. Two signals stop it: `stopping` (start no more iterations:
 * the executor's duration is over, or the run stops gracefully) and, gracefulStop later,
 * `interrupted` (iterations still running are cut short and counted as interrupted).
 */
export interface ExecutorContext<E extends ExecutorPlan = ExecutorPlan> {
  readonly executor: E;
  readonly share: Share | undefined;
  /** The scenario's seed: arrivals and VU choices derive from it. */
  readonly seed: number;
  /** performance.now() at the scenario's start (after its startTime). */
  readonly startedAt: number;
  readonly stopping: AbortSignal;
  readonly interrupted: AbortSignal;
  /**
   * The executor's own duration (maxDuration) ran out before anything else stopped it: what was
   * left undone is dropped for lack of time (k6), unlike after an abort or an interrupt.
   */
  readonly timeUp: boolean;
  /** Open model with `queue: true`: an arrival that finds no free VU may wait this long. */
  readonly queueTimeoutMs: number;
  /** VUs created so far; the next new VU has this index. */
  readonly vusCreated: number;
  /** ms since the scenario started. */
  elapsedMs(): number;
  /** The VU with this scenario-local index (0-based), created on first use. */
  vu(index: number): Vu;
  /**
   * Open model: `vu` is about to start an iteration; it takes the next user type by weight. The
   * weights split the started iterations, exactly in the long run, whatever the pool size and
   * the server's speed (Artillery's semantics); the VU runs that type with that type's state.
   */
  serveNext(vu: Vu): void;
  /** Iterations that were due but never started (k6's dropped_iterations). */
  dropped(count: number): void;
  /** Resolves once `stopping` is aborted. */
  whenStopping(): Promise<void>;
  /** Resolves when no VU is busy any more, or at once when interrupted. */
  drain(): Promise<void>;
  /** A bug or a script error outside a flow: the scenario stops now and its run rejects. */
  fail(error: unknown): void;
}

export interface Executor<
  E extends ExecutorPlan = ExecutorPlan,
  S extends ExecutorSchedule = ExecutorSchedule,
> {
  readonly type: E['type'];
  /** Pure: what this executor will do (this shard's part of it). */
  plan(executor: E, share?: Share): S;
  /** The most VUs it can use at once (this shard's part). */
  maxVUs(executor: E, share?: Share): number;
  /**
   * The VUs allocated before the load starts (k6's planned VUs; vus_max starts there): the
   * pre-allocated ones of an arrival-rate executor, else maxVUs.
   */
  plannedVUs?(executor: E, share?: Share): number;
  /** When it stops starting iterations, ms after the scenario's start. */
  durationMs(executor: E): number;
  /** The longest it can take, gracefulStop included (k6 counts it in the scenario's length). */
  totalDurationMs(executor: E, gracefulStopMs: number): number;
  /** Runs until its work is done or `stopping`, then until its VUs are idle or `interrupted`. */
  run(ctx: ExecutorContext<E>): Promise<void>;
}

/**
 * Timers fire on whole milliseconds of the event loop's clock, so work due within the next
 * EARLY_MS is started now rather than up to a millisecond late (as in http-engine.ts).
 */
export const EARLY_MS = 1;
