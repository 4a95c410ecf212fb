import { readFileSync } from 'node:fs';
import { setTimeout as sleepMs } from 'node:timers/promises';
import { spikeRecoverySec } from '../analysis/spike-recovery.js';
import { describeScenario } from '../config/describe-plan.js';
import type { MonitorPlan } from '../config/monitor.js';
import { proxyEnv } from '../config/proxy.js';
import type { ShardPlan } from '../config/shard.js';
import { executorFor } from '../engine/executors/index.js';
import { httpRecorder } from '../engine/http-recorder.js';
import type { TestPlan } from '../engine/plan.js';
import { type RunOutcome, runTest, type ScenarioOutcome } from '../engine/runner.js';
import { isScriptError, type ScriptError } from '../engine/script-error.js';
import { scaleCount } from '../engine/share.js';
import { formatError, isSquallError } from '../errors/index.js';
import { earlyFailuresConsumer } from '../live/early-failures.js';
import type { LiveDecision, LiveSource } from '../live/live.js';
import { startLive } from '../live/manager.js';
import { httpLiveTrends } from '../live/prometheus-extras.js';
import { abortOnFailConsumer, breakpointConsumer, stopOnErrorsConsumer } from '../live/stop-rules.js';
import { goodputSlos } from '../metrics/llm-completion.js';
import { createCheck, RunMetrics } from '../metrics/run-metrics.js';
import type { buildResult as BuildResult } from '../result/build-result.js';
import type { RunResultDocument } from '../result/build-run.js';
import type { ResultDocument, SpikeResult } from '../result/schema.js';
import { VERSION } from '../result/version.js';
import type { VuContext } from '../script-api/vu-context.js';
import { createDispatcher, createHttpClient } from '../transports/http/client.js';
import { CookieJar } from '../transports/http/cookie-jar.js';
import { h2ProtocolNotes } from '../transports/http/h2-session.js';
import { createWsClient, WsSessions } from '../transports/ws/ws-client.js';
import { parseDurationMs } from '../util/duration.js';
import { redactText } from '../util/redact.js';
import type { DeliverOptions } from './deliver.js';
import { httpDebugger } from './http-debug.js';
import type { SessionIO } from './io.js';
import { liveConsumers } from './live-setup.js';
import type { LoadWorkerHooks } from './run-http-load.js';
import { startMonitorsOrInterrupt } from './run-monitors.js';
import { abortOnSignals } from './signals.js';
import { ordinal, shardParts, waitForStart } from './start-at.js';
import { catchStrayScriptErrors, describeScriptError } from './stray-errors.js';

export interface RunOutputOptions extends DeliverOptions {
  /** Serve the live dashboard. */
  ui?: boolean;
  /** The target process to watch (`--monitor-pid`, `--monitor-cmd`). */
  monitor?: MonitorPlan | null;
  /** `--max-endpoints`: distinct request names kept apart (metrics/endpoint-names.ts). */
  maxEndpoints?: number;
  /** `--http-debug`: each exchange's head on stderr (http-debug.ts). */
  httpDebug?: boolean;
  /** `--stop-on-errors`: the share of failed requests that ends the run. */
  stopOnErrors?: number;
  /** `--shard I/N` (this process runs its slice of every scenario) and `--start-at`. */
  shard?: ShardPlan;
}

/**
 * How a run inside a worker thread of `--workers N` (workers/run-worker.ts) differs: its share of
 * the load, frames to the parent each second instead of live views, the parent's stop decisions,
 * and its document handed back instead of written.
 */
export interface WorkerHooks extends LoadWorkerHooks {
  /** Asked after each tick: the parent's decision (abortOnFail, breakpoint on the merged figures). */
  decision(): LiveDecision | undefined;
  /** The resolved plan as the worker runs it (its test code marked, stuck.ts). */
  prepare(plan: TestPlan): TestPlan;
  /**
   * The one thread of a plain `squall run` of a module test (its guard, run-workers.ts): it runs
   * the whole test, judges its own stop rules and its document is the run's, not a share's.
   */
  whole: boolean;
}

/** Host and port of the test's base URL: where a `--monitor-cmd` service is awaited. */
function targetAddress(target: string | undefined): { host: string; port: number } | undefined {
  if (target === undefined) return undefined;
  const u = new URL(target);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80),
  };
}

/** k6's sleep: a number is seconds; a string is a duration (`250ms`, `1s`). */
function sleepFor(signal: AbortSignal) {
  return (d: string | number): Promise<void> => {
    const ms = typeof d === 'number' ? d * 1000 : parseDurationMs(d);
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
      throw new Error(
        `sleep(${JSON.stringify(d)}): expected seconds as a number or a duration such as '500ms'`,
      );
    }
    return sleepMs(ms, undefined, { signal });
  };
}

