import type { Aggregation, MetricKind, ThresholdSource } from '../thresholds/index.js';
import { metricKind, metricUnit } from '../util/figures.js';
import { encodeTrend } from '../util/hdr.js';
import { TrendHistogram } from '../util/trend-histogram.js';
import { round } from '../util/units.js';
import { BUILTIN_METRICS } from './builtin-metrics.js';
import type { EndpointView, HttpMetricsView } from './metrics-view.js';
import {
  GENERATOR_METRICS,
  gaugeSource,
  generatorMetricValues,
  TARGET_METRICS,
  targetMetricValues,
} from './monitor-metrics.js';
import { processRunId } from './run-id.js';
import type {
  CounterSummary,
  EndpointResult,
  EndpointTimelinePoint,
  EndReason,
  ErrorGroup,
  GeneratorHealth,
  MetricMeta,
  Metrics,
  MonitorResult,
  ResultDocument,
  Stat,
  ThresholdResult,
  TimelinePoint,
  TrendSummary,
} from './schema.js';
import { RESULT_SCHEMA_VERSION } from './schema.js';
import { VERSION } from './version.js';

/**
 * The pieces of a result document that `squall quick` (build.ts) and `squall run` (build-run.ts)
 * share: threshold sources over trends and values, the HTTP metrics block, the endpoints table,
 * and the document's frame.
 */

/**
 * What a threshold source was computed from, kept on it so that a shard document can carry the
 * raw data (shard-section.ts) and `squall merge` evaluate the threshold exactly.
 */
export interface RawSource {
  trend?: TrendHistogram;
  trues?: number;
  total?: number;
  values?: Partial<Record<string, number>>;
}

/** A trend as thresholds read it (avg, min, max, med, p(N) in ms); undefined when empty. */
export function trendSource(t: TrendHistogram): (ThresholdSource & RawSource) | undefined {
  if (t.count === 0) return undefined;
  return {
    kind: 'trend',
    trend: t,
    aggregate(agg: Aggregation) {
      switch (agg.method) {
        case 'avg':
          return t.meanMs();
        case 'min':
          return t.minMs();
        case 'max':
          return t.maxMs();
        case 'med':
          return t.percentileMs(50);
        case 'p':
          return t.percentileMs(agg.p);
        default:
          return undefined;
      }
    },
  };
}

/** A source answering from a table of aggregations (`count`, `rate`, `value`). */
export function valueSource(
  kind: MetricKind,
  values: Partial<Record<string, number>>,
): ThresholdSource & RawSource {
  return { kind, values, aggregate: (agg) => values[agg.method] };
}

/** A rate metric's answer: `trues` of `total` samples; undefined when there were none. */
export function rateSource(trues: number, total: number): (ThresholdSource & RawSource) | undefined {
  if (total === 0) return undefined;
  return { ...valueSource('rate', { rate: trues / total }), trues, total };
}

/**
 * The one duration every rate of a document is counted over: the run's length rounded as the
 * document's `durationSec` says it, so that a reader dividing by `durationSec` gets the same
 * figure as the document's own rates.
 */
export function rateSeconds(durationMs: number): number {
  return Math.max(round(durationMs / 1000), 1e-9);
}

export function counterSummary(count: number, sec: number): CounterSummary {
  return { count, rate: round(count / sec) };
}

/** A trend's summary with its histogram (schema 2): what every trend metric of a document is. */
export function trendSummary(t: TrendHistogram): TrendSummary {
  return { ...t.summary(), histogram: encodeTrend(t) };
}

/** An endpoint's latency figures; all null when none of its requests got a response. */
export function latencyOf(t: TrendHistogram): EndpointResult['latency'] {
  return { ...t.percentiles(), ...t.extremes() };
}

/** Endpoints that get their own timeline (`endpoints[i].timeline`): the busiest, by requests. */
export const ENDPOINT_TIMELINES = 20;

