import type { FeederSpec } from './feeder-spec.js';
import type { CheckFn, FlowFn, HttpApi } from './vu-context.js';

/** A step of a YAML/JSON flow as written in the file (parsed YAML or JSON); src/flow/ compiles it. */
export type Step = Record<string, unknown>;

/**
 * The public shape of a test file: what `export default defineTest({...})` in TypeScript and a
 * YAML or JSON test file both describe (docs/test-file.md). Everything here is input; the
 * validated, resolved form is `TestPlan` (plan.ts).
 */

/**
 * A length of time: a string with a unit (`500ms`, `30s`, `1m30s`, `2h`) or a number of
 * seconds, as in k6.
 */
export type Duration = string | number;

/** Time a user waits between iterations (Locust's wait_time). */
export type ThinkTime =
  /** `'1s..3s'` waits a uniformly random time in the range; `'2s'` waits exactly that. */
  | string
  /** Seconds. */
  | number
  /** Returns seconds; called before each wait. */
  | ((vu: { id: number; iteration: number }) => number);

/** A ramp stage: go linearly from the previous target to `target` over `duration`. */
export interface StageDefinition {
  duration: Duration;
  /** VUs (ramping-vus) or iterations per timeUnit (ramping-arrival-rate). */
  target: number;
}

/** One task of a user type, picked by weight for each iteration (Locust's @task). */
export interface TaskDefinition {
  name: string;
  /** Relative share of this user's iterations. @default 1 */
  weight?: number;
  /** The iteration, as code (TypeScript tests). */
  run?: FlowFn;
  /** The iteration, as steps (YAML tests). */
  flow?: Step[];
}

/**
 * A user type (Locust's User class): a share of the scenario's VUs by weight, and what each of
 * them does per iteration. Give exactly one of `run`, `flow` or `tasks`.
 */
export interface UserDefinition {
  name: string;
  /** Relative share of the scenario's VUs (or arrivals). @default 1 */
  weight?: number;
  /** Wait between iterations. @default no wait */
  think?: ThinkTime;
  run?: FlowFn;
  flow?: Step[];
  tasks?: TaskDefinition[];
  /**
   * Once per VU, before its first iteration (Locust's on_start), with the VU's context: what it
   * puts in `ctx.vu.state` (and the cookies it gets) last for the VU's iterations. Its requests
   * are measured and tagged `phase: onStart`. When it throws, that iteration fails and the next
   * one runs it again. Steps in a YAML test.
   */
  onStart?: FlowFn | Step[];
  /**
   * Once per VU when its scenario ends (within its gracefulStop) or a ramp-down retires it
   * (Locust's on_stop); skipped when the run is interrupted. Requests tagged `phase: onStop`. Steps in a YAML test.
   */
  onStop?: FlowFn | Step[];
}

/** Keys every scenario takes, whatever its executor (k6's common scenario options). */
interface ScenarioCommon {
  /** When the scenario starts, from the start of the test. @default '0s' */
  startTime?: Duration;
  /** How long running iterations may finish after the scenario's end. @default '30s' */
  gracefulStop?: Duration;
  /** Added to every sample of this scenario. */
  tags?: Record<string, string>;
  users: UserDefinition[];
}

/** Arrival-rate executors: how starts are spaced. @default 'even' */
export type Arrival = 'even' | 'poisson';

/** k6's executors and parameters (DESIGN.md "Executors"), with k6's defaults. */
export type ScenarioDefinition = ScenarioCommon &
  (
    | {
        executor: 'constant-vus';
        /** @default 1 */
        vus?: number;
        duration: Duration;
      }
    | {
        executor: 'ramping-vus';
        /** @default 1 */
        startVUs?: number;
        stages: StageDefinition[];
        /** @default '30s' */
        gracefulRampDown?: Duration;
      }
    | {
        executor: 'constant-arrival-rate';
        /** Iterations started per `timeUnit`. */
        rate: number;
        /** @default '1s' */
        timeUnit?: Duration;
        duration: Duration;
        preAllocatedVUs: number;
        /** @default preAllocatedVUs */
        maxVUs?: number;
        arrival?: Arrival;
        /**
         * An arrival that finds every VU busy waits for one (measured from its planned start)
         * instead of being dropped as k6 does; bursts above the rate after a stall. @default false
         */
        queue?: boolean;
      }
    | {
        executor: 'ramping-arrival-rate';
        /** @default 0 */
        startRate?: number;
        /** @default '1s' */
        timeUnit?: Duration;
        stages: StageDefinition[];
        preAllocatedVUs: number;
        /** @default preAllocatedVUs */
        maxVUs?: number;
        arrival?: Arrival;
        /**
         * An arrival that finds every VU busy waits for one (measured from its planned start)
         * instead of being dropped as k6 does; bursts above the rate after a stall. @default false
         */
        queue?: boolean;
      }
    | {
        executor: 'per-vu-iterations' | 'shared-iterations';
        /** @default 1 */
        vus?: number;
        /** Per VU (per-vu-iterations) or in total (shared-iterations). @default 1 */
        iterations?: number;
        /** @default '10m' */
        maxDuration?: Duration;
      }
  );

export type ExecutorType = ScenarioDefinition['executor'];

/** The named test types of `--preset` (docs/presets.md). */
export type PresetName =
  | 'smoke'
  | 'baseline'
  | 'stress'
  | 'spike'
  | 'burst'
  | 'soak'
  | 'endurance'
  | 'breakpoint'
  | 'scalability';