/** Distinct flow errors printed while the test runs; the rest are counted in the summary. */
const MAX_SHOWN_ERRORS = 5;

/** ` (file:line)` of a script error whose place is known. */
function placeOf(e: ScriptError): string {
  const w = e.where;
  return w?.file && w.line ? ` (${w.file}:${w.line})` : '';
}

/**
 * What the progress shows as the run's end: the time (each scenario's start plus its own length,
 * gracefulStop left out) when every scenario runs for a time, the iterations when every one runs
 * a count. A count-bounded scenario's maxDuration is a safety net, not its length, so a mix of
 * both has no honest total and shows the elapsed time alone.
 */
export function progressBounds(plan: TestPlan): { totalMs?: number; totalIterations?: number } {
  const schedules = plan.scenarios.map((s) => executorFor(s.executor).plan(s.executor));
  if (schedules.every((x) => x.kind === 'iterations')) {
    return {
      totalIterations: schedules.reduce((n, x) => n + (x.kind === 'iterations' ? x.totalIterations : 0), 0),
    };
  }
  if (schedules.some((x) => x.kind === 'iterations')) return {};
  return {
    totalMs: Math.max(
      ...plan.scenarios.map((s) => s.startTimeMs + executorFor(s.executor).durationMs(s.executor)),
    ),
  };
}

/** The spike of a spike test: from the start of the stage that climbs to the peak to the end of the last one at it. */
function spikeWindow(plan: TestPlan): { startSec: number; endSec: number } | undefined {
  if (plan.preset !== 'spike') return undefined;
  const s = plan.scenarios[0];
  const e = s?.executor;
  if (!s || !e || (e.type !== 'ramping-vus' && e.type !== 'ramping-arrival-rate')) return undefined;
  const peak = Math.max(...e.stages.map((st) => st.target));
  let t = s.startTimeMs;
  let start: number | undefined;
  let end = t;
  for (const st of e.stages) {
    if (st.target === peak && start === undefined) start = t;
    t += st.durationMs;
    if (st.target === peak) end = t;
  }
  return start === undefined ? undefined : { startSec: start / 1000, endSec: end / 1000 };
}

/** A spike test's spike and how long p95 took to recover from it (analysis/), for the document. */
function spikeResult(plan: TestPlan, metrics: RunMetrics): SpikeResult | undefined {
  const w = spikeWindow(plan);
  if (w === undefined) return undefined;
  return { ...w, recoverySec: spikeRecoverySec(metrics.http.timeline, w.startSec, w.endSec) };
}

/**
 * Runs a resolved test plan: VUs with the HTTP client, the live consumers (progress on stderr,
 * abortOnFail and breakpoint's stop conditions) at every second's snapshot, then the outputs and
 * the summary. Returns the exit code (0, 99, 130) and the document (null when nothing ran).
 */
