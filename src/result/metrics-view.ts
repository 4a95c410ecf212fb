import type { ExactParts, TrendHistogram } from '../util/trend-histogram.js';
import type { ErrorGroup, TimelinePoint } from './schema.js';

/**
 * What the document builders read of a run's recorded metrics. result/ sits below metrics/ (the
 * one pipeline: engines record into metrics, and one buildResult turns them into a document), so
 * it declares the shape it reads and metrics/ (HttpMetrics, RunMetrics, the custom registry)
 * provides it: the dependency points down. Trends are the pure recorder of util/.
 */

/** One endpoint's closed per-second bucket (metrics/endpoint-timeline.ts's EndpointBucket). */
export interface EndpointBucketView {
  index: number;
  requests: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** A shard's run: the bucket's durations, encoded, and their exact parts. */
  histogram?: string;
  exact?: ExactParts;
}

/** One endpoint, a (method, name) pair (metrics/endpoint-stats.ts). */
export interface EndpointView {
  readonly name: string;
  readonly method: string;
  /** `h2`, or undefined for HTTP/1.1. */
  readonly protocol?: string | undefined;
  readonly count: number;
  readonly failures: number;
  readonly bytesReceived: number;
  readonly failureKinds: ReadonlyMap<string, number>;
  readonly timeline: { closedBuckets(): EndpointBucketView[] };
  /** Responses per status code, lowest code first. */
  statusCounts(): Array<[number, number]>;
  /** Durations of the responses whose status passes `keep` (all by default). */
  duration(keep?: (status: number) => boolean): TrendHistogram;
}

/** The HTTP metrics of a run, either engine's (metrics/http-metrics.ts). */
export interface HttpMetricsView {
  readonly openModel: boolean;
  readonly endpoints: readonly EndpointView[];
  readonly waiting: TrendHistogram;
  readonly service: TrendHistogram;
  readonly connecting: TrendHistogram;
  readonly tlsHandshaking: TrendHistogram;
  readonly requests: number;
  readonly failures: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly dropped: number;
  readonly retries: number;
  readonly timeline: TimelinePoint[];
  /** A shard's run: every bucket keeps its histogram (timeline[i].histogram; exact parts here). */
  readonly keepBucketHistograms?: boolean;
  readonly bucketExact?: readonly ExactParts[];
  readonly errors: { toArray(): ErrorGroup[] };
  /** Past the endpoint limit: how many request names went under this endpoint. */
  readonly names: { groupedUnder(method: string, name: string): number | undefined };
  /** http_req_duration: the lossless sum of the endpoints' histograms. */
  totalDuration(): TrendHistogram;
}

/** One tag combination of a custom metric (metrics/custom.ts's CustomSeries). */
export interface CustomSeriesView {
  readonly tags: Readonly<Record<string, string>>;
  readonly samples: number;
  readonly sum: number;
  readonly trues: number;
  readonly last: number;
  readonly lastSeq: number;
  readonly min: number;
  readonly max: number;
  readonly trend: TrendHistogram | null;
}

/** A custom metric a test declared (metrics/custom.ts's CustomMetricEntry). */
export interface CustomMetricView {
  readonly name: string;
  readonly kind: 'counter' | 'gauge' | 'rate' | 'trend';
  readonly isTime: boolean;
  readonly untagged: CustomSeriesView;
  readonly tagged: ReadonlyMap<string, CustomSeriesView>;
}

type Tags = Readonly<Record<string, string>>;

/** What `squall run` records beside the HTTP metrics (metrics/run-metrics.ts's RunMetrics). */
export interface RunMetricsView {
  readonly http: HttpMetricsView;
  readonly vus: { value: number; min: number; max: number };
  readonly vusMax: { value: number; min: number; max: number };
  readonly iterations: number;
  readonly iterationCells: readonly {
    readonly scenario: string;
    readonly user: string;
    readonly count: number;
    readonly failed: number;
    readonly duration: TrendHistogram;
  }[];
  readonly checkCells: readonly { readonly name: string; readonly passes: number; readonly fails: number }[];
  /** Milliseconds since the metrics started (rates while the run goes on). */
  elapsedMs(): number;
  selectHttp(
    filter: Tags,
    withDuration?: boolean,
  ): { count: number; failed: number; duration: TrendHistogram };
  selectIterations(filter: Tags, withDuration?: boolean): { count: number; duration: TrendHistogram };
  selectChecks(filter: Tags): { passes: number; fails: number };
  dropped(scenario?: string): number;
  scenarioNames(): string[];
  /** The custom metrics the test declared (the process-wide registry). */
  customMetrics(): readonly CustomMetricView[];
}
