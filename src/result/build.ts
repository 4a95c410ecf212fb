import { SquallError } from '../errors/index.js';
import type { MetricKind, ParsedThreshold, ThresholdSource } from '../thresholds/index.js';
import { evaluateThresholds } from '../thresholds/index.js';
import { didYouMean } from '../util/suggest.js';
import { TrendHistogram } from '../util/trend-histogram.js';
import {
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
  valueSource,
} from './common.js';
import type { EndpointView, HttpMetricsView } from './metrics-view.js';
import { GENERATOR_METRICS, TARGET_METRICS } from './monitor-metrics.js';
import type { EndReason, GeneratorHealth, Metrics, MonitorResult, ResultDocument } from './schema.js';
import { type ShardParts, shardSection } from './shard-section.js';

/** The metrics an HTTP load run produces, by kind: what thresholds may name. */
export const HTTP_RUN_METRICS: ReadonlyMap<string, MetricKind> = new Map<string, MetricKind>([
  ['http_reqs', 'counter'],
  ['http_req_duration', 'trend'],
  ['http_req_waiting', 'trend'],
  ['http_req_connecting', 'trend'],
  ['http_req_tls_handshaking', 'trend'],
  ['http_req_service_duration', 'trend'],
  ['http_req_failed', 'rate'],
  ['http_req_retries', 'counter'],
  ['data_sent', 'counter'],
  ['data_received', 'counter'],
  ['dropped_iterations', 'counter'],
  ['vus', 'gauge'],
  ['vus_max', 'gauge'],
  ...TARGET_METRICS,
  ...GENERATOR_METRICS,
]);

export interface HttpRunParts {
  metrics: HttpMetricsView;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  endReason: EndReason;
  vusMax: number;
  config: Record<string, unknown>;
  thresholds: readonly ParsedThreshold[];
  monitor?: MonitorResult | null;
  generator?: GeneratorHealth | null;
  /** `--shard I/N`: the document carries the shard section (shard-section.ts). */
  shard?: ShardParts;
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
    endpoint: (ep: EndpointView) =>
      (name === undefined || ep.name === name) && (method === undefined || ep.method === method),
    status: (s: number) =>
      (status === undefined || String(s) === status) &&
      (expected === undefined || s < 400 === (expected === 'true')),
  };
}

/** Builds the result document of an HTTP load run, thresholds evaluated. */
export function buildHttpResult(p: HttpRunParts): ResultDocument {
  const m = p.metrics;
  const sec = rateSeconds(p.durationMs);
  const totals = httpTotals(m);
  const vus = p.vusMax;

  const monitored = monitorSource(p.monitor, p.generator);
  const lookup = (metric: string, tags: Record<string, string>): ThresholdSource | undefined => {
    if (isMonitorMetric(metric)) return monitored(metric);
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
        const t = new TrendHistogram();
        for (const ep of eps) t.add(ep.duration(f.status));
        return trendSource(t);
      }
      if (metric === 'http_reqs') return valueSource('counter', { count, rate: count / sec });
      if (metric === 'http_req_failed') return rateSource(failed, count);
      return undefined;
    }
    if (metric === 'vus' || metric === 'vus_max') return valueSource('gauge', { value: vus });
    return httpTotalsSource(m, totals, metric, sec);
  };
  const thresholds = evaluateThresholds(p.thresholds, lookup);

  const metrics: Metrics = {
    ...httpMetricsSummary(m, totals, sec),
    vus: { value: vus, min: vus, max: vus },
    vus_max: { value: vus, min: vus, max: vus },
  };
  const doc = resultDocument({ ...p, metrics, thresholds, ...httpParts(m, sec, p.generator) });
  if (p.shard !== undefined)
    doc.shard = shardSection(p.shard, doc, p.thresholds, lookup, m, httpTrends(m, totals));
  return doc;
}
