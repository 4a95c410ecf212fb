import { EXECUTOR_NAMES, type ExecutorName, type ExecutorPlan, type Stage } from '../engine/plan.js';
import type { ConfigIssue } from '../errors/issues.js';
import { formatMs } from '../util/duration.js';
import { didYouMean } from '../util/suggest.js';

/**
 * k6's executors (CONVENTIONS.md 3.4): which parameters each takes, their defaults, and the
 * rules between them (k6's `Validate()`), as data and small pure functions.
 */

/** The scenario must give this parameter. */
const REQUIRED = 'required';
/** maxVUs defaults to preAllocatedVUs. */
const SAME_AS_PRE_ALLOCATED = 'preAllocatedVUs';

type ParamDefault = number | boolean | 'even' | typeof REQUIRED | typeof SAME_AS_PRE_ALLOCATED;

export interface ExecutorSpec {
  /** closed: a fixed number of VUs loop; open: iterations start at a rate, whatever the responses do. */
  model: 'closed' | 'open';
  /** Parameters in the order k6 documents them, with k6's defaults (durations in ms). */
  params: Readonly<Record<string, ParamDefault>>;
}

export const EXECUTOR_SPECS: Readonly<Record<ExecutorName, ExecutorSpec>> = {
  'constant-vus': { model: 'closed', params: { vus: 1, duration: REQUIRED } },
  'ramping-vus': { model: 'closed', params: { startVUs: 1, stages: REQUIRED, gracefulRampDown: 30_000 } },
  'constant-arrival-rate': {
    model: 'open',
    params: {
      rate: REQUIRED,
      timeUnit: 1_000,
      duration: REQUIRED,
      preAllocatedVUs: REQUIRED,
      maxVUs: SAME_AS_PRE_ALLOCATED,
      arrival: 'even',
      queue: false,
    },
  },
  'ramping-arrival-rate': {
    model: 'open',
    params: {
      startRate: 0,
      timeUnit: 1_000,
      stages: REQUIRED,
      preAllocatedVUs: REQUIRED,
      maxVUs: SAME_AS_PRE_ALLOCATED,
      arrival: 'even',
      queue: false,
    },
  },
  'per-vu-iterations': { model: 'closed', params: { vus: 1, iterations: 1, maxDuration: 600_000 } },
  'shared-iterations': { model: 'closed', params: { vus: 1, iterations: 1, maxDuration: 600_000 } },
};

/** Keys every scenario takes, whatever its executor, with k6's defaults (ms). */
export const SCENARIO_COMMON = { startTime: 0, gracefulStop: 30_000 } as const;

/** Every executor parameter of any executor. */
export const EXECUTOR_PARAMS: readonly string[] = [
  ...new Set(Object.values(EXECUTOR_SPECS).flatMap((spec) => Object.keys(spec.params))),
];

/** A scenario's executor parameters after the schema's leaves (durations in ms, stages resolved). */
export interface ScenarioParams {
  executor?: unknown;
  vus?: number;
  duration?: number;
  startVUs?: number;
  stages?: Stage[];
  gracefulRampDown?: number;
  rate?: number;
  timeUnit?: number;
  preAllocatedVUs?: number;
  maxVUs?: number;
  startRate?: number;
  iterations?: number;
  maxDuration?: number;
  arrival?: 'even' | 'poisson';
  queue?: boolean;
}

export function isExecutorName(name: unknown): name is ExecutorName {
  return typeof name === 'string' && (EXECUTOR_NAMES as readonly string[]).includes(name);
}