/** On a shard's document (`--shard`), from which `squall merge` picks the merged run's busiest. */
export const SHARD_ENDPOINT_TIMELINES = 2 * ENDPOINT_TIMELINES;

/** The endpoint's buckets, one per point of the run's timeline, empty seconds included. */
function endpointTimeline(ep: EndpointView, timeline: readonly TimelinePoint[]): EndpointTimelinePoint[] {
  const out: EndpointTimelinePoint[] = timeline.map((p) => ({
    t: p.t,
    rps: 0,
    p50: null,
    p95: null,
    p99: null,
    errors: 0,
    requests: 0,
  }));
  for (const b of ep.timeline.closedBuckets()) {
    const point = out[b.index];
    if (point === undefined) continue;
    const length = timeline[b.index]!.lengthSec ?? 1;
    point.rps = length > 0 ? Math.round((b.requests / length) * 1000) / 1000 : 0;
    point.p50 = b.p50;
    point.p95 = b.p95;
    point.p99 = b.p99;
    point.errors = b.errors;
    point.requests = b.requests;
    if (b.histogram !== undefined) point.histogram = b.histogram;
  }
  return out;
}

/** `endpoints[]`: one row per (method, request name), in first-seen order. */
export function endpointResults(m: HttpMetricsView, sec: number): EndpointResult[] {
  const eps = m.endpoints;
  // A shard's document gives twice as many endpoints their timeline: the busiest of the merged
  // run are only known once the shards are merged (each second's histogram is about 1 kB).
  const busiest = new Set(
    [...eps]
      .sort((a, b) => b.count - a.count)
      .slice(0, m.keepBucketHistograms ? SHARD_ENDPOINT_TIMELINES : ENDPOINT_TIMELINES)
      .filter((ep) => ep.count > 0),
  );
  return eps.map((ep) => {
    const duration = ep.duration();
    return {
      name: ep.name,
      count: ep.count,
      failures: ep.failures,
      rps: round(ep.count / sec),
      statusCodes: Object.fromEntries(ep.statusCounts().map(([s, n]) => [String(s), n])),
      latency: latencyOf(duration),
      method: ep.method,
      ...(ep.protocol === undefined ? {} : { protocol: ep.protocol }),
      bytesReceived: ep.bytesReceived,
      errors: Object.fromEntries(ep.failureKinds),
      ...groupedField(m, ep.method, ep.name),
      histogram: encodeTrend(duration),
      ...(busiest.has(ep) ? { timeline: endpointTimeline(ep, m.timeline) } : {}),
    };
  });
}

/** `grouped`: how many distinct request names the endpoint limit put under this endpoint. */
function groupedField(m: HttpMetricsView, method: string, name: string): { grouped?: number } {
  const n = m.names.groupedUnder(method, name);
  return n === undefined ? {} : { grouped: n };
}

/** The run-wide HTTP trends, built once per document. */
export interface HttpTotals {
  duration: TrendHistogram;
  /** http_req_service_duration: apart in the open model, the duration itself otherwise. */
  service: TrendHistogram;
  requests: number;
  failures: number;
}

export function httpTotals(m: HttpMetricsView): HttpTotals {
  const duration = m.totalDuration();
  return {
    duration,
    service: m.openModel ? m.service : duration,
    requests: m.requests,
    failures: m.failures,
  };
}

