import { existsSync } from 'node:fs';
import { findCapacity, findKnee, fitSweep, littleCheck, sweepVerdict } from '../analysis/sweep.js';
import { parseDurationFlag, parseOutput } from '../config/parse-flags.js';
import { QUICK_OUTPUT_KINDS, type QuickOptions } from '../config/quick.js';
import type { RunFlags } from '../config/resolve-test.js';
import { parseLevels, parseUntil, type UntilCondition } from '../config/sweep-flags.js';
import { badFlag } from '../errors/index.js';
import { buildResult } from '../result/build-result.js';
import { parseMetricReading, readMetric } from '../result/metric-reading.js';
import type { ResultDocument, ThresholdResult } from '../result/schema.js';
import type { SweepLevel, SweepSection } from '../result/sweep-schema.js';
import {
  compare,
  evaluateThresholds,
  type ParsedThreshold,
  parseThreshold,
  parseThresholdFlag,
  validateThresholds,
} from '../thresholds/index.js';
import { parseDurationMs } from '../util/duration.js';
import { deliverResult } from './deliver.js';
import { libraryIO, type SessionIO } from './io.js';
import { checkOutputsWritable, type OutputSpec } from './outputs.js';
import { quickSession } from './quick.js';
import { type ReportDirFlags, reportDirOutputs } from './report-dir.js';
import { parseWorkers } from './workers/count.js';

/**
 * `squall sweep URL|FILE`: the same load at each level in turn (a warm-up, not measured, then
 * the hold), each level's figures, then what they say together (analysis/sweep.ts): the USL fit,
 * the knee, the capacity within the thresholds, and a verdict. A URL is loaded as `quick` loads
 * it, a test file as `run` runs it with its VUs (or arrival rate) set to the level.
 */

export interface SweepFlags
  extends Pick<QuickOptions, 'method' | 'header' | 'body' | 'bodyFile' | 'timeout' | 'insecure' | 'cacert'>,
    Pick<RunFlags, 'env' | 'host'>,
    ReportDirFlags {
  levels?: string;
  hold?: string;
  warmup?: string;
  /** Sweep arrival rates (open model) instead of concurrency. */
  rate?: boolean;
  until?: string;
  threshold?: string[];
  out?: string[];
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
  /** `--workers N|auto`: each level's load on N worker threads (at most one per VU or connection). */
  workers?: string;
}

const DEFAULT_LEVELS = '1,2,4,8,16,32';
const DEFAULT_HOLD_MS = 30_000;
const DEFAULT_WARMUP_MS = 5_000;
const TEST_FILE = /\.(ya?ml|json|[cm]?[jt]s)$/i;

/** The sweep's own figures, for thresholds such as `sweep_capacity>=20`. */
export const SWEEP_METRICS = ['sweep_capacity', 'sweep_knee', 'sweep_peak_rps', 'sweep_max_rps'] as const;

interface Plan {
  target: string;
  file: boolean;
  levels: number[];
  holdMs: number;
  warmupMs: number;
  mode: 'concurrency' | 'rate';
  until: UntilCondition | null;
  /** Per-level thresholds (`--threshold` on the load's metrics; a test file adds its own). */
  levelThresholds: string[];
  sweepThresholds: ParsedThreshold[];
  outputs: OutputSpec[];
  /** `--workers`, resolved (auto: the cores free when the sweep starts). */
  workers: number | undefined;
}

/** `sweep_capacity>=20` (the form the docs use) or `sweep_capacity:value>=20`. */
function splitSweepThreshold(text: string): { key: string; expr: string } {
  const bare = /^\s*(sweep_[a-z_]+)\s*([<>=!].*)$/.exec(text);
  if (bare) return { key: bare[1]!, expr: `value${bare[2]!.trim()}` };
  return parseThresholdFlag(text);
}

