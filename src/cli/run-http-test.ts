import { setTimeout as sleepMs } from 'node:timers/promises';
import { breakingPointAt, crossedStopCondition } from '../analysis/breaking-point.js';
import type { MonitorPlan } from '../config/monitor.js';
import type { TestPlan } from '../config/plan.js';
import { proxyEnv } from '../config/proxy.js';
import { executorFor } from '../engine/executors/index.js';
import { httpRecorder } from '../engine/http-recorder.js';
import { type RunOutcome, runTest, type ScenarioOutcome } from '../engine/runner.js';
import { ScriptError } from '../engine/script-error.js';
import type { VuContext } from '../engine/vu-context.js';
import { formatError, isSquallError } from '../errors/index.js';
import { createCheck, RunMetrics } from '../metrics/run-metrics.js';
import { buildRunResult, type RunParts, runMetricsLookup } from '../result/build-run.js';
import type { BreakingPoint } from '../result/schema.js';
import { VERSION } from '../result/version.js';
import { evaluateThreshold, formatAggregation, isTimeAggregation } from '../thresholds/index.js';
import { createDispatcher, createHttpClient } from '../transports/http/client.js';
import { CookieJar } from '../transports/http/cookie-jar.js';
import type { LiveSource } from '../ui/live.js';
import { createProgress } from '../ui/progress.js';
import { httpLiveTrends } from '../ui/prometheus-extras.js';
import { parseDurationMs } from '../util/duration.js';
import { redactText } from '../util/redact.js';
import { type DeliverOptions, deliverResult } from './deliver.js';
import { abortOnSignals, useColor } from './io.js';
import { startLiveViews } from './live-views.js';
import { startMonitorsOrInterrupt } from './run-monitors.js';
import { catchStrayScriptErrors, describeScriptError } from './stray-errors.js';

