import type {
  MetricKind,
  ParsedThreshold,
  SourceLookup,
  ThresholdCrossing,
  ThresholdSource,
} from '../thresholds/index.js';
import { abortedResult, evaluateThresholds } from '../thresholds/index.js';
import { tagsMatch } from '../util/tags.js';
import { TrendHistogram } from '../util/trend-histogram.js';
import { round } from '../util/units.js';
import { HTTP_RUN_METRICS } from './build.js';
import {
  counterSummary,
  type HttpTotals,
  httpMetricsSummary,
  httpParts,
  httpTotals,
  httpTotalsSource,
  httpTrends,
  isMonitorMetric,
  monitorSource,
  rateSeconds,
  rateSource,
  resultDocument,
  trendSource,
  trendSummary,
  valueSource,
} from './common.js';
import type { CustomMetricView, CustomSeriesView, RunMetricsView } from './metrics-view.js';
import type {
  BreakingPoint,
  CheckResult,
  EndReason,
  GaugeSummary,
  GeneratorHealth,
  MetricSummary,
  Metrics,
  MonitorResult,
  RateSummary,
  ResultDocument,
  ScenarioResult,
  SpikeResult,
} from './schema.js';
import { type ShardParts, shardSection } from './shard-section.js';

export type { CheckResult, ScenarioResult, SpikeResult };

/**
 * The result document of `squall run`: quick's document (common.ts builds both) plus what a
 * scripted test adds — iterations, checks, custom metrics, per-scenario and per-user counts —
 * and the threshold answers over all of it, tag filters included.
 */

/** What the engine knows of a scenario that the metrics do not. */
export interface ScenarioParts {
  /** Iterations cut short by the end of the scenario (gracefulStop ran out, interrupt, abort). */
  interrupted: number;
  vusMax: number;
  /** VUs given to each user type. */
  users: Record<string, { vus: number }>;
}

export interface RunParts {
  metrics: RunMetricsView;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  endReason: EndReason;
  config: Record<string, unknown>;
  thresholds: readonly ParsedThreshold[];
  perScenario: Record<string, ScenarioParts>;
  breakingPoint?: BreakingPoint | null;
  monitor?: MonitorResult | null;
  generator?: GeneratorHealth | null;
  /** A spike test's spike, seconds since the start, and its recovery time (the session's analysis). */
  spike?: SpikeResult;
  /** The abortOnFail threshold (one of `thresholds`) that stopped the run, and when. */
  abortedBy?: ThresholdCrossing & { threshold: ParsedThreshold };
  /** `--shard I/N`: the document carries the shard section (shard-section.ts). */
  shard?: ShardParts;
}

/** `squall run`'s document: the added fields of a scripted test are always there. */
export interface RunResultDocument extends ResultDocument {
  checks: CheckResult[];
  scenarios: Record<string, ScenarioResult>;
}

/** The built-in metrics of `squall run`, by kind. */
const RUN_BUILTINS: ReadonlyMap<string, MetricKind> = new Map<string, MetricKind>([
  ...HTTP_RUN_METRICS,
  ['iterations', 'counter'],
  ['iteration_duration', 'trend'],
  ['checks', 'rate'],
]);

/** What thresholds may name in `squall run`: the built-ins and every declared custom metric. */
export function runMetricKinds(metrics?: Pick<RunMetricsView, 'customMetrics'>): Map<string, MetricKind> {
  const kinds = new Map(RUN_BUILTINS);
  for (const m of metrics?.customMetrics() ?? []) kinds.set(m.name, m.kind);
  return kinds;
}

/** The same, under the name the config layer asked for. */
export const RUN_METRIC_KINDS = runMetricKinds;

/**
 * The tags each built-in can be filtered by; `null` means any (extra request or check tags), and
 * a built-in not listed keeps no per-tag data. config/threshold-scope.ts checks filters with it
 * before the load.
 */
export const RUN_TAG_FILTERS: ReadonlyMap<string, readonly string[] | null> = new Map<
  string,
  readonly string[] | null
>([
  ['http_req_duration', null],
  ['http_reqs', null],
  ['http_req_failed', null],
  ['checks', null],
  // Scenario tags too (checked against the test's tags in threshold-scope.ts).
  ['iterations', null],
  ['iteration_duration', null],
  ['dropped_iterations', ['scenario']],
]);

/** Whether `metric` is one of `squall run`'s own metrics (not a custom one). */
export function isRunBuiltin(metric: string): boolean {
  return RUN_BUILTINS.has(metric);
}

/** A custom metric's series that carry every tag of `filter`. */
function customSeries(m: CustomMetricView, filter: Record<string, string>): CustomSeriesView[] {
  const all = [m.untagged, ...m.tagged.values()];
  if (Object.keys(filter).length === 0) return all;
  return all.filter((s) => tagsMatch(s.tags, filter));
}

