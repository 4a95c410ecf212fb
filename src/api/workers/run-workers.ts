import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { describeScenario } from '../../config/describe-plan.js';
import type { ResolvedQuick } from '../../config/quick.js';
import type { TestPlan } from '../../engine/plan.js';
import { ERROR_CODES, type ErrorCode, formatError, isSquallError, SquallError } from '../../errors/index.js';
import type { LiveDecision, LiveSource } from '../../live/live.js';
import { startLive } from '../../live/manager.js';
import type { ResultDocument } from '../../result/schema.js';
import type { SessionIO } from '../io.js';
import { liveConsumers } from '../live-setup.js';
import type { QuickFlags } from '../quick.js';
import type { RunSessionFlags } from '../run.js';
import { progressBounds, type RunOutputOptions } from '../run-http-test.js';
import { abortOnSignals } from '../signals.js';
import { onThreads } from './count.js';
import { LiveTimeline } from './frame.js';
import { mergeWorkerDocuments } from './merge.js';
import { mergedRules } from './merged-rules.js';
import { ALIVE_MS, type FromWorker, type ToWorker, type WireError, type WorkerTask } from './protocol.js';
import { stuckScenario, whereBuffer } from './stuck.js';

/** After a stop, how long a worker has to send its document before it is terminated. */
export const STOP_WAIT_MS = 3000;
/** A worker silent this long while running is stuck in synchronous code (said once). */
const SILENT_MS = 3000;
const TICK_MS = 1000;

/**
 * The worker entry, next to this module once built (dist/api/workers/run-worker.js). Run from
 * source (tests, tsx), a worker thread could not load TypeScript: it runs the built one.
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../../dist/api/workers/run-worker.js', import.meta.url)
  : new URL('./run-worker.js', import.meta.url);

interface WorkerState {
  readonly index: number;
  readonly worker: Worker;
  readonly where: SharedArrayBuffer;
  /** Its latest document so far (a frame), then its final one. */
  frame: ResultDocument | null;
  lastSeenMs: number;
  done: { exitCode: number; doc: ResultDocument | null; error?: WireError; notes?: readonly string[] } | null;
  exited: boolean;
  /** Why it failed: a crash, an exit before its results, or no answer to a stop. */
  failure?: string;
  terminated: boolean;
  warnedSilent: boolean;
  /** It said its load is over (setup-once.ts). */
  loadEnded: boolean;
  /** Frames (seconds) received, and the load time of the latest. */
  frames: number;
  frameElapsedMs: number;
}

/** 1-based, as people count: the message says "worker 2 of 2". */
function workerName(s: WorkerState, count: number): string {
  return `worker ${s.index + 1} of ${count}`;
}

/** A worker's error as the SquallError it was (its code and hint), or squall's bug naming the worker. */
function fromWire(e: WireError, name: string, debug: boolean): SquallError {
  if (e.code !== undefined && e.code in ERROR_CODES) {
    return new SquallError(e.code as ErrorCode, e.message, { hint: e.hint, where: e.where });
  }
  // Squall's own bug in a worker: its stack only on request, as for the main thread's.
  const stack = debug && e.stack ? `\n${e.stack}` : '';
  return new SquallError('SQ_INTERNAL', `${name} failed: ${e.message}${stack}`);
}

/** What a worker of `squall run` is told: the test and the flags that shape the load, nothing it would write. */
function workerFlags(flags: RunSessionFlags): RunSessionFlags {
  return {
    ...flags,
    out: [],
    json: false,
    ui: false,
    summaryExport: undefined,
    reportDir: undefined,
    workers: undefined,
    ...NO_PROMETHEUS,
  };
}

/** The Prometheus outputs are the parent's: their flags would name outputs a worker does not have. */
const NO_PROMETHEUS = {
  prometheusNames: undefined,
  prometheusPushInterval: undefined,
  prometheusLinger: undefined,
} as const;

