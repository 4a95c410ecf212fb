import type { TimelinePoint } from '../result/schema.js';
import { redactText } from '../util/redact.js';
import { DEFAULT_MAX_ENDPOINTS, EndpointNames } from './endpoint-names.js';
import { EndpointStats } from './endpoint-stats.js';
import { ErrorLog } from './error-log.js';
import { Trend } from './trend.js';

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

/** A last timeline bucket shorter than this is folded into the one before. */
const MIN_BUCKET_SEC = 0.25;

/**
 * Everything the HTTP engine records. The hot path calls `recordResponse` / `recordError` with
 * plain numbers and a pre-resolved endpoint handle: no allocation per request. The run-wide
 * http_req_duration is the lossless sum of the endpoints' histograms, built at the end.
 */
export class HttpMetrics {
  readonly waiting = new Trend();
  readonly service = new Trend();
  readonly connecting = new Trend();
  readonly errors = new ErrorLog();
  private readonly endpointsByName = new Map<string, EndpointStats>();
  bytesSent = 0;
  bytesReceived = 0;
  dropped = 0;

  /** The current one-second bucket of the timeline. */
  private readonly intervalDuration = new Trend();
  private intervalCount = 0;
  private intervalErrors = 0;
  private intervalBytes = 0;
  /** Every duration up to the last closed second: the timeline's running totals. */
  private readonly sofar = new Trend();
  private sofarRequests = 0;
  private sofarFailures = 0;
  private sofarBytes = 0;
  readonly timeline: TimelinePoint[] = [];

  /** Which endpoint each request name is recorded under (the endpoint limit). */
  readonly names: EndpointNames;

  /** Open model: service time differs from duration and is recorded apart. */
  constructor(
    readonly openModel: boolean,
    maxEndpoints = DEFAULT_MAX_ENDPOINTS,
  ) {
    this.names = new EndpointNames(maxEndpoints);
  }

  /**
   * The stats of `name`, made on first use; `method` is kept from that first use. Past the
   * endpoint limit, the stats of the template or `other` that `name` is grouped under.
   */
  endpoint(name: string, method = ''): EndpointStats {
    let ep = this.endpointsByName.get(name);
    if (!ep) {
      const target = this.names.resolve(name);
      ep = this.endpointsByName.get(target);
      if (!ep) {
        // A name given by hand may carry a URL with its secrets.
        ep = new EndpointStats(redactText(target), method);
        this.endpointsByName.set(target, ep);
      }
    }
    return ep;
  }

  get endpoints(): EndpointStats[] {
    return [...this.endpointsByName.values()];
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
    this.intervalDuration.recordMs(durationMs);
    this.intervalCount++;
    if (failed) {
      const kind = statusKind(status);
      ep.countFailure(kind);
      this.intervalErrors++;
      // The example string is built once per kind, not per failed response.
      if (!this.errors.bump(kind)) this.errors.add(kind, `${ep.name} answered ${status}`);
    }
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
    this.errors.add(kind, example);
  }

  recordConnect(ms: number): void {
    this.connecting.recordMs(ms);
  }

  /** Closes the current second of the timeline; `t` is seconds since the start. */
  closeInterval(t: number, seconds: number, vus: number): TimelinePoint {
    const d = this.intervalDuration;
    const r = (v: number) => Math.round(v * 1000) / 1000;
    this.sofar.add(d);
    this.sofarRequests += this.intervalCount;
    this.sofarFailures += this.intervalErrors;
    this.sofarBytes += this.intervalBytes;
    const totals = {
      totalRequests: this.sofarRequests,
      totalFailures: this.sofarFailures,
      totalBytes: this.sofarBytes,
      totalP50: r(this.sofar.percentileMs(50)),
      totalMean: r(this.sofar.meanMs()),
      totalMin: r(this.sofar.minMs()),
      totalMax: r(this.sofar.maxMs()),
    };
    const last = this.timeline[this.timeline.length - 1];
    if (last && seconds < MIN_BUCKET_SEC) {
      // A sliver at the end (the drain after the last full second): fold its counts into the
      // second before rather than plot a bucket whose rate means nothing. Its few durations
      // are in every run-wide figure and in the running totals already.
      last.rps = r(last.rps + this.intervalCount / (1 + seconds) - last.rps * (seconds / (1 + seconds)));
      last.errors += this.intervalErrors;
      last.requests = (last.requests ?? 0) + this.intervalCount;
      last.bytes = (last.bytes ?? 0) + this.intervalBytes;
      last.t = r(t);
      Object.assign(last, totals);
      this.resetInterval();
      return last;
    }
    const point: TimelinePoint = {
      t: r(t),
      rps: r(seconds > 0 ? this.intervalCount / seconds : 0),
      ...d.percentiles(),
      errors: this.intervalErrors,
      vus,
      requests: this.intervalCount,
      min: r(d.minMs()),
      mean: r(d.meanMs()),
      max: r(d.maxMs()),
      bytes: this.intervalBytes,
      ...totals,
    };
    this.timeline.push(point);
    this.resetInterval();
    return point;
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
    for (const ep of this.endpointsByName.values()) n += ep.count;
    return n;
  }

  get failures(): number {
    let n = 0;
    for (const ep of this.endpointsByName.values()) n += ep.failures;
    return n;
  }

  /** http_req_duration over every endpoint: built on demand by adding histograms. */
  totalDuration(): Trend {
    const t = new Trend();
    for (const ep of this.endpointsByName.values()) t.add(ep.duration());
    return t;
  }
}
