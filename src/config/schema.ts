import { z } from 'zod';
import { type ErrorCode, type ErrorLocation, isSquallError } from '../errors/index.js';
import {
  type ConfigIssue,
  formatPath,
  type IssuePath,
  issueFromError,
  type Locate,
} from '../errors/issues.js';
// The shared suggester plus swapped letters (`usres` → `users`), which keys need most.
import { didYouMean } from '../flow/flow-shape.js';
import {
  type MetricKind,
  type ParsedThreshold,
  parseThreshold,
  validateThresholds,
} from '../thresholds/index.js';
import { checkScenarioExecutor } from './executors.js';
import {
  baseUrl,
  durationMs,
  func,
  headerValue,
  hook,
  isHeaderName,
  type LeafParams,
  numberAbove,
  numberAtLeast,
  oneOf,
  positiveDurationMs,
  ratio,
  show,
  tagValue,
  text,
  think,
  toDurationMs,
  wholeNumber,
} from './leaves.js';
import { isPresetName, unknownPresetMessage } from './presets.js';

/**
 * The zod schema of a test file's data (YAML/JSON, or a TypeScript module's default export with
 * its functions): strict objects, so an unknown key is an error with a did-you-mean; leaves that
 * resolve durations, think times and thresholds as they check them; and the cross-field rules
 * (executors.ts and the root rules here) run inside the same pass, so one parse reports every
 * problem of the file.
 */

export interface SchemaContext {
  file: string;
  locate: Locate;
  /** Metric names a threshold may use (built-ins, plus custom metrics the test declared). */
  knownMetrics: ReadonlyMap<string, MetricKind>;
  /** Receives every valid threshold, also when other parts of the file are not (more checks follow). */
  thresholdsOut?: ParsedThreshold[];
}

/** A rule's issue travels through zod in a custom issue's params. */
interface RuleParams {
  rule: ConfigIssue;
}

type Ctx = {
  addIssue(issue: { code: 'custom'; message: string; path: PathKey[]; params: RuleParams }): void;
};
type PathKey = string | number;