/**
 * `squall run --workers N`: N worker threads each run share {i, N} of the plan (the same test
 * file, loaded again in each); the parent runs no test code. Each second it merges the workers'
 * documents so far for the progress line, the dashboard and the stop rules; at the end it merges
 * their final documents into one, exactly (mergeDocuments), and writes every output.
 *
 * The parent stays in charge: Ctrl-C or SIGTERM asks every worker to stop, and a worker that
 * does not answer within STOP_WAIT_MS (a flow stuck in `while (true) {}`) is terminated and named,
 * its last second's document standing for what it measured. A worker that crashes ends the run
 * with exit 1 naming it, after the others' results are written.
 */
export async function runTestInWorkers(
  plan: TestPlan,
  w: { file: string; cwd: string; flags: RunSessionFlags; count: number },
  o: RunOutputOptions,
  session: { io: SessionIO; signal?: AbortSignal },
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  const { io } = session;
  const { count } = w;
  refuseMonitor(o.monitor);
  const { totalMs, totalIterations } = progressBounds(plan);
  if (!o.quiet) writePlan(plan, io, ` — ${onThreads(count)}`);
  return runWorkers(
    {
      count,
      task: (share, where) => ({
        kind: 'run',
        file: w.file,
        cwd: w.cwd,
        flags: workerFlags(w.flags),
        share,
        env: { ...io.env },
        where,
        whole: false,
      }),
      rules: plan,
      scenarioNames: plan.scenarios.map((s) => s.name),
      totalMs,
      ...(totalIterations === undefined ? {} : { total: { count: totalIterations, unit: 'iterations' } }),
      empty: await emptyFrame(plan, count),
    },
    o,
    session,
  );
}

/** The line that says what the run will do, and each scenario's, before the load. */
function writePlan(plan: TestPlan, io: SessionIO, suffix: string): void {
  const names = plan.scenarios.map((s) => `${s.name} (${s.executor.type})`).join(', ');
  io.stderr.write(
    `squall run: ${plan.file}${plan.preset ? ` — preset ${plan.preset}` : ''} — ${names}${suffix}\n`,
  );
  for (const s of plan.scenarios) io.stderr.write(`  ${s.name}: ${describeScenario(s)}\n`);
}

/**
 * A plain `squall run` of a test module (TS or JS): the test runs whole, as in this thread, but
 * in one worker thread, so that test code stuck in a loop that never yields cannot keep Ctrl-C,
 * SIGTERM or the dashboard's Stop from ending the run and writing what it measured. The thread
 * judges its own stop rules and hands back the run's own document (no merge, no `workers` in
 * its config); this thread shows the progress and writes every output.
 */
export async function runTestGuarded(
  plan: TestPlan,
  w: { file: string; cwd: string; flags: RunSessionFlags },
  o: RunOutputOptions,
  session: { io: SessionIO; signal?: AbortSignal },
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  const { io } = session;
  const { totalMs, totalIterations } = progressBounds(plan);
  if (!o.quiet) writePlan(plan, io, '');
  return runWorkers(
    {
      count: 1,
      whole: true,
      task: (share, where) => ({
        kind: 'run',
        file: w.file,
        cwd: w.cwd,
        flags: workerFlags(w.flags),
        share,
        env: { ...io.env },
        where,
        whole: true,
      }),
      // The thread judges them itself, on the run's own figures.
      rules: { thresholds: [], stopConditions: undefined },
      scenarioNames: plan.scenarios.map((s) => s.name),
      totalMs,
      ...(totalIterations === undefined ? {} : { total: { count: totalIterations, unit: 'iterations' } }),
      empty: await emptyFrame(plan, null),
    },
    { ...o, stopOnErrors: undefined },
    session,
  );
}

/** `squall quick`'s flags for a worker: the load's, nothing it would write or serve. */
function quickWorkerFlags(flags: QuickFlags): QuickFlags {
  return {
    ...flags,
    out: [],
    json: false,
    ui: false,
    reportDir: undefined,
    workers: undefined,
    ...NO_PROMETHEUS,
  };
}

