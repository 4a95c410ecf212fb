/**
 * The result document, schema 1 (DESIGN.md, "The result document"). Every reporter, the
 * history, `compare` and `merge` read only this. Times are milliseconds, rates per second.
 */

export const RESULT_SCHEMA_VERSION = 1;

/** A trend metric (HDR histogram) summarised. */
export interface TrendSummary {
  count: number;
  min: number;
  mean: number;
  stdev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export interface CounterSummary {
  count: number;
  rate: number;
}

export interface RateSummary {
  rate: number;
  fails: number;
  total: number;
}

export interface GaugeSummary {
  value: number;
  min: number;
  max: number;
}

export type MetricSummary = TrendSummary | CounterSummary | RateSummary | GaugeSummary;

export interface Metrics {
  http_reqs: CounterSummary;
  http_req_duration: TrendSummary;
  http_req_failed: RateSummary;
  [name: string]: MetricSummary;
}

export interface EndpointResult {
  name: string;
  count: number;
  failures: number;
  rps: number;
  statusCodes: Record<string, number>;
  latency: { p50: number; p95: number; p99: number; max: number; mean: number };
}

export interface ErrorGroup {
  /** ECONNREFUSED | ECONNRESET | timeout | malformed | status 503 | … */
  kind: string;
  count: number;
  example: string;
}

export interface TimelinePoint {
  /** Seconds since the start, the end of the one-second bucket. */
  t: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  vus: number;
}

export interface ThresholdResult {
  metric: string;
  expr: string;
  ok: boolean;
  actual: number | null;
}

export interface MonitorSample {
  t: number;
  rssMb: number;
  cpuPct: number;
  threads: number;
  fds: number;
}

export interface MonitorResult {
  pid: number;
  samples: MonitorSample[];
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  rssGrowthMbPerMin: number;
  leakSuspected: boolean;
  reasons: string[];
}

export interface BreakingPoint {
  rate: number;
  vus: number;
  atSec: number;
  reason: string;
  lastHealthyRate: number;
}

/** Why the run ended (added field; k6's abort reasons). */
export type EndReason = 'completed' | 'interrupted' | 'threshold-abort' | 'breaking-point' | 'script-error';

export interface ResultDocument {
  schema: 1;
  tool: 'squall';
  version: string;
  startedAt: string;
  endedAt: string;
  durationSec: number;
  endReason: EndReason;
  config: Record<string, unknown>;
  metrics: Metrics;
  endpoints: EndpointResult[];
  errors: ErrorGroup[];
  timeline: TimelinePoint[];
  thresholds: ThresholdResult[];
  passed: boolean;
  monitor: MonitorResult | null;
  breakingPoint: BreakingPoint | null;
}