function report(ctx: Ctx, iss: ConfigIssue): void {
  ctx.addIssue({ code: 'custom', message: iss.message, path: [...iss.path], params: { rule: iss } });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Rules also run on partly invalid objects, so that all problems show at once. */
const always = { when: (payload: { value: unknown }) => isObject(payload.value) };

const stage = z
  .strictObject({
    duration: durationMs,
    target: numberAtLeast(0, 'a number of at least 0 (VUs, or iterations per timeUnit)'),
  })
  .transform((s) => ({ durationMs: s.duration, target: s.target }));

const flow = z.array(z.record(z.string(), z.unknown()));

const weight = numberAbove(
  0,
  'a number above 0',
  'weights are relative shares; to leave a user type or task out, remove it',
);

/** Exactly one of `keys` is given: how the iteration is described. */
function exactlyOne(keys: readonly string[], what: string) {
  return (v: Record<string, unknown>, ctx: Ctx) => {
    const given = keys.filter((k) => v[k] !== undefined);
    if (given.length === 1) return;
    const list = keys.map((k) => `'${k}'`).join(' or ');
    report(ctx, {
      code: 'SQ_CONFIG_INVALID',
      path: given.length === 0 ? [] : [given[1]!],
      at: 'key',
      message:
        given.length === 0
          ? `${what} has none of ${list}; expected exactly one, to say what an iteration does`
          : `${what} has both '${given[0]}' and '${given[1]}'; expected exactly one of ${list}`,
    });
  };
}

/** Names must tell user types (and tasks) apart in the stats. */
function uniqueNames(what: string) {
  return (list: ReadonlyArray<{ name?: unknown }>, ctx: Ctx) => {
    const seen = new Set<unknown>();
    list.forEach((item, i) => {
      if (typeof item?.name !== 'string') return;
      if (seen.has(item.name)) {
        report(ctx, {
          code: 'SQ_CONFIG_INVALID',
          path: [i, 'name'],
          message: `${what} name '${item.name}' is used twice; each needs its own name, which groups its stats`,
        });
      }
      seen.add(item.name);
    });
  };
}

const task = z
  .strictObject({ name: text, weight: weight.optional(), run: func.optional(), flow: flow.optional() })
  .superRefine(exactlyOne(['run', 'flow'], 'a task'), always);

const user = z
  .strictObject({
    name: text,
    weight: weight.optional(),
    think: think.optional(),
    run: func.optional(),
    flow: flow.optional(),
    onStart: hook.optional(),
    onStop: hook.optional(),
    tasks: z.array(task).min(1).superRefine(uniqueNames('task')).optional(),
  })
  .superRefine(exactlyOne(['run', 'flow', 'tasks'], 'a user type'), always);

const users = z.array(user).min(1).superRefine(uniqueNames('user type'));

const arrival = oneOf(['even', 'poisson'] as const);
const tags = z.record(z.string(), tagValue);

const scenario = z
  .strictObject({
    executor: z.unknown().optional(),
    vus: wholeNumber(1).optional(),
    duration: durationMs.optional(),
    startVUs: wholeNumber(0).optional(),
    stages: z.array(stage).optional(),
    gracefulRampDown: durationMs.optional(),
    rate: numberAbove(0).optional(),
    timeUnit: durationMs.optional(),
    preAllocatedVUs: wholeNumber(0).optional(),
    maxVUs: wholeNumber(0).optional(),
    startRate: numberAtLeast(0).optional(),
    iterations: wholeNumber(1).optional(),
    maxDuration: durationMs.optional(),
    arrival: arrival.optional(),
    queue: z.boolean().optional(),
    startTime: durationMs.optional(),
    gracefulStop: durationMs.optional(),
    tags: tags.optional(),
    users,
  })
  .superRefine((s, ctx) => {
    // A scenario without an executor is fine under a preset, which gives it one (root rules).
    if (s.executor === undefined) return;
    for (const iss of checkScenarioExecutor(s)) report(ctx, iss);
  }, always);

const headers = z.record(z.string(), headerValue).superRefine((h, ctx) => {
  for (const name of Object.keys(h)) {
    if (!isHeaderName(name)) {
      report(ctx, {
        code: 'SQ_CONFIG_INVALID',
        path: [name],
        at: 'key',
        message: `'${name}' is not a header name; expected letters, digits and !#$%&'*+-.^_\`|~ without spaces`,
      });
    }
  }
});

const preset = z.unknown().superRefine((v, ctx) => {
  if (!isPresetName(v)) {
    report(ctx, {
      code: 'SQ_CONFIG_UNKNOWN_PRESET',
      path: [],
      message: unknownPresetMessage(typeof v === 'string' ? v : show(v)),
    });
  }
});

const stopConditions = z.strictObject({
  maxErrorRate: ratio.optional(),
  maxP99: durationMs.optional(),
  window: positiveDurationMs.optional(),
});

/** The metrics `squall compare` judges, as a `regressions:` key names them (tags: only `name`). */
const COMPARED = new Map<string, readonly string[]>([
  ['http_reqs', ['rate']],
  ['http_req_failed', ['rate']],
  ['http_req_duration', ['avg', 'med', 'p(95)', 'p(99)']],
]);
const REGRESSION_KEYS =
  "'http_req_duration:p(95)', 'http_req_duration:avg', 'http_reqs:rate', 'http_req_failed:rate'";

/** `10%` (or `0.5 %`) as 0.1; undefined when it is not a percentage. */
function percent(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null;
  return m ? Number(m[1]) / 100 : undefined;
}

/**
 * Per-metric regression budgets, as the seeds' `degradation_threshold`: `{ 'http_req_duration:p(95)':
 * '10%', 'http_reqs:rate': '5%' }`. `squall compare` and `--baseline` use them over
 * --max-regression; an error rate's budget is in points (`1%`: one point more).
 */
const regressions = z.record(z.string(), z.unknown()).transform((record, ctx) => {
  const out: Record<string, number> = {};
  const issue = (path: PathKey[], message: string, atKey = false) =>
    ctx.issues.push({
      code: 'custom',
      message,
      input: undefined,
      path,
      params: {
        rule: { code: 'SQ_CONFIG_INVALID', path, message, ...(atKey ? { at: 'key' as const } : {}) },
      },
    });
  for (const [key, value] of Object.entries(record)) {
    const m = /^([A-Za-z_]\w*)(\{name:[^}]*\})?:(\S+)$/.exec(key.trim());
    const aggs = m ? COMPARED.get(m[1]!) : undefined;
    const agg = m?.[3]?.replace(/\s+/g, '');
    if (!m || !aggs?.includes(agg!)) {
      issue(
        [key],
        `'${key}' is not a metric squall compare judges; expected one of ${REGRESSION_KEYS} (or http_req_duration:med, :p(99)), optionally for one endpoint as 'http_req_duration{name:GET /items}:p(95)'`,
        true,
      );
      continue;
    }
    const budget = percent(value);
    if (budget === undefined) {
      issue([key], `the budget of '${key}' is ${show(value)}; expected a percentage such as '10%'`);
      continue;
    }
    out[`${m[1]}${m[2] ?? ''}:${agg}`] = budget;
  }
  return out;
});