/** The monitor watches one process for the whole run: not split over workers (yet). */
function refuseMonitor(monitor: unknown): void {
  if (monitor) {
    throw new SquallError(
      'SQ_USAGE_BAD_FLAG',
      '--workers does not run with --monitor-pid or --monitor-cmd yet: run the monitored test without --workers',
      { where: { flag: '--workers' } },
    );
  }
}

/**
 * `squall quick URL --workers N`: quick's hot engine in N worker threads, each with its share
 * of the connections, the requests (-n) or the rate (-R); one merged document.
 */
export async function runQuickInWorkers(
  q: ResolvedQuick,
  w: { url: string | undefined; flags: QuickFlags; count: number },
  o: RunOutputOptions,
  session: { io: SessionIO; signal?: AbortSignal },
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  refuseMonitor(q.monitor);
  if (w.flags.body?.startsWith('@-')) {
    throw new SquallError(
      'SQ_USAGE_BAD_FLAG',
      "--workers cannot share standard input (-b '@-') between workers: save the body to a file and give -b @FILE",
      {
        where: { flag: '--workers' },
      },
    );
  }
  const { count } = w;
  const [{ buildResult }, { HttpMetrics }] = await Promise.all([
    import('../../result/build-result.js'),
    import('../../metrics/http-metrics.js'),
  ]);
  const now = new Date();
  const empty = buildResult({
    kind: 'quick',
    metrics: new HttpMetrics(q.load.ratePerSec !== undefined),
    startedAt: now,
    endedAt: now,
    durationMs: 0,
    endReason: 'completed',
    vusMax: 0,
    config: { ...q.config, workers: count },
    thresholds: q.thresholds,
    monitor: null,
  });
  const { maxRequests } = q.load;
  return runWorkers(
    {
      count,
      task: (share, where) => ({
        kind: 'quick',
        url: w.url,
        flags: quickWorkerFlags(w.flags),
        share,
        env: { ...session.io.env },
        where,
      }),
      rules: { thresholds: [], stopConditions: undefined },
      scenarioNames: [],
      totalMs: q.load.durationMs,
      ...(maxRequests === undefined ? {} : { total: { count: maxRequests, unit: 'reqs' as const } }),
      empty,
    },
    o,
    session,
  );
}

/** What runWorkers needs to know of the command it runs. */
export interface WorkersSpec {
  count: number;
  /** The guard of a plain run: one thread runs the whole test; its documents are the run's as they are. */
  whole?: boolean;
  /** What worker `share.index` is handed. */
  task(share: { index: number; count: number }, where: SharedArrayBuffer): WorkerTask;
  /** The stop rules' thresholds and breakpoint conditions (none for quick). */
  rules: Pick<TestPlan, 'thresholds' | 'stopConditions'>;
  /** To name the scenario a stuck worker was in. */
  scenarioNames: readonly string[];
  totalMs: number | undefined;
  /** A count-bounded run's total, for the progress line: iterations or requests. */
  total?: { count: number; unit: 'iterations' | 'reqs' };
  /** The document of nothing measured yet (the dashboard's first frames; a run stopped before any second). */
  empty: ResultDocument;
}

/**
 * Runs `spec.count` worker threads and stays in charge of them: merged live figures each second,
 * stops, a stuck or crashed worker, and the final merged document delivered.
 */
