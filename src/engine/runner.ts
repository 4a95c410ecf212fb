import { performance } from 'node:perf_hooks';
import { SquallError } from '../errors/index.js';
import type { VuContext, VuInfo } from '../script-api/vu-context.js';
import { hashSeed } from '../util/rng.js';
import { executorFor } from './executors/index.js';
import { peakVus, plannedVus } from './peak-vus.js';
import type { HookPhase, ScenarioPlan, TestPlan } from './plan.js';
import { type ScenarioOutcome, ScenarioRuntime } from './scenario.js';
import { ScriptError } from './script-error.js';
import type { Share } from './share.js';
import type { IterationEvent } from './vu.js';

export type { ScenarioOutcome } from './scenario.js';
export type { IterationEvent } from './vu.js';

/** How often onTick and shouldAbort run, ms. */
const TICK_MS = 1000;

/** What the engine needs from the layers around it (HTTP client, metrics, thresholds). */
export interface RunDeps {
  /**
   * One context per VU, made when the VU is created (again only if its signal was aborted); with
   * a `phase`, the context of a hook (setup, teardown, a VU's onStart or onStop), whose requests
   * carry that phase as a tag. A VU's hook context shares its `info` (state) with its iterations.
   */
  makeContext(info: VuInfo, signal: AbortSignal, data: unknown, phase?: HookPhase): VuContext;
  /** An onStop hook threw (onStart's errors fail the iteration they precede, as flow errors do). */
  onHookError?(e: { scenario: string; user: string; phase: HookPhase; error: unknown }): void;
  /**
   * A finished iteration (not an interrupted one). The event object is reused between calls:
   * read it during the call, keep none of it.
   */
  onIteration(e: IterationEvent): void;
  /** `count` iterations that were due but never started (k6's dropped_iterations). */
  onDropped(scenario: string, count: number): void;
  /**
   * VUs active (looping, or allocated in the open model) and allocated, over all scenarios, when
   * they change; a burst of changes in one turn of the event loop is reported once.
   */
  onVus(active: number, max: number): void;
  /** Once per second of the run, with the ms since the load started. */
  onTick?(elapsedMs: number): void;
  /**
   * Checked every second, with the ms since the load started (abortOnFail, breakpoint's stop
   * conditions): a reason stops the run.
   * As k6 does on abortOnFail, running iterations are cut short at once (their requests in flight
   * are cancelled); `graceful` gives them their gracefulStop instead (breakpoint's stop).
   */
  shouldAbort?(elapsedMs: number): { reason: string; graceful?: boolean } | undefined;
  /** Seeds task picks, think times and Poisson arrivals (default 0: runs repeat exactly). */
  seed?: number;
  /** This process's slice of the load (`--shard`, workers); the whole load when undefined. */
  share?: Share;
  /**
   * Called as the load starts with a reader of each scenario's outcome so far, for live views
   * (the dashboard's Scenarios panel shows VUs while the test runs, not only at the end).
   */
  onStart?(perScenario: () => Record<string, ScenarioOutcome>): void;
}

export type RunEndReason = 'completed' | 'interrupted' | 'threshold-abort' | 'script-error';

export interface RunOutcome {
  /** When the load started (after setup). */
  startedAt: Date;
  /** When the last scenario ended (before teardown). */
  endedAt: Date;
  durationMs: number;
  endReason: RunEndReason;
  abortReason?: string;
  perScenario: Record<string, ScenarioOutcome>;
}

/**
 * Runs a test plan: setup() once, then every scenario side by side (each after its startTime),
 * then teardown(data) — also after an interrupt or an abort, as k6 does, so that what setup
 * made is cleaned up. Flow errors are data (onIteration with ok: false); setup, teardown and
 * think errors reject with a ScriptError (SQ_SCRIPT_ERROR, exit 1); once the load ran, the error
 * carries its outcome, so the results can still be written.
 *
 * Stopping: `signal` (SIGINT) interrupts every running iteration at once → 'interrupted';
 * shouldAbort() does too (or, when graceful, stops starting iterations and gives running ones
 * their gracefulStop) → 'threshold-abort'. When both happen, the first reason is the one reported.
 */
