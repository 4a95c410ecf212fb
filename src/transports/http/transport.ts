import type { HttpSeries } from '../../metrics/run-metrics.js';
import type { HttpResponse, RequestOptions } from '../../script-api/vu-context.js';
import type { ProxyRoute } from './dispatcher.js';
import type { StreamMode } from './stream-reader.js';

/**
 * The seam between the HTTP client and the wires that carry its requests (DESIGN.md,
 * "Architecture"). The lean HTTP/1.1 transport (plain http://) and undici (https, and what the
 * lean one does not send) implement `Transport`; test/e2e/transport-*.test.ts is their
 * conformance suite. A transport measures and reports; it records nothing: each exchange's
 * timings go to the `ExchangeSink` the engine supplies, which applies the coordinated-omission
 * rule and writes the metrics.
 */

/** What one exchange measured; a sink reads it during `exchange()` and keeps nothing of it. */
export interface ExchangeReport {
  /** The request's series (its tags and endpoint), as the client resolved it. */
  series: HttpSeries;
  /** The `url` tag when a threshold filters on this URL, else undefined. */
  url: string | undefined;
  /** 0 when there was no response. */
  status: number;
  /** Counted in http_req_failed: no response, or a status the request did not expect. */
  failed: boolean;
  /** performance.now() ms: the request was written (0 when it never was, e.g. refused). */
  sentAt: number;
  /** performance.now() ms: the response's first byte (0 without one). */
  firstByteAt: number;
  /** performance.now() ms: the response was whole, or the request failed. */
  endAt: number;
  /** TCP connect of a new connection, ms; 0 when it reused one. */
  connectMs: number;
  /** TLS handshake of a new https connection, ms; 0 otherwise. */
  tlsMs: number;
  bytesSent: number;
  bytesReceived: number;
  /** Times it was sent again after the keep-alive race: 0 or 1. */
  retries: number;
  /** Status 0: the error kind (classifyError) and its message. */
  errorKind: string | undefined;
  errorMessage: string | undefined;
  /**
   * Written by the sink: the duration it recorded (from the intended start in the open model),
   * so a script marking the response failed afterwards (`res.fail`) amends that same sample.
   */
  recordedMs?: number;
}

/** Where transports report each exchange: supplied by the engine (engine/http-recorder.ts). */
export interface ExchangeSink {
  exchange(r: ExchangeReport): void;
}

/** A request as the client resolved it, for whichever transport carries it. */
export interface OutgoingRequest {
  method: string;
  origin: string;
  /** Path and query, percent-encoded. */
  path: string;
  /** Where it went, for the cookies its response sets. */
  hostname: string;
  secure: boolean;
  /** `[name, value, …]`, names as the user wrote them. */
  headers: string[];
  body: string | Uint8Array | undefined;
  bodyBytes: number;
  /** Through an HTTP proxy: its route, else null. */
  proxy: ProxyRoute | null;
  /** Whether `headers` is the client's default list (the same bytes every time it repeats). */
  defaultHeaders: boolean;
  /** Whether the request goes to the client's base URL origin (its encoding may be cached). */
  toBase: boolean;
  series: HttpSeries;
  url: string | undefined;
  expect: RequestOptions['expect'];
  timeoutMs: number;
  /** False: the body is counted as it arrives but not kept. */
  keepBody: boolean;
  /** Read as a stream (stream-reader.ts), or undefined for a plain read. */
  stream: StreamMode | undefined;
}

/** One VU's view of a wire: carries a request, or declines it (null) for the next transport. */
export interface Transport {
  readonly name: 'lean' | 'undici' | 'h2';
  send(req: OutgoingRequest): Promise<HttpResponse> | null;
}
