/**
 * The result document, schema 2 (DESIGN.md, "The result document"; docs/result-schema.md). Every
 * reporter, the history, `compare` and `merge` read only this. Times are milliseconds, rates per
 * second. Schema-1 documents are still read: the reader (read.ts) fills in what they lack.
 */

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
 * A latency-like statistic: null when its trend has no samples (all requests refused or timed
 * out, no iteration ended), so that no reader takes 0 for a measured minimum.
 */
export type Stat = number | null;

/** A trend metric (HDR histogram) summarised; every figure but `count` is null when count is 0. */
export interface TrendSummary extends MetricMeta {
  count: number;
  min: Stat;
  mean: Stat;
  stdev: Stat;
  p50: Stat;
  p90: Stat;
  p95: Stat;
  p99: Stat;
  p999: Stat;
  max: Stat;
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
}

export interface ThresholdResult {
  metric: string;
  expr: string;
  ok: boolean;
  actual: number | null;
  /**
   * Schema 2: what the expression reads of its metric, as written in k6's syntax: `p(95)`, `avg`,
   * `min`, `max`, `med`, `count`, `rate`, `value`.
   */
  aggregation?: string;
  /**
   * Added fields of the abortOnFail threshold that stopped the run (it is `ok: false` whatever
   * `actual`, the final value, says): seconds since the load started when it was seen crossed,
   * and its value then.
   */
  abortedAtSec?: number;
  actualAtAbort?: number;
}

/**
 * One reading of the monitored process (or of its process tree, summed). MB are mebibytes, as
 * `ps` and `top` count them; CPU is % of one core (200 = two cores busy).
 */
export interface MonitorSample {
  /** Seconds since monitoring started. */
  t: number;
  rssMb: number;
  cpuPct: number;
  /** null where the platform does not report it (pidusage outside Linux). */
  threads: number | null;
  /** null where the platform does not report it, or /proc/PID/fd is another user's. */
  fds: number | null;
  // Added fields (older documents may lack them).
  /** Virtual memory size; null outside Linux. */
  vszMb?: number | null;
  /** Processes summed into this sample (tree mode: the process and its descendants). */
  processes?: number;
  /**
   * Requests answered so far by the load squall ran beside the monitor (absent without load):
   * RSS fitted against it tells a leak per request from a leak per minute.
   */
  reqs?: number;
}

/**
 * healthy: flat after the warm-up (or growth confidently under the budget); leak: growth that
 * continues, is not slowing, and would exceed the budget per hour; inconclusive: the run cannot
 * tell yet (too short, too noisy, too few GC cycles), or the process died before it could.
 */
export type MonitorVerdict = 'healthy' | 'leak' | 'inconclusive';

/** The resources judged for leaks, each with the same test. */
export type MonitorResource = 'memory' | 'fds' | 'threads';

/**
 * What the series after the warm-up looked like. flat; growing (a steady trend); settling (grew,
 * then levelled off); step (one jump, flat around it); staircase (repeated jumps up); sawtooth
 * (growth with repeated drops, GC-like); shrinking; unknown (too few samples).
 */
export type MonitorShape =
  | 'flat'
  | 'growing'
  | 'settling'
  | 'step'
  | 'staircase'
  | 'sawtooth'
  | 'shrinking'
  | 'unknown';

/** A sudden jump of a resource between two samples: seconds since monitoring started, and size. */
export interface MonitorStep {
  atSec: number;
  /** In the resource's unit (MiB, descriptors, threads); negative for a drop. */
  size: number;
}

/** The leak test of one resource (added field, under `monitor.resources`). */
export interface ResourceVerdict {
  verdict: MonitorVerdict;
  /** MiB for memory; a count for fds and threads. */
  unit: 'MiB' | 'fds' | 'threads';
  /** One sentence: the verdict and the figures it rests on. */
  sentence: string;
  shape: MonitorShape;
  /** Where the judged part starts, seconds since monitoring started. */
  warmupSec: number;
  /** given: --monitor-warmup; found: a breakpoint in the data; none: no warm-up found. */
  warmupSource: 'given' | 'found' | 'none';
  /** Growth during the warm-up, in the unit (null when none was found). */
  warmupGrowth: number | null;
  start: number | null;
  end: number | null;
  peak: number | null;
  /** Theil–Sen slope after the warm-up, per minute. */
  slopePerMin: number | null;
  /** Its 95% interval, widened for autocorrelated samples (effective sample size). */
  ciPerMin: [number, number] | null;
  /** The same over the last third of the judged part: "settled" when its interval holds zero. */
  tailSlopePerMin: number | null;
  tailCiPerMin: [number, number] | null;
  settled: boolean | null;
  /** slopePerMin × 60. */
  projectedPerHour: number | null;
  /** Growth per hour below which a trend is not material (the leak budget). */
  budgetPerHour: number;
  /** Jumps (and drops) found after the warm-up. */
  steps: MonitorStep[];
  /** Drops counted as GC cycles (sawtooth); the trend is judged over whole cycles only. */
  cycles: number;
  /** Independent samples the judged series is worth, after its lag-1 autocorrelation. */
  effectiveSamples: number | null;
  /** Inconclusive only: about how many more minutes would decide, from the noise seen. */
  moreMinutes: number | null;
  /**
   * Memory under load only: growth per request (KiB), when the request count explains the growth
   * better than time does, and what it comes to per hour at the tested rate.
   */
  perRequest: { kibPerRequest: number; reqsPerSec: number; projectedPerHour: number } | null;
}