export async function runTest(plan: TestPlan, deps: RunDeps, signal?: AbortSignal): Promise<RunOutcome> {
  checkPlan(plan);
  const flow = plan.hookStyle === 'flow';
  let data: unknown;
  if (plan.setup !== undefined) {
    // setup's requests are cancelled by an interrupt, like a VU's.
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const ctx = deps.makeContext(hookInfo('before'), controller.signal, undefined, 'before');
      data = await plan.setup({ ...ctx, env: plan.env });
    } catch (e) {
      // Interrupted during setup: the run ends at once as interrupted (exit 130), not as an error.
      if (!signal?.aborted) throw new ScriptError(flow ? 'before' : 'setup', plan.file, e);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
  const { outcome, failure } = await new TestRun(plan, deps, data).run(signal);
  // Also after a failed or interrupted load: what setup made is cleaned up all the same, so
  // teardown gets a signal of its own.
  let teardownError: ScriptError<RunOutcome> | undefined;
  try {
    if (plan.teardown !== undefined) {
      const ctx = deps.makeContext(hookInfo('after'), new AbortController().signal, data, 'after');
      await plan.teardown({ ...ctx, env: plan.env, data });
    }
  } catch (e) {
    teardownError = new ScriptError(flow ? 'after' : 'teardown', plan.file, e, outcome);
  }
  if (failure) {
    // A think function that threw stopped the run: its counts go with the error, so the caller
    // can write what ran. Anything else is squall's bug, thrown as it is.
    const e = failure.error;
    if (e instanceof ScriptError) throw new ScriptError(e.phase, plan.file, e.cause, outcome);
    throw e;
  }
  if (teardownError) throw teardownError;
  return outcome;
}

/** The VuInfo of setup or teardown: their requests' scenario and user are `(before)`/`(after)`. */
function hookInfo(phase: 'before' | 'after'): VuInfo {
  const name = `(${phase})`;
  return { id: 0, iteration: 0, scenario: name, user: name, state: {} };
}

/** Config validates all this; a plan that slips through is a bug, said plainly before any load. */
function checkPlan(plan: TestPlan): void {
  const names = new Set<string>();
  for (const s of plan.scenarios) {
    const bad = names.has(s.name)
      ? 'is defined twice'
      : s.users.length === 0
        ? 'has no user types'
        : s.users.some((u) => u.tasks.length === 0)
          ? 'has a user type without tasks'
          : undefined;
    if (bad !== undefined)
      throw new SquallError('SQ_INTERNAL', `scenario '${s.name}' ${bad}; the config should have rejected it`);
    names.add(s.name);
  }
}

/** The load phase of one run: the scenarios, the once-a-second tick, the stop signals. */
class TestRun {
  private readonly scenarios: ScenarioRuntime[] = [];
  /** Scenarios still waiting for their startTime, and how to cancel that wait. */
  private readonly pending = new Map<ScenarioRuntime, () => void>();
  private endReason: RunEndReason = 'completed';
  private abortReason: string | undefined;
  private t0 = 0;
  private ticks = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private vusQueued = false;
  private lastActive = -1;
  private lastMax = -1;
  /** k6's vus_max: the planned VUs from the start, plus what arrival-rate scenarios add later. */
  private readonly plannedVus: number;
  private readonly plannedPerScenario: number[] = [];
  private failure: { error: unknown } | undefined;

  constructor(
    plan: TestPlan,
    private readonly deps: RunDeps,
    data: unknown,
  ) {
    // Called through deps, so that deps may be an object whose methods use `this`.
    const hooks = {
      makeContext: (info: VuInfo, signal: AbortSignal, d: unknown, phase?: HookPhase) =>
        deps.makeContext(info, signal, d, phase),
      onHookError: (e: { scenario: string; user: string; phase: HookPhase; error: unknown }) =>
        deps.onHookError?.(e),
      onIteration: (e: IterationEvent) => deps.onIteration(e),
      onDropped: (scenario: string, count: number) => deps.onDropped(scenario, count),
      onVusChanged: () => this.vusChanged(),
    };
    const runSeed = deps.seed ?? 0;
    let firstVuId = 1;
    for (const s of plan.scenarios) {
      const options = {
        file: plan.file,
        share: deps.share,
        seed: hashSeed(runSeed, s.name),
        firstVuId,
        data,
        queueTimeoutMs: plan.defaults.timeoutMs,
      };
      this.scenarios.push(new ScenarioRuntime(s, options, hooks));
      this.plannedPerScenario.push(plannedVus(s, deps.share));
      // The whole run's VUs, not this slice's: every slice numbers its VUs in the same ranges.
      firstVuId += executorFor(s.executor).maxVUs(s.executor);
    }
    this.plannedVus = peakVus(plan.scenarios, deps.share, true);
  }

  async run(
    signal: AbortSignal | undefined,
  ): Promise<{ outcome: RunOutcome; failure: { error: unknown } | undefined }> {
    const startedAt = new Date();
    this.t0 = performance.now();
    const onAbort = () => this.interrupt();
    if (signal?.aborted) this.interrupt();
    else signal?.addEventListener('abort', onAbort, { once: true });
    this.scheduleTick();
    this.deps.onStart?.(() => this.perScenario());
    this.flushVus();

    await Promise.all(this.scenarios.map((s) => this.runScenario(s)));

    signal?.removeEventListener('abort', onAbort);
    clearTimeout(this.tickTimer);
    const durationMs = performance.now() - this.t0;
    this.flushVus();
    const perScenario = this.perScenario();
    const outcome: RunOutcome = {
      startedAt,
      endedAt: new Date(),
      durationMs,
      endReason: this.failure ? 'script-error' : this.endReason,
      ...(this.abortReason === undefined ? {} : { abortReason: this.abortReason }),
      perScenario,
    };
    return { outcome, failure: this.failure };
  }

  private perScenario(): Record<string, ScenarioOutcome> {
    const out: Record<string, ScenarioOutcome> = {};
    for (const s of this.scenarios) out[s.name] = s.outcome();
    return out;
  }

  /** Waits for the scenario's startTime (unless the run stops first), then runs it. */
  private runScenario(s: ScenarioRuntime): Promise<void> {
    const fail = (e: unknown) => {
      // One scenario's bug stops the whole run; the error comes out once every scenario ended.
      this.failure ??= { error: e };
      this.interrupt();
    };
    if (this.endReason !== 'completed') return Promise.resolve();
    const delayMs = s.plan.startTimeMs;
    if (delayMs <= 0) return s.run().catch(fail);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(s);
        s.run().catch(fail).finally(resolve);
      }, delayMs);
      this.pending.set(s, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Outer signal (SIGINT): every running iteration is cut short now. */
  private interrupt(): void {
    if (this.endReason === 'completed') this.endReason = 'interrupted';
    this.cancelPending();
    for (const s of this.scenarios) if (s.started) s.interrupt();
  }

  /**
   * shouldAbort() answered: start no more iterations; running ones are interrupted now (k6
   * cancels the run's context), or get their gracefulStop when the stop is graceful.
   */
  private abort(reason: string, graceful: boolean): void {
    if (this.endReason !== 'completed') return;
    this.endReason = 'threshold-abort';
    this.abortReason = reason;
    this.cancelPending();
    for (const s of this.scenarios) {
      if (!s.started) continue;
      if (graceful) s.stopStarting();
      else s.interrupt();
    }
  }

  private cancelPending(): void {
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
  }

  /** Ticks on whole seconds from the start, so they do not drift over a long run. */
  private scheduleTick(): void {
    const nextMs = this.t0 + (this.ticks + 1) * TICK_MS;
    this.tickTimer = setTimeout(this.tick, Math.max(0, nextMs - performance.now()));
  }

  private readonly tick = (): void => {
    this.ticks++;
    const elapsedMs = performance.now() - this.t0;
    this.deps.onTick?.(elapsedMs);
    const abort = this.deps.shouldAbort?.(elapsedMs);
    if (abort !== undefined) this.abort(abort.reason, abort.graceful === true);
    this.scheduleTick();
  };

  /** VU counts change in bursts (a ramp step starts hundreds): report once per burst. */
  private vusChanged(): void {
    if (this.vusQueued) return;
    this.vusQueued = true;
    queueMicrotask(() => this.flushVus());
  }

  private flushVus(): void {
    this.vusQueued = false;
    let active = 0;
    let max = this.plannedVus;
    this.scenarios.forEach((s, i) => {
      active += s.activeVus;
      max += Math.max(0, s.vusCreated - this.plannedPerScenario[i]!);
    });
    if (active === this.lastActive && max === this.lastMax) return;
    this.lastActive = active;
    this.lastMax = max;
    this.deps.onVus(active, max);
  }
}

/** The longest a plan can run, gracefulStop included: each scenario's startTime plus its length. */
export function planDurationMs(scenarios: readonly ScenarioPlan[]): number {
  return scenarios.reduce((longest, s) => {
    const ms = s.startTimeMs + executorFor(s.executor).totalDurationMs(s.executor, s.gracefulStopMs);
    return Math.max(longest, ms);
  }, 0);
}
