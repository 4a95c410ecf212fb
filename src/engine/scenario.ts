import { performance } from 'node:perf_hooks';
import type { VuContext, VuInfo } from '../script-api/vu-context.js';
import { hashSeed } from '../util/rng.js';
import type { Executor, ExecutorContext } from './executors/executor.js';
import { executorFor } from './executors/index.js';
import type { ExecutorPlan, HookPhase, ScenarioPlan } from './plan.js';
import type { Share } from './share.js';
import type { IterationEvent } from './vu.js';
import { toUserType, type UserType, Vu, type VuHost } from './vu.js';
import { Apportionment, WeightedSequence } from './weights.js';

/** What a scenario reports to the run. */
export interface ScenarioHooks {
  makeContext(info: VuInfo, signal: AbortSignal, data: unknown, phase?: HookPhase): VuContext;
  onHookError(e: { scenario: string; user: string; phase: HookPhase; error: unknown }): void;
  onIteration(e: IterationEvent): void;
  onDropped(scenario: string, count: number): void;
  /** Its active or allocated VU count changed (the run coalesces these). */
  onVusChanged(): void;
}

export interface ScenarioOptions {
  /** The test file, for script-error messages. */
  file: string;
  share: Share | undefined;
  seed: number;
  /** VU ids of this scenario start at firstVuId, unique across the run (and across its slices). */
  firstVuId: number;
  /** What setup() returned. */
  data: unknown;
  queueTimeoutMs: number;
}

export interface ScenarioOutcome {
  /** Iterations that ended on their own, ok or not. */
  iterations: number;
  dropped: number;
  /** Iterations cut short by gracefulStop, gracefulRampDown or an interrupt. */
  interrupted: number;
  vusMax: number;
  users: Record<string, { vus: number; iterations: number }>;
}

/**
 * One scenario while it runs: its VUs (typed by weight, by index, in the closed model; taking the
 * type of each iteration they start, dealt by weight, in the open model), its two stop signals
 * and their timers, and its counts. It is the ExecutorContext its executor runs in and the host of its VUs.
 * Lifecycle: run() → [duration over, or stopStarting()] → gracefulStop → interrupt() → finish.
 */