export async function runWorkers(
  spec: WorkersSpec,
  o: RunOutputOptions,
  session: { io: SessionIO; signal?: AbortSignal },
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  const { io } = session;
  const { count, scenarioNames, totalMs, empty } = spec;
  const signals = abortOnSignals(io, session.signal);
  const states: WorkerState[] = [];
  const t0 = performance.now();
  let merged: ResultDocument | null = null;
  const liveTimeline = new LiveTimeline();
  const mergeFrames = (): ResultDocument | null => {
    const docs = states.flatMap((s) => (s.frame === null ? [] : [s.frame]));
    if (docs.length === 0) return null;
    try {
      return liveTimeline.update(spec.whole === true ? docs[0]! : mergeWorkerDocuments(docs, count));
    } catch {
      // A frame that does not merge (a worker between two seconds) leaves the last merged one.
      return merged;
    }
  };
  const rules = mergedRules(spec.rules, o.stopOnErrors, () => merged);
  const nameOf = (s: WorkerState) =>
    spec.whole === true ? 'the thread running the test' : workerName(s, count);
  const source: LiveSource = {
    frame: () => ({ doc: merged ?? empty, elapsedMs: performance.now() - t0, totalMs }),
    stop: () => signals.stop('stopped from the dashboard'),
  };
  const live = await startLive(
    [
      ...liveConsumers({ quiet: o.quiet, color: o.color, ui: o.ui === true, outputs: o.outputs }, io),
      ...rules.list,
    ],
    source,
  ).catch((e: unknown) => {
    signals.dispose();
    throw e;
  });

  let mergedSecond = 0;
  let lastMergeAt = performance.now();
  let decided = false;
  /** The workers' latest documents merged, shown and judged (abortOnFail, breakpoint, --stop-on-errors). */
  const judge = () => {
    lastMergeAt = performance.now();
    merged = mergeFrames();
    if (merged === null) return;
    const elapsedMs = Math.max(...states.map((x) => x.frameElapsedMs));
    const d: LiveDecision | undefined = live.snapshot(snapshotOf(merged, elapsedMs, totalMs, spec.total));
    if (d !== undefined && !decided) {
      decided = true;
      rules.decided(d);
      send({ type: 'abort', decision: d });
    }
  };

  // Lines the workers print (a flow's error, shown as it happens): each distinct one once.
  const shown = new Set<string>();
  const send = (m: ToWorker) => {
    for (const s of states) if (!s.exited && s.done === null) s.worker.postMessage(m);
  };
  let stopping = false;
  let stopTimer: NodeJS.Timeout | undefined;
  /**
   * Every worker is asked to end; one whose thread stays silent for STOP_WAIT_MS after that (no
   * `alive`: its event loop does not turn) is terminated. One that is busy ending (a teardown
   * making requests) still says it is alive, and is waited for.
   */
  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    const stoppedAt = performance.now();
    send({ type: 'stop' });
    stopTimer = setInterval(() => {
      const now = performance.now();
      for (const s of states) {
        if (s.done !== null || s.exited || s.terminated) continue;
        if (now - Math.max(s.lastSeenMs, stoppedAt) < STOP_WAIT_MS) continue;
        const scenario = stuckScenario(scenarioNames, s.where);
        s.failure ??= `${nameOf(s)} did not answer within ${STOP_WAIT_MS / 1000} s${
          scenario === undefined
            ? ''
            : `: scenario '${scenario}' is stuck in code that never yields (a synchronous loop?)`
        }; terminated, its last second's figures kept`;
        s.terminated = true;
        void s.worker.terminate();
      }
    }, ALIVE_MS);
  };
  signals.signal.addEventListener('abort', stopAll, { once: true });

  /** Once every worker's load is over (or it is gone), worker 0 may run teardown(). */
  let toldLoadsEnded = false;
  const loadsEnded = () => {
    if (toldLoadsEnded || !states.every((s) => s.loadEnded || s.done !== null || s.exited)) return;
    toldLoadsEnded = true;
    const first = states[0];
    if (first !== undefined && !first.exited)
      first.worker.postMessage({ type: 'allLoadsEnded' } satisfies ToWorker);
  };
  let settle!: () => void;
  const allSettled = new Promise<void>((r) => {
    settle = r;
  });
  const checkSettled = () => {
    if (states.every((s) => s.exited)) settle();
  };

  for (let index = 0; index < count; index++) {
    const where = whereBuffer();
    const task = spec.task({ index, count }, where);
    const worker = new Worker(WORKER_URL, { workerData: task, stderr: false, stdout: false });
    const s: WorkerState = {
      index,
      worker,
      where,
      frame: null,
      lastSeenMs: performance.now(),
      done: null,
      exited: false,
      terminated: false,
      warnedSilent: false,
      loadEnded: false,
      frames: 0,
      frameElapsedMs: 0,
    };
    states.push(s);
    worker.on('message', (m: FromWorker) => {
      s.lastSeenMs = performance.now();
      if (m.type === 'stderr') {
        if (m.text.startsWith('\niteration failed:')) {
          if (shown.has(m.text)) return;
          shown.add(m.text);
        }
        io.stderr.write(m.text);
      } else if (m.type === 'frame') {
        s.frame = m.doc;
        s.frames++;
        s.frameElapsedMs = m.elapsedMs;
        // Every running worker has sent this second: merge it now rather than up to a second late.
        const running = states.filter((x) => x.done === null && !x.exited && !x.loadEnded);
        const second = Math.min(...running.map((x) => x.frames));
        if (running.length > 0 && second > mergedSecond) {
          mergedSecond = second;
          judge();
        }
      } else if (m.type === 'setup') {
        for (const o of states)
          if (o !== s && !o.exited) o.worker.postMessage({ type: 'setup', data: m.data } satisfies ToWorker);
      } else if (m.type === 'loadEnded') {
        s.loadEnded = true;
        loadsEnded();
      } else if (m.type === 'alive') {
        // Seen (lastSeenMs above): its event loop turns.
      } else {
        s.done = { exitCode: m.exitCode, doc: m.doc, error: m.error, notes: m.notes };
        if (m.doc !== null) s.frame = m.doc;
        // setup() failed in worker 0, or a worker's test could not load: the others stop too.
        if (m.error !== undefined) stopAll();
        loadsEnded();
      }
    });
    worker.on('error', (e) => {
      s.failure ??= `${nameOf(s)} crashed: ${e instanceof Error ? e.message : String(e)}`;
      stopAll();
    });
    worker.on('exit', (code) => {
      s.exited = true;
      loadsEnded();
      if (s.done === null && !s.terminated) {
        s.failure ??= `${nameOf(s)} exited (code ${code}) before sending its results`;
        stopAll();
      }
      checkSettled();
    });
  }

  // Each second: a worker silent too long is said (a flow that never yields).
  const tick = setInterval(() => {
    const now = performance.now();
    // A worker that is silent holds no second back for ever: the others' figures go on.
    if (now - lastMergeAt > 1.5 * TICK_MS) judge();
    for (const s of states) {
      if (
        s.done !== null ||
        s.exited ||
        s.loadEnded ||
        s.warnedSilent ||
        now - s.lastSeenMs < SILENT_MS ||
        s.frame === null
      )
        continue;
      s.warnedSilent = true;
      const scenario = stuckScenario(scenarioNames, s.where);
      io.stderr.write(
        `\nsquall: ${nameOf(s)} has not answered for ${SILENT_MS / 1000} s${
          scenario === undefined ? '' : ` (scenario '${scenario}')`
        }: its test code does not yield; Ctrl-C ends the run\n`,
      );
    }
  }, TICK_MS);

  let result: ResultDocument | null = null;
  let outputError: unknown;
  try {
    await allSettled;
    clearInterval(tick);
    clearInterval(stopTimer);
    signals.dispose();
    await live.loadEnded();
    const docs = states.flatMap((s) => {
      if (s.done?.doc) return [s.done.doc];
      // A worker that never finished: its last second stands for it, cut short as an interrupt is
      // (the guard's, with every second the frames brought).
      if (s.frame === null) return [];
      const last = spec.whole === true ? (merged ?? s.frame) : s.frame;
      return [{ ...last, endReason: 'interrupted' as const }];
    });
    const failures = states.flatMap((s) => (s.failure === undefined ? [] : [s.failure]));
    const errors = states.flatMap((s) =>
      s.done?.error === undefined ? [] : [fromWire(s.done.error, nameOf(s), !!io.env.SQUALL_DEBUG)],
    );
    // Stopped before any worker's first second (a flow stuck from the start): the document of
    // nothing measured is still written, as the run says.
    const nothing: ResultDocument | null =
      docs.length === 0 && errors.length === 0
        ? { ...empty, endReason: signals.signal.aborted ? 'interrupted' : empty.endReason }
        : null;
    if (docs.length > 0 || nothing !== null) {
      result = nothing ?? (spec.whole === true ? docs[0]! : mergeWorkerDocuments(docs, count));
      rules.finish(result);
      const notes = [
        ...(rules.reason === undefined ? [] : [`stopped early: ${rules.reason}`]),
        ...states.flatMap((s) => s.done?.notes ?? []),
        ...failures.map((f) => `error: ${f}`),
      ];
      const { deliverResult } = await import('../deliver.js');
      await deliverResult(result, o, io, notes).catch((e: unknown) => {
        outputError = e;
      });
    }
    if (failures.length > 0) {
      // The first failure is the exit's reason (exit 1); the results of the others are written above.
      const interrupted =
        signals.signal.aborted && states.every((s) => s.failure === undefined || s.terminated);
      if (interrupted) {
        // Said with the results' notes above, unless nothing was written or notes are quiet.
        if (result === null || o.quiet) for (const f of failures) io.stderr.write(`squall: ${f}\n`);
      } else {
        if (outputError !== undefined && isSquallError(outputError))
          io.stderr.write(`${formatError(outputError)}\n`);
        throw new SquallError('SQ_WORKER_FAILED', failures.join('; '));
      }
    }
    if (errors.length > 0) {
      if (outputError !== undefined && isSquallError(outputError))
        io.stderr.write(`${formatError(outputError)}\n`);
      throw errors[0];
    }
    if (outputError !== undefined) throw outputError;
    if (result === null) return { exitCode: signals.signal.aborted ? 130 : 1, result: null };
    if (signals.signal.aborted || result.endReason === 'interrupted') return { exitCode: 130, result };
    return { exitCode: result.passed ? 0 : 99, result };
  } finally {
    clearInterval(tick);
    clearInterval(stopTimer);
    signals.dispose();
    // No thread outlives the run, whatever happened above.
    await Promise.all(states.map((s) => (s.exited ? undefined : s.worker.terminate())));
    await live.finish(result);
  }
}

