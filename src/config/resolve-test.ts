import { dirname } from 'node:path';
import type {
  ExecutorPlan,
  ScenarioPlan,
  Stage,
  StopConditions,
  TaskPlan,
  TestPlan,
  UserTypePlan,
} from '../engine/plan.js';
import { badFlag, isSquallError, SquallError } from '../errors/index.js';
import {
  type ConfigIssue,
  formatPath,
  type IssuePath,
  isConfigError,
  issueFromError,
  type PathSegment,
  throwIfIssues,
} from '../errors/issues.js';
import { type Feeder, loadFeeders } from '../feeders/feeders.js';
import { compileFlow, envNamesIn, type FlowNames, type Step } from '../flow/flow.js';
import type { RequestFacts } from '../flow/flow-request.js';
import { parseKeyPath } from '../flow/flow-shape.js';
import { customMetrics } from '../metrics/custom.js';
import { LLM_METRIC_KINDS } from '../metrics/llm-completion.js';
import { BUILTIN_METRICS } from '../result/builtin-metrics.js';
import { GENERATOR_METRICS, TARGET_METRICS } from '../result/monitor-metrics.js';
import type { PresetName } from '../script-api/test-definition.js';
import type { FlowFn } from '../script-api/vu-context.js';
import {
  type MetricKind,
  type ParsedThreshold,
  parseThreshold,
  parseThresholdFlag,
  validateThresholds,
} from '../thresholds/index.js';
import { STREAM_METRICS } from '../transports/http/stream-reader.js';
import { WS_METRICS } from '../transports/ws/ws-metrics.js';
import { redactUrl } from '../util/redact.js';
import { requestUrlTag } from '../util/url-tag.js';
import { readCaFile } from './ca-file.js';
import { metricsInSources as sourceMetrics } from './declared-metrics.js';
import { definedEnv, substituteEnv } from './env.js';
import { executorDurationMs, isExecutorName, SCENARIO_COMMON, toExecutorPlan } from './executors.js';
import { type LoadedTestFile, loadTestFile } from './load-test-file.js';
import {
  parseDurationFlag,
  parseEnvFlag,
  parsePositiveInt,
  parsePositiveNumber,
  parseStageFlag,
  parseTagFlag,
  parseTargetUrl,
} from './parse-flags.js';
import {
  DEFAULT_STOP_CONDITIONS,
  expandPreset,
  isPresetName,
  PRESETS,
  unknownPresetMessage,
} from './presets.js';
import { DEFAULT_TIMEOUT_MS } from './quick.js';
import { resultConfig } from './result-config.js';
import {
  DEFAULT_MAX_DURATION_MS,
  fitTimeline,
  hasSizes,
  openModelVUs,
  type Sizes,
  scaleExecutor,
  stretchStages,
} from './scale.js';
import { type ParsedScenario, type ParsedTestFile, type ParsedUser, parseTestFile } from './schema.js';
import { type TagScope, thresholdTagIssues } from './threshold-scope.js';

/** Redirects `run` follows per request unless told otherwise: k6's maxRedirects. */
const DEFAULT_REDIRECTS = 10;

/**
 * `squall run`'s configuration pipeline (STYLE.md, "Config validation conventions"):
 * flags → load the file → env substitution → schema and rules (every issue at once) → presets,
 * shortcuts and size flags → flows compiled → a deep-frozen TestPlan. A flag always overrides
 * the file.
 */

/** The flags of `squall run` that shape the plan, as the CLI parser hands them over (unvalidated). */
export interface RunFlags {
  vus?: string;
  duration?: string;
  iterations?: string;
  rate?: string;
  preset?: string;
  host?: string;
  /** `-e K=V`, repeatable. */
  env?: string[];
  /** `--threshold 'METRIC:EXPR'`, repeatable; added to the file's. */
  threshold?: string[];
  timeout?: string;
  /** `-k, --insecure`: as the file's insecureSkipTLSVerify. */
  insecure?: boolean;
  /** `--cacert FILE`. */
  cacert?: string;
  /** `-s DURATION:TARGET`, repeatable (k6's stages). */
  stage?: string[];
  /** `--tag NAME=VALUE`, repeatable: on every sample. */
  tag?: string[];
}

export interface ResolveOptions {
  /** Where a relative test-file path starts; default process.cwd(). */
  cwd?: string;
  /**
   * Custom metrics the test declared, called once the file has loaded (so metrics a module
   * creates at its top level are there). Default: the process-wide registry of metrics/custom.ts.
   * Built-in metrics are always known.
   */
  customMetrics?: () => ReadonlyMap<string, MetricKind>;
  /** False when no process is monitored: thresholds on the target's figures are refused with the rest. */
  monitored?: boolean;
  /** The test already loaded (a definition object given to run() from code): no file is read. */
  loaded?: LoadedTestFile;
}