function num(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function executorIssue(value: unknown): ConfigIssue {
  const list = EXECUTOR_NAMES.join(', ');
  if (value === undefined) {
    return {
      code: 'SQ_CONFIG_INVALID',
      path: ['executor'],
      message: `executor is missing; expected one of ${list}`,
    };
  }
  if (value === 'externally-controlled') {
    return {
      code: 'SQ_CONFIG_UNKNOWN_EXECUTOR',
      path: ['executor'],
      message: `unknown executor 'externally-controlled' (k6 removed it in v2.0); expected one of ${list}`,
    };
  }
  const given = typeof value === 'string' ? value : String(value);
  const guess = typeof value === 'string' ? didYouMean(value, EXECUTOR_NAMES) : undefined;
  return {
    code: 'SQ_CONFIG_UNKNOWN_EXECUTOR',
    path: ['executor'],
    message: guess ? `unknown executor '${given}' — ${guess}` : `unknown executor '${given}'`,
    hint: `expected one of ${list}`,
  };
}

function listParams(name: ExecutorName): string {
  return Object.keys(EXECUTOR_SPECS[name].params).join(', ');
}

/** Parameters given that belong to other executors. */
function foreignParams(name: ExecutorName, s: Record<string, unknown>): ConfigIssue[] {
  const own = EXECUTOR_SPECS[name].params;
  return EXECUTOR_PARAMS.filter((p) => s[p] !== undefined && !(p in own)).map((p) => {
    const owners = EXECUTOR_NAMES.filter((e) => p in EXECUTOR_SPECS[e].params);
    return {
      code: 'SQ_CONFIG_INVALID',
      path: [p],
      at: 'key',
      message: `'${p}' is not a parameter of ${name}, which takes ${listParams(name)}`,
      hint: `'${p}' belongs to ${owners.join(', ')}`,
    } satisfies ConfigIssue;
  });
}

function missingParams(name: ExecutorName, s: Record<string, unknown>): ConfigIssue[] {
  return Object.entries(EXECUTOR_SPECS[name].params)
    .filter(([p, d]) => d === REQUIRED && !(p in s && s[p] !== undefined))
    .map(([p]) => ({
      code: 'SQ_CONFIG_INVALID',
      path: [p],
      message: `${p} is missing; a ${name} scenario needs it (it takes ${listParams(name)})`,
    }));
}

function stageIssues(name: ExecutorName, stages: unknown, startLevel: unknown): ConfigIssue[] {
  if (!Array.isArray(stages)) return [];
  const out: ConfigIssue[] = [];
  if (stages.length === 0) {
    out.push({
      code: 'SQ_CONFIG_INVALID',
      path: ['stages'],
      message: 'stages is empty; expected at least one stage',
    });
    return out;
  }
  const valid = stages.filter((s): s is Stage => s !== null && typeof s === 'object' && num(s.target));
  if (name === 'ramping-vus') {
    stages.forEach((s: Partial<Stage> | null, i) => {
      if (num(s?.target) && !Number.isInteger(s.target)) {
        out.push({
          code: 'SQ_CONFIG_INVALID',
          path: ['stages', i, 'target'],
          message: `target is ${s.target}; a ramping-vus stage's target is a number of VUs, a whole number of at least 0`,
        });
      }
    });
  }
  if (valid.length === stages.length) {
    const total = valid.reduce((sum, s) => sum + (num(s.durationMs) ? s.durationMs : 0), 0);
    if (total === 0) {
      out.push({
        code: 'SQ_CONFIG_INVALID',
        path: ['stages'],
        message: 'the stages last 0s in total; expected at least one stage with a duration above 0',
      });
    }
    const peak = Math.max(num(startLevel) ? startLevel : 0, ...valid.map((s) => s.target));
    if (peak === 0) {
      const what = name === 'ramping-vus' ? 'VUs' : 'iterations per timeUnit';
      out.push({
        code: 'SQ_CONFIG_INVALID',
        path: ['stages'],
        message: `every stage's target is 0 ${what}, so nothing would run; expected a target above 0`,
      });
    }
  }
  return out;
}

function positive(s: Record<string, unknown>, key: string, name: ExecutorName): ConfigIssue[] {
  const v = s[key];
  if (!num(v) || v > 0) return [];
  return [
    {
      code: 'SQ_CONFIG_INVALID',
      path: [key],
      message: `${key} is ${formatMs(v)}; a ${name} scenario needs a ${key} above 0`,
    },
  ];
}

function vuIssues(s: ScenarioParams): ConfigIssue[] {
  const pre = s.preAllocatedVUs;
  const max = s.maxVUs;
  if (num(pre) && num(max) && max < pre) {
    return [
      {
        code: 'SQ_CONFIG_INVALID',
        path: ['maxVUs'],
        message: `maxVUs (${max}) is less than preAllocatedVUs (${pre}); expected maxVUs of at least ${pre}`,
        hint: 'maxVUs caps the VUs an arrival-rate scenario may use; it includes the pre-allocated ones',
      },
    ];
  }
  if ((num(max) && max === 0) || (max === undefined && pre === 0)) {
    return [
      {
        code: 'SQ_CONFIG_INVALID',
        path: [max === undefined ? 'preAllocatedVUs' : 'maxVUs'],
        message:
          'an arrival-rate scenario with at most 0 VUs could start nothing; expected maxVUs of at least 1',
      },
    ];
  }
  return [];
}

/**
 * Everything wrong with one scenario's executor and parameters, paths relative to the scenario.
 * Runs on partly invalid data too (values that failed their own checks are skipped), so every
 * problem shows at once.
 */
export function checkScenarioExecutor(s: Record<string, unknown>): ConfigIssue[] {
  const name = s.executor;
  if (!isExecutorName(name)) return [executorIssue(name)];
  const p = s as ScenarioParams;
  const issues = [...foreignParams(name, s), ...missingParams(name, s)];
  switch (name) {
    case 'constant-vus':
      issues.push(...positive(s, 'duration', name));
      break;
    case 'ramping-vus':
      issues.push(...stageIssues(name, s.stages, p.startVUs ?? 1));
      break;
    case 'constant-arrival-rate':
      issues.push(...positive(s, 'duration', name), ...positive(s, 'timeUnit', name), ...vuIssues(p));
      break;
    case 'ramping-arrival-rate':
      issues.push(
        ...stageIssues(name, s.stages, p.startRate ?? 0),
        ...positive(s, 'timeUnit', name),
        ...vuIssues(p),
      );
      break;
    case 'per-vu-iterations':
      issues.push(...positive(s, 'maxDuration', name));
      break;
    case 'shared-iterations':
      issues.push(...positive(s, 'maxDuration', name));
      if (num(p.iterations) && p.iterations < (p.vus ?? 1)) {
        issues.push({
          code: 'SQ_CONFIG_INVALID',
          path: ['iterations'],
          message: `iterations (${p.iterations}) is less than vus (${p.vus ?? 1}); each VU of a shared-iterations scenario needs at least one iteration`,
        });
      }
      break;
  }
  return issues;
}

/**
 * The resolved executor of a scenario that passed `checkScenarioExecutor`, every default
 * applied.
 */
export function toExecutorPlan(s: ScenarioParams & { executor: ExecutorName }): ExecutorPlan {
  const arrival = s.arrival ?? 'even';
  switch (s.executor) {
    case 'constant-vus':
      return { type: 'constant-vus', vus: s.vus ?? 1, durationMs: s.duration! };
    case 'ramping-vus':
      return {
        type: 'ramping-vus',
        startVUs: s.startVUs ?? 1,
        stages: s.stages!,
        gracefulRampDownMs: s.gracefulRampDown ?? 30_000,
      };
    case 'constant-arrival-rate':
      return {
        type: 'constant-arrival-rate',
        rate: s.rate!,
        timeUnitMs: s.timeUnit ?? 1_000,
        durationMs: s.duration!,
        preAllocatedVUs: s.preAllocatedVUs!,
        maxVUs: s.maxVUs ?? s.preAllocatedVUs!,
        arrival,
        ...(s.queue === true ? { queue: true } : {}),
      };
    case 'ramping-arrival-rate':
      return {
        type: 'ramping-arrival-rate',
        startRate: s.startRate ?? 0,
        timeUnitMs: s.timeUnit ?? 1_000,
        stages: s.stages!,
        preAllocatedVUs: s.preAllocatedVUs!,
        maxVUs: s.maxVUs ?? s.preAllocatedVUs!,
        arrival,
        ...(s.queue === true ? { queue: true } : {}),
      };
    case 'per-vu-iterations':
    case 'shared-iterations':
      return {
        type: s.executor,
        vus: s.vus ?? 1,
        iterations: s.iterations ?? 1,
        maxDurationMs: s.maxDuration ?? 600_000,
      };
  }
}

/** Total length of a list of stages, ms. */
export function stagesDurationMs(stages: readonly Stage[]): number {
  return stages.reduce((sum, s) => sum + s.durationMs, 0);
}

/**
 * How long an executor runs before its graceful stop, ms: the time-based length, or the
 * iteration executors' maxDuration (an upper bound).
 */
export function executorDurationMs(p: ExecutorPlan): number {
  switch (p.type) {
    case 'constant-vus':
    case 'constant-arrival-rate':
      return p.durationMs;
    case 'ramping-vus':
    case 'ramping-arrival-rate':
      return stagesDurationMs(p.stages);
    case 'per-vu-iterations':
    case 'shared-iterations':
      return p.maxDurationMs;
  }
}
