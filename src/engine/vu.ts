import { performance } from 'node:perf_hooks';
import type { VuContext, VuInfo } from '../script-api/vu-context.js';
import { Rng } from '../util/rng.js';
import type { HookPhase, UserTypePlan } from './plan.js';
import { ScriptError } from './script-error.js';
import { thinkMs } from './think.js';
import { WeightedPicker } from './weights.js';

/** One finished iteration, as the runner reports it. */
export interface IterationEvent {
  scenario: string;
  user: string;
  /** From the iteration's scheduled start (open model) or actual start (closed model) to its end. */
  durationMs: number;
  /** False when the flow threw (or rejected). */
  ok: boolean;
  /** What the flow threw, when it did. */
  error?: unknown;
  /** 'onStart' when the user type's onStart threw (the iteration's task did not run). */
  phase?: 'onStart';
}

/** A user type of one scenario, ready to run: its tasks' weights resolved once. */
export interface UserType {
  index: number;
  name: string;
  plan: UserTypePlan;
  /** Null with a single task: no draw per iteration. */
  picker: WeightedPicker | null;
}

export function toUserType(plan: UserTypePlan, index: number): UserType {
  const picker = plan.tasks.length > 1 ? new WeightedPicker(plan.tasks.map((t) => t.weight)) : null;
  return { index, name: plan.name, plan, picker };
}

/** A VU as one user type: that type's state, and a context made with the VU's signal. */
interface Persona {
  type: UserType;
  info: VuInfo;
  context: VuContext;
  /** The signal the context was made with: after an abandon it is stale and made again. */
  signal: AbortSignal;
}

/** What a VU needs from its scenario. */
export interface VuHost {
  readonly name: string;
  /** The test file, for script-error messages. */
  readonly file: string;
  makeContext(info: VuInfo, signal: AbortSignal, phase?: HookPhase): VuContext;
  /** An onStop hook threw. */
  hookFailed(user: string, phase: HookPhase, error: unknown): void;
  /** A completed iteration; `vu.event` holds it (the same object every time). */
  iterationDone(vu: Vu): void;
  iterationInterrupted(vu: Vu): void;
  busyChanged(busy: boolean): void;
  fail(error: unknown): void;
}

/**
 * A virtual user: one user type, one VuContext, its own random stream and state, kept across
 * iterations. Executors drive it: `claim()` it, run `iterate()` and `think()` in a loop, then
 * `release()` it. In the open model a VU serves arrivals of any user type (`serve()`): it keeps
 * one persona per type it served (its VuInfo with `state`, and its VuContext with cookies and
 * tags), so a type's state is never seen by another type's flow, while the VU's id, iteration
 * count and random stream stay one. `abandon()` cuts a running iteration short: the iteration is counted as
 * interrupted at once and the VU is released, whether or not the flow ever returns, so a flow
 * that ignores its signal cannot hold up the end of a run. Each abandon starts a new epoch; an
 * abandoned flow that returns later sees the epoch changed and does nothing.
 */
export class Vu {
  /** The current user type's VuInfo (what its flow sees as `ctx.vu`). */
  info: VuInfo;
  /** The user type it runs now: fixed in the closed model, the arrival's in the open model. */
  user: UserType;
  /** Reused for every report of this VU: consumers read it during the call and keep nothing. */
  readonly event: IterationEvent;
  /** ramping-vus: above the target; finish the current iteration, then leave. */
  retiring = false;
  private controller = new AbortController();
  private context: VuContext;
  /** By user type index; the closed model only ever has its own. */
  private readonly personas: Array<Persona | undefined> = [];
  /** By user type index: serve() has run this type at least once. */
  private readonly served: boolean[] = [];
  /** By user type index: started as that type (its onStart done), so its onStop is due. */
  private readonly started: boolean[] = [];
  private readonly rng: Rng;
  private epoch = 0;
  private inIteration = false;
  private isBusy = false;
  private retireTimer: NodeJS.Timeout | undefined;
  private thinkTimer: NodeJS.Timeout | undefined;
  private thinkResolve: (() => void) | undefined;

  constructor(
    readonly index: number,
    id: number,
    user: UserType,
    private readonly host: VuHost,
    seed: number,
  ) {
    this.user = user;
    this.info = { id, iteration: 0, scenario: host.name, user: user.name, state: {}, scheduledAt: 0 };
    this.event = {
      scenario: host.name,
      user: user.name,
      durationMs: 0,
      ok: true,
      error: undefined,
      phase: undefined,
    };
    this.rng = new Rng(seed);
    this.context = this.bind(this.info).context;
  }