interface ParsedFlags {
  sizes: Sizes;
  preset: PresetName | undefined;
  host: string | undefined;
  env: Record<string, string>;
  thresholds: ParsedThreshold[];
  timeoutMs: number | undefined;
  insecure: boolean;
  /** The PEM text of --cacert, and its path. */
  ca: { pem: string; file: string } | undefined;
  stages: Stage[] | undefined;
  tags: Record<string, string>;
}

const MAX_VUS = 1_000_000;

function parseRunFlags(f: RunFlags): ParsedFlags {
  const sizes: Sizes = {};
  if (f.vus !== undefined) sizes.vus = parsePositiveInt('--vus', f.vus, MAX_VUS);
  if (f.duration !== undefined) sizes.durationMs = parseDurationFlag('--duration', f.duration);
  if (f.iterations !== undefined) sizes.iterations = parsePositiveInt('--iterations', f.iterations);
  if (f.rate !== undefined)
    sizes.ratePerSec = parsePositiveNumber('--rate', f.rate, 'iterations started per second');
  if (f.preset !== undefined && !isPresetName(f.preset))
    throw badFlag('--preset', unknownPresetMessage(f.preset));
  const env = Object.fromEntries((f.env ?? []).map(parseEnvFlag));
  const thresholds = (f.threshold ?? []).map((text) => {
    const { key, expr } = parseThresholdFlag(text);
    return parseThreshold(key, expr, { where: { flag: '--threshold' } });
  });
  return {
    sizes,
    preset: f.preset as PresetName | undefined,
    host: f.host === undefined ? undefined : parseTargetUrl('--host', f.host.trim()) && f.host.trim(),
    env,
    thresholds,
    timeoutMs: f.timeout === undefined ? undefined : parseDurationFlag('--timeout', f.timeout),
    insecure: f.insecure === true,
    ca: f.cacert === undefined ? undefined : { pem: readCaFile('--cacert', f.cacert), file: f.cacert },
    stages: f.stage === undefined || f.stage.length === 0 ? undefined : f.stage.map(parseStageFlag),
    tags: Object.fromEntries((f.tag ?? []).map(parseTagFlag)),
  };
}

/** `--host`, then SQUALL_HOST, then LOAD_TEST_HOST, then the file's target (DESIGN.md). */
function resolveTarget(flags: ParsedFlags, env: Readonly<Record<string, string>>, fileTarget?: string) {
  if (flags.host !== undefined) return flags.host;
  for (const name of ['SQUALL_HOST', 'LOAD_TEST_HOST']) {
    const value = env[name]?.trim();
    if (!value) continue;
    try {
      parseTargetUrl(name, value);
    } catch {
      throw new SquallError(
        'SQ_CONFIG_INVALID',
        `env ${name}="${value}" is not a base URL; expected an absolute http:// or https:// URL, such as http://127.0.0.1:5110`,
        { hint: `fix or unset ${name}; it overrides the test file's target` },
      );
    }
    return value;
  }
  return fileTarget;
}

const HTTP_METHOD_KEYS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/** Relative URLs in flow steps (also nested ones, in loops), when there is no base URL for them. */
function relativeUrls(node: unknown, path: PathSegment[], out: ConfigIssue[]): void {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) relativeUrls(item, [...path, i], out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    const url = typeof v === 'string' ? v : (v as { url?: unknown } | null)?.url;
    if (HTTP_METHOD_KEYS.has(k) && typeof url === 'string' && !/^https?:\/\//i.test(url)) {
      out.push({
        code: 'SQ_CONFIG_NO_TARGET',
        path: [...path, k],
        message: `'${url}' is a relative URL, and the test has no target to resolve it against`,
        hint: 'set target: in the file, pass --host, or set SQUALL_HOST',
      });
    } else if (typeof v === 'object') {
      relativeUrls(v, [...path, k], out);
    }
  }
}

interface BuildContext {
  file: string;
  env: Readonly<Record<string, string>>;
  target: string | undefined;
  feeders: Record<string, Feeder>;
  issues: ConfigIssue[];
  /** What the compiled flows' requests are named and tagged (for thresholds' tag filters). */
  facts: RequestFacts;
  /** What the before: flow captures: read-only in every other flow. */
  shared?: string[];
}

