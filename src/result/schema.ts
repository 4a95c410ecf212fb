/**
 * The result document, schema 2 (DESIGN.md, "The result document"; docs/result-schema.md). Every
 * reporter, the history, `compare` and `merge` read only this. Times are milliseconds, rates per
 * second. Schema-1 documents are still read: the reader (read.ts) fills in what they lack.
 */

// The monitor's and the thresholds' shapes are declared in their own (lower) layers and are part
// of the document: re-exported here so that every reader imports the document from one place.
import type { GeneratorHealth, MonitorResult } from '../monitor/types.js';
import type { ThresholdResult } from '../thresholds/types.js';
import type { Stat, TrendFigures } from '../util/trend-histogram.js';
import type { BenchSection } from './bench-schema.js';
import type { Comparison } from './comparison-schema.js';
import type { ShardSection } from './shard-schema.js';
import type { SweepSection } from './sweep-schema.js';

export type {
  GeneratorHealth,
  MonitorExit,
  MonitorResource,
  MonitorResult,
  MonitorSample,
  MonitorShape,
  MonitorStep,
  MonitorVerdict,
  ResourceVerdict,
} from '../monitor/types.js';
export type { ThresholdResult } from '../thresholds/types.js';
export type { Stat, TrendFigures } from '../util/trend-histogram.js';
export type {
  BenchBudget,
  BenchConcurrent,
  BenchEntry,
  BenchEnvironment,
  BenchFailure,
  BenchHistogram,
  BenchSection,
  BenchStats,
  ComplexityEntry,
  SpeedupEntry,
} from './bench-schema.js';
export type { ExactParts, ShardSection, ShardSource } from './shard-schema.js';

export const RESULT_SCHEMA_VERSION = 2;

/**
 * On every metric (schema 2; many schema-1 documents carry them already): what kind of
 * metric it is and the unit of its values, so that every output reads a figure the same way.
 * A counter's `count` is in `unit` and its `rate` in `unit` per second; a trend's statistics and
 * a gauge's values are in `unit`; a rate is a `ratio`. A custom Trend is `ms` when declared with
 * `isTime` (`new Trend('wait', true)`), `count` otherwise.
 */
export interface MetricMeta {
  kind?: 'counter' | 'rate' | 'trend' | 'gauge';
  unit?: 'ms' | 'bytes' | '1/s' | 'ratio' | 'count';
}

/**
 * A trend metric (HDR histogram) summarised; every figure but `count` is null when count is 0.
 * `Stat` (a figure, null when its trend has no samples, so that no reader takes 0 for a measured
 * minimum) and the figures come with the recorder (util/trend-histogram.ts).
 */
export interface TrendSummary extends MetricMeta, TrendFigures {
  /**
   * Schema 2: the HDR histogram of the recorded values (value × 1000, integers: microseconds for
   * a millisecond trend) in HdrHistogram's compressed base64 form (docs/result-schema.md).
   */
  histogram?: string;
}

export interface CounterSummary extends MetricMeta {
  count: number;
  rate: number;
}

export interface RateSummary extends MetricMeta {
  rate: number;
  fails: number;
  total: number;
}

export interface GaugeSummary extends MetricMeta {
  value: number;
  min: number;
  max: number;
}

export type MetricSummary = TrendSummary | CounterSummary | RateSummary | GaugeSummary;

export interface Metrics {
  http_reqs: CounterSummary;
  /** Also carries p66, p75, p80, p98 and p9999 (added fields: Locust's CSV columns). */
  http_req_duration: TrendSummary & Partial<Record<'p66' | 'p75' | 'p80' | 'p98' | 'p9999', Stat>>;
  http_req_failed: RateSummary;
  [name: string]: MetricSummary;
}

export interface EndpointResult {
  name: string;
  count: number;
  failures: number;
  rps: number;
  statusCodes: Record<string, number>;
  /**
   * Milliseconds. min and the percentiles past p50/p95/p99 are added fields (Locust's columns).
   * Every figure is null when no request of the endpoint got a response.
   */
  latency: EndpointLatency;
  /**
   * Added: the HTTP method (`GET`). Endpoints are keyed by (method, name), as Locust's rows are:
   * one name used with two methods is two endpoints.
   */
  method?: string;
  /**
   * Added: `h2` when the endpoint's requests went over HTTP/2 (`--http2`, `http2: true`); absent
   * for HTTP/1.1, as in documents written before squall spoke HTTP/2.
   */
  protocol?: string;
  /** Added: bytes received for the endpoint's requests, headers included. */
  bytesReceived?: number;
  /** Added: the endpoint's failed requests by error kind (`status 503`, `ECONNREFUSED`, …). */
  errors?: Record<string, number>;
  /**
   * Added: past the endpoint limit (`--max-endpoints`, default 200), how many distinct request
   * names were grouped under this endpoint (a path template such as `GET /items/:id`, or `other`).
   */
  grouped?: number;
  /** Schema 2: the endpoint's durations as an HDR histogram, encoded as TrendSummary's. */
  histogram?: string;
  /**
   * Schema 2: the endpoint's own buckets, one per point of the run's `timeline` (same `t`); on
   * the 20 busiest endpoints only.
   */
  timeline?: EndpointTimelinePoint[];
}

