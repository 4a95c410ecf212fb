import type { WsApi } from './ws-api.js';

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
  /** Sent as application/x-www-form-urlencoded (`a=1&b=x+y`); a list repeats the field. */
  form?: Record<string, FormValue | FormValue[]>;
  /** Sent as multipart/form-data: text fields, and files `{ file: PATH }` (read once, then reused). */
  multipart?: Record<string, FormValue | MultipartFile | Array<FormValue | MultipartFile>>;
  /**
   * Redirects followed (301, 302, 303, 307, 308), each its own request sample; 0: none, the 3xx
   * is the response. Default: the test's `defaults.redirects` (10, as k6's maxRedirects).
   */
  redirects?: number;
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
  /**
   * Reads the response as a stream and records how it arrived (docs/protocols.md, "Streamed
   * responses and server-sent events"): `true` or `'chunks'` times each piece of body as it
   * comes off the connection (stream_* metrics); `'sse'` parses it as server-sent events
   * (sse_* metrics, `res.events`), and a response that is not `text/event-stream` or not valid
   * SSE counts as failed. Default: off (the body is read whole, at no extra cost).
   */
  stream?: boolean | 'chunks' | 'sse';
  /**
   * Reads the answer as a streamed OpenAI-compatible completion (docs/llm.md, "In a test file"):
   * implies `stream: 'sse'` and records the llm_* metrics `squall llm` records (TTFT, ITL, TPOT,
   * e2e, tokens, goodput against the test's thresholds on llm_ttft, llm_itl, llm_tpot and
   * llm_e2e). `'chat'` reads `choices[].delta.content`, `'completions'` `choices[].text`; `true`
   * picks by the URL (`…/completions` but not `…/chat/completions` is text). The body is yours:
   * send `"stream": true` in it. An answer that is no good stream fails under a reason that says
   * why.
   */
  llm?: boolean | 'chat' | 'completions';
}

/** One server-sent event of a response read with `stream: 'sse'`. */
export interface SseEvent {
  /** The `event:` field, undefined for the default (message). */
  event: string | undefined;
  /** The `data:` lines, joined with newlines. */
  data: string;
  id: string | undefined;
  /** When it arrived: ms from the request's send. */
  t: number;
}

/** How a response read with `stream` arrived; times in ms from the request's send. */
export interface StreamTimings {
  mode: 'chunks' | 'sse';
  /** Chunks (pieces of body as read off the connection) or events that arrived. */
  count: number;
  /** The first chunk or event; undefined when none came. */
  first: number | undefined;
  /** The whole response, send to its last byte (http_req_duration measured from the send). */
  duration: number;
}

/** A form or multipart field's value (sent as text). */
export type FormValue = string | number | boolean;

/** A file part of a multipart body: k6's `http.file(data, filename, contentType)`. */
export interface MultipartFile {
  /** The file to send: relative to the current folder, or absolute (read once per run). */
  file?: string;
  /** Or the content itself. */
  data?: string | Uint8Array;
  /** Default: the file's base name (the field's name with `data`). */
  filename?: string;
  /** @default 'application/octet-stream' */
  contentType?: string;
}

/** k6's submitForm: which form, what to change, and the request's own options. */
export interface SubmitFormOptions
  extends Omit<RequestOptions, 'json' | 'body' | 'form' | 'multipart' | 'query'> {
  /** CSS selector of the form. @default 'form' (the first form) */
  selector?: string;
  /** Field values that override (or add to) the form's own. */
  fields?: Record<string, FormValue>;
  /** CSS selector of the submit button whose name=value is sent. @default '[type="submit"]' (if any) */
  submitSelector?: string;
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
  /** With the request option `stream`: how the body arrived. */
  stream?: StreamTimings;
  /** With `stream: 'sse'`: the server-sent events, in order. */
  events?: SseEvent[];
  url: string;
  /** True when the status was not expected, or fail() was called (counted in http_req_failed). */
  failed: boolean;
  /**
   * k6's submitForm: reads a <form> of this HTML response (its action, relative to `url`; its
   * method, GET by default; its inputs' values) and sends it with `fields` overriding them:
   * POST as application/x-www-form-urlencoded (multipart/form-data if its enctype says so), GET
   * as the query string.
   */
  submitForm(options?: SubmitFormOptions): Promise<HttpResponse>;
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
  /** WebSocket sessions (ws-api.ts). */
  ws: WsApi;
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