const THRESHOLD_OBJECT_KEYS = ['threshold', 'abortOnFail', 'delayAbortEval'];

/**
 * k6's thresholds, parsed as they are checked: `{ metric: ['p(95)<500', {threshold, abortOnFail,
 * delayAbortEval}] }` (a lone string or object is taken as a list of one). Each comes out with
 * its place in the file, for errors found later.
 */
function thresholds(sc: SchemaContext) {
  return z.record(z.string(), z.unknown()).transform((record, ctx) => {
    const out: ParsedThreshold[] = [];
    const issue = (iss: ConfigIssue) =>
      ctx.issues.push({
        code: 'custom',
        message: iss.message,
        input: undefined,
        path: [...iss.path],
        params: { rule: iss },
      });
    for (const [key, value] of Object.entries(record)) {
      const items = Array.isArray(value) ? value : [value];
      items.forEach((item, i) => {
        const path: PathKey[] = Array.isArray(value) ? [key, i] : [key];
        const parsed = thresholdItem(sc, key, item, path, issue);
        if (parsed) out.push(parsed);
      });
    }
    return out;
  });
}

function where(sc: SchemaContext, path: IssuePath): ErrorLocation {
  const full = ['thresholds', ...path];
  return { file: sc.file, ...sc.locate(full, 'value'), path: formatPath(full) };
}

function thresholdItem(
  sc: SchemaContext,
  key: string,
  item: unknown,
  path: PathKey[],
  issue: (iss: ConfigIssue) => void,
): ParsedThreshold | undefined {
  const form = "expected an expression such as 'p(95)<500', or { threshold, abortOnFail, delayAbortEval }";
  let expr: unknown = item;
  let abortOnFail: boolean | undefined;
  let delayAbortEvalMs: number | undefined;
  let exprPath = path;
  if (isObject(item)) {
    for (const k of Object.keys(item).filter((k) => !THRESHOLD_OBJECT_KEYS.includes(k))) {
      issue(unknownKey([...path, k], k, THRESHOLD_OBJECT_KEYS));
    }
    expr = item.threshold;
    exprPath = [...path, 'threshold'];
    if (item.abortOnFail !== undefined && typeof item.abortOnFail !== 'boolean') {
      issue({
        code: 'SQ_CONFIG_INVALID',
        path: [...path, 'abortOnFail'],
        message: `abortOnFail is ${show(item.abortOnFail)}; expected true or false`,
      });
    } else {
      abortOnFail = item.abortOnFail as boolean | undefined;
    }
    if (item.delayAbortEval !== undefined) {
      delayAbortEvalMs = toDurationMs(item.delayAbortEval);
      if (delayAbortEvalMs === undefined) {
        issue({
          code: 'SQ_CONFIG_INVALID',
          path: [...path, 'delayAbortEval'],
          message: `delayAbortEval is ${show(item.delayAbortEval)}; expected a duration such as 10s`,
        });
      }
    }
  }
  if (typeof expr !== 'string') {
    issue({ code: 'SQ_THRESHOLD_SYNTAX', path: exprPath, message: `threshold is ${show(expr)}; ${form}` });
    return undefined;
  }
  try {
    const t = parseThreshold(key, expr, {
      ...(abortOnFail === undefined ? {} : { abortOnFail }),
      ...(delayAbortEvalMs === undefined ? {} : { delayAbortEvalMs }),
      where: where(sc, exprPath),
    });
    validateThresholds([t], sc.knownMetrics);
    sc.thresholdsOut?.push(t);
    return t;
  } catch (e) {
    if (!isSquallError(e)) throw e;
    // A bad metric key is the key's fault: point at it.
    const atKey = e.message.startsWith('threshold metric');
    issue({ ...issueFromError(e, atKey ? [key] : exprPath), ...(atKey ? { at: 'key' as const } : {}) });
    return undefined;
  }
}