/** One bucket of an endpoint's own timeline: its requests in the run's bucket ending at `t`. */
export interface EndpointTimelinePoint {
  t: number;
  rps: number;
  p50: Stat;
  p95: Stat;
  p99: Stat;
  errors: number;
  requests: number;
  /** Shard documents only: the bucket's durations, encoded as TrendSummary's (exact merge). */
  histogram?: string;
}

export interface EndpointLatency {
  p50: Stat;
  p95: Stat;
  p99: Stat;
  max: Stat;
  mean: Stat;
  min?: Stat;
  p66?: Stat;
  p75?: Stat;
  p80?: Stat;
  p90?: Stat;
  p98?: Stat;
  p999?: Stat;
  p9999?: Stat;
}

export interface ErrorGroup {
  /** ECONNREFUSED | ECONNRESET | timeout | malformed | status 503 | … */
  kind: string;
  count: number;
  example: string;
}

/**
 * One bucket of the timeline. Every request is in exactly one bucket. Latency figures are null
 * in a bucket where no request got a response (the totals: until one did).
 */
export interface TimelinePoint {
  /** Seconds since the start, the end of the bucket. */
  t: number;
  /** Requests per second over the bucket's own length. */
  rps: number;
  p50: Stat;
  p95: Stat;
  p99: Stat;
  /** Failed requests that ended in this second. */
  errors: number;
  vus: number;
  // Added fields (older documents may lack them): the second's requests and more of its
  // durations, and the run so far up to this point (what Locust's stats history carries).
  requests?: number;
  /**
   * Added: the bucket's length in seconds, over which `rps` is counted: about 1, but for the
   * last, which runs to the end of the load (a last part under 0.25 s is merged into the second
   * before, which then says 1.1 or so).
   */
  lengthSec?: number;
  min?: Stat;
  mean?: Stat;
  max?: Stat;
  p66?: Stat;
  p75?: Stat;
  p80?: Stat;
  p90?: Stat;
  p98?: Stat;
  p999?: Stat;
  p9999?: Stat;
  /** Bytes received in this second. */
  bytes?: number;
  /** Squall fell behind its own schedule in this second (see generator.limitedSeconds). */
  generatorLimited?: boolean;
  totalRequests?: number;
  totalFailures?: number;
  totalBytes?: number;
  totalP50?: Stat;
  totalMean?: Stat;
  totalMin?: Stat;
  totalMax?: Stat;
  /**
   * Shard documents only (`--shard`): the bucket's http_req_duration, encoded as
   * TrendSummary's, so that a merged timeline's percentiles are exact.
   */
  histogram?: string;
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

/** `checks[]` (added field): each check's counts over the whole run. */
export interface CheckResult {
  name: string;
  passes: number;
  fails: number;
}

/** `scenarios` (added field). */
export interface ScenarioResult {
  iterations: number;
  /** Iterations whose flow threw (counted in `iterations` too). */
  failedIterations: number;
  dropped: number;
  interrupted: number;
  vusMax: number;
  /** Per user type; `vus`: its VUs (closed model), the VUs that ran it (open model). */
  users: Record<string, { vus: number; iterations: number }>;
}

export interface SpikeResult {
  startSec: number;
  endSec: number;
  /** Seconds after the spike until p95 was back within its pre-spike band; null if never. */
  recoverySec: number | null;
}

export interface ResultDocument {
  /** 2 for every document this squall writes; 1 for older ones, still read. */
  schema: 1 | 2;
  tool: 'squall';
  version: string;
  /** The run's id (added field): also the `run_id` label of its Prometheus series. */
  runId?: string;
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
  /** The load generator's health (added field; null or absent when not measured). */
  generator?: GeneratorHealth | null;
  // Added fields of `squall run` (absent from quick's document).
  checks?: CheckResult[];
  scenarios?: Record<string, ScenarioResult>;
  spike?: SpikeResult;
  /** What wrote it (added field): `bench` for `squall bench`, `sweep` for `squall sweep`; absent on older load documents. */
  kind?: string;
  /** `squall bench` only: the run's notes (noisy machine, suspect results). */
  warnings?: string[];
  /** `squall bench` only: every benchmark, speedup and complexity check (bench-schema.ts). */
  bench?: BenchSection;
  /** `squall sweep` only: every level, the USL fit, the knee and the capacity (sweep-schema.ts). */
  sweep?: SweepSection;
  /**
   * With `--baseline NAME`: this run (B) against the baseline (A), a verdict per metric; a
   * regression beyond its budget makes `passed` false (comparison-schema.ts).
   */
  comparison?: Comparison;
  /**
   * `--shard I/N` (shard-schema.ts): which slice of the test this is and the raw data a merge
   * needs; on a document of `squall merge`, which shards it holds. Absent otherwise.
   */
  shard?: ShardSection;
}
