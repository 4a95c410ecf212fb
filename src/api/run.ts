import { resolve } from 'node:path';
import {
  monitorConfig,
  type RunMonitorOptions,
  requireMonitorFor,
  resolveRunMonitor,
} from '../config/monitor.js';
import { parseOutput, parsePositiveInt, parseRateFlag } from '../config/parse-flags.js';
import { QUICK_OUTPUT_KINDS } from '../config/quick.js';
import type { ResolveOptions, RunFlags } from '../config/resolve-test.js';
import { resolveShardFlags, type ShardFlags, type ShardPlan } from '../config/shard.js';
import { badFlag } from '../errors/index.js';
import type { ResultDocument } from '../result/schema.js';
import type { TestDefinition } from '../script-api/test-definition.js';
import { type ParsedThreshold, parseThreshold } from '../thresholds/index.js';
import { checkOpenFileLimit } from './fd-limit.js';
import { libraryIO, type SessionIO } from './io.js';
import { checkOutputsWritable, type OutputSpec } from './outputs.js';
import { applyPrometheusFlags, type PrometheusFlags } from './prometheus-options.js';
import { type ReportDirFlags, reportDirOutputs, runReportName } from './report-dir.js';
import type { HistoryFlags } from './run-history.js';
import type { RunOutputOptions, WorkerHooks } from './run-http-test.js';
import { type SessionOptions, sessionFlags, unwrap } from './session-options.js';
import { parseWorkers, refuseShardWithWorkers } from './workers/count.js';

/** `squall run`'s flags as the CLI hands them over (strings). */
export interface RunSessionFlags
  extends RunFlags,
    RunMonitorOptions,
    PrometheusFlags,
    ReportDirFlags,
    HistoryFlags,
    ShardFlags {
  out?: string[];
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
  ui?: boolean;
  maxEndpoints?: string;
  /** `--summary-export FILE` (k6's): as `-o json=FILE`. */
  summaryExport?: string;
  /** `--http-debug`: each exchange's head on stderr. */
  httpDebug?: boolean;
  /** False with `--no-thresholds`. */
  thresholds?: boolean;
  /** `--stop-on-errors 50%`. */
  stopOnErrors?: string;
  /** `--insecure-skip-tls-verify`: k6's name of `-k`. */
  insecureSkipTlsVerify?: boolean;
  /** `--workers N|auto`: the load on N worker threads, test code never in this thread. */
  workers?: string;
}

/** `--stop-on-errors R` as the threshold it enforces: http_req_failed's rate under R. */
function stopOnErrorsThreshold(rate: number): ParsedThreshold {
  return parseThreshold('http_req_failed', `rate<${rate}`, { where: { flag: '--stop-on-errors' } });
}

/** A bound on --max-endpoints: each endpoint keeps histograms, so a million would be gigabytes. */
const MAX_ENDPOINTS_LIMIT = 100_000;

/** How a definition given as an object is named in messages and the document. */
const DEFINITION_NAME = '(test definition)';

/**
 * `squall run FILE`: checks the file and every flag before anything starts (every problem at
 * once, the monitor's included), runs the test and delivers the result. `test` is a file path,
 * or a test definition object (`defineTest({...})`) when called from code.
 */