/** Other tools' names of squall's keys, which no spelling distance finds. */
const KEY_ALIASES: Readonly<Record<string, readonly [string, string]>> = {
  beforeScenario: ['onStart', "squall's per-VU hook; Artillery's beforeScenario runs per iteration"],
  afterScenario: ['onStop', "squall's per-VU hook; Artillery's afterScenario runs per iteration"],
  on_start: ['onStart', "Locust's on_start"],
  on_stop: ['onStop', "Locust's on_stop"],
  test_start: ['before', "Locust's test_start"],
  test_stop: ['after', "Locust's test_stop"],
};

/** `unknown key 'executer' — did you mean 'executor'?` */
export function unknownKey(path: IssuePath, key: string, allowed: readonly string[]): ConfigIssue {
  const alias = KEY_ALIASES[key];
  const guess =
    alias !== undefined && allowed.includes(alias[0])
      ? `did you mean '${alias[0]}'? (${alias[1]})`
      : didYouMean(key, allowed);
  return {
    code: 'SQ_CONFIG_UNKNOWN_KEY',
    path,
    at: 'key',
    message: `unknown key '${key}'${guess ? ` — ${guess}` : ''}`,
    hint: `expected one of ${allowed.join(', ')}`,
  };
}

const SHORTCUTS = ['vus', 'duration', 'iterations', 'stages', 'rate'] as const;

/** Rules between the top-level keys: one way to give the load, and someone to run it. */
function rootRules(t: Record<string, unknown>, ctx: Ctx): void {
  const hasPreset = t.preset !== undefined;
  for (const [flowKey, fnKey] of [
    ['before', 'setup'],
    ['after', 'teardown'],
  ] as const) {
    if (t[flowKey] !== undefined && t[fnKey] !== undefined) {
      report(ctx, {
        code: 'SQ_CONFIG_INVALID',
        path: [flowKey],
        at: 'key',
        message: `the test has both '${flowKey}' and '${fnKey}'; expected one of them`,
        hint: `${flowKey}: is a flow of steps, ${fnKey}() a function; use one`,
      });
    }
  }
  const scenarios = isObject(t.scenarios) ? t.scenarios : undefined;
  const rule = (path: PathKey[], message: string, hint?: string, at: 'key' | 'value' = 'key') =>
    report(ctx, { code: 'SQ_CONFIG_INVALID', path, message, at, ...(hint ? { hint } : {}) });
  if (scenarios) {
    if (Object.keys(scenarios).length === 0)
      rule(['scenarios'], 'scenarios is empty; expected at least one scenario', undefined, 'value');
    if (t.users !== undefined) {
      rule(
        ['users'],
        "top-level 'users' are for a test without scenarios; this test has scenarios",
        'move the users into a scenario',
      );
    }
    if (!hasPreset) {
      for (const k of SHORTCUTS.filter((k) => t[k] !== undefined)) {
        rule(
          [k],
          `top-level '${k}' is a shortcut for a test without scenarios; this test has scenarios`,
          `set ${k} inside a scenario`,
        );
      }
      for (const [name, s] of Object.entries(scenarios)) {
        if (isObject(s) && s.executor === undefined) {
          rule(
            ['scenarios', name, 'executor'],
            'executor is missing; expected one of the executors, or a preset: for the test',
            undefined,
            'value',
          );
        }
      }
    }
  } else if (t.users === undefined) {
    rule(
      [],
      "the test has no users; expected 'users' (with vus/duration or a preset) or 'scenarios'",
      undefined,
      'value',
    );
  }
  if (hasPreset) {
    for (const k of ['stages', 'iterations'] as const) {
      if (t[k] !== undefined)
        rule(
          [k],
          `'${k}' does not go with a preset, which gives the shape`,
          'give the size with vus, rate and duration',
        );
    }
  } else if (t.stages !== undefined) {
    for (const k of ['duration', 'iterations', 'rate'] as const) {
      if (t[k] !== undefined)
        rule([k], `'${k}' does not go with 'stages', which give the length and the VUs`);
    }
  }
}

