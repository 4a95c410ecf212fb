import type { Stat, TimelinePoint } from '../result/schema.js';
import { encodeTrend } from '../util/hdr.js';
import { redactText } from '../util/redact.js';
import { type ExactParts, TrendHistogram } from '../util/trend-histogram.js';
import { DEFAULT_MAX_ENDPOINTS, EndpointNames, endpointKey } from './endpoint-names.js';
import { EndpointStats } from './endpoint-stats.js';
import { ErrorLog } from './error-log.js';
import type { RequestRecord, RequestSink } from './sink.js';

const STATUS_KINDS = new Map<number, string>();

/** `status 503`, interned: one string per status code for the whole run. */
function statusKind(status: number): string {
  let k = STATUS_KINDS.get(status);
  if (k === undefined) {
    k = `status ${status}`;
    STATUS_KINDS.set(status, k);
  }
  return k;
}

/** A last timeline bucket shorter than this is merged into the one before. */
const MIN_BUCKET_SEC = 0.25;

const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** What one timeline bucket counted. */
interface BucketCounts {
  requests: number;
  errors: number;
  bytes: number;
}

/**
 * Everything the HTTP engine records. The hot path calls `recordResponse` / `recordError` with
 * plain numbers and a pre-resolved endpoint handle: no allocation per request. The run-wide
 * http_req_duration is the lossless sum of the endpoints' histograms, built at the end.
 */
export class HttpMetrics implements RequestSink<EndpointStats> {
  readonly waiting = new TrendHistogram();
  readonly service = new TrendHistogram();
  readonly connecting = new TrendHistogram();
  /** TLS handshakes of new https connections (k6's http_req_tls_handshaking). */
  readonly tlsHandshaking = new TrendHistogram();
  readonly errors = new ErrorLog();
  /** By endpointKey(method, name). */
  private readonly endpointsByKey = new Map<string, EndpointStats>();
  bytesSent = 0;
  bytesReceived = 0;
  dropped = 0;
  /** Requests sent again after a reused connection closed before any answer (http_req_retries). */
  retries = 0;

  /** The current one-second bucket of the timeline. */
  private intervalDuration = new TrendHistogram();
  /** The durations of the last bucket closed: a short last part is merged into it. */
  private closedDuration = new TrendHistogram();
  private intervalCount = 0;
  private intervalErrors = 0;
  private intervalBytes = 0;
  /** Every duration up to the last closed second: the timeline's running totals. */
  private readonly sofar = new TrendHistogram();
  private sofarRequests = 0;
  private sofarFailures = 0;
  private sofarBytes = 0;
  readonly timeline: TimelinePoint[] = [];
  /**
   * Shard documents (keepBucketHistograms): each timeline point's exact sum, min and max, beside
   * the histogram the point carries, so that a merge of shards is exact.
   */
  readonly bucketExact: ExactParts[] = [];

  /** Which endpoint each request name is recorded under (the endpoint limit). */
  readonly names: EndpointNames;

  /** Open model: service time differs from duration and is recorded apart. */
  constructor(
    readonly openModel: boolean,
    maxEndpoints = DEFAULT_MAX_ENDPOINTS,
    /** A shard's run: every timeline bucket (run-wide and per endpoint) keeps its histogram. */
    readonly keepBucketHistograms = false,
  ) {
    this.names = new EndpointNames(maxEndpoints);
  }

  /**
   * The stats of (method, name), made on first use: one name used with two methods is two
   * endpoints, as in Locust. Past the endpoint limit, the stats of the template or `other` that
   * `name` is grouped under.
   */
  endpoint(name: string, method: string): EndpointStats {
    let ep = this.endpointsByKey.get(endpointKey(method, name));
    if (!ep) {
      const target = this.names.resolve(name, method);
      const key = endpointKey(method, target);
      ep = this.endpointsByKey.get(key);
      if (!ep) {
        // A name given by hand may carry a URL with its secrets.
        ep = new EndpointStats(redactText(target), method);
        ep.timeline.keepHistograms = this.keepBucketHistograms;
        this.endpointsByKey.set(key, ep);
      }
    }
    return ep;
  }