/** How a monitored process ended before monitoring did (added field). */
export interface MonitorExit {
  /** Seconds since monitoring started. */
  atSec: number;
  /** Exit code and signal, when squall started it (--monitor-cmd); null for --monitor-pid. */
  code: number | null;
  signal: string | null;
  /** The last lines it printed (--monitor-cmd only). */
  tail: string[];
}

export interface MonitorResult {
  pid: number;
  samples: MonitorSample[];
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  /** Theil–Sen slope of RSS after the warm-up. */
  rssGrowthMbPerMin: number;
  leakSuspected: boolean;
  /** Plain sentences: the verdict and what it rests on. */
  reasons: string[];
  // Added fields (older documents may lack them).
  verdict?: MonitorVerdict;
  /** 95% confidence interval of rssGrowthMbPerMin (Sen's method); null with too few samples. */
  rssGrowthCiMbPerMin?: [number, number] | null;
  /** Slope over the last half of the window after the warm-up: what "settled" is judged on. */
  rssTailGrowthMbPerMin?: number | null;
  /** RSS no longer growing at the end (the tail's slope cannot be told from flat). */
  settled?: boolean | null;
  warmupSec?: number;
  /** Fixed bounds of the verdict before 0.1.0, MB/min: no longer written (see `resources`). */
  healthyMbPerMin?: number;
  leakMbPerMin?: number;
  cpuAvgPct?: number;
  cpuPeakPct?: number;
  vszPeakMb?: number | null;
  threadsStart?: number | null;
  threadsEnd?: number | null;
  threadsPeak?: number | null;
  /** Theil–Sen slope after the warm-up, per minute. */
  threadsGrowthPerMin?: number | null;
  fdsStart?: number | null;
  fdsEnd?: number | null;
  fdsPeak?: number | null;
  fdsGrowthPerMin?: number | null;
  /** Sampling settings. */
  intervalMs?: number;
  tree?: boolean;
  source?: 'procfs' | 'pidusage';
  /** The command squall started and stopped (--monitor-cmd). */
  cmd?: string | null;
  /** Set when the process ended before monitoring did. */
  exit?: MonitorExit | null;
  /** Each resource's own leak test; fds and threads are null where the platform has no figure. */
  resources?: {
    memory: ResourceVerdict;
    fds: ResourceVerdict | null;
    threads: ResourceVerdict | null;
  };
  /** The resources judged leaking: `leakSuspected` is true when this is not empty. */
  leaks?: MonitorResource[];
  /** The memory leak budget the verdict used, MiB per hour. */
  leakBudgetMbPerHour?: number;
  /**
   * Doubts about what was watched: a wrapper whose children do the work, a process that does not
   * own the socket listening on the target's port, a process idle under load.
   */
  warnings?: string[];
}

/**
 * The load generator's own health (added field): when squall itself ran out of CPU or its event
 * loop lagged, latencies include squall's delay, and the figures measure squall, not the target.
 */
export interface GeneratorHealth {
  /** CPU of the squall process, % of one core, over the run and at its busiest second. */
  cpuAvgPct: number;
  cpuPeakPct: number;
  /** Cores the load could use (worker threads); CPU is judged against cores × 100%. */
  cores: number;
  /** Seconds in which CPU was at or above the saturation bound. */
  cpuSaturatedSec: number;
  /** Event-loop delay of the main thread (perf_hooks.monitorEventLoopDelay), ms. */
  eventLoopDelayP50Ms: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Peak resident memory of the squall process, MB. */
  rssPeakMb: number;
  /** The worst lateness of a request (or iteration) behind its scheduled send time, ms (added field). */
  sendLagMaxMs?: number;
  /**
   * Whole seconds of the run (k covers (k-1, k]) in which squall fell behind its own schedule
   * (send lag or event-loop delay over the bound): the generator, not the target, set the pace
   * (added field). The timeline points of those seconds carry `generatorLimited: true`.
   */
  limitedSeconds?: number[];
  saturated: boolean;
  /** Plain sentences; empty when healthy. */
  reasons: string[];
  /**
   * Per second: CPU % of one core, the event loop's worst delay, the worst send lag (ms), and
   * whether the second was generator-limited.
   */
  samples?: Array<{
    t: number;
    cpuPct: number;
    loopDelayMaxMs: number;
    sendLagMaxMs?: number;
    limited?: boolean;
  }>;
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
}
