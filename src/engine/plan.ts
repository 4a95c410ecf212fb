import type { FlowFn, VuContext } from '../script-api/vu-context.js';
import type { ParsedThreshold } from '../thresholds/index.js';

/**
 * The validated, resolved plan of `squall run`: the engine's whole input. Durations are
 * milliseconds, rates are per second, every default applied, every preset expanded.
 */

export type ExecutorName =
  | 'constant-vus'
  | 'ramping-vus'
  | 'constant-arrival-rate'
  | 'ramping-arrival-rate'
  | 'per-vu-iterations'
  | 'shared-iterations';

export const EXECUTOR_NAMES: readonly ExecutorName[] = [
  'constant-vus',
  'ramping-vus',
  'constant-arrival-rate',
  'ramping-arrival-rate',
  'per-vu-iterations',
  'shared-iterations',
];

/** A ramp stage: go linearly to `target` over `durationMs`. */
export interface Stage {
  durationMs: number;
  target: number;
}

/** k6's executors and parameters (CONVENTIONS.md 3.4), resolved. */
export type ExecutorPlan =
  | { type: 'constant-vus'; vus: number; durationMs: number }
  | { type: 'ramping-vus'; startVUs: number; stages: Stage[]; gracefulRampDownMs: number }
  | {
      type: 'constant-arrival-rate';
      /** Iterations per timeUnit. */
      rate: number;
      timeUnitMs: number;
      durationMs: number;
      preAllocatedVUs: number;
      maxVUs: number;
      arrival: 'even' | 'poisson';
      /** Arrivals that find no free VU wait for one instead of being dropped (k6 drops them). */
      queue?: boolean;
    }
  | {
      type: 'ramping-arrival-rate';
      startRate: number;
      timeUnitMs: number;
      /** `target` is a rate per timeUnit. */
      stages: Stage[];
      preAllocatedVUs: number;
      maxVUs: number;
      arrival: 'even' | 'poisson';
      /** Arrivals that find no free VU wait for one instead of being dropped (k6 drops them). */
      queue?: boolean;
    }
  | { type: 'per-vu-iterations'; vus: number; iterations: number; maxDurationMs: number }
  | { type: 'shared-iterations'; vus: number; iterations: number; maxDurationMs: number };

/** Think time between iterations. */
export type ThinkPlan =
  | { kind: 'none' }
  | { kind: 'constant'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'function'; fn: (vu: { id: number; iteration: number }) => number };

export interface TaskPlan {
  name: string;
  weight: number;
  run: FlowFn;
}

/** A user type (Locust's User class): a share of the scenario's VUs, and what each does. */
export interface UserTypePlan {
  name: string;
  weight: number;
  think: ThinkPlan;
  /** One iteration: a flow, or one task picked by weight. */
  tasks: TaskPlan[];
  /** Once per VU before its first iteration (Locust's on_start); its requests are tagged phase=onStart. */
  onStart?: FlowFn;
  /** Once per VU when its scenario ends (within gracefulStop) or a ramp-down retires it (Locust's on_stop). */
  onStop?: FlowFn;
}

/** The hooks whose requests are tagged `phase` (iteration requests carry none). */
export type HookPhase = 'before' | 'after' | 'onStart' | 'onStop';

export interface ScenarioPlan {
  name: string;
  executor: ExecutorPlan;
  startTimeMs: number;
  gracefulStopMs: number;
  users: UserTypePlan[];
  tags: Record<string, string>;
}

/** breakpoint: stop when one of these is crossed, and report where. */
export interface StopConditions {
  maxErrorRate: number;
  maxP99Ms: number;
  /** Judged over a sliding window of this length. */
  windowMs: number;
}

export interface TestPlan {
  /** The test file, as given (for messages and the result's config). */
  file: string;
  /** Base URL for relative paths; undefined when every request is absolute. */
  target: string | undefined;
  env: Readonly<Record<string, string>>;
  defaults: { headers: Record<string, string>; timeoutMs: number; redirects?: number };
  /** https: skip certificate checks (-k, insecureSkipTLSVerify); trust only `ca` (--cacert). */
  tls: { insecure: boolean; ca?: string; caFile?: string };
  scenarios: ScenarioPlan[];
  thresholds: ParsedThreshold[];
  /** The preset the plan came from, if any. */
  preset: string | undefined;
  stopConditions: StopConditions | undefined;
  /** k6's discardResponseBodies: bodies are counted, not kept (a request's responseType wins). */
  discardResponseBodies?: boolean;
  /** `http2: true`: every request over HTTP/2 (transports/http/h2-transport.ts). */
  http2?: boolean;
  /**
   * Once before the load, with a context whose requests are measured and tagged phase=before
   * (scenario and user `(before)`); what it returns is every VU's `data`.
   */
  setup: ((ctx: VuContext) => unknown) | undefined;
  /** Once after the load (also after an interrupt), tagged phase=after; `ctx.data` is setup's. */
  teardown: ((ctx: VuContext) => unknown) | undefined;
  /** 'flow' when setup and teardown are a YAML test's before: and after: (for their messages). */
  hookStyle?: 'flow';
  /** The resolved configuration as the result document records it (secrets redacted). */
  config: Record<string, unknown>;
}