const unreachable: FlowFn = () => {
  throw new Error('this flow did not compile');
};

/**
 * A SquallError from a part that reads the file (the flow compiler, feeders) as issues. Its
 * locations carry a key path but no line, so they become paths for this file's locator.
 */
function issuesFromError(e: SquallError, fallback: IssuePath): ConfigIssue[] {
  const list = isConfigError(e) ? e.issues : [{ ...issueFromError(e, fallback), where: e.where }];
  return list.map(({ where, ...iss }) => {
    // A single error's own key path (`feeders.users.file`) is more precise than the fallback.
    const path = !isConfigError(e) && where?.path ? parseKeyPath(where.path) : iss.path;
    return where?.line ? { ...iss, path, where } : { ...iss, path };
  });
}

function compile(steps: Step[], path: IssuePath, ctx: BuildContext, names: FlowNames = {}): FlowFn {
  const before = ctx.issues.length;
  if (ctx.target === undefined) relativeUrls(steps, [...path], ctx.issues);
  // Refuse an unset env variable now rather than fail every iteration on it.
  for (const name of envNamesIn(steps).filter((n) => ctx.env[n] === undefined)) {
    ctx.issues.push({
      code: 'SQ_CONFIG_MISSING_ENV',
      path,
      message: `the flow reads \${env.${name}}, which is not set`,
      hint: `pass -e ${name}=… or set ${name} in the environment, or give a default: \${env.${name}:-value}`,
    });
  }
  try {
    const run = compileFlow(steps, { file: ctx.file, path: formatPath(path) }, ctx.feeders, ctx.facts, {
      shared: ctx.shared,
      ...names,
    });
    return ctx.issues.length > before ? unreachable : run;
  } catch (e) {
    if (!isSquallError(e)) throw e;
    ctx.issues.push(...issuesFromError(e, path));
    ctx.facts.incomplete = true;
    return unreachable;
  }
}

function loadFileFeeders(
  raw: unknown,
  absPath: string,
  file: string,
  issues: ConfigIssue[],
): Record<string, Feeder> {
  const problems: SquallError[] = [];
  try {
    return loadFeeders(raw, dirname(absPath), { file, path: 'feeders' }, problems);
  } catch (e) {
    if (!isSquallError(e)) throw e;
    problems.push(e);
    return {};
  } finally {
    for (const e of problems) issues.push(...issuesFromError(e, ['feeders']));
  }
}

function buildUsers(users: readonly ParsedUser[], base: IssuePath, ctx: BuildContext): UserTypePlan[] {
  return users.map((u, i) => {
    const at = [...base, i];
    // onStart's captures last for the VU's iterations (and its onStop): their flows know them.
    const captured: string[] = [];
    const onStart = hookFn(u.onStart, [...at, 'onStart'], ctx, { capturesOut: captured });
    const names: FlowNames = { captured, capturesOut: [] };
    let tasks: TaskPlan[];
    if (u.tasks) {
      tasks = u.tasks.map((t, j) => ({
        name: t.name,
        weight: t.weight ?? 1,
        run: t.run ? (t.run as FlowFn) : compile(t.flow as Step[], [...at, 'tasks', j, 'flow'], ctx, names),
      }));
    } else {
      const run = u.run ? (u.run as FlowFn) : compile(u.flow as Step[], [...at, 'flow'], ctx, names);
      tasks = [{ name: u.name, weight: 1, run }];
    }
    const onStop = hookFn(u.onStop, [...at, 'onStop'], ctx, {
      captured: [...captured, ...(names.capturesOut ?? [])],
    });
    return {
      name: u.name,
      weight: u.weight ?? 1,
      think: u.think ?? { kind: 'none' },
      tasks,
      ...(onStart ? { onStart } : {}),
      ...(onStop ? { onStop } : {}),
    };
  });
}

/** A hook as given: a function (TypeScript) as it is, steps compiled. */
function hookFn(
  // biome-ignore lint/complexity/noBannedTypes: the user's function, any shape.
  hook: Function | Step[] | undefined,
  path: IssuePath,
  ctx: BuildContext,
  names: FlowNames,
): FlowFn | undefined {
  if (hook === undefined) return undefined;
  if (typeof hook === 'function') return hook as FlowFn;
  return compile(hook, path, ctx, names);
}

/**
 * A YAML test's before: as setup (what it captures becomes the run's data, which every flow
 * reads its shared names from) and after: as teardown. `ctx.shared` is set for the flows after.
 */