interface CustomTotals {
  samples: number;
  sum: number;
  trues: number;
  /** Gauge: the value set last among the selected series. */
  last: number;
  min: number;
  max: number;
  trend: TrendHistogram | null;
}

function customTotals(m: CustomMetricView, filter: Record<string, string>): CustomTotals {
  const out: CustomTotals = {
    samples: 0,
    sum: 0,
    trues: 0,
    last: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    trend: m.kind === 'trend' ? new TrendHistogram() : null,
  };
  let lastSeq = 0;
  for (const s of customSeries(m, filter)) {
    if (s.samples === 0) continue;
    out.samples += s.samples;
    out.sum += s.sum;
    out.trues += s.trues;
    if (s.lastSeq >= lastSeq) {
      lastSeq = s.lastSeq;
      out.last = s.last;
    }
    if (s.min < out.min) out.min = s.min;
    if (s.max > out.max) out.max = s.max;
    if (s.trend !== null) out.trend!.add(s.trend);
  }
  return out;
}

function customSource(
  m: CustomMetricView,
  tags: Record<string, string>,
  sec: number,
): ThresholdSource | undefined {
  const t = customTotals(m, tags);
  switch (m.kind) {
    case 'counter':
      // Nothing added (or nothing with these tags): no data, not a count of 0.
      return t.samples === 0 ? undefined : valueSource('counter', { count: t.sum, rate: t.sum / sec });
    case 'rate':
      return rateSource(t.trues, t.samples);
    case 'gauge':
      return t.samples === 0 ? undefined : valueSource('gauge', { value: t.last });
    case 'trend':
      return trendSource(t.trend!);
  }
}

function customSummary(m: CustomMetricView, sec: number): MetricSummary {
  const t = customTotals(m, {});
  switch (m.kind) {
    case 'counter':
      return { kind: 'counter', unit: 'count', ...counterSummary(t.sum, sec) };
    case 'rate':
      return {
        kind: 'rate',
        unit: 'ratio',
        rate: t.samples === 0 ? 0 : round(t.trues / t.samples, 6),
        fails: t.samples - t.trues,
        total: t.samples,
      };
    case 'gauge': {
      const g = t.samples === 0 ? { value: 0, min: 0, max: 0 } : { value: t.last, min: t.min, max: t.max };
      return { kind: 'gauge', unit: 'count', ...g };
    }
    case 'trend':
      // k6's isTime: a time trend's values are milliseconds; any other is a plain quantity.
      return { kind: 'trend', unit: m.isTime ? 'ms' : 'count', ...trendSummary(t.trend!) };
  }
}

function hasTags(tags: Record<string, string>): boolean {
  for (const _ in tags) return true;
  return false;
}

/**
 * Threshold answers over a run's metrics, tag filters included. Rates per second are over
 * `durationMs` (the run's length), or the time since the metrics started while the run goes on
 * (abortOnFail checks). One rule for every kind: a (sub-)metric that no sample matched answers
 * nothing, and the threshold fails with `actual: null`. Zero is data only for what the engine
 * measures whatever happens: the run-wide http_reqs, iterations, data_sent, data_received,
 * dropped_iterations (also per scenario), vus and vus_max.
 */
export function runMetricsLookup(metrics: RunMetricsView, durationMs?: number): SourceLookup {
  // The final answers may share one set of totals; live ones (abortOnFail) must see new data.
  let totals: HttpTotals | null = null;
  return (metric, tags) => {
    // The final answers count over the document's own duration (rateSeconds).
    const sec =
      durationMs === undefined ? Math.max(metrics.elapsedMs() / 1000, 1e-9) : rateSeconds(durationMs);
    const tagged = hasTags(tags);
    switch (metric) {
      case 'http_req_duration':
      case 'http_reqs':
      case 'http_req_failed': {
        if (!tagged) break;
        const sel = metrics.selectHttp(tags, metric === 'http_req_duration');
        if (metric === 'http_req_duration') return trendSource(sel.duration);
        if (metric === 'http_reqs')
          return sel.count === 0
            ? undefined
            : valueSource('counter', { count: sel.count, rate: sel.count / sec });
        return rateSource(sel.failed, sel.count);
      }
      case 'iterations':
      case 'iteration_duration': {
        const sel = metrics.selectIterations(tags, metric === 'iteration_duration');
        if (metric === 'iteration_duration') return trendSource(sel.duration);
        if (tagged && sel.count === 0) return undefined;
        return valueSource('counter', { count: sel.count, rate: sel.count / sec });
      }
      case 'checks': {
        const { passes, fails } = metrics.selectChecks(tags);
        const total = passes + fails;
        return rateSource(passes, total);
      }
      case 'dropped_iterations': {
        if (!tagged) break;
        if (Object.keys(tags).some((k) => k !== 'scenario')) return undefined;
        const n = metrics.dropped(tags.scenario);
        return valueSource('counter', { count: n, rate: n / sec });
      }
      case 'vus':
      case 'vus_max':
        if (tagged) return undefined;
        return valueSource('gauge', { value: (metric === 'vus' ? metrics.vus : metrics.vusMax).value });
      default: {
        if (RUN_BUILTINS.has(metric)) break;
        const custom = metrics.customMetrics().find((m) => m.name === metric);
        return custom === undefined ? undefined : customSource(custom, tags, sec);
      }
    }
    // Built-ins without a tag filter: the run-wide figures, as in `squall quick`.
    if (tagged) return undefined;
    const t = totals ?? httpTotals(metrics.http);
    if (durationMs !== undefined) totals = t;
    return httpTotalsSource(metrics.http, t, metric, sec);
  };
}