export function testFileSchema(sc: SchemaContext) {
  return z
    .strictObject({
      // The test's name in the history (--save), as k6's and Locust's suites name theirs.
      name: z.string().trim().min(1).optional(),
      target: baseUrl.optional(),
      defaults: z
        .strictObject({
          headers: headers.optional(),
          timeout: positiveDurationMs.optional(),
          // Redirects followed per request (k6's maxRedirects); 0 follows none.
          redirects: wholeNumber(0).optional(),
        })
        .optional(),
      preset: preset.optional(),
      // k6's option: https without certificate checks (as -k).
      insecureSkipTLSVerify: z.boolean().optional(),
      scenarios: z.record(z.string(), scenario).optional(),
      users: users.optional(),
      vus: wholeNumber(1).optional(),
      duration: durationMs.optional(),
      iterations: wholeNumber(1).optional(),
      stages: z.array(stage).min(1).optional(),
      rate: numberAbove(0).optional(),
      arrival: arrival.optional(),
      thresholds: thresholds(sc).optional(),
      regressions: regressions.optional(),
      stopConditions: stopConditions.optional(),
      discardResponseBodies: z.boolean().optional(),
      // Every request over HTTP/2 (h2c with prior knowledge for http://, ALPN h2 for https://).
      http2: z.boolean().optional(),
      // Checked and loaded by feeders.ts, which reads the files.
      feeders: z.unknown().optional(),
      setup: func.optional(),
      teardown: func.optional(),
      // Flows run once before and after the load (Artillery's before/after, k6's setup/teardown).
      before: flow.optional(),
      after: flow.optional(),
    })
    .superRefine(rootRules, always);
}

export type ParsedTestFile = z.output<ReturnType<typeof testFileSchema>>;
export type ParsedScenario = z.output<typeof scenario>;
export type ParsedUser = z.output<typeof user>;

/** What the keys that hold collections expect, for "missing" and "wrong type" messages. */
const KEY_TEXT: Readonly<Record<string, string>> = {
  users: 'a list of user types, e.g. [{ name: Reader, flow: [{ get: /health }] }]',
  tasks: 'a list of tasks, e.g. [{ name: browse, weight: 3, flow: [...] }]',
  stages: 'a list of stages, e.g. [{ duration: 30s, target: 10 }]',
  flow: 'a list of steps, e.g. [{ get: /health }]',
  before: 'a list of steps, e.g. [{ post: /login, capture: { json: $.token, as: token } }]',
  after: 'a list of steps, e.g. [{ delete: /fixtures }]',
  scenarios: 'a mapping of scenario names to scenarios',
  thresholds: "a mapping of metrics to expressions, e.g. { http_req_duration: ['p(95)<500'] }",
  regressions: "a mapping of metrics to budgets, e.g. { 'http_req_duration:p(95)': '10%' }",
  headers: 'a mapping of header names to values',
  tags: 'a mapping of tag names to values',
  defaults: 'a mapping with headers, timeout and redirects',
  stopConditions: 'a mapping with maxErrorRate, maxP99 and window',
};