function buildTestHooks(
  t: Pick<ParsedTestFile, 'before' | 'after'>,
  ctx: BuildContext,
): Pick<TestPlan, 'setup' | 'teardown'> {
  const shared: string[] = [];
  let setup: TestPlan['setup'];
  if (t.before !== undefined) {
    const before = compile(t.before as Step[], ['before'], ctx, { capturesOut: shared });
    setup = async (vu) => {
      await before(vu);
      return Object.fromEntries(shared.map((name) => [name, vu.vu.state[name]]));
    };
  }
  ctx.shared = shared;
  const teardown: TestPlan['teardown'] =
    t.after === undefined ? undefined : compile(t.after as Step[], ['after'], ctx);
  return { setup, teardown };
}

/** The file's shortcuts (and the flags' sizes over them) as one executor, with k6's precedence. */
function fromShortcuts(
  s: Sizes & { stages?: ParsedTestFile['stages'] },
  arrival: 'even' | 'poisson',
): ExecutorPlan | undefined {
  if (s.ratePerSec !== undefined) {
    // Iterations at a rate set the length (resolve refuses --duration beside both flags).
    const durationMs =
      s.iterations === undefined
        ? s.durationMs
        : Math.max(1, Math.round((s.iterations / s.ratePerSec) * 1000));
    if (durationMs === undefined) return undefined;
    const rate = s.ratePerSec;
    return {
      type: 'constant-arrival-rate',
      rate,
      timeUnitMs: 1000,
      durationMs,
      ...openModelVUs(rate, s.vus),
      arrival,
    };
  }
  if (s.iterations !== undefined) {
    return {
      type: 'shared-iterations',
      vus: s.vus ?? 1,
      iterations: s.iterations,
      maxDurationMs: s.durationMs ?? DEFAULT_MAX_DURATION_MS,
    };
  }
  if (s.stages !== undefined) {
    return { type: 'ramping-vus', startVUs: s.vus ?? 1, stages: s.stages, gracefulRampDownMs: 30_000 };
  }
  if (s.durationMs !== undefined) return { type: 'constant-vus', vus: s.vus ?? 1, durationMs: s.durationMs };
  // k6's default: one VU, one iteration.
  return {
    type: 'per-vu-iterations',
    vus: s.vus ?? 1,
    iterations: 1,
    maxDurationMs: DEFAULT_MAX_DURATION_MS,
  };
}

/** What a plan can't do whatever its origin (a flag may have made it so). */
function planProblem(p: ExecutorPlan): string | undefined {
  if (p.type === 'shared-iterations' && p.iterations < p.vus) {
    return `${p.iterations} iterations shared by ${p.vus} VUs leaves some VUs without an iteration; give at least as many iterations as VUs`;
  }
  return undefined;
}