/** Threshold answers for the HTTP metrics that carry no tag filter; undefined for other names. */
export function httpTotalsSource(
  m: HttpMetricsView,
  totals: HttpTotals,
  metric: string,
  sec: number,
): ThresholdSource | undefined {
  const { requests: total, failures: fails } = totals;
  switch (metric) {
    case 'http_req_duration':
      return trendSource(totals.duration);
    case 'http_req_waiting':
      return trendSource(m.waiting);
    case 'http_req_connecting':
      return trendSource(m.connecting);
    case 'http_req_tls_handshaking':
      return trendSource(m.tlsHandshaking);
    case 'http_req_service_duration':
      return trendSource(totals.service);
    case 'http_reqs':
      return valueSource('counter', { count: total, rate: total / sec });
    case 'http_req_failed':
      return rateSource(fails, total);
    case 'data_sent':
      return valueSource('counter', { count: m.bytesSent, rate: m.bytesSent / sec });
    case 'data_received':
      return valueSource('counter', { count: m.bytesReceived, rate: m.bytesReceived / sec });
    case 'dropped_iterations':
      return valueSource('counter', { count: m.dropped, rate: m.dropped / sec });
    case 'http_req_retries':
      return valueSource('counter', { count: m.retries, rate: m.retries / sec });
    default:
      return undefined;
  }
}

/** The run-wide HTTP trends by metric name (a shard document's exact parts, shard-section.ts). */
export function httpTrends(m: HttpMetricsView, totals: HttpTotals): Record<string, TrendHistogram> {
  return {
    http_req_duration: totals.duration,
    http_req_waiting: m.waiting,
    http_req_service_duration: totals.service,
    http_req_connecting: m.connecting,
    http_req_tls_handshaking: m.tlsHandshaking,
  };
}

function locustPercentiles(t: TrendHistogram): Record<'p66' | 'p75' | 'p80' | 'p98' | 'p9999', Stat> {
  const l = t.percentiles();
  return { p66: l.p66, p75: l.p75, p80: l.p80, p98: l.p98, p9999: l.p9999 };
}

/** The histogram, a long string, after the figures a person reads in the file. */
function withHistogramLast<T extends { histogram?: string }>(m: T): T {
  const { histogram, ...rest } = m;
  return { ...rest, histogram } as T;
}

/** The HTTP part of `metrics` (everything but the VU gauges). */
export function httpMetricsSummary(m: HttpMetricsView, totals: HttpTotals, sec: number): Metrics {
  const { requests: total, failures: fails } = totals;
  return {
    http_reqs: counterSummary(total, sec),
    // Locust's percentile columns too (added fields), so its CSV's Aggregated row is complete.
    http_req_duration: withHistogramLast({
      ...trendSummary(totals.duration),
      ...locustPercentiles(totals.duration),
    }),
    http_req_waiting: trendSummary(m.waiting),
    http_req_service_duration: trendSummary(totals.service),
    http_req_connecting: trendSummary(m.connecting),
    // Only when a TLS handshake happened: a plain-http run has no such phase to show.
    ...(m.tlsHandshaking.count > 0 ? { http_req_tls_handshaking: trendSummary(m.tlsHandshaking) } : {}),
    http_req_failed: { rate: total === 0 ? 0 : round(fails / total, 6), fails, total },
    http_req_retries: counterSummary(m.retries, sec),
    data_sent: counterSummary(m.bytesSent, sec),
    data_received: counterSummary(m.bytesReceived, sec),
    dropped_iterations: counterSummary(m.dropped, sec),
  };
}

/** What every kind of run puts in the document's frame (buildResult, build-result.ts). */
export interface DocumentParts {
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  endReason: EndReason;
  config: Record<string, unknown>;
  metrics: Metrics;
  endpoints: EndpointResult[];
  errors: ErrorGroup[];
  timeline: TimelinePoint[];
  thresholds: ThresholdResult[];
  monitor?: MonitorResult | null;
  generator?: GeneratorHealth | null;
  /** The run's id; `squall monitor` runs no load and writes none. */
  runId?: string;
}

/** The HTTP metrics of a run that sent no load (monitor, bench): present, and empty. */
export function emptyHttpMetrics(): Metrics {
  return {
    http_reqs: { count: 0, rate: 0 },
    http_req_duration: trendSummary(new TrendHistogram()),
    http_req_failed: { rate: 0, fails: 0, total: 0 },
  };
}