function planOf(target: string | undefined, o: SweepFlags): Plan {
  if (!target)
    throw badFlag(
      '<url|test-file>',
      'squall sweep needs a URL or a test file, such as squall sweep http://127.0.0.1:8080/ --levels 1,2,4,8',
    );
  const file = !/^https?:\/\//i.test(target) && (TEST_FILE.test(target) || existsSync(target));
  const mode = o.rate ? 'rate' : 'concurrency';
  const levels = parseLevels(o.levels ?? DEFAULT_LEVELS, mode === 'rate');
  // A duration that parses but is too short (0s included) is said so, not called "not a duration".
  const holdMs =
    o.hold === undefined ? DEFAULT_HOLD_MS : (parseDurationMs(o.hold) ?? parseDurationFlag('--hold', o.hold));
  if (holdMs < 1000)
    throw badFlag('--hold', `--hold ${o.hold} is under a second: a level needs whole seconds to measure`);
  // `--warmup 0s` is the documented way to have none, which parseDurationFlag (positive only) refuses.
  const warmupMs =
    o.warmup === undefined
      ? DEFAULT_WARMUP_MS
      : parseDurationMs(o.warmup) === 0
        ? 0
        : parseDurationFlag('--warmup', o.warmup);
  const until = o.until === undefined ? null : parseUntil(o.until);
  const levelThresholds: string[] = [];
  const sweepThresholds: ParsedThreshold[] = [];
  for (const t of o.threshold ?? []) {
    if (/^\s*sweep_/.test(t)) {
      const { key, expr } = splitSweepThreshold(t);
      const parsed = parseThreshold(key, expr, { where: { flag: '--threshold' } });
      sweepThresholds.push(parsed);
    } else levelThresholds.push(t);
  }
  validateThresholds(sweepThresholds, new Map(SWEEP_METRICS.map((m) => [m, 'gauge' as const])));
  const outputs = (o.out ?? []).map((t) => parseOutput(t, QUICK_OUTPUT_KINDS));
  outputs.push(...reportDirOutputs(o.reportDir, 'sweep'));
  checkOutputsWritable(outputs);
  return {
    target,
    file,
    levels,
    holdMs,
    warmupMs,
    mode,
    until,
    levelThresholds,
    sweepThresholds,
    outputs,
    workers: parseWorkers(o.workers),
  };
}

/** One level's load, silent: a URL as quick runs it, a test file as run does. */
async function runLevel(
  p: Plan,
  o: SweepFlags,
  level: number,
  ms: number,
  io: SessionIO,
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  const quiet = libraryIO({ signals: io.signals, env: io.env, forceExit: io.forceExit });
  const duration = `${ms}ms`;
  const size = p.mode === 'rate' ? { rate: String(level) } : {};
  // A concurrency level of 1 on two workers would leave one idle: at most one worker per VU.
  const workers =
    p.workers === undefined
      ? undefined
      : String(p.mode === 'concurrency' ? Math.min(p.workers, level) : p.workers);
  if (p.file) {
    const { runSession } = await import('./run.js');
    return runSession(
      p.target,
      {
        ...size,
        ...(p.mode === 'concurrency' ? { vus: String(level) } : {}),
        duration,
        env: o.env,
        host: o.host,
        timeout: o.timeout,
        insecure: o.insecure,
        cacert: o.cacert,
        threshold: p.levelThresholds,
        quiet: true,
        workers,
      },
      quiet,
      // A `scalability` test runs each level as itself, not as a sweep again.
      { sweepLevel: true },
    );
  }
  return quickSession(
    p.target,
    {
      ...size,
      ...(p.mode === 'concurrency' ? { connections: String(level) } : {}),
      duration,
      method: o.method,
      header: o.header,
      body: o.body,
      bodyFile: o.bodyFile,
      timeout: o.timeout,
      insecure: o.insecure,
      cacert: o.cacert,
      threshold: p.levelThresholds,
      quiet: true,
      workers,
    },
    quiet,
  );
}

/** A level's figures from its document. */
function levelOf(mode: 'concurrency' | 'rate', level: number, doc: ResultDocument): SweepLevel {
  const read = (text: string) => readMetric(doc, parseMetricReading(text));
  const requests = read('http_reqs:count') ?? 0;
  const errorRate = read('http_req_failed:rate') ?? 0;
  const failed = Math.round(errorRate * requests);
  const durationSec = doc.durationSec;
  const rps = durationSec > 0 ? requests / durationSec : 0;
  const mean = read('http_req_duration:avg');
  const thresholds = doc.thresholds;
  return {
    level,
    startedAt: doc.startedAt,
    endedAt: doc.endedAt,
    durationSec,
    requests,
    failed,
    rps,
    errorRate,
    latency: {
      mean,
      p50: read('http_req_duration:med'),
      p95: read('http_req_duration:p(95)'),
      p99: read('http_req_duration:p(99)'),
    },
    ...littleCheck(mode, level, rps, mean),
    saturated: doc.generator?.saturated === true,
    allFailed: requests > 0 && failed === requests,
    thresholds,
    withinBudget: thresholds.length === 0 ? null : thresholds.every((t) => t.ok),
    timeline: doc.timeline,
  };
}

