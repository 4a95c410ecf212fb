import { TrendHistogram } from '../util/trend-histogram.js';
import { EndpointTimeline } from './endpoint-timeline.js';

/**
 * What one endpoint, a (method, name) pair, accumulates. Durations are kept per status code, so
 * that `http_req_duration{status:200}` is exact; the endpoint's own trend is their lossless sum.
 */
export class EndpointStats {
  /** Requests that ended, with a response or an error. */
  count = 0;
  failures = 0;
  bytesReceived = 0;
  /** Failed requests by error kind; only failures touch it. */
  readonly failureKinds = new Map<string, number>();
  readonly byStatus = new Map<number, TrendHistogram>();
  /** The last status seen and its trend: nearly every response repeats the one before. */
  private lastStatus = -1;
  private lastTrend: TrendHistogram | null = null;
  /** `h2` once a request of it went over HTTP/2; undefined: HTTP/1.1. */
  protocol: string | undefined = undefined;
  /** The endpoint's own per-second buckets (HttpMetrics records and closes them). */
  readonly timeline = new EndpointTimeline();

  constructor(
    readonly name: string,
    /** The endpoint's method: endpoints are keyed by (method, name). */
    readonly method: string,
  ) {}

  countFailure(kind: string): void {
    this.failures++;
    this.failureKinds.set(kind, (this.failureKinds.get(kind) ?? 0) + 1);
  }

  recordResponse(status: number, durationMs: number): void {
    let t = this.lastTrend;
    if (status !== this.lastStatus || t === null) {
      t = this.byStatus.get(status) ?? null;
      if (t === null) {
        t = new TrendHistogram();
        this.byStatus.set(status, t);
      }
      this.lastStatus = status;
      this.lastTrend = t;
    }
    t.recordMs(durationMs);
  }

  /** Responses per status code, lowest code first. */
  statusCounts(): Array<[number, number]> {
    return [...this.byStatus].map(([s, t]): [number, number] => [s, t.count]).sort((a, b) => a[0] - b[0]);
  }

  /** Durations of the responses whose status passes `keep` (all by default). */
  duration(keep: (status: number) => boolean = () => true): TrendHistogram {
    const sum = new TrendHistogram();
    for (const [s, t] of this.byStatus) if (keep(s)) sum.add(t);
    return sum;
  }
}