export async function runSession(
  test: string | TestDefinition,
  opts: RunSessionFlags,
  io: SessionIO,
  more: {
    signal?: AbortSignal;
    cwd?: string;
    judge?: (result: ResultDocument) => void;
    /** One level of a sweep: a `scalability` test runs as its level, not as a sweep again. */
    sweepLevel?: boolean;
    /** Set inside a worker thread of `--workers` (workers/run-worker.ts). */
    worker?: WorkerHooks;
    /**
     * `squall run`'s own: a test module runs in one worker thread that this thread guards, so
     * that its code can never keep Ctrl-C from ending the run (runTestGuarded). A library
     * caller's run() stays in its thread: its test may be an object, and its code is the caller's.
     */
    guard?: boolean;
    /** A definition's name in messages (default "(test definition)"): `squall llm` names itself. */
    definitionName?: string;
    /** Merged into the document's config: what a command built on run was asked (`squall llm`). */
    config?: Record<string, unknown>;
  } = {},
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  if (opts.insecureSkipTlsVerify === true) opts = { ...opts, insecure: true };
  const outputs = (opts.out ?? []).map((t) => parseOutput(t, QUICK_OUTPUT_KINDS));
  if (opts.summaryExport !== undefined)
    outputs.push(parseOutput(`json=${opts.summaryExport}`, QUICK_OUTPUT_KINDS));
  const stopOnErrors =
    opts.stopOnErrors === undefined ? undefined : parseRateFlag('--stop-on-errors', opts.stopOnErrors);
  const maxEndpoints =
    opts.maxEndpoints === undefined
      ? undefined
      : parsePositiveInt('--max-endpoints', opts.maxEndpoints, MAX_ENDPOINTS_LIMIT);
  applyPrometheusFlags(outputs, opts);
  const workers = more.worker === undefined ? parseWorkers(opts.workers) : undefined;
  if (workers !== undefined && typeof test !== 'string') {
    throw badFlag(
      '--workers',
      'worker threads load the test from its file, and a test definition object cannot be sent to them: give run() the path of the test file',
    );
  }
  const shard = resolveShardFlags(opts);
  if (workers !== undefined) refuseShardWithWorkers(shard);
  const monitor = resolveRunMonitor(opts);
  // Loaded only for `run`: the TypeScript loader, YAML, zod and undici cost every other
  // command memory (quick -c 1000's RSS budget) and start-up time.
  const [{ resolveTest }, { runHttpTest }] = await Promise.all([
    import('../config/resolve-test.js'),
    import('./run-http-test.js'),
  ]);
  const file = typeof test === 'string' ? test : (more.definitionName ?? DEFINITION_NAME);
  const resolveOptions: ResolveOptions = { monitored: monitor !== null, cwd: more.cwd };
  if (typeof test !== 'string') {
    // The object stands in for a loaded module: feeders' relative paths start at cwd.
    resolveOptions.loaded = {
      file,
      absPath: resolve(more.cwd ?? process.cwd(), 'definition.ts'),
      format: 'module',
      data: test,
      k6Style: false,
      locate: () => undefined,
    };
  }
  // Every problem of the file and the flags at once, the monitor's included.
  const resolved = await resolveTest(file, opts, io.env, resolveOptions);
  // --no-thresholds: nothing judged; --stop-on-errors: a budget on http_req_failed, so the run
  // that stops for it fails (exit 99) and the document names it.
  const plan = {
    ...resolved,
    thresholds: [
      ...(opts.thresholds === false ? [] : resolved.thresholds),
      ...(stopOnErrors === undefined ? [] : [stopOnErrorsThreshold(stopOnErrors)]),
    ],
  };
  requireMonitorFor(plan.thresholds, monitor);
  if (plan.preset === 'scalability' && more.sweepLevel !== true) return runScalability(test, plan, opts, io);
  if (monitor?.cmd !== undefined && monitor.readyUrl === undefined && plan.target === undefined) {
    throw badFlag(
      '--monitor-ready',
      `--monitor-cmd needs to know when the service is ready, and ${plan.file} has no base URL (host) ` +
        'whose port it could wait for: add --monitor-ready URL, or --host URL',
    );
  }
  outputs.push(...reportDirOutputs(opts.reportDir, runReportName(typeof test === 'string' ? test : null)));
  checkOutputsWritable(outputs);
  const { peakVus } = await import('../engine/peak-vus.js');
  const vus = peakVus(plan.scenarios);
  checkOpenFileLimit({
    sockets: vus,
    what: `${plan.file} at its peak of ${vus} VUs (maxVUs for arrival-rate scenarios)`,
    flag: '--vus',
    unit: 'VU',
  });
  // The monitor's settings in the document's config, as quick records them.
  const config = {
    ...(monitor ? { ...plan.config, monitor: monitorConfig(monitor) } : plan.config),
    ...more.config,
  };
  const output: RunOutputOptions = {
    outputs,
    json: !!opts.json,
    quiet: !!opts.quiet,
    color: opts.color,
    ui: !!opts.ui,
    monitor,
    maxEndpoints,
    judge: more.judge,
    httpDebug: opts.httpDebug === true,
    stopOnErrors,
  };
  if (workers !== undefined) {
    const { runTestInWorkers } = await import('./workers/run-workers.js');
    return runTestInWorkers(
      { ...plan, config },
      { file, cwd: more.cwd ?? process.cwd(), flags: opts, count: workers },
      output,
      { io, signal: more.signal },
    );
  }
  if (more.guard === true && more.worker === undefined && guardable(plan, shard, monitor, outputs)) {
    const { runTestGuarded } = await import('./workers/run-workers.js');
    return runTestGuarded(
      { ...plan, config },
      { file, cwd: more.cwd ?? process.cwd(), flags: opts },
      output,
      { io, signal: more.signal },
    );
  }
  const ran = { ...plan, config };
  return runHttpTest(
    more.worker === undefined ? ran : more.worker.prepare(ran),
    { ...output, shard },
    { io, signal: more.signal, worker: more.worker },
  );
}