const fmt = (v: number | null, unit = '') =>
  v === null ? '-' : `${Number(v.toPrecision(4)).toLocaleString('en-US')}${unit}`;

/** The sweep's own figures, for its thresholds. */
function sweepFigures(s: SweepSection): Record<(typeof SWEEP_METRICS)[number], number | null> {
  return {
    sweep_capacity: s.capacity,
    sweep_knee: s.knee,
    sweep_peak_rps: s.fit?.peakX ?? null,
    sweep_max_rps: s.levels.length === 0 ? null : Math.max(...s.levels.map((l) => l.rps)),
  };
}

function evaluateSweepThresholds(ts: readonly ParsedThreshold[], s: SweepSection): ThresholdResult[] {
  const figures = sweepFigures(s);
  return evaluateThresholds(ts, (metric) => {
    const v = figures[metric as keyof typeof figures];
    return v === null || v === undefined ? undefined : { kind: 'gauge', aggregate: () => v };
  });
}

/**
 * Runs the sweep and delivers its document (console table or --json, and the -o files).
 * Exit: 0, 99 when a sweep threshold failed or no level held the per-level thresholds, 1 when
 * the first level got no successful response, 130 when interrupted (what was measured written).
 */
export async function sweepSession(
  target: string | undefined,
  o: SweepFlags,
  io: SessionIO,
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  const p = planOf(target, o);
  const say = (line: string) => {
    if (!o.quiet && !o.json) io.stderr.write(`${line}\n`);
  };
  const unit = p.mode === 'rate' ? 'requests/s' : 'concurrent';
  say(
    `squall sweep: ${p.target} — levels ${p.levels.join(', ')} (${unit}), ` +
      `${p.holdMs / 1000}s each after a ${p.warmupMs / 1000}s warm-up`,
  );
  const startedAt = new Date();
  const levels: SweepLevel[] = [];
  let endReason: SweepSection['endReason'] = 'completed';
  let stoppedAt: number | null = null;
  let config: Record<string, unknown> | null = null;
  // Each level's load listens for Ctrl-C only while it runs (and says so on the silent stream):
  // between levels, and in a level's own start and finish, the sweep must hear it itself, or the
  // process's default handler would end it with nothing written.
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) {
      io.forceExit();
      return;
    }
    interrupted = true;
    io.stderr.write('\nsquall sweep: interrupted; writing the levels measured so far (again to quit now)\n');
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  try {
    for (const level of p.levels) {
      if (interrupted) break;
      if (p.warmupMs > 0) {
        const warm = await runLevel(p, o, level, p.warmupMs, io);
        if (warm.exitCode === 130 || interrupted) break;
      }
      const run = await runLevel(p, o, level, p.holdMs, io);
      // A level cut short is not measured: its figures would describe part of a hold.
      if (run.exitCode === 130 || run.result === null || run.result.endReason === 'interrupted') {
        interrupted = true;
        break;
      }
      config ??= run.result.config;
      const l = levelOf(p.mode, level, run.result);
      levels.push(l);
      say(
        `  level ${level}: ${fmt(l.rps, ' req/s')}, p50 ${fmt(l.latency.p50, ' ms')}, p95 ${fmt(l.latency.p95, ' ms')}, ` +
          `errors ${(l.errorRate * 100).toFixed(2)} %${l.saturated ? ' (squall saturated)' : ''}`,
      );
      if (l.allFailed) {
        endReason = 'all-failed';
        io.stderr.write(
          `squall sweep: every request failed at level ${level} (${run.result.errors[0]?.kind ?? 'no response'}); the sweep ends here\n`,
        );
        break;
      }
      if (p.until) {
        const actual = readMetric(run.result, p.until.reading);
        if (actual !== null && compare(actual, p.until.op, p.until.value)) {
          endReason = 'until';
          stoppedAt = level;
          say(`  --until ${p.until.expr} holds at level ${level}: the sweep stops`);
          break;
        }
      }
    }
  } finally {
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
  }
  if (interrupted) endReason = 'interrupted';
  const fit = fitSweep(p.mode, levels);
  const knee = findKnee(levels);
  const capacity = findCapacity(levels);
  const budget = levels[0]?.thresholds.map((t) => `${t.metric}:${t.expr}`).join(', ') || null;
  const sweep: SweepSection = {
    mode: p.mode,
    planned: p.levels,
    holdSec: p.holdMs / 1000,
    warmupSec: p.warmupMs / 1000,
    levels,
    fit,
    knee,
    capacity,
    until: p.until ? { expr: p.until.expr, stoppedAt } : null,
    endReason,
    verdict: sweepVerdict({ mode: p.mode, levels, fit, knee, capacity, budget }),
  };
  const measured = levels.length > 0 && !levels[0]!.allFailed;
  const doc = buildResult({
    kind: 'sweep',
    startedAt,
    endedAt: new Date(),
    endReason: endReason === 'interrupted' ? 'interrupted' : 'completed',
    config: {
      command: 'sweep',
      target: p.target,
      ...(p.file ? { file: p.target } : { url: p.target, method: (o.method ?? 'GET').toUpperCase() }),
      levels: p.levels,
      hold: p.holdMs / 1000,
      warmup: p.warmupMs / 1000,
      mode: p.mode,
      // The first level's load as quick or run recorded it (its size is that level's).
      load: config,
    },
    thresholds: evaluateSweepThresholds(p.sweepThresholds, sweep),
    measured,
    sweep,
  });
  // Commander sets color true unless --no-color: only false is a choice (io.ts useColor).
  const color = o.color === false ? false : undefined;
  await deliverResult(doc, { outputs: p.outputs, json: !!o.json, quiet: !!o.quiet, color }, io);
  if (endReason === 'interrupted') return { exitCode: 130, result: doc };
  if (!measured) {
    // The document is written; the exit code says nothing was measured.
    io.stderr.write(
      `squall sweep: no request succeeded at the first level (${p.levels[0]}): nothing to sweep; is the target up?\n`,
    );
    return { exitCode: 1, result: doc };
  }
  return { exitCode: doc.passed ? 0 : 99, result: doc };
}