/** The endpoints, errors and timeline of a run that sent HTTP requests. */
export function httpParts(
  m: HttpMetricsView,
  sec: number,
  generator: GeneratorHealth | null | undefined,
): Pick<DocumentParts, 'endpoints' | 'errors' | 'timeline' | 'runId'> {
  return {
    runId: processRunId(),
    endpoints: endpointResults(m, sec),
    errors: m.errors.toArray(),
    timeline: markLimitedSeconds(m.timeline, generator?.limitedSeconds),
  };
}

/**
 * Threshold sources for the monitor's figures (`target_rss_peak_mb`, `generator_saturated`, …):
 * one value each for the run, known once monitoring has ended.
 */
export function monitorSource(
  monitor: MonitorResult | null | undefined,
  generator: GeneratorHealth | null | undefined,
): (metric: string) => ThresholdSource | undefined {
  const values = { ...targetMetricValues(monitor), ...generatorMetricValues(generator) };
  return (metric) => gaugeSource(values, metric);
}

/** Whether thresholds read `metric` from the monitor rather than from the requests. */
export const isMonitorMetric = (metric: string): boolean =>
  TARGET_METRICS.has(metric) || GENERATOR_METRICS.has(metric);

/**
 * A watched process that died while in use (a `--monitor-cmd` service that exited, a
 * `--monitor-pid` that went away) fails the run whatever the thresholds say: the figures after
 * its death measure refusals, not the service.
 */
export function serviceDied(m: Pick<MonitorResult, 'exit' | 'cmd'> | null | undefined): boolean {
  return !!m?.exit;
}

/**
 * Flags the timeline points that overlap a generator-limited second. A point covers (previous t,
 * t]; a point stretched by a stall covers several seconds, and any of them limited marks it.
 */
export function markLimitedSeconds(
  timeline: TimelinePoint[],
  limited: readonly number[] | undefined,
): TimelinePoint[] {
  if (!limited || limited.length === 0) return timeline;
  const set = new Set(limited);
  let from = 0;
  return timeline.map((point) => {
    let hit = false;
    for (let k = Math.floor(from) + 1; k <= Math.ceil(point.t) && !hit; k++) hit = set.has(k);
    from = point.t;
    return hit ? { ...point, generatorLimited: true } : point;
  });
}

/**
 * Every metric with its `kind` and `unit` first (MetricMeta), so that no reader guesses them. A
 * custom metric brings its own (a TrendHistogram's `isTime`); a built-in's come from k6's list, and its
 * unit from the one table every output falls back on (util/figures.ts).
 */
export function withKindAndUnit(metrics: Metrics): Metrics {
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(metrics)) {
    const known = (BUILTIN_METRICS as Record<string, MetricMeta['kind']>)[name];
    const kind = known ?? metricKind(m);
    const meta: MetricMeta = kind === 'unknown' ? {} : { kind, unit: metricUnit(name, { ...m, kind }) };
    out[name] = { ...meta, ...m };
  }
  return out as Metrics;
}

/** The document's frame: identity, times, config, endpoints, errors, timeline, verdict. */
export function resultDocument(p: DocumentParts): ResultDocument {
  return {
    schema: RESULT_SCHEMA_VERSION,
    tool: 'squall',
    version: VERSION,
    ...(p.runId === undefined ? {} : { runId: p.runId }),
    startedAt: p.startedAt.toISOString(),
    endedAt: p.endedAt.toISOString(),
    durationSec: rateSeconds(p.durationMs),
    endReason: p.endReason,
    config: p.config,
    metrics: withKindAndUnit(p.metrics),
    endpoints: p.endpoints,
    errors: p.errors,
    timeline: p.timeline,
    thresholds: p.thresholds,
    passed: p.thresholds.every((t) => t.ok) && !serviceDied(p.monitor),
    monitor: p.monitor ?? null,
    breakingPoint: null,
    generator: p.generator ?? null,
  };
}