  /** Taken by a loop (closed model) or an iteration chain (open model). */
  get busy(): boolean {
    return this.isBusy;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Open model: the next iteration is of `type` (the arrival's), run with that type's persona,
   * made on first use. True the first time this VU serves the type.
   */
  serve(type: UserType): boolean {
    const first = this.served[type.index] !== true;
    this.served[type.index] = true;
    if (type === this.user) return first;
    const iteration = this.info.iteration;
    const id = this.info.id;
    const known = this.personas[type.index];
    const persona =
      known === undefined || known.signal !== this.controller.signal
        ? this.bind(
            known?.info ?? {
              id,
              iteration,
              scenario: this.host.name,
              user: type.name,
              state: {},
              scheduledAt: 0,
            },
            type,
          )
        : known;
    persona.info.iteration = iteration;
    this.user = type;
    this.info = persona.info;
    this.context = persona.context;
    this.event.user = type.name;
    return first;
  }

  claim(): void {
    if (this.isBusy) return;
    this.isBusy = true;
    this.host.busyChanged(true);
  }

  release(): void {
    this.retiring = false;
    this.clearRetireTimer();
    if (!this.isBusy) return;
    this.isBusy = false;
    this.host.busyChanged(false);
  }

  /**
   * Runs one iteration: one task, picked by weight. Resolves true when it ended on its own (ok
   * or not), false when it was abandoned (then the caller must drop the VU: it is released).
   * `scheduledAt` is performance.now() ms of the planned start.
   */
  async iterate(scheduledAt: number): Promise<boolean> {
    if (this.controller.signal.aborted) this.revive();
    const epoch = this.epoch;
    const { tasks, onStart } = this.user.plan;
    const task = this.user.picker === null ? tasks[0]! : tasks[this.user.picker.pick(this.rng.next())]!;
    this.inIteration = true;
    let ok = true;
    let error: unknown;
    let phase: 'onStart' | undefined;
    let from = scheduledAt;
    if (this.started[this.user.index] !== true) {
      if (onStart !== undefined) {
        // Once per VU (and user type), before its first iteration; what it captures in
        // vu.state lasts. When it throws, that iteration fails and the next one tries again.
        try {
          await onStart(this.host.makeContext(this.info, this.controller.signal, 'onStart'));
        } catch (e) {
          ok = false;
          error = e;
          phase = 'onStart';
        }
        if (epoch !== this.epoch) return false;
        // The iteration is measured from the end of onStart, which is not part of it.
        from = performance.now();
      }
      if (ok) this.started[this.user.index] = true;
    }
    const now = performance.now();
    // An arrival started up to EARLY_MS ahead of its time is measured from when it started.
    from = Math.min(from, now);
    this.info.scheduledAt = from;
    if (ok) {
      try {
        await task.run(this.context);
      } catch (e) {
        ok = false;
        error = e;
      }
    }
    if (epoch !== this.epoch) return false;
    this.inIteration = false;
    this.info.iteration++;
    const event = this.event;
    event.durationMs = performance.now() - from;
    event.ok = ok;
    event.error = error;
    event.phase = phase;
    this.host.iterationDone(this);
    return true;
  }

  /** Its user type has an onStop (the open model's VUs stop only at the scenario's end). */
  get hasOnStop(): boolean {
    return this.user.plan.onStop !== undefined;
  }

  /**
   * The end of this VU: onStop, once for each user type it started as, with that type's state.
   * A VU whose iteration was cut short (its signal aborted) gets a new signal for it.
   */
  async stop(): Promise<void> {
    if (this.controller.signal.aborted) this.revive();
    const signal = this.controller.signal;
    for (const persona of this.personas) {
      if (persona === undefined || this.started[persona.type.index] !== true) continue;
      this.started[persona.type.index] = false;
      const onStop = persona.type.plan.onStop;
      if (onStop === undefined) continue;
      try {
        await onStop(this.host.makeContext(persona.info, signal, 'onStop'));
      } catch (e) {
        // Cut short by the scenario's interrupt: not the hook's error.
        if (!signal.aborted) this.host.hookFailed(persona.type.name, 'onStop', e);
      }
    }
  }

  /** The think time after an iteration, or undefined when there is none. Ends early on wake(). */
  think(): Promise<void> | undefined {
    let ms: number;
    try {
      ms = thinkMs(this.user.plan.think, this.info, this.rng);
    } catch (e) {
      this.host.fail(new ScriptError('think', this.host.file, e));
      return undefined;
    }
    if (!(ms > 0)) return undefined;
    return new Promise<void>((resolve) => {
      this.thinkResolve = resolve;
      this.thinkTimer = setTimeout(this.wake, ms);
    });
  }

  /** Ends the current think time now (the scenario is stopping, or this VU is retiring). */
  readonly wake = (): void => {
    if (this.thinkTimer !== undefined) {
      clearTimeout(this.thinkTimer);
      this.thinkTimer = undefined;
    }
    const resolve = this.thinkResolve;
    if (resolve === undefined) return;
    this.thinkResolve = undefined;
    resolve();
  };

  /**
   * ramping-vus scaled below this VU: stop after the current iteration, and cut that iteration
   * short after `graceMs` (gracefulRampDown).
   */
  retire(graceMs: number): void {
    if (!this.isBusy || this.retiring) return;
    this.retiring = true;
    this.wake();
    if (!this.inIteration) return;
    if (graceMs <= 0) this.abandon();
    else this.retireTimer = setTimeout(this.abandon, graceMs);
  }

  /** Scaled back up before it left: keep looping. */
  unretire(): void {
    this.retiring = false;
    this.clearRetireTimer();
  }

  /** Aborts the VU's signal; a running iteration counts as interrupted and the VU is released. */
  readonly abandon = (): void => {
    this.clearRetireTimer();
    this.wake();
    this.controller.abort();
    if (!this.inIteration) return;
    this.inIteration = false;
    this.epoch++;
    this.info.iteration++;
    this.host.iterationInterrupted(this);
    this.release();
  };

  /** Clears its timers (end of the scenario). */
  dispose(): void {
    this.clearRetireTimer();
    this.wake();
  }

  /** Back in use after an abandon: a signal that is not aborted needs a new context. */
  private revive(): void {
    this.controller = new AbortController();
    this.context = this.bind(this.info).context;
  }

  /** A context for `info` (the current user type's, or a new one) on the current signal. */
  private bind(info: VuInfo, type = this.user): Persona {
    const signal = this.controller.signal;
    const persona = { type, info, context: this.host.makeContext(info, signal), signal };
    // YAML's ${random.*} draw from the VU's seeded stream, as its task picks and think times do.
    persona.context.random ??= () => this.rng.next();
    this.personas[type.index] = persona;
    return persona;
  }

  private clearRetireTimer(): void {
    if (this.retireTimer === undefined) return;
    clearTimeout(this.retireTimer);
    this.retireTimer = undefined;
  }
}