export class ScenarioRuntime implements ExecutorContext, VuHost {
  readonly name: string;
  readonly file: string;
  readonly executor: ExecutorPlan;
  readonly share: Share | undefined;
  readonly seed: number;
  readonly queueTimeoutMs: number;
  startedAt = 0;
  private readonly stopController = new AbortController();
  private readonly interruptController = new AbortController();
  readonly stopping: AbortSignal = this.stopController.signal;
  readonly interrupted: AbortSignal = this.interruptController.signal;
  timeUp = false;
  private readonly module: Executor;
  private readonly open: boolean;
  private readonly types: UserType[];
  private readonly sequence: WeightedSequence;
  /** Open model: the user types of started iterations, dealt by weight. */
  private readonly arrivalTypes: Apportionment;
  private readonly vus: Vu[] = [];
  private readonly userVus: number[];
  private readonly userIterations: number[];
  private iterations = 0;
  private droppedCount = 0;
  private interruptedCount = 0;
  private busyCount = 0;
  private state: 'pending' | 'running' | 'done' = 'pending';
  private durationTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private drainResolve: (() => void) | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    readonly plan: ScenarioPlan,
    private readonly options: ScenarioOptions,
    private readonly hooks: ScenarioHooks,
  ) {
    this.name = plan.name;
    this.file = options.file;
    this.executor = plan.executor;
    this.share = options.share;
    this.seed = options.seed;
    this.queueTimeoutMs = options.queueTimeoutMs;
    this.module = executorFor(plan.executor);
    this.open =
      plan.executor.type === 'constant-arrival-rate' || plan.executor.type === 'ramping-arrival-rate';
    this.types = plan.users.map(toUserType);
    this.sequence = new WeightedSequence(plan.users.map((u) => u.weight));
    this.arrivalTypes = new Apportionment(plan.users.map((u) => u.weight));
    this.userVus = this.types.map(() => 0);
    this.userIterations = this.types.map(() => 0);
  }

  get vusCreated(): number {
    return this.vus.length;
  }

  get started(): boolean {
    return this.state !== 'pending';
  }

  /** VUs counted in the `vus` gauge: looping ones (closed model), allocated ones (open model). */
  get activeVus(): number {
    if (this.state !== 'running') return 0;
    return this.open ? this.vus.length : this.busyCount;
  }

  /** Runs the scenario to its end; rejects only on a bug or a script error outside a flow. */
  async run(): Promise<void> {
    this.state = 'running';
    this.startedAt = performance.now();
    this.durationTimer = setTimeout(() => {
      if (!this.stopping.aborted) this.timeUp = true;
      this.stopStarting();
    }, this.module.durationMs(this.executor));
    try {
      if (!this.stopping.aborted) await this.module.run(this);
      await this.stopVus();
    } finally {
      this.finish();
    }
    if (this.failure) throw this.failure.error;
  }

  /**
   * Each VU's onStop (Locust's on_stop), once the iterations ended, within what is left of the
   * gracefulStop (armed now when the scenario ended before its time was up); an interrupt, or
   * the gracefulStop running out, skips or cuts them short.
   */
  private async stopVus(): Promise<void> {
    if (!this.plan.users.some((u) => u.onStop !== undefined) || this.interrupted.aborted) return;
    this.stopStarting();
    const interrupted = new Promise<void>((resolve) =>
      this.interrupted.addEventListener('abort', () => resolve(), { once: true }),
    );
    await Promise.race([Promise.all(this.vus.map((vu) => vu.stop())), interrupted]);
  }

  /** Start no more iterations; those running get gracefulStop, then are interrupted. */
  stopStarting(): void {
    if (this.stopping.aborted) return;
    this.stopController.abort();
    for (const vu of this.vus) vu.wake();
    if (this.state !== 'running' || this.interrupted.aborted) return;
    if (this.plan.gracefulStopMs <= 0) this.interrupt();
    else this.graceTimer = setTimeout(() => this.interrupt(), this.plan.gracefulStopMs);
  }

  /** Stop now: running iterations are abandoned and counted as interrupted. */
  interrupt(): void {
    if (this.interrupted.aborted) return;
    if (!this.stopping.aborted) this.stopController.abort();
    this.interruptController.abort();
    for (const vu of this.vus) vu.abandon();
    this.resolveDrain();
  }

  outcome(): ScenarioOutcome {
    const users: ScenarioOutcome['users'] = {};
    this.types.forEach((t, i) => {
      users[t.name] = { vus: this.userVus[i]!, iterations: this.userIterations[i]! };
    });
    return {
      iterations: this.iterations,
      dropped: this.droppedCount,
      interrupted: this.interruptedCount,
      vusMax: this.vus.length,
      users,
    };
  }

  // ExecutorContext

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  vu(index: number): Vu {
    while (this.vus.length <= index) {
      const i = this.vus.length;
      const type = this.types[this.sequence.at(i)]!;
      // The id is the VU's number in the whole run (local VU i of slice j of n is VU i·n + j), so
      // ids stay unique across shards and workers, as k6's are across execution segments.
      const share = this.options.share;
      const id = this.options.firstVuId + (share === undefined ? i : i * share.count + share.index);
      this.vus.push(new Vu(i, id, type, this, hashSeed(this.seed, 'vu', i)));
      // Open model: a VU counts for the user types it serves (serveNext), not for its first one.
      if (this.open) this.hooks.onVusChanged();
      else this.userVus[type.index]!++;
    }
    return this.vus[index]!;
  }

  serveNext(vu: Vu): void {
    const type = this.types[this.arrivalTypes.next()]!;
    if (vu.serve(type)) this.userVus[type.index]!++;
  }

  dropped(count: number): void {
    if (count <= 0) return;
    this.droppedCount += count;
    this.hooks.onDropped(this.name, count);
  }

  whenStopping(): Promise<void> {
    if (this.stopping.aborted) return Promise.resolve();
    return new Promise((resolve) => this.stopping.addEventListener('abort', () => resolve(), { once: true }));
  }

  drain(): Promise<void> {
    if (this.busyCount === 0 || this.interrupted.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainResolve = resolve;
    });
  }

  fail(error: unknown): void {
    this.failure ??= { error };
    this.interrupt();
  }

  // VuHost

  makeContext(info: VuInfo, signal: AbortSignal, phase?: HookPhase): VuContext {
    return this.hooks.makeContext(info, signal, this.options.data, phase);
  }

  hookFailed(user: string, phase: HookPhase, error: unknown): void {
    this.hooks.onHookError({ scenario: this.name, user, phase, error });
  }

  iterationDone(vu: Vu): void {
    this.iterations++;
    this.userIterations[vu.user.index]!++;
    this.hooks.onIteration(vu.event);
  }

  iterationInterrupted(_vu: Vu): void {
    this.interruptedCount++;
  }

  busyChanged(busy: boolean): void {
    this.busyCount += busy ? 1 : -1;
    if (!this.open) this.hooks.onVusChanged();
    if (this.busyCount === 0) this.resolveDrain();
  }

  private resolveDrain(): void {
    const resolve = this.drainResolve;
    if (resolve === undefined) return;
    this.drainResolve = undefined;
    resolve();
  }

  private finish(): void {
    this.state = 'done';
    clearTimeout(this.durationTimer);
    clearTimeout(this.graceTimer);
    for (const vu of this.vus) vu.dispose();
    this.hooks.onVusChanged();
  }
}