  get endpoints(): EndpointStats[] {
    return [...this.endpointsByKey.values()];
  }

  recordResponse(
    ep: EndpointStats,
    status: number,
    durationMs: number,
    waitingMs: number,
    serviceMs: number,
    bytesIn: number,
    /** Whether the response counts in http_req_failed; `squall run` decides it from `expect`. */
    failed = status >= 400,
  ): void {
    ep.count++;
    ep.recordResponse(status, durationMs);
    this.waiting.recordMs(waitingMs);
    if (this.openModel) this.service.recordMs(serviceMs);
    this.bytesReceived += bytesIn;
    ep.bytesReceived += bytesIn;
    this.intervalBytes += bytesIn;
    // The second's durations are recorded per endpoint, and summed into the run's at its close.
    ep.timeline.record(durationMs, failed);
    this.intervalCount++;
    if (failed) {
      const kind = statusKind(status);
      ep.countFailure(kind);
      this.intervalErrors++;
      // The example string is built once per kind, not per failed response.
      if (!this.errors.bump(kind)) this.errors.add(kind, `${ep.name} answered ${status}`);
    }
  }

  /**
   * A response recorded as passed that the script marked failed after the fact (`res.fail`, a
   * YAML `expect`): counted as a failure of its endpoint, of the open second (the one the script
   * decided in), and in errors under its reason.
   */
  amendFailed(ep: EndpointStats, kind: string, example: string): void {
    ep.countFailure(kind);
    ep.timeline.markFailed();
    this.intervalErrors++;
    this.errors.add(kind, example);
  }

  /** A request that got no usable response: refused, reset, timeout, malformed. */
  recordError(ep: EndpointStats, kind: string, example: string, bytesIn = 0): void {
    ep.count++;
    ep.countFailure(kind);
    this.bytesReceived += bytesIn;
    ep.bytesReceived += bytesIn;
    this.intervalBytes += bytesIn;
    this.intervalCount++;
    this.intervalErrors++;
    ep.timeline.recordError();
    this.errors.add(kind, example);
  }

  /** One request of endpoint `ep` (RequestSink): the engine's hot loop reuses `r`. */
  record(ep: EndpointStats, r: RequestRecord): void {
    this.bytesSent += r.bytesSent;
    this.retries += r.retries;
    if (r.connectingMs > 0) this.recordConnect(r.connectingMs);
    if (r.tlsHandshakingMs !== undefined && r.tlsHandshakingMs > 0)
      this.recordTlsHandshake(r.tlsHandshakingMs);
    if (r.status === 0) {
      this.recordError(ep, r.errorKind ?? 'error', r.errorMessage ?? '', r.bytesReceived);
      return;
    }
    this.recordResponse(ep, r.status, r.durationMs, r.waitingMs, r.serviceMs, r.bytesReceived, r.failed);
  }

  connected(connectMs: number, tlsMs: number): void {
    this.recordConnect(connectMs);
    if (tlsMs > 0) this.recordTlsHandshake(tlsMs);
  }

  recordConnect(ms: number): void {
    this.connecting.recordMs(ms);
  }

  recordTlsHandshake(ms: number): void {
    this.tlsHandshaking.recordMs(ms);
  }