/**
 * Whether a run is guarded (its test in one worker thread): a module's code may loop for ever, a
 * YAML or JSON test's cannot. Some runs stay in this thread for now: a shard's (the thread's
 * frames carry no shard's exact parts), a monitored one (a `--monitor-cmd` service must not
 * outlive a thread that had to be terminated), and one with a Prometheus output (its exporters
 * read the custom metrics and the HDR buckets of the thread that records them).
 */
function guardable(
  plan: { config: Record<string, unknown> },
  shard: ShardPlan,
  monitor: unknown,
  outputs: readonly OutputSpec[],
): boolean {
  const format = plan.config.format;
  return (
    typeof format === 'string' &&
    format.startsWith('module') &&
    shard.share === undefined &&
    shard.startAt === null &&
    !monitor &&
    !outputs.some((o) => o.kind === 'prometheus' || o.kind === 'prometheus-rw')
  );
}

/**
 * A `scalability` test is a sweep (`squall sweep FILE`): levels doubling from 1 to its VUs, each
 * for an equal share of its duration, its thresholds applied per level.
 */
async function runScalability(
  test: string | TestDefinition,
  plan: { scenarios: readonly { executor: { type: string; vus?: number; durationMs?: number } }[] },
  opts: RunSessionFlags,
  io: SessionIO,
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  if (typeof test !== 'string')
    throw badFlag('--preset', 'the scalability preset runs a sweep of a test file; give run() a file path');
  const [{ scalabilitySweep }, { sweepSession }] = await Promise.all([
    import('../config/presets.js'),
    import('./sweep.js'),
  ]);
  const e = plan.scenarios[0]?.executor;
  const s = scalabilitySweep(e?.type === 'constant-vus' ? { vus: e.vus, durationMs: e.durationMs } : {});
  return sweepSession(
    test,
    {
      levels: s.levels,
      hold: `${s.holdMs}ms`,
      warmup: `${s.warmupMs}ms`,
      threshold: opts.threshold,
      env: opts.env,
      host: opts.host,
      timeout: opts.timeout,
      insecure: opts.insecure,
      cacert: opts.cacert,
      out: opts.out,
      reportDir: opts.reportDir,
      json: opts.json,
      quiet: opts.quiet,
      color: opts.color,
    },
    io,
  );
}

/** The options of `run()`: `squall run`'s flags, typed for a program (each overrides the file). */
export interface RunOptions extends SessionOptions {
  /** Virtual users (the peak, for a ramp) (`--vus`). */
  vus?: number;
  /** Test length (stages are stretched to it) (`-d`). */
  duration?: string;
  /** Stop after N iterations in total (`--iterations`). */
  iterations?: number;
  /** Open model: iterations started per second (`-R`). */
  rate?: number;
  /** smoke, baseline, stress, spike, burst, soak, endurance, breakpoint, scalability (`--preset`). */
  preset?: string;
  /** Base URL for relative paths (`--host`). */
  host?: string;
  /** Values the test reads as `env.K` (`-e K=V`). */
  env?: Record<string, string>;
  /** Distinct request names kept apart (`--max-endpoints`; default 200). */
  maxEndpoints?: number;
  /** Where a relative test-file path (and a definition's feeder files) start; default process.cwd(). */
  cwd?: string;
}

/**
 * Runs a test from code, a file (`.ts`, `.yaml`, …) or a definition object, and returns the
 * result document (thresholds evaluated: see `passed`). Throws a SquallError for a bad test or
 * bad options, as the CLI exits 2 for them.
 */
export async function run(test: string | TestDefinition, options: RunOptions = {}): Promise<ResultDocument> {
  const o = options;
  const num = (n: number | undefined) => (n === undefined ? undefined : String(n));
  const flags: RunSessionFlags = {
    ...sessionFlags(o),
    vus: num(o.vus),
    duration: o.duration,
    iterations: num(o.iterations),
    rate: num(o.rate),
    preset: o.preset,
    host: o.host,
    env: Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`),
    maxEndpoints: num(o.maxEndpoints),
  };
  return unwrap(await runSession(test, flags, libraryIO(o.io), { signal: o.signal, cwd: o.cwd }));
}