export interface RunOutputOptions extends DeliverOptions {
  /** Serve the live dashboard. */
  ui?: boolean;
  /** The target process to watch (`--monitor-pid`, `--monitor-cmd`). */
  monitor?: MonitorPlan | null;
  /** `--max-endpoints`: distinct request names kept apart (metrics/endpoint-names.ts). */
  maxEndpoints?: number;
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
function progressBounds(plan: TestPlan): { totalMs?: number; totalIterations?: number } {
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

/**
 * Runs a resolved test plan from the CLI: VUs with the HTTP client, live progress on stderr,
 * abortOnFail and breakpoint's stop conditions checked every second, then the outputs and the
 * summary. Returns the exit code (0, 99, 130).
 */
export async function runHttpTest(plan: TestPlan, o: RunOutputOptions): Promise<number> {
  // Scenarios whose first request counts from the iteration's planned start (`queue: true`);
  // k6's arrival-rate executors drop instead, and measure sending + waiting + receiving.
  const openScenarios = new Set(
    plan.scenarios.filter((s) => 'queue' in s.executor && s.executor.queue === true).map((s) => s.name),
  );
  const proxies = proxyEnv();
  const signals = abortOnSignals();
  // The monitor starts first (a --monitor-cmd service must be ready before the load), so its
  // samples read the request count through this, once the metrics exist.
  let requestsSoFar = () => 0;
  const monitors = await startMonitorsOrInterrupt(
    o.monitor ?? null,
    targetAddress(plan.target),
    o.quiet,
    signals,
    () => requestsSoFar(),
  );
  if (!monitors) return 130;
  const metrics = new RunMetrics({ openModel: openScenarios.size > 0, maxEndpoints: o.maxEndpoints });
  requestsSoFar = () => metrics.http.requests;
  for (const s of plan.scenarios) metrics.setScenarioTags(s.name, s.tags);
  metrics.watchUrls(plan.thresholds.flatMap((t) => (t.tags.url === undefined ? [] : [t.tags.url])));
  const dispatcher = createDispatcher(undefined, { insecure: plan.tls.insecure, ca: plan.tls.ca, proxies });
  const { totalMs, totalIterations } = progressBounds(plan);
  const progress = o.quiet
    ? null
    : createProgress({
        stream: process.stderr,
        isTTY: process.stderr.isTTY === true,
        color: useColor(process.stderr, o.color),
      });
  if (!o.quiet) {
    const names = plan.scenarios.map((s) => `${s.name} (${s.executor.type})`).join(', ');
    process.stderr.write(
      `squall run: ${plan.file}${plan.preset ? ` — preset ${plan.preset}` : ''} — ${names}\n`,
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
      process.stderr.write(`\niteration failed: ${message}\n`);
    }
  };

  let breakingPoint: BreakingPoint | null = null;
  const abortable = plan.thresholds.filter((t) => t.abortOnFail);
  // The threshold that aborted the run: it fails, whatever the final data say.
  let abortedBy: RunParts['abortedBy'];
  let startedAt = new Date();
  let scenariosSoFar: () => Record<string, ScenarioOutcome> = () => ({});
  const source: LiveSource = {
    frame: () => ({
      doc: buildRunResult({
        metrics,
        startedAt,
        endedAt: new Date(),
        durationMs: metrics.elapsedMs(),
        endReason: 'completed',
        config: plan.config,
        thresholds: plan.thresholds,
        perScenario: scenariosSoFar(),
        breakingPoint,
        monitor: monitors.current(),
      }),
      elapsedMs: metrics.elapsedMs(),
      totalMs,
    }),
    trends: () => httpLiveTrends(metrics.http, { iteration_duration: metrics.selectIterations({}).duration }),
    stop: () => signals.stop('stopped from the dashboard'),
  };
  let live: Awaited<ReturnType<typeof startLiveViews>>;
  try {
    live = await startLiveViews({ ui: o.ui === true, outputs: o.outputs }, source);
  } catch (e) {
    signals.dispose();
    await monitors.finish();
    throw e;
  }
  let outcome: RunOutcome;
  let result: ReturnType<typeof buildRunResult> | null = null;
  // setup(), teardown() or a think function that threw: reported after the outputs are written.
  let scriptError: ScriptError | undefined;
  let outputError: unknown;
  const stopCatching = catchStrayScriptErrors(plan.file, scriptErrorSeen);
  try {
    try {
      startedAt = new Date();
      monitors.loadStarted();
      metrics.start();
      outcome = await runTest(
        plan,
        {
          makeContext(info, signal, data): VuContext {
            const tags = {
              ...plan.scenarios.find((s) => s.name === info.scenario)?.tags,
              scenario: info.scenario,
              user: info.user,
            };
            return {
              http: createHttpClient({
                baseUrl: plan.target,
                defaultHeaders: plan.defaults.headers,
                defaultTimeoutMs: plan.defaults.timeoutMs,
                userAgent: `squall/${VERSION}`,
                metrics,
                tags,
                cookies: new CookieJar(),
                signal,
                dispatcher,
                sink: httpRecorder(metrics, openScenarios.has(info.scenario) ? info : undefined),
                discardResponseBodies: plan.discardResponseBodies === true,
              }),
              check: createCheck(metrics, tags),
              sleep: sleepFor(signal),
              env: plan.env,
              data,
              vu: info,
              signal,
            };
          },
          onIteration(e) {
            metrics.recordIteration(e.durationMs, e, e.ok);
            // A flow that threw: grouped by message like a target fault, so the summary says why.
            if (e.ok) return;
            scriptErrorSeen(`${e.scenario}/${e.user}: ${describeScriptError(e.error, plan.file)}`);
          },
          onStart(perScenario) {
            scenariosSoFar = perScenario;
          },
          onDropped: (scenario, count) => metrics.recordDropped(scenario, count),
          onVus: (active, max) => metrics.setVus(active, max),
          onTick(elapsedMs) {
            metrics.closeSecond(elapsedMs / 1000, (elapsedMs - lastTickMs) / 1000);
            lastTickMs = elapsedMs;
            const snap = metrics.snapshot();
            progress?.update({
              elapsedMs,
              totalMs,
              ...snap,
              ...(totalIterations === undefined
                ? {}
                : { count: { done: snap.iterations, total: totalIterations, unit: 'iterations' } }),
            });
          },
          shouldAbort(loadMs) {
            // Answered once: the first crossing is the one the run stopped on.
            if (abortedBy !== undefined || breakingPoint !== null) return undefined;
            const elapsed = metrics.elapsedMs();
            for (const t of abortable) {
              if (elapsed < (t.delayAbortEvalMs ?? 0)) continue;
              const r = evaluateThreshold(t, runMetricsLookup(metrics, elapsed));
              if (r.actual !== null && !r.ok) {
                abortedBy = { threshold: t, atSec: loadMs / 1000, actual: r.actual };
                const value = `${formatAggregation(t.aggregation)}=${+r.actual.toFixed(3)}${isTimeAggregation(t.aggregation) ? 'ms' : ''}`;
                return {
                  reason: `threshold ${r.metric} '${r.expr}' crossed at ${(loadMs / 1000).toFixed(1)}s with ${value} (abortOnFail)`,
                };
              }
            }
            const c = plan.stopConditions;
            const crossed = c && crossedStopCondition(metrics.http.timeline, c);
            if (c && crossed) {
              breakingPoint = breakingPointAt(metrics.http.timeline, c, crossed, metrics.vus.value);
              // The iterations running at the limit finish: their latencies are the evidence.
              return { reason: `breaking point: ${crossed.reason}`, graceful: true };
            }
            return undefined;
          },
        },
        signals.signal,
      ).catch((e: unknown) => {
        // Once the load ran (teardown, a think function), what ran is still written.
        if (!(e instanceof ScriptError) || e.outcome === undefined) throw e;
        scriptError = e;
        metrics.http.errors.add('exception', `${e.message}${placeOf(e)}`);
        return e.outcome as RunOutcome;
      });
    } finally {
      signals.dispose();
      progress?.finish();
    }
    // Node reports a rejection nobody handled once the microtasks ran out: let the last
    // iterations' ones arrive before the figures are taken.
    await new Promise((r) => setImmediate(r));
    metrics.closeSecond(outcome.durationMs / 1000, (outcome.durationMs - lastTickMs) / 1000);
    // Every request has settled by now: destroy rather than close, which would wait for connects
    // still pending inside undici (a request that timed out connecting) for undici's own 10 s.
    await dispatcher.destroy().catch(() => {});
    const watched = await monitors.finish();

    result = buildRunResult({
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
      spike: spikeWindow(plan),
      ...(abortedBy && outcome.endReason === 'threshold-abort' ? { abortedBy } : {}),
      ...watched,
    });
    const notes = [
      ...(outcome.abortReason ? [`stopped early: ${outcome.abortReason}`] : []),
      ...metrics.warnings.map((w) => `warning: ${w}`),
    ];
    await deliverResult(result, o, notes).catch((e: unknown) => {
      outputError = e;
    });
  } finally {
    stopCatching();
    await live.finish(result);
    await monitors.finish();
  }
  if (scriptError) {
    // Both failed: the output's error is said here, the script's is the exit's reason.
    if (outputError !== undefined && isSquallError(outputError))
      process.stderr.write(`${formatError(outputError)}\n`);
    throw scriptError;
  }
  if (outputError !== undefined) throw outputError;
  if (outcome.endReason === 'interrupted') return 130;
  const died = monitors.diedError(result.monitor);
  if (died) throw died;
  return result.passed ? 0 : 99;
}