export async function runHttpTest(
  plan: TestPlan,
  o: RunOutputOptions,
  session: { io: SessionIO; signal?: AbortSignal; worker?: WorkerHooks },
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  const { io, worker } = session;
  // A worker runs its share as a shard of the run: its document is a shard document. The guard's
  // one thread runs the whole test, as this process would.
  const whole = worker === undefined || worker.whole;
  const shardPlan: ShardPlan | undefined = whole ? o.shard : { share: worker.share, startAt: null };
  // Scenarios whose first request counts from the iteration's planned start (`queue: true`);
  // k6's arrival-rate executors drop instead, and measure sending + waiting + receiving.
  const openScenarios = new Set(
    plan.scenarios.filter((s) => 'queue' in s.executor && s.executor.queue === true).map((s) => s.name),
  );
  const proxies = proxyEnv();
  const signals = abortOnSignals(io, session.signal);
  // The monitor starts first (a --monitor-cmd service must be ready before the load), so its
  // samples read the request count through this, once the metrics exist.
  let requestsSoFar = () => 0;
  const monitors = await startMonitorsOrInterrupt(
    o.monitor ?? null,
    targetAddress(plan.target),
    { quiet: o.quiet, stderr: io.stderr },
    signals,
    () => requestsSoFar(),
  );
  if (!monitors) return { exitCode: 130, result: null };
  const metrics = new RunMetrics({
    openModel: openScenarios.size > 0,
    maxEndpoints: o.maxEndpoints,
    // A shard's document (--shard, or one worker's) keeps every second's histogram, so that the merge is exact.
    keepBucketHistograms: shardPlan?.share !== undefined,
  });
  requestsSoFar = () => metrics.http.requests;
  for (const s of plan.scenarios) metrics.setScenarioTags(s.name, s.tags);
  metrics.watchUrls(plan.thresholds.flatMap((t) => (t.tags.url === undefined ? [] : [t.tags.url])));
  metrics.llmSlos = goodputSlos(plan.thresholds);
  const dispatcher = createDispatcher(undefined, {
    insecure: plan.tls.insecure,
    ca: plan.tls.ca,
    proxies,
    http2: plan.http2,
  });
  // undici loads on first use (start-up); loading it mid-run would stall the event loop once,
  // inflating the latencies in flight. A test that names an https URL or a streamed or form body
  // gets it before the load.
  dispatcher.prepareFor(plan.target, mayNeedUndici(plan.file));
  const bounds = progressBounds(plan);
  const share = o.shard?.share;
  const { totalMs } = bounds;
  // A shard's progress counts its own part of the iterations.
  const totalIterations =
    bounds.totalIterations === undefined ? undefined : scaleCount(bounds.totalIterations, share);
  if (!o.quiet && worker === undefined) {
    const names = plan.scenarios.map((s) => `${s.name} (${s.executor.type})`).join(', ');
    io.stderr.write(`squall run: ${plan.file}${plan.preset ? ` — preset ${plan.preset}` : ''} — ${names}\n`);
    // What each scenario will do, defaults applied, before the load.
    for (const s of plan.scenarios) io.stderr.write(`  ${s.name}: ${describeScenario(s)}\n`);
    if (share !== undefined)
      io.stderr.write(
        `  shard ${share.index + 1}/${share.count}: this process runs every ${share.count === 1 ? '' : `${ordinal(share.count)} `}VU, iteration and arrival of the above, from the ${ordinal(share.index + 1)} (squall merge adds the shards up)\n`,
      );
  }

  let lastTickMs = 0;
  const shownErrors = new Set<string>();
  /** A script error, in errors[] as kind `exception`; like k6, shown as it happens, a few distinct ones. */
  const scriptErrorSeen = (raw: string) => {
    const message = redactText(raw);
    metrics.http.errors.add('exception', message);
    if (!o.quiet && shownErrors.size < MAX_SHOWN_ERRORS && !shownErrors.has(message)) {
      shownErrors.add(message);
      io.stderr.write(`\niteration failed: ${message}\n`);
    }
  };

  const abortOnFail = abortOnFailConsumer(plan.thresholds, metrics);
  const breakpoint = breakpointConsumer(plan.stopConditions, metrics);
  const stopOnErrors =
    o.stopOnErrors === undefined
      ? undefined
      : stopOnErrorsConsumer(
          o.stopOnErrors,
          plan.thresholds.find((t) => t.where?.flag === '--stop-on-errors'),
          metrics,
        );
  const earlyFailures = earlyFailuresConsumer(
    metrics,
    (line) => io.stderr.write(`\n${line}`),
    stopOnErrors !== undefined,
    () => stopOnErrors?.abortedBy !== undefined,
  );
  const debugHttp = o.httpDebug ? httpDebugger((t) => io.stderr.write(t), plan.defaults.headers) : undefined;
  let startedAt = new Date();
  // The document builder and the reporters load after the run (start-up: load only what the
  // run uses), unless a live view builds documents during it: the dashboard, Prometheus.
  const framesDuringRun =
    worker !== undefined ||
    o.ui === true ||
    o.outputs.some((x) => x.kind === 'prometheus' || x.kind === 'prometheus-rw');
  let buildResult: typeof BuildResult | null = null;
  if (framesDuringRun) {
    buildResult = (await import('../result/build-result.js')).buildResult;
    // Frames encode histograms: the codec is loaded before the load, not mid-run (EMFILE).
    (await import('../util/hdr.js')).loadHdrCodec();
  }
  let scenariosSoFar: () => Record<string, ScenarioOutcome> = () => ({});
  const source: LiveSource = {
    frame: () => ({
      // Loaded above whenever a consumer asks for frames.
      doc: buildResult!({
        kind: 'run',
        metrics,
        startedAt,
        endedAt: new Date(),
        durationMs: metrics.elapsedMs(),
        endReason: 'completed',
        config: plan.config,
        thresholds: plan.thresholds,
        perScenario: scenariosSoFar(),
        breakingPoint: breakpoint.breakingPoint,
        monitor: monitors.current(),
        ...shardParts(shardPlan),
      }),
      elapsedMs: metrics.elapsedMs(),
      totalMs,
    }),
    trends: () => httpLiveTrends(metrics.http, { iteration_duration: metrics.selectIterations({}).duration }),
    stop: () => signals.stop('stopped from the dashboard'),
  };
  let live: Awaited<ReturnType<typeof startLive>>;
  try {
    live = await startLive(
      // A worker's figures are a share: the parent judges and shows the merged ones. The guard's
      // thread judges its own; the parent shows them.
      !whole
        ? []
        : [
            ...(worker === undefined
              ? liveConsumers({ quiet: o.quiet, color: o.color, ui: o.ui === true, outputs: o.outputs }, io)
              : []),
            abortOnFail,
            breakpoint,
            ...(stopOnErrors ? [stopOnErrors] : []),
            earlyFailures,
          ],
      source,
    );
  } catch (e) {
    signals.dispose();
    await monitors.finish();
    throw e;
  }
  let outcome: RunOutcome;
  let result: RunResultDocument | null = null;
  // The runner asks right after each tick whether to stop: the tick's snapshot answered it.
  let decision: LiveDecision | undefined;
  // setup(), teardown() or a think function that threw: reported after the outputs are written.
  let scriptError: ScriptError | undefined;
  let outputError: unknown;
  const stopCatching = catchStrayScriptErrors(plan.file, scriptErrorSeen);
  // Each VU's cookie jar, by its VuInfo, for its hooks' contexts.
  const jars = new WeakMap<object, CookieJar>();
  // WebSocket sessions a flow left open: closed (1001) when the load ends.
  const wsSessions = new WsSessions();
  const wsFault = (kind: string, example: string) => metrics.http.errors.add(kind, example);
  const wsBytes = (sent: number, received: number) => {
    metrics.http.bytesSent += sent;
    metrics.http.bytesReceived += received;
  };
  try {
    try {
      await waitForStart(o.shard?.startAt ?? null, io, { quiet: o.quiet, signal: signals.signal });
      startedAt = new Date();
      monitors.loadStarted();
      metrics.start();
      outcome = await runTest(
        plan,
        {
          makeContext(info, signal, data, phase): VuContext {
            // setup and teardown: scenario and user `(before)`/`(after)`, no scenario tags.
            const own = phase === 'before' || phase === 'after';
            const tags = {
              ...(own ? {} : plan.scenarios.find((s) => s.name === info.scenario)?.tags),
              scenario: info.scenario,
              user: info.user,
              ...(phase === undefined ? {} : { phase }),
            };
            // A VU's onStart and onStop share its iterations' cookies (a login's session).
            let cookies = phase === undefined ? undefined : jars.get(info);
            if (cookies === undefined) {
              cookies = new CookieJar();
              jars.set(info, cookies);
            }
            const http = createHttpClient({
              baseUrl: plan.target,
              defaultHeaders: plan.defaults.headers,
              defaultTimeoutMs: plan.defaults.timeoutMs,
              ...(plan.defaults.redirects === undefined ? {} : { maxRedirects: plan.defaults.redirects }),
              userAgent: `squall/${VERSION}`,
              metrics,
              tags,
              cookies,
              signal,
              dispatcher,
              sink: httpRecorder(
                metrics,
                phase === undefined && openScenarios.has(info.scenario) ? info : undefined,
              ),
              discardResponseBodies: plan.discardResponseBodies === true,
            });
            const ws = createWsClient({
              baseUrl: plan.target,
              defaultHeaders: plan.defaults.headers,
              defaultTimeoutMs: plan.defaults.timeoutMs,
              userAgent: `squall/${VERSION}`,
              signal,
              tls: { insecure: plan.tls.insecure, ...(plan.tls.ca === undefined ? {} : { ca: plan.tls.ca }) },
              sessions: wsSessions,
              fault: wsFault,
              bytes: wsBytes,
            });
            return {
              http: debugHttp ? debugHttp(http) : http,
              ws,
              check: createCheck(metrics, tags),
              sleep: sleepFor(signal),
              env: plan.env,
              data,
              vu: info,
              signal,
            };
          },
          onHookError(e) {
            scriptErrorSeen(`${e.scenario}/${e.user} ${e.phase}: ${describeScriptError(e.error, plan.file)}`);
          },
          onIteration(e) {
            metrics.recordIteration(e.durationMs, e, e.ok);
            // A flow that threw: grouped by message like a target fault, so the summary says why.
            if (e.ok) return;
            const where = e.phase === undefined ? '' : ` ${e.phase}`;
            scriptErrorSeen(`${e.scenario}/${e.user}${where}: ${describeScriptError(e.error, plan.file)}`);
          },
          onStart(perScenario) {
            scenariosSoFar = perScenario;
          },
          share: shardPlan?.share,
          onDropped: (scenario, count) => metrics.recordDropped(scenario, count),
          onVus: (active, max) => metrics.setVus(active, max),
          onTick(elapsedMs) {
            metrics.closeSecond(elapsedMs / 1000, (elapsedMs - lastTickMs) / 1000);
            lastTickMs = elapsedMs;
            if (worker !== undefined) {
              worker.frame(elapsedMs, () => source.frame().doc);
              decision = worker.decision();
              if (!worker.whole) return;
            }
            const snap = metrics.snapshot();
            decision = live.snapshot({
              elapsedMs,
              totalMs,
              ...snap,
              ...(totalIterations === undefined
                ? {}
                : { count: { done: snap.iterations, total: totalIterations, unit: 'iterations' } }),
            });
          },
          shouldAbort() {
            const d = decision;
            decision = undefined;
            return d;
          },
        },
        signals.signal,
      ).catch((e: unknown) => {
        // Once the load ran (teardown, a think function), what ran is still written.
        if (!isScriptError(e) || e.outcome === undefined) throw e;
        scriptError = e;
        metrics.http.errors.add('exception', `${e.message}${placeOf(e)}`);
        return e.outcome as RunOutcome;
      });
    } finally {
      signals.dispose();
      await wsSessions.closeAll();
      await live.loadEnded();
    }
    // Node reports a rejection nobody handled once the microtasks ran out: let the last
    // iterations' ones arrive before the figures are taken.
    await new Promise((r) => setImmediate(r));
    metrics.closeSecond(outcome.durationMs / 1000, (outcome.durationMs - lastTickMs) / 1000);
    // Every request has settled by now: destroy rather than close, which would wait for connects
    // still pending inside undici (a request that timed out connecting) for undici's own 10 s.
    await dispatcher.destroy().catch(() => {});
    const watched = await monitors.finish();
    const { breakingPoint } = breakpoint;
    const abortedBy = abortOnFail.abortedBy ?? stopOnErrors?.abortedBy;
    buildResult ??= (await import('../result/build-result.js')).buildResult;
    result = buildResult({
      kind: 'run',
      metrics,
      startedAt: outcome.startedAt,
      endedAt: outcome.endedAt,
      durationMs: outcome.durationMs,
      // A breakpoint test that found its limit did what it was for: say so, not 'threshold-abort'.
      endReason:
        breakingPoint && outcome.endReason === 'threshold-abort' ? 'breaking-point' : outcome.endReason,
      config: plan.config,
      thresholds: plan.thresholds,
      perScenario: outcome.perScenario,
      breakingPoint,
      spike: spikeResult(plan, metrics),
      ...(abortedBy && outcome.endReason === 'threshold-abort' ? { abortedBy } : {}),
      ...watched,
      ...shardParts(shardPlan),
    });
    const notes = [
      ...(outcome.abortReason ? [`stopped early: ${outcome.abortReason}`] : []),
      ...metrics.warnings.map((w) => `warning: ${w}`),
      ...h2ProtocolNotes(result.endpoints),
    ];
    if (worker !== undefined) {
      // The parent writes every output, from the merged document; a worker's notes go with its
      // lines, the guard's with the run's summary.
      if (!worker.whole) for (const note of notes) io.stderr.write(`${note}\n`);
      worker.finished(result, worker.whole ? notes : undefined);
    } else {
      const { deliverResult } = await import('./deliver.js');
      await deliverResult(result, o, io, notes).catch((e: unknown) => {
        outputError = e;
      });
    }
  } finally {
    stopCatching();
    await live.finish(result);
    await monitors.finish();
  }
  if (scriptError) {
    // Both failed: the output's error is said here, the script's is the exit's reason.
    if (outputError !== undefined && isSquallError(outputError))
      io.stderr.write(`${formatError(outputError)}\n`);
    throw scriptError;
  }
  if (outputError !== undefined) throw outputError;
  if (outcome.endReason === 'interrupted') return { exitCode: 130, result };
  const died = monitors.diedError(result.monitor);
  if (died) throw died;
  return { exitCode: result.passed ? 0 : 99, result };
}

/** Whether the test file's own text names what only undici carries (https, form or stream bodies). */
function mayNeedUndici(file: string): boolean {
  try {
    return /https:\/\/|\bFormData\b|\bBlob\b|\bReadableStream\b|\bURLSearchParams\b/.test(
      readFileSync(file, 'utf8'),
    );
  } catch {
    return false;
  }
}