/** k6's long form of a threshold. */
export interface ThresholdObject {
  threshold: string;
  /** Stop the whole test as soon as this threshold fails. @default false */
  abortOnFail?: boolean;
  /** Do not judge abortOnFail before this much of the test has run. */
  delayAbortEval?: Duration;
}

/** `'p(95)<300'` or the long form. */
export type ThresholdDefinition = string | ThresholdObject;

/** When to stop a test early (breakpoint's defaults: 10% errors or p99 over 10 s). */
export interface StopConditionsDefinition {
  /** Stop when http_req_failed's rate over the window goes above this (0..1). @default 0.1 */
  maxErrorRate?: number;
  /** Stop when http_req_duration's p99 over the window goes above this. @default '10s' */
  maxP99?: Duration;
  /** The sliding window both are judged over. @default '10s' */
  window?: Duration;
}

export interface SetupContext {
  env: Readonly<Record<string, string>>;
  /**
   * The HTTP client of the flows: its requests are measured like any other and tagged
   * `phase: before`, scenario and user `(before)`.
   */
  http: HttpApi;
  check: CheckFn;
  /** Waits `1s`, `250ms`, or a number of seconds. */
  sleep(duration: string | number): Promise<void>;
}

export interface TeardownContext<Data = unknown> {
  env: Readonly<Record<string, string>>;
  /** What setup() returned. */
  data: Data;
  /** As setup's; requests tagged `phase: after`, scenario and user `(after)`. */
  http: HttpApi;
  check: CheckFn;
  sleep(duration: string | number): Promise<void>;
}

/**
 * A whole test. Give the load either as `scenarios`, as a `preset`, or with k6's shortcuts
 * (`vus` + `duration`, `iterations`, `stages`, or squall's `rate` + `duration`) and top-level
 * `users`.
 */
export interface TestDefinition {
  /** Base URL for relative paths; `--host`, then env SQUALL_HOST, then LOAD_TEST_HOST win over it. */
  target?: string;
  defaults?: {
    /** Sent with every request (a request's own headers win). */
    headers?: Record<string, string>;
    /** Per-request timeout. @default '10s' */
    timeout?: Duration;
    /** Redirects followed per request, each hop its own sample (k6's maxRedirects); 0: none. @default 10 */
    redirects?: number;
  };
  /** https: do not verify certificates (self-signed test servers); k6's option, as `-k`. @default false */
  insecureSkipTLSVerify?: boolean;
  /** Run as one of the named test types; `vus`, `rate` and `duration` give its size. */
  preset?: PresetName;
  scenarios?: Record<string, ScenarioDefinition>;
  /** The users of the single scenario that a preset or the shortcuts make. */
  users?: UserDefinition[];
  /** Shortcut (or a preset's size): VUs. */
  vus?: number;
  /** Shortcut (or a preset's size): test length. */
  duration?: Duration;
  /** Shortcut: shared-iterations with this many iterations in total. */
  iterations?: number;
  /** Shortcut: ramping-vus with these stages. */
  stages?: StageDefinition[];
  /** Shortcut (or a preset's size): open model, iterations started per second. */
  rate?: number;
  /** Spacing of arrivals for the shortcut's or preset's open-model executor. @default 'even' */
  arrival?: Arrival;
  /** Performance budgets, k6's syntax: `{ http_req_duration: ['p(95)<500'] }`. */
  thresholds?: Record<string, ThresholdDefinition | ThresholdDefinition[]>;
  /**
   * How much worse than a baseline each metric may get before `squall compare` (and
   * `--baseline`) calls it regressed, over `--max-regression`:
   * `{ 'http_req_duration:p(95)': '10%', 'http_reqs:rate': '5%' }`; an error rate's is in points.
   */
  regressions?: Record<string, `${number}%`>;
  /** The test's name in the history (`--save`); default the file's name. */
  name?: string;
  stopConditions?: StopConditionsDefinition;
  /**
   * k6's option: response bodies are read and counted in data_received but not kept, so memory
   * stays flat with large answers; a request's `responseType: 'text'` keeps its own. @default false
   */
  discardResponseBodies?: boolean;
  /**
   * Every request of the test over HTTP/2: h2c with prior knowledge to http:// origins, h2 by
   * ALPN to https://; one session per origin, shared by the VUs (their requests multiplexed).
   * @default false
   */
  http2?: boolean;
  /**
   * Test data for YAML flows, by name: a CSV or JSON file (relative to the test file), or
   * `{ file, order: 'sequential' | 'random' | 'unique', format, delimiter, seed }`.
   */
  feeders?: Record<string, string | FeederSpec>;
  /**
   * Runs once before the load; its return value reaches every user as `data`. When it throws,
   * no load is sent (exit 1).
   */
  setup?: (ctx: SetupContext) => unknown;
  /** Runs once after the load, also after an interrupt. */
  teardown?: (ctx: TeardownContext) => unknown;
  /**
   * YAML tests' setup (Artillery's before): steps run once before the load; what they capture
   * is readable, not writable, in every other flow by its name. Give this or `setup`.
   */
  before?: Step[];
  /** YAML tests' teardown: steps run once after the load; they see before's captures. */
  after?: Step[];
}

/**
 * Declares a test. It returns its argument unchanged and exists only so that editors check and
 * complete the test's shape.
 *
 * @example
 * import { defineTest } from 'squall';
 *
 * export default defineTest({
 *   target: 'http://127.0.0.1:5110',
 *   vus: 10,
 *   duration: '30s',
 *   users: [{ name: 'Reader', async run({ http }) { await http.get('/health'); } }],
 * });
 */
export function defineTest(definition: TestDefinition): TestDefinition {
  return definition;
}