function fileSizes(t: ParsedTestFile): Sizes {
  return { vus: t.vus, durationMs: t.duration, iterations: t.iterations, ratePerSec: t.rate };
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function scenarioPlan(
  name: string,
  executor: ExecutorPlan,
  users: UserTypePlan[],
  s?: Pick<ParsedScenario, 'startTime' | 'gracefulStop' | 'tags'>,
): ScenarioPlan {
  return {
    name,
    executor,
    startTimeMs: s?.startTime ?? SCENARIO_COMMON.startTime,
    gracefulStopMs: s?.gracefulStop ?? SCENARIO_COMMON.gracefulStop,
    users,
    tags: s?.tags ?? {},
  };
}

function buildScenarios(
  t: ParsedTestFile,
  flags: ParsedFlags,
  preset: PresetName | undefined,
  ctx: BuildContext,
) {
  const arrival = t.arrival ?? 'even';
  const flagSizes = flags.sizes;
  const scenarios = Object.entries(t.scenarios ?? {});
  if (flags.stages !== undefined) return stagedScenarios(t, flags, preset, ctx);
  if (preset !== undefined) {
    if (flagSizes.iterations !== undefined) {
      throw badFlag(
        '--iterations',
        `--iterations does not go with the preset '${preset}', which is shaped in time`,
        'size a preset with --vus, --rate and --duration',
      );
    }
    const sizes = { ...defined({ ...fileSizes(t), iterations: undefined }), ...defined(flagSizes) };
    const executor = expandPreset(preset, sizes, arrival);
    if (scenarios.length === 0)
      return [scenarioPlan(preset, executor, buildUsers(t.users ?? [], ['users'], ctx))];
    return scenarios.map(([name, s]) =>
      scenarioPlan(name, executor, buildUsers(s.users, ['scenarios', name, 'users'], ctx), s),
    );
  }
  // N iterations at R/s last N/R seconds: a --duration beside them could only be ignored.
  const complete = t.duration !== undefined || t.iterations !== undefined || t.stages !== undefined;
  const rateGiven = flagSizes.ratePerSec ?? (complete ? undefined : t.rate);
  if (flagSizes.iterations !== undefined && flagSizes.durationMs !== undefined && rateGiven !== undefined) {
    throw badFlag(
      '--duration',
      `--iterations ${flagSizes.iterations} at ${rateGiven}/s already sets the length (the time to start ${flagSizes.iterations} iterations at that rate), so --duration cannot set it too`,
      'give --iterations N --rate R (N iterations at R/s), or --rate R --duration D (R/s for D)',
    );
  }
  const origin = hasSizes(flagSizes) ? 'flags' : undefined;
  /** The flags' sizes applied (when `scale`), then what no plan may be, blamed on a flag or the file. */
  const sized = (p: ExecutorPlan, scale: boolean, filePath: IssuePath, sizes = flagSizes): ExecutorPlan => {
    const out = scale && origin ? scaleExecutor(p, sizes) : p;
    const problem = planProblem(out);
    if (problem && origin)
      throw badFlag(flagSizes.iterations === undefined ? '--vus' : '--iterations', problem);
    if (problem) ctx.issues.push({ code: 'SQ_CONFIG_INVALID', path: filePath, message: problem });
    return out;
  };
  if (scenarios.length > 0) {
    const bases = scenarios.map(([, s]) =>
      toExecutorPlan({ ...s, executor: isExecutorName(s.executor) ? s.executor : 'constant-vus' }),
    );
    // --duration caps the whole test: with start times, the timeline shrinks (or grows) to it.
    const D = flagSizes.durationMs;
    const fitted =
      D !== undefined &&
      flagSizes.iterations === undefined &&
      scenarios.some(([, s]) => (s.startTime ?? 0) > 0)
        ? fitTimeline(
            scenarios.map(([, s], i) => ({
              startTimeMs: s.startTime ?? 0,
              lengthMs: executorDurationMs(bases[i]!),
            })),
            D,
          )
        : undefined;
    return scenarios.map(([name, s], i) => {
      const fit = fitted?.[i];
      const sizes = fit === undefined ? flagSizes : { ...flagSizes, durationMs: fit.lengthMs };
      const executor = sized(bases[i]!, true, ['scenarios', name, 'iterations'], sizes);
      const plan = scenarioPlan(name, executor, buildUsers(s.users, ['scenarios', name, 'users'], ctx), s);
      return fit === undefined ? plan : { ...plan, startTimeMs: fit.startTimeMs };
    });
  }
  // Shortcuts. A file whose shortcuts make a whole executor keeps its shape and takes the flags
  // as its size; otherwise (nothing, or only vus/rate) the flags complete the shortcuts.
  const sizes = complete ? fileSizes(t) : { ...defined(fileSizes(t)), ...defined(flagSizes) };
  const base = fromShortcuts({ ...sizes, stages: t.stages }, arrival);
  if (base === undefined) {
    if (flagSizes.ratePerSec !== undefined) {
      throw badFlag(
        '--rate',
        '--rate needs a length: add --duration (e.g. 30s) or --iterations',
        'or give duration: in the test file',
      );
    }
    ctx.issues.push({
      code: 'SQ_CONFIG_INVALID',
      path: ['rate'],
      at: 'key',
      message: "'rate' needs a length; expected duration (or iterations) beside it",
    });
    return [];
  }
  const executor = sized(base, complete, ['iterations']);
  return [scenarioPlan('default', executor, buildUsers(t.users ?? [], ['users'], ctx))];
}

/**
 * `-s DURATION:TARGET` (k6's --stage): every scenario (or the file's one) becomes a ramp of VUs
 * through these stages, from --vus (k6's meaning with stages) or 1; --duration stretches them.
 */
function stagedScenarios(
  t: ParsedTestFile,
  flags: ParsedFlags,
  preset: PresetName | undefined,
  ctx: BuildContext,
): ScenarioPlan[] {
  const s = flags.sizes;
  const clash =
    preset !== undefined
      ? '--preset'
      : s.iterations !== undefined
        ? '--iterations'
        : s.ratePerSec !== undefined
          ? '--rate'
          : undefined;
  if (clash !== undefined) {
    throw badFlag(
      '--stage',
      `--stage does not go with ${clash}: the stages give the load's shape and length`,
      'give stages alone (and --duration to stretch them), or drop --stage',
    );
  }
  const stages = s.durationMs === undefined ? flags.stages! : stretchStages(flags.stages!, s.durationMs);
  const executor: ExecutorPlan = {
    type: 'ramping-vus',
    startVUs: s.vus ?? 1,
    stages,
    gracefulRampDownMs: 30_000,
  };
  const scenarios = Object.entries(t.scenarios ?? {});
  if (scenarios.length === 0)
    return [scenarioPlan('default', executor, buildUsers(t.users ?? [], ['users'], ctx))];
  return scenarios.map(([name, sc]) =>
    scenarioPlan(name, executor, buildUsers(sc.users, ['scenarios', name, 'users'], ctx), sc),
  );
}

function stopConditionsOf(t: ParsedTestFile, preset: PresetName | undefined): StopConditions | undefined {
  const sc = t.stopConditions;
  if (sc === undefined && !(preset !== undefined && PRESETS[preset].stopsAtBreakingPoint)) return undefined;
  return {
    maxErrorRate: sc?.maxErrorRate ?? DEFAULT_STOP_CONDITIONS.maxErrorRate,
    maxP99Ms: sc?.maxP99 ?? DEFAULT_STOP_CONDITIONS.maxP99Ms,
    windowMs: sc?.window ?? DEFAULT_STOP_CONDITIONS.windowMs,
  };
}

/** Custom metrics a test declared while it loaded (`new Counter('orders')` at its top level). */
function declaredMetrics(): ReadonlyMap<string, MetricKind> {
  return new Map(customMetrics().map((m) => [m.name, m.kind]));
}

function knownMetrics(options: ResolveOptions, loaded: LoadedTestFile): ReadonlyMap<string, MetricKind> {
  const custom = (options.customMetrics ?? declaredMetrics)();
  return new Map<string, MetricKind>([
    ...Object.entries(BUILTIN_METRICS),
    // The monitor's figures (`--monitor-pid/--monitor-cmd`, and squall's own health).
    ...TARGET_METRICS,
    ...GENERATOR_METRICS,
    // Declared on a run's first WebSocket connect (transports/ws/ws-metrics.ts).
    ...Object.entries(WS_METRICS),
    // Recorded by requests read as a stream (declared on the first such request).
    ...STREAM_METRICS,
    // Recorded by requests read as LLM completions (the request option llm, squall llm).
    ...LLM_METRIC_KINDS,
    // A script may create a metric later (in setup, or on first use in a flow).
    ...(loaded.format === 'module' ? sourceMetrics(loaded.absPath) : []),
    ...custom,
  ]);
}

/** The --threshold flags that name a known metric; the others become issues. */
function flagThresholds(
  list: ParsedThreshold[],
  known: ReadonlyMap<string, MetricKind>,
  issues: ConfigIssue[],
): ParsedThreshold[] {
  return list.filter((t) => {
    try {
      validateThresholds([t], known);
      return true;
    } catch (e) {
      if (!isSquallError(e)) throw e;
      issues.push({ ...issueFromError(e, []), where: e.where ?? { flag: '--threshold' } });
      return false;
    }
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function startsWith(path: IssuePath, prefix: IssuePath): boolean {
  return prefix.every((seg, i) => path[i] === seg);
}

function newFacts(): RequestFacts {
  return { names: [], methods: new Set(), tagKeys: new Set(), urls: [] };
}

/** What the test's samples can carry, from its scenarios, user types and compiled flows. */
function tagScope(
  scenarios: readonly string[],
  users: readonly string[],
  scenarioTagKeys: Iterable<string>,
  facts: RequestFacts,
  env: Readonly<Record<string, string>>,
  hasCode: boolean,
  target: string | undefined,
): TagScope {
  // Code, or a flow that did not compile, may name and tag requests we have not seen.
  if (hasCode || facts.incomplete)
    return { scenarios, users, requestNames: null, methods: null, extraTagKeys: null, urls: null };
  const urls = facts.urls.map((u) => requestUrlTag(u, target));
  return {
    scenarios,
    users,
    requestNames: new Set(facts.names.map((name) => name(env))),
    methods: facts.methods,
    extraTagKeys: new Set([...scenarioTagKeys, ...facts.tagKeys]),
    urls:
      facts.urlsUnknown || urls.includes(undefined) ? null : new Set(urls.map((u) => redactUrl(u as string))),
  };
}

/**
 * When the schema refused the file there is no parsed test to build, but the later checks can
 * still run on what was written, so every problem shows in one report (issue 10, item 13): the
 * feeders, each flow the schema found no fault in, and the thresholds' tag filters.
 */
function checkRawTest(
  data: unknown,
  flags: ParsedFlags,
  env: Readonly<Record<string, string>>,
  loaded: LoadedTestFile,
  file: string,
  issues: ConfigIssue[],
  thresholds: readonly ParsedThreshold[],
): void {
  if (!isObject(data)) return;
  const schemaIssues = [...issues];
  const feeders = loadFileFeeders(data.feeders, loaded.absPath, file, issues);
  const rawTarget = data.target === undefined ? undefined : String(data.target);
  const facts = newFacts();
  const ctx: BuildContext = {
    file,
    env,
    target: resolveTarget(flags, env, rawTarget),
    feeders,
    issues,
    facts,
  };
  const lists: Array<[unknown, PathSegment[]]> = [[data.users, ['users']]];
  const scenarios = isObject(data.scenarios) ? Object.entries(data.scenarios) : [];
  const scenarioTagKeys: string[] = [];
  for (const [name, sc] of scenarios) {
    if (!isObject(sc)) continue;
    lists.push([sc.users, ['scenarios', name, 'users']]);
    if (isObject(sc.tags)) scenarioTagKeys.push(...Object.keys(sc.tags));
  }
  const users: string[] = [];
  let unknown = typeof data.setup === 'function' || typeof data.teardown === 'function';
  const compileRaw = (flow: unknown, path: PathSegment[], names?: FlowNames) => {
    if (typeof flow === 'function') unknown = true;
    if (!Array.isArray(flow)) return;
    // A flow the schema already faulted would repeat its problem, and its names are not known.
    if (schemaIssues.some((iss) => startsWith(iss.path, path))) unknown = true;
    else compile(flow as Step[], path, ctx, names);
  };
  const shared: string[] = [];
  compileRaw(data.before, ['before'], { capturesOut: shared });
  ctx.shared = shared;
  compileRaw(data.after, ['after']);
  for (const [list, base] of lists) {
    if (!Array.isArray(list)) continue;
    list.forEach((u, i) => {
      if (!isObject(u)) return;
      if (typeof u.name === 'string') users.push(u.name);
      const captured: string[] = [];
      compileRaw(u.onStart, [...base, i, 'onStart'], { capturesOut: captured });
      const names: FlowNames = { captured, capturesOut: [] };
      compileRaw(u.run, [...base, i, 'run']);
      compileRaw(u.flow, [...base, i, 'flow'], names);
      if (Array.isArray(u.tasks)) {
        u.tasks.forEach((t, j) => {
          if (!isObject(t)) return;
          compileRaw(t.run, [...base, i, 'tasks', j, 'run']);
          compileRaw(t.flow, [...base, i, 'tasks', j, 'flow'], names);
        });
      }
      compileRaw(u.onStop, [...base, i, 'onStop'], {
        captured: [...captured, ...(names.capturesOut ?? [])],
      });
    });
  }
  const preset = flags.preset ?? (typeof data.preset === 'string' ? data.preset : undefined);
  const hookNames = [
    ...(data.before !== undefined || data.setup !== undefined ? ['(before)'] : []),
    ...(data.after !== undefined || data.teardown !== undefined ? ['(after)'] : []),
  ];
  const scenarioNames = [
    ...(scenarios.length > 0 ? scenarios.map(([n]) => n) : [preset ?? 'default']),
    ...hookNames,
  ];
  const scope = tagScope(
    scenarioNames,
    [...users, ...hookNames],
    scenarioTagKeys,
    facts,
    env,
    unknown,
    ctx.target,
  );
  issues.push(...thresholdTagIssues(thresholds, scope));
}

/** Thresholds on the target process's figures when no process is watched. */
function unmonitoredIssues(
  thresholds: readonly ParsedThreshold[],
  monitored: boolean | undefined,
): ConfigIssue[] {
  if (monitored !== false) return [];
  return thresholds
    .filter((t) => t.metric.startsWith('target_'))
    .map((t) => ({
      code: 'SQ_USAGE_BAD_FLAG' as const,
      path: t.where?.path ? parseKeyPath(t.where.path) : [],
      message: `threshold "${t.key}" is on the target process, but no process is monitored`,
      hint: "add --monitor-pid PID or --monitor-cmd 'COMMAND'",
      where: t.where ?? { flag: '--threshold' },
    }));
}

/** Freezes plain objects and arrays all the way down; functions (the user's) are left alone. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}

/**
 * The validated plan of `squall run FILE`. Throws SquallError (exit 2) for a bad flag, a file that
 * does not load, or a test with problems (a ConfigError listing all of them, in file order).
 */
export async function resolveTest(
  file: string,
  flags: RunFlags,
  processEnv: Readonly<Record<string, string | undefined>>,
  options: ResolveOptions = {},
): Promise<TestPlan> {
  const f = parseRunFlags(flags);
  const env: Readonly<Record<string, string>> = Object.freeze({ ...definedEnv(processEnv), ...f.env });
  const loaded: LoadedTestFile = options.loaded ?? (await loadTestFile(file, options.cwd));
  const known = knownMetrics(options, loaded);
  const issues: ConfigIssue[] = [];
  const data = loaded.format === 'module' ? loaded.data : substituteEnv(loaded.data, env, issues);
  const fileThresholds: ParsedThreshold[] = [];
  const parsed = parseTestFile(data, {
    file,
    locate: loaded.locate,
    knownMetrics: known,
    thresholdsOut: fileThresholds,
  });
  issues.push(...parsed.issues);
  const fromFlags = flagThresholds(f.thresholds, known, issues);
  issues.push(...unmonitoredIssues([...fileThresholds, ...fromFlags], options.monitored));
  if (parsed.value === undefined) {
    checkRawTest(data, f, env, loaded, file, issues, [...fileThresholds, ...fromFlags]);
    throwIfIssues(issues, file, loaded.locate, data);
  }
  const t = parsed.value!;

  const preset = f.preset ?? (t.preset as PresetName | undefined);
  const target = resolveTarget(f, env, t.target);
  const feeders = loadFileFeeders(t.feeders, loaded.absPath, file, issues);
  const ctx: BuildContext = { file, env, target, feeders, issues, facts: newFacts() };
  const flowHooks = buildTestHooks(t, ctx);
  // --tag: on every sample; a scenario's own tag of that name wins, as k6's scenario tags do.
  const scenarios = buildScenarios(t, f, preset, ctx).map((s) => ({ ...s, tags: { ...f.tags, ...s.tags } }));
  const thresholds = [...(t.thresholds ?? []), ...fromFlags];
  const userTypes = scenarios.flatMap((s) => s.users);
  const hasCode =
    t.setup !== undefined ||
    t.teardown !== undefined ||
    [...(t.users ?? []), ...Object.values(t.scenarios ?? {}).flatMap((s) => s.users)].some(
      (u) =>
        u.run !== undefined ||
        typeof u.onStart === 'function' ||
        typeof u.onStop === 'function' ||
        (u.tasks ?? []).some((task) => task.run !== undefined),
    );
  const setup = t.setup ? (t.setup as TestPlan['setup']) : flowHooks.setup;
  const teardown = t.teardown ? (t.teardown as TestPlan['teardown']) : flowHooks.teardown;
  // setup's and teardown's requests are scenario and user `(before)` and `(after)`.
  const hookNames = [...(setup ? ['(before)'] : []), ...(teardown ? ['(after)'] : [])];
  const scope = tagScope(
    [...scenarios.map((s) => s.name), ...hookNames],
    [...new Set(userTypes.map((u) => u.name)), ...hookNames],
    scenarios.flatMap((s) => Object.keys(s.tags)),
    ctx.facts,
    env,
    hasCode,
    target,
  );
  issues.push(...thresholdTagIssues(thresholds, scope));
  throwIfIssues(issues, file, loaded.locate, data);

  const plan: Omit<TestPlan, 'config'> = {
    file,
    target,
    env,
    defaults: {
      headers: t.defaults?.headers ?? {},
      timeoutMs: f.timeoutMs ?? t.defaults?.timeout ?? DEFAULT_TIMEOUT_MS,
      redirects: t.defaults?.redirects ?? DEFAULT_REDIRECTS,
    },
    tls: {
      insecure: f.insecure || t.insecureSkipTLSVerify === true,
      ...(f.ca === undefined ? {} : { ca: f.ca.pem, caFile: f.ca.file }),
    },
    scenarios,
    thresholds,
    preset,
    stopConditions: stopConditionsOf(t, preset),
    discardResponseBodies: t.discardResponseBodies === true,
    ...(t.http2 === true ? { http2: true } : {}),
    setup,
    teardown,
    ...(t.before !== undefined || t.after !== undefined ? { hookStyle: 'flow' as const } : {}),
  };
  const config = resultConfig(plan, {
    format: loaded.k6Style ? 'module (k6 style)' : loaded.format,
    envFlags: Object.keys(f.env),
    monitorSuggested: preset !== undefined && PRESETS[preset].monitor,
    regressions: t.regressions,
    name: t.name,
  });
  return deepFreeze({ ...plan, config });
}