  /**
   * Closes the current bucket of the timeline; `t` is seconds since the start, `seconds` the
   * bucket's length. Every request lands in exactly one bucket: a last part shorter than
   * MIN_BUCKET_SEC (the drain after the last full second) is merged into the bucket before,
   * durations included, whose length then says so; a longer one is a bucket of its own.
   */
  closeInterval(t: number, seconds: number, vus: number): TimelinePoint {
    for (const ep of this.endpointsByKey.values()) ep.timeline.addIntervalTo(this.intervalDuration);
    this.sofar.add(this.intervalDuration);
    this.sofarRequests += this.intervalCount;
    this.sofarFailures += this.intervalErrors;
    this.sofarBytes += this.intervalBytes;
    const last = this.timeline[this.timeline.length - 1];
    let point: TimelinePoint;
    if (last && seconds < MIN_BUCKET_SEC) {
      this.closedDuration.add(this.intervalDuration);
      const counts: BucketCounts = {
        requests: (last.requests ?? 0) + this.intervalCount,
        errors: last.errors + this.intervalErrors,
        bytes: (last.bytes ?? 0) + this.intervalBytes,
      };
      const length = (last.lengthSec ?? 1) + seconds;
      point = this.bucketPoint(t, length, Math.max(last.vus, vus), this.closedDuration, counts);
      this.timeline[this.timeline.length - 1] = point;
      if (this.keepBucketHistograms)
        this.bucketExact[this.timeline.length - 1] = this.closedDuration.exactParts();
    } else {
      const counts = { requests: this.intervalCount, errors: this.intervalErrors, bytes: this.intervalBytes };
      point = this.bucketPoint(t, seconds, vus, this.intervalDuration, counts);
      this.timeline.push(point);
      if (this.keepBucketHistograms) this.bucketExact.push(this.intervalDuration.exactParts());
      // The bucket's durations stay at hand until the next one closes.
      const closed = this.closedDuration;
      this.closedDuration = this.intervalDuration;
      this.intervalDuration = closed;
    }
    this.resetInterval();
    // Each endpoint closes the same bucket (or merges into the same one) as the run.
    const merged = last !== undefined && seconds < MIN_BUCKET_SEC;
    for (const ep of this.endpointsByKey.values()) ep.timeline.close(this.timeline.length - 1, merged);
    return point;
  }

  private bucketPoint(
    t: number,
    seconds: number,
    vus: number,
    d: TrendHistogram,
    c: BucketCounts,
  ): TimelinePoint {
    const x = d.extremes();
    const total = this.sofar.count === 0;
    const stat = (v: number): Stat => (total ? null : r3(v));
    // The rate over the length the point says, so that requests / lengthSec reads the same.
    const length = r3(seconds);
    return {
      t: r3(t),
      rps: r3(length > 0 ? c.requests / length : 0),
      ...d.percentiles(),
      errors: c.errors,
      vus,
      requests: c.requests,
      lengthSec: length,
      min: x.min,
      mean: x.mean,
      max: x.max,
      bytes: c.bytes,
      totalRequests: this.sofarRequests,
      totalFailures: this.sofarFailures,
      totalBytes: this.sofarBytes,
      totalP50: stat(this.sofar.percentileMs(50)),
      totalMean: stat(this.sofar.meanMs()),
      totalMin: stat(this.sofar.minMs()),
      totalMax: stat(this.sofar.maxMs()),
      ...(this.keepBucketHistograms ? { histogram: encodeTrend(d) } : {}),
    };
  }

  private resetInterval(): void {
    this.intervalDuration.reset();
    this.intervalCount = 0;
    this.intervalErrors = 0;
    this.intervalBytes = 0;
  }

  get intervalIsEmpty(): boolean {
    return this.intervalCount === 0;
  }

  /** Total requests ended so far (responses and errors). */
  get requests(): number {
    let n = 0;
    for (const ep of this.endpointsByKey.values()) n += ep.count;
    return n;
  }

  get failures(): number {
    let n = 0;
    for (const ep of this.endpointsByKey.values()) n += ep.failures;
    return n;
  }

  /** http_req_duration over every endpoint: built on demand by adding histograms. */
  totalDuration(): TrendHistogram {
    const t = new TrendHistogram();
    for (const ep of this.endpointsByKey.values()) t.add(ep.duration());
    return t;
  }
}
