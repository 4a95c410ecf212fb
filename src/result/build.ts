import { SquallError } from '../errors/index.js';
import type { EndpointStats } from '../metrics/endpoint-stats.js';
import type { HttpMetrics } from '../metrics/http-metrics.js';
import { Trend } from '../metrics/trend.js';
import type { Aggregation, MetricKind, ParsedThreshold, ThresholdSource } from '../thresholds/index.js';
import { evaluateThresholds } from '../thresholds/index.js';
import { didYouMean } from '../util/suggest.js';
import { round } from '../util/units.js';
import type { EndpointResult, EndReason, Metrics, ResultDocument } from './schema.js';
import { VERSION } from './version.js';

/** The metrics an HTTP load run produces, by kind: what thresholds may name. */
export const HTTP_RUN_METRICS: ReadonlyMap<string, MetricKind> = new Map<string, MetricKind>([
  ['http_reqs', 'counter'],
  ['http_req_duration', 'trend'],
  ['http_req_waiting', 'trend'],
  ['http_req_connecting', 'trend'],
  ['http_req_service_duration', 'trend'],
  ['http_req_failed', 'rate'],
  ['data_sent', 'counter'],
  ['data_received', 'counter'],
  ['dropped_iterations', 'counter'],
  ['vus', 'gauge'],
  ['vus_max', 'gauge'],
]);

export interface HttpRunParts {
  metrics: HttpMetrics;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  endReason: EndReason;
  vusMax: number;
  config: Record<string, unknown>;
  thresholds: readonly ParsedThreshold[];
}

function trendSource(t: Trend): ThresholdSource | undefined {
  if (t.count === 0) return undefined;
  return {
    kind: 'trend',
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

function valueSource(kind: MetricKind, values: Partial<Record<string, number>>): ThresholdSource {
  return { kind, aggregate: (agg) => values[agg.method] };
}

/** Tags a threshold may filter HTTP metrics by (k6's names). */
export const HTTP_TAGS = ['name', 'method', 'status', 'expected_response'] as const;

/** Rejects, before the load starts, a threshold that filters on a tag the run does not keep. */
export function validateHttpThresholdTags(list: readonly ParsedThreshold[]): void {
  for (const t of list) {
    for (const tag of Object.keys(t.tags)) {
      if ((HTTP_TAGS as readonly string[]).includes(tag)) continue;
      const hint = didYouMean(tag, HTTP_TAGS);
      throw new SquallError(
        'SQ_THRESHOLD_SYNTAX',
        `threshold "${t.key}" filters on tag '${tag}'${hint ? ` (${hint})` : ''}; ` +
          `the tags kept per request are ${HTTP_TAGS.join(', ')}`,
        { where: t.where },
      );
    }
  }
}

/** Which endpoints and which status codes a tag filter selects. */
function tagFilter(tags: Record<string, string>) {
  const { name, method, status, expected_response: expected } = tags;
  return {
    endpoint: (ep: EndpointStats) =>
      (name === undefined || ep.name === name) && (method === undefined || ep.name.startsWith(`${method} `)),
    status: (s: number) =>
      (status === undefined || String(s) === status) &&
      (expected === undefined || s < 400 === (expected === 'true')),
  };
}

function latencyOf(t: Trend): EndpointResult['latency'] {
  return {
    p50: round(t.percentileMs(50)),
    p95: round(t.percentileMs(95)),
    p99: round(t.percentileMs(99)),
    max: round(t.maxMs()),
    mean: round(t.meanMs()),
  };
}

/** Builds the result document of an HTTP load run, thresholds evaluated. */
export function buildHttpResult(p: HttpRunParts): ResultDocument {
  const m = p.metrics;
  const sec = Math.max(p.durationMs / 1000, 1e-9);
  const duration = m.totalDuration();
  const total = m.requests;
  const fails = m.failures;
  const service = m.openModel ? m.service : duration;
  const vus = p.vusMax;

  const lookup = (metric: string, tags: Record<string, string>): ThresholdSource | undefined => {
    if (Object.keys(tags).length > 0) {
      const f = tagFilter(tags);
      const eps = m.endpoints.filter(f.endpoint);
      const byStatus = 'status' in tags || 'expected_response' in tags;
      // Filtered by status, only requests that got a response count; by name alone, all do.
      let count = 0;
      let failed = 0;
      for (const ep of eps) {
        if (!byStatus) {
          count += ep.count;
          failed += ep.failures;
          continue;
        }
        for (const [s, n] of ep.statusCounts()) {
          if (!f.status(s)) continue;
          count += n;
          if (s >= 400) failed += n;
        }
      }
      if (metric === 'http_req_duration') {
        const t = new Trend();
        for (const ep of eps) t.add(ep.duration(f.status));
        return trendSource(t);
      }
      if (metric === 'http_reqs') return valueSource('counter', { count, rate: count / sec });
      if (metric === 'http_req_failed')
        return count === 0 ? undefined : valueSource('rate', { rate: failed / count });
      return undefined;
    }
    switch (metric) {
      case 'http_req_duration':
        return trendSource(duration);
      case 'http_req_waiting':
        return trendSource(m.waiting);
      case 'http_req_connecting':
        return trendSource(m.connecting);
      case 'http_req_service_duration':
        return trendSource(service);
      case 'http_reqs':
        return valueSource('counter', { count: total, rate: total / sec });
      case 'http_req_failed':
        return total === 0 ? undefined : valueSource('rate', { rate: fails / total });
      case 'data_sent':
        return valueSource('counter', { count: m.bytesSent, rate: m.bytesSent / sec });
      case 'data_received':
        return valueSource('counter', { count: m.bytesReceived, rate: m.bytesReceived / sec });
      case 'dropped_iterations':
        return valueSource('counter', { count: m.dropped, rate: m.dropped / sec });
      case 'vus':
      case 'vus_max':
        return valueSource('gauge', { value: vus });
      default:
        return undefined;
    }
  };
  const thresholds = evaluateThresholds(p.thresholds, lookup);

  const counter = (count: number) => ({ count, rate: round(count / sec) });
  const metrics: Metrics = {
    http_reqs: counter(total),
    http_req_duration: duration.summary(),
    http_req_waiting: m.waiting.summary(),
    http_req_service_duration: service.summary(),
    http_req_connecting: m.connecting.summary(),
    http_req_failed: { rate: total === 0 ? 0 : round(fails / total, 6), fails, total },
    data_sent: counter(m.bytesSent),
    data_received: counter(m.bytesReceived),
    dropped_iterations: counter(m.dropped),
    vus: { value: vus, min: vus, max: vus },
    vus_max: { value: vus, min: vus, max: vus },
  };

  const endpoints: EndpointResult[] = m.endpoints.map((ep) => ({
    name: ep.name,
    count: ep.count,
    failures: ep.failures,
    rps: round(ep.count / sec),
    statusCodes: Object.fromEntries(ep.statusCounts().map(([s, n]) => [String(s), n])),
    latency: latencyOf(ep.duration()),
  }));

  return {
    schema: 1,
    tool: 'squall',
    version: VERSION,
    startedAt: p.startedAt.toISOString(),
    endedAt: p.endedAt.toISOString(),
    durationSec: round(p.durationMs / 1000),
    endReason: p.endReason,
    config: p.config,
    metrics,
    endpoints,
    errors: m.errors.toArray(),
    timeline: m.timeline,
    thresholds,
    passed: thresholds.every((t) => t.ok),
    monitor: null,
    breakingPoint: null,
  };
}