/** The options of `sweep()`: `squall sweep`'s flags, typed for a program. */
export interface SweepOptions {
  /** Concurrency levels (or rates with `rate`): `[1, 2, 4, 8]` or `'5..50x2'` (`--levels`). */
  levels?: number[] | string;
  /** How long each level is measured, `'30s'` (`--hold`). */
  hold?: string;
  /** Load before each level, not measured, `'5s'`; `'0s'` for none (`--warmup`). */
  warmup?: string;
  /** The levels are arrival rates per second (`--rate`). */
  rate?: boolean;
  /** Stop once a level's figure is past it, `'http_req_duration:p(95)>300ms'` (`--until`). */
  until?: string;
  /** Per-level budgets and the sweep's own (`'sweep_capacity>=20'`) (`--threshold`). */
  thresholds?: string[];
  /** Outputs, `'json=s.json'`, `'html=s.html'` (`-o`). */
  out?: string[];
  method?: string;
  /** Request headers of a URL sweep, `['Name: value']`. */
  headers?: string[];
  body?: string;
  timeout?: string;
  insecure?: boolean;
  cacert?: string;
  /** Where the session writes and listens; default silent, the process's signals ignored. */
  io?: Partial<SessionIO>;
}

/**
 * Runs `squall sweep` from code on a URL or a test file and returns the sweep document. Throws a
 * SquallError for bad options, as the CLI exits 2 for bad flags.
 */
export async function sweep(target: string, o: SweepOptions = {}): Promise<ResultDocument> {
  const r = await sweepSession(
    target,
    {
      levels: Array.isArray(o.levels) ? o.levels.join(',') : o.levels,
      hold: o.hold,
      warmup: o.warmup,
      rate: o.rate,
      until: o.until,
      threshold: o.thresholds,
      out: o.out,
      method: o.method,
      header: o.headers,
      body: o.body,
      timeout: o.timeout,
      insecure: o.insecure,
      cacert: o.cacert,
      quiet: true,
    },
    libraryIO(o.io),
  );
  if (r.result === null) throw new Error('squall: the sweep stopped before its first level; nothing ran');
  return r.result;
}