function num(x: unknown): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : 0;
}

/** The live snapshot (progress line, stop rules' clock) of the merged document so far. */
function snapshotOf(
  doc: ResultDocument,
  elapsedMs: number,
  totalMs: number | undefined,
  total: WorkersSpec['total'],
) {
  const m = doc.metrics as unknown as Record<string, Record<string, unknown> | undefined>;
  const last = doc.timeline[doc.timeline.length - 1];
  const iterations = num(m.iterations?.count);
  return {
    elapsedMs,
    totalMs,
    requests: num(m.http_reqs?.count),
    rps: last?.rps ?? 0,
    p95Ms: last?.p95 ?? null,
    errors: num(m.http_req_failed?.fails),
    vus: num(m.vus?.value),
    ...(total === undefined
      ? {}
      : {
          count: {
            done: total.unit === 'iterations' ? iterations : num(m.http_reqs?.count),
            total: total.count,
            unit: total.unit,
          },
        }),
  };
}

/**
 * What the dashboard shows before the first second's documents arrive: the test, nothing
 * measured. `count` null: the guard's one thread, a run like one in this thread.
 */
async function emptyFrame(plan: TestPlan, count: number | null): Promise<ResultDocument> {
  const [{ buildResult }, { RunMetrics }] = await Promise.all([
    import('../../result/build-result.js'),
    import('../../metrics/run-metrics.js'),
  ]);
  const now = new Date();
  return buildResult({
    kind: 'run',
    metrics: new RunMetrics(),
    startedAt: now,
    endedAt: now,
    durationMs: 0,
    endReason: 'completed',
    config: count === null ? plan.config : { ...plan.config, workers: count },
    thresholds: plan.thresholds,
    perScenario: {},
    breakingPoint: null,
    monitor: null,
  });
}