function gaugeSummary(g: { value: number; min: number; max: number }): GaugeSummary {
  return { value: g.value, min: g.min, max: g.max };
}

/** `checks[]`: counts per check name, over every tag combination, in first-seen order. */
function checkResults(metrics: RunMetricsView): CheckResult[] {
  const byName = new Map<string, CheckResult>();
  for (const c of metrics.checkCells) {
    let r = byName.get(c.name);
    if (r === undefined) {
      r = { name: c.name, passes: 0, fails: 0 };
      byName.set(c.name, r);
    }
    r.passes += c.passes;
    r.fails += c.fails;
  }
  return [...byName.values()];
}

function scenarioResults(
  metrics: RunMetricsView,
  parts: Record<string, ScenarioParts>,
): Record<string, ScenarioResult> {
  const out: Record<string, ScenarioResult> = {};
  const get = (name: string): ScenarioResult => {
    let s = out[name];
    if (s === undefined) {
      const p = parts[name];
      s = {
        iterations: 0,
        failedIterations: 0,
        dropped: metrics.dropped(name),
        interrupted: p?.interrupted ?? 0,
        vusMax: p?.vusMax ?? 0,
        users: {},
      };
      for (const [user, u] of Object.entries(p?.users ?? {})) s.users[user] = { vus: u.vus, iterations: 0 };
      out[name] = s;
    }
    return s;
  };
  for (const name of Object.keys(parts)) get(name);
  for (const name of metrics.scenarioNames()) get(name);
  for (const c of metrics.iterationCells) {
    const s = get(c.scenario);
    s.iterations += c.count;
    s.failedIterations += c.failed;
    const u = s.users[c.user];
    if (u === undefined) s.users[c.user] = { vus: 0, iterations: c.count };
    else u.iterations += c.count;
  }
  return out;
}

/** Builds the result document of `squall run`, thresholds evaluated. */
export function buildRunResult(p: RunParts): RunResultDocument {
  const rm = p.metrics;
  const m = rm.http;
  const sec = rateSeconds(p.durationMs);
  const totals = httpTotals(m);
  const fromRun = runMetricsLookup(rm, p.durationMs);
  const abortedBy = p.abortedBy;
  const monitored = monitorSource(p.monitor, p.generator);
  const lookup: SourceLookup = (metric, tags) =>
    isMonitorMetric(metric) ? monitored(metric) : fromRun(metric, tags);
  const thresholds = evaluateThresholds(p.thresholds, lookup).map((r, i) =>
    abortedBy !== undefined && abortedBy.threshold === p.thresholds[i] ? abortedResult(r, abortedBy) : r,
  );

  const iterationDuration = new TrendHistogram();
  for (const c of rm.iterationCells) iterationDuration.add(c.duration);
  const checks = rm.selectChecks({});
  const checksTotal = checks.passes + checks.fails;

  const metrics: Metrics = {
    ...httpMetricsSummary(m, totals, sec),
    vus: gaugeSummary(rm.vus),
    vus_max: gaugeSummary(rm.vusMax),
    iterations: counterSummary(rm.iterations, sec),
    iteration_duration: trendSummary(iterationDuration),
  };
  if (checksTotal > 0) {
    const summary: RateSummary = {
      rate: round(checks.passes / checksTotal, 6),
      fails: checks.fails,
      total: checksTotal,
    };
    metrics.checks = summary;
  }
  const customTrends: Record<string, TrendHistogram> = {};
  for (const c of rm.customMetrics()) {
    metrics[c.name] = customSummary(c, sec);
    if (c.kind === 'trend') customTrends[c.name] = customTotals(c, {}).trend!;
  }

  const doc: RunResultDocument = {
    ...resultDocument({ ...p, metrics, thresholds, ...httpParts(m, sec, p.generator) }),
    breakingPoint: p.breakingPoint ?? null,
    checks: checkResults(rm),
    scenarios: scenarioResults(rm, p.perScenario),
  };
  if (p.shard !== undefined) {
    doc.shard = shardSection(p.shard, doc, p.thresholds, lookup, m, {
      ...httpTrends(m, totals),
      iteration_duration: iterationDuration,
      ...customTrends,
    });
  }
  if (p.spike !== undefined) {
    doc.spike = { startSec: p.spike.startSec, endSec: p.spike.endSec, recoverySec: p.spike.recoverySec };
  }
  return doc;
}