const NAMED_MAPS: ReadonlySet<string> = new Set([
  'scenarios',
  'thresholds',
  'regressions',
  'headers',
  'tags',
  'feeders',
]);

const TYPE_TEXT: Readonly<Record<string, string>> = {
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/** The key an issue is about, as a message starts: `target`, `stages[1]`. */
function labelOf(path: readonly PathKey[]): string {
  const lastKey = path.findLastIndex((s) => typeof s === 'string');
  return lastKey < 0 ? 'the test' : formatPath(path.slice(lastKey));
}

type ZodIssue = z.core.$ZodIssue & { input?: unknown; params?: Partial<LeafParams & RuleParams> };

function convert(iss: ZodIssue, allowedAt: ReadonlyMap<string, readonly string[]>): ConfigIssue[] {
  const path = iss.path as PathKey[];
  const label = labelOf(path);
  const base = (code: ErrorCode, message: string, hint?: string): ConfigIssue => ({
    code,
    path,
    message,
    ...(hint ? { hint } : {}),
  });
  if (iss.code === 'custom' && iss.params?.rule) {
    return [{ ...iss.params.rule, path: [...path] }];
  }
  if (iss.code === 'custom' && iss.params?.leaf) {
    const { leaf, missing } = iss.params as LeafParams;
    const message =
      leaf.message ??
      (missing
        ? `${label} is missing; expected ${leaf.expected}`
        : `${label} is ${show(iss.input)}; expected ${leaf.expected}`);
    return [base(leaf.code ?? 'SQ_CONFIG_INVALID', message, leaf.hint)];
  }
  switch (iss.code) {
    case 'unrecognized_keys': {
      const allowed = allowedAt.get(JSON.stringify(path)) ?? [];
      return iss.keys.map((k) => unknownKey([...path, k], k, allowed));
    }
    case 'invalid_type': {
      const last = path[path.length - 1];
      // Under a mapping of names (`scenarios.users`), the key is a name the user chose.
      const named = NAMED_MAPS.has(String(path[path.length - 2]));
      const described = typeof last === 'string' && !named ? KEY_TEXT[last] : undefined;
      const expected = described ?? TYPE_TEXT[iss.expected] ?? iss.expected;
      if (path.length === 0) {
        return [
          base(
            'SQ_CONFIG_INVALID',
            `the test is ${show(iss.input)}; expected a mapping with keys such as target, scenarios, users, thresholds`,
          ),
        ];
      }
      if (iss.input === undefined)
        return [base('SQ_CONFIG_INVALID', `${label} is missing; expected ${expected}`)];
      return [base('SQ_CONFIG_INVALID', `${label} is ${show(iss.input)}; expected ${expected}`)];
    }
    case 'too_small':
      return [base('SQ_CONFIG_INVALID', `${label} is empty; expected at least ${iss.minimum}`)];
    default:
      return [base('SQ_CONFIG_INVALID', `${label}: ${iss.message}`)];
  }
}

/**
 * Validates and resolves a test file's data. Returns the parsed file, or every issue found (the
 * caller adds locations and throws).
 */
export function parseTestFile(
  data: unknown,
  sc: SchemaContext,
): { value: ParsedTestFile; issues: [] } | { value: undefined; issues: ConfigIssue[] } {
  // zod reports an unknown key on its object; remember each object's keys for the suggestion.
  const allowedAt = new Map<string, readonly string[]>();
  const result = testFileSchema(sc).safeParse(data, {
    reportInput: true,
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        const shape =
          (iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape ?? {};
        allowedAt.set(JSON.stringify(iss.path ?? []), Object.keys(shape));
      }
      return undefined;
    },
  });
  if (result.success) return { value: result.data, issues: [] };
  return { value: undefined, issues: result.error.issues.flatMap((i) => convert(i as ZodIssue, allowedAt)) };
}
