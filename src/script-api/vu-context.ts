/**
 * What a user's flow sees while it runs (the public API of a TypeScript test, and what the YAML
 * flow compiler targets). One VuContext per virtual user; `vu.iteration` advances per iteration.
 */

export interface RequestOptions {
  /** Groups stats and thresholds; default `METHOD /path` (no query string). */
  name?: string;
  headers?: Record<string, string>;
  /** Sent as JSON with Content-Type: application/json. */
  json?: unknown;
  /** Sent as is (string or bytes). */
  body?: string | Uint8Array;
  /** Appended to the URL's query string. */
  query?: Record<string, string | number | boolean>;
  /** Per-request timeout: `5s`, `500ms`, or milliseconds. Default: the test's default (10s). */
  timeout?: string | number;
  /**
   * The statuses that count as success for http_req_failed (default 200–399). A number, a list,
   * or a predicate.
   */
  expect?: number | number[] | ((status: number) => boolean);
  /** Extra tags on this request's samples. */
  tags?: Record<string, string>;
  /**
   * k6's `responseType`: `'none'` reads the body off the connection (counted in data_received)
   * without keeping it, so `text` is '' and `json()` throws; `'text'` keeps it even when the
   * test sets `discardResponseBodies`. Default: the test's `discardResponseBodies` (false).
   */
  responseType?: 'text' | 'none';
}

export interface ResponseTimings {
  /** http_req_duration of this request, ms. */
  duration: number;
  /** Time to first byte, ms. */
  waiting: number;
  /** TCP connect, ms (0 when the connection was reused). */
  connecting: number;
  /** TLS handshake, ms (0 for http:// and when the connection was reused); k6's name. */
  tls_handshaking?: number;
}

export interface HttpResponse {
  /** 0 when there was no response (refused, reset, timeout, malformed). */
  status: number;
  headers: Record<string, string>;
  /**
   * The body as text ('' when there was none or it was discarded), decoded by its
   * Content-Encoding (gzip, deflate, br) on first read.
   */
  text: string;
  /** Parses the body as JSON; throws with a clear message when it is not JSON. */
  json<T = unknown>(): T;
  timings: ResponseTimings;
  /** The error kind when status is 0 (ECONNREFUSED, timeout, …), else undefined. */
  error?: string;
  url: string;
  /** True when the status was not expected, or fail() was called (counted in http_req_failed). */
  failed: boolean;
  /**
   * Marks this request failed (Locust's `response.failure(reason)`): it counts in
   * http_req_failed and the endpoint's failures, and `reason` in the result's errors[].
   * Calling it again, or on a request already failed, changes nothing.
   */
  fail(reason?: string): void;
}

export interface HttpApi {
  request(method: string, url: string, options?: RequestOptions): Promise<HttpResponse>;
  get(url: string, options?: RequestOptions): Promise<HttpResponse>;
  post(url: string, options?: RequestOptions): Promise<HttpResponse>;
  put(url: string, options?: RequestOptions): Promise<HttpResponse>;
  patch(url: string, options?: RequestOptions): Promise<HttpResponse>;
  delete(url: string, options?: RequestOptions): Promise<HttpResponse>;
  head(url: string, options?: RequestOptions): Promise<HttpResponse>;
}

/** `check(res, { 'status is 200': (r) => r.status === 200 })`: true when every predicate holds. */
export type CheckFn = <T>(
  value: T,
  checks: Record<string, (value: T) => boolean>,
  tags?: Record<string, string>,
) => boolean;

export interface VuInfo {
  /** 1-based, unique across the whole run. */
  id: number;
  /** 0-based iteration of this VU in its scenario. */
  iteration: number;
  scenario: string;
  /** The user type's name. */
  user: string;
  /** Per-user state, kept across this VU's iterations. */
  state: Record<string, unknown>;
  /**
   * performance.now() (ms) at which the current iteration was due to start. In the open model
   * (arrival-rate executors) an iteration may wait for a free VU; measuring its first request
   * from here rather than from the send keeps that wait visible (DESIGN.md, coordinated
   * omission). In the closed model it is the iteration's actual start. Set by the engine.
   */
  scheduledAt?: number;
}

export interface VuContext {
  http: HttpApi;
  check: CheckFn;
  /** Waits `1s`, `250ms`, or a number of seconds (k6's sleep takes seconds). */
  sleep(duration: string | number): Promise<void>;
  /** `-e K=V` values over the process environment. */
  env: Readonly<Record<string, string>>;
  /** What setup() returned (undefined without setup). */
  data: unknown;
  vu: VuInfo;
  /** Aborted when the scenario must stop now (gracefulStop ran out, interrupt, abortOnFail). */
  signal: AbortSignal;
  /** Uniform in [0, 1) from the VU's seeded random stream (set by the engine; Math.random without). */
  random?: () => number;
}

/** A user flow: one iteration. */
export type FlowFn = (ctx: VuContext) => Promise<void> | void;
