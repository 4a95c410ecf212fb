import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher, util as undiciUtil } from 'undici';
import type { HttpApi, HttpResponse, RequestOptions, ResponseTimings } from '../../engine/vu-context.js';
import { tagKey } from '../../metrics/custom.js';
import type { HttpSample, HttpSeries, RunMetrics } from '../../metrics/run-metrics.js';
import { classifyError, errorMessage } from './classify.js';
import type { CookieJar } from './cookie-jar.js';
import { expectWrite, parseTimeoutMs, timedConnector, type WriteObserver } from './timings.js';

/**
 * The `http` of a user's flow in `squall run`: undici underneath (one keep-alive Agent per run),
 * one client per VU with its own cookie jar. Every request that reaches the target, or fails to,
 * becomes exactly one sample in RunMetrics; target faults (refused, reset, timeout, malformed)
 * come back as status 0 with `error` set and never throw. What does throw is a script mistake
 * (a relative URL without a target, a bad timeout, an invalid header) and the VU's own abort.
 */

export interface HttpClientOptions {
  /** `target` / `--host`: relative URLs are appended to it (its path prefix kept). */
  baseUrl?: string;
  defaultHeaders: Record<string, string>;
  defaultTimeoutMs: number;
  metrics: RunMetrics;
  /** Every sample's tags: the scenario, the user type, and any scenario tags. */
  tags: { scenario: string; user: string; [tag: string]: string };
  cookies: CookieJar;
  /** The VU's signal: aborting it rejects the requests in flight with its reason. */
  signal: AbortSignal;
  dispatcher: Dispatcher;
}

export interface DispatcherOptions {
  /** https: do not verify the certificate (self-signed test servers), as `quick -k`. */
  insecure?: boolean;
}

/**
 * One Agent for a run: keep-alive connections, reused across VUs, at most
 * `maxConnectionsPerOrigin` per origin (unbounded by default: each request in flight gets one).
 */
export function createDispatcher(maxConnectionsPerOrigin?: number, options: DispatcherOptions = {}): Agent {
  return new Agent({
    connect: timedConnector(options.insecure ? { rejectUnauthorized: false } : {}),
    connections: maxConnectionsPerOrigin ?? null,
    pipelining: 1,
  });
}

/** Distinct URLs a client remembers the series of (see defaultSeries). */
const MAX_URL_CACHE = 1000;

/** Where relative URLs go, parsed once per client. */
interface Base {
  origin: string;
  /** The base URL's path without its trailing slash: `http://h/api/` gives `/api`. */
  prefix: string;
  hostname: string;
  secure: boolean;
}

function parseBase(baseUrl: string | undefined): Base | null {
  if (baseUrl === undefined || baseUrl === '') return null;
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new Error(
      `the base URL '${baseUrl}' is not a URL; set \`target\` or --host to e.g. http://127.0.0.1:8080`,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`the base URL '${baseUrl}' is not http:// or https://`);
  }
  return {
    origin: u.origin,
    prefix: u.pathname.replace(/\/+$/, ''),
    hostname: u.hostname.replace(/^\[|\]$/g, '').toLowerCase(),
    secure: u.protocol === 'https:',
  };
}

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/** `http://…`, `https://…` or another scheme (refused later); `/path` is the common case, first. */
function isAbsolute(url: string): boolean {
  if (url.charCodeAt(0) === 47) return false;
  return url.startsWith('http://') || url.startsWith('https://') || SCHEME.test(url);
}

function appendQuery(path: string, query: Record<string, string | number | boolean>): string {
  let q = '';
  for (const k in query) {
    q += `${q === '' ? '' : '&'}${encodeURIComponent(k)}=${encodeURIComponent(String(query[k]))}`;
  }
  if (q === '') return path;
  return `${path}${path.includes('?') ? '&' : '?'}${q}`;
}

function stripQuery(path: string): string {
  const q = path.indexOf('?');
  const h = path.indexOf('#');
  const end = q < 0 ? h : h < 0 ? q : Math.min(q, h);
  return end < 0 ? path : path.slice(0, end);
}

function isFailed(status: number, expect: RequestOptions['expect']): boolean {
  if (status === 0) return true;
  if (expect === undefined) return status >= 400;
  if (typeof expect === 'number') return status !== expect;
  if (Array.isArray(expect)) return !expect.includes(status);
  try {
    return !(expect as (s: number) => boolean)(status);
  } catch {
    return true;
  }
}

/** A response as the flow sees it; headers and text are decoded on first use, if ever. */
class ClientResponse implements HttpResponse {
  private parsed: unknown;
  private hasParsed = false;
  private decodedText: string | null = null;
  private headerRecord: Record<string, string> | null = null;

  constructor(
    readonly status: number,
    readonly timings: ResponseTimings,
    readonly failed: boolean,
    readonly error: string | undefined,
    private readonly origin: string,
    private readonly path: string,
    private readonly label: string,
    /** undici's raw head, `[name, value, …]`; null without a response. */
    private readonly rawHeaders: Buffer[] | null,
    private readonly chunks: Buffer[] | null,
  ) {}

  get url(): string {
    return `${this.origin}${this.path}`;
  }

  get headers(): Record<string, string> {
    if (this.headerRecord === null) {
      const h: Record<string, string> = {};
      if (this.rawHeaders !== null) {
        const parsed = undiciUtil.parseHeaders(this.rawHeaders);
        // Repeated fields come as one string, joined as HTTP allows (RFC 9110 5.3).
        for (const k in parsed) {
          const v = parsed[k]!;
          h[k] = typeof v === 'string' ? v : v.join(', ');
        }
      }
      this.headerRecord = h;
    }
    return this.headerRecord;
  }

  get text(): string {
    if (this.decodedText === null) {
      const c = this.chunks;
      this.decodedText =
        c === null ? '' : c.length === 1 ? c[0]!.toString('utf8') : Buffer.concat(c).toString('utf8');
    }
    return this.decodedText;
  }

  json<T = unknown>(): T {
    if (!this.hasParsed) {
      const text = this.text;
      try {
        this.parsed = JSON.parse(text);
      } catch (e) {
        const head = text.length > 60 ? `${text.slice(0, 60)}…` : text;
        const what = this.status === 0 ? `no response (${this.error})` : `status ${this.status}`;
        throw new Error(
          `the response to ${this.label} is not JSON (${what}, body ${head === '' ? 'empty' : JSON.stringify(head)}): ` +
            errorMessage(e),
        );
      }
      this.hasParsed = true;
    }
    return this.parsed as T;
  }
}

/**
 * The requests in flight under one VU signal, as an intrusive list (no hashing per request), so
 * that the signal needs one abort listener, not one per request.
 */
interface InFlight {
  head: Exchange | null;
}

const watched = new WeakMap<AbortSignal, InFlight>();

function watch(signal: AbortSignal): InFlight {
  let list = watched.get(signal);
  if (list === undefined) {
    const l: InFlight = { head: null };
    list = l;
    watched.set(signal, l);
    signal.addEventListener(
      'abort',
      () => {
        for (let ex = l.head; ex !== null; ex = l.head) ex.cancel(signal.reason);
      },
      { once: true },
    );
  }
  return list;
}

function onTimeout(ex: Exchange): void {
  ex.timeout();
}

/** See Exchange.deliver: runs after undici queued its own reuse of the connection. */
function deliverLater(resolve: (r: HttpResponse) => void, r: HttpResponse): void {
  setImmediate(resolve, r);
}

/** `set-cookie`, compared without allocating for the other header names. */
function isSetCookie(name: Buffer): boolean {
  return name.length === 10 && name.toString('latin1').toLowerCase() === 'set-cookie';
}

/** The state shared by one VU's requests. */
interface ClientState {
  metrics: RunMetrics;
  jar: CookieJar;
  inFlight: InFlight;
  /** Reused for every sample of this VU: RunMetrics keeps nothing of it. */
  sample: HttpSample;
}

/**
 * One request and its response: undici's dispatch handler, the timer's target, the promise.
 *
 * It speaks undici's callback protocol (onConnect, onHeaders, onData, onComplete, onError),
 * which undici 7 runs natively and marks deprecated in favour of controller-based callbacks. The
 * newer form costs an adapter, a controller and a parsed header object per request — about 2 µs,
 * an eighth of the client's CPU per request, measured against a local server — and the raw form
 * lets headers be parsed only when a flow reads them. Switching is local to this class.
 */
class Exchange implements Dispatcher.DispatchHandler, WriteObserver {
  prev: Exchange | null = null;
  next: Exchange | null = null;
  private abortRequest: ((err?: Error) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private done = false;
  private tWrite = 0;
  private tHeaders = 0;
  private connectMs = 0;
  private bytesOut = 0;
  private bytesIn = 0;
  private status = 0;
  private rawHeaders: Buffer[] | null = null;
  private chunks: Buffer[] | null = null;
  private resolve!: (r: HttpResponse) => void;
  private reject!: (e: unknown) => void;
  readonly promise: Promise<HttpResponse>;

  constructor(
    private readonly st: ClientState,
    private readonly series: HttpSeries,
    private readonly origin: string,
    private readonly path: string,
    /** Where the request went, for the cookies its response sets. */
    private readonly hostname: string,
    private readonly secure: boolean,
    private readonly expect: RequestOptions['expect'],
    private readonly bodyBytes: number,
    private readonly timeoutMs: number,
  ) {
    this.promise = new Promise<HttpResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  start(dispatcher: Dispatcher, opts: Dispatcher.DispatchOptions): void {
    const list = this.st.inFlight;
    this.next = list.head;
    if (list.head !== null) list.head.prev = this;
    list.head = this;
    this.timer = setTimeout(onTimeout, this.timeoutMs, this);
    try {
      dispatcher.dispatch(opts, this);
    } catch (e) {
      this.onError(e as Error);
    }
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.done) {
      // Timed out or cancelled while it waited for a connection: do not send it at all.
      abort(new Error('request abandoned before it was sent'));
      return;
    }
    this.abortRequest = abort;
    this.tWrite = performance.now();
    expectWrite(this);
  }

  onWrite(connectMs: number, headBytes: number): void {
    this.connectMs = connectMs;
    this.bytesOut = headBytes + this.bodyBytes;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    if (this.done || statusCode < 200) return true;
    this.tHeaders = performance.now();
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    // The head's size as it came: status line, `name: value\r\n` per field, the blank line.
    let n = 17 + statusText.length;
    for (let i = 0; i < rawHeaders.length; i++) n += rawHeaders[i]!.length + 2;
    this.bytesIn += n;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return true;
    this.bytesIn += chunk.length;
    if (this.chunks === null) this.chunks = [chunk];
    else this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.done) return;
    const end = performance.now();
    this.settle();
    const raw = this.rawHeaders;
    if (raw !== null) {
      for (let i = 0; i < raw.length; i += 2) {
        if (!isSetCookie(raw[i]!)) continue;
        this.st.jar.store(
          { hostname: this.hostname, pathname: stripQuery(this.path), secure: this.secure },
          raw[i + 1]!.toString('latin1'),
        );
      }
    }
    const status = this.status;
    const failed = isFailed(status, this.expect);
    const timings: ResponseTimings = {
      duration: end - this.tWrite,
      waiting: this.tHeaders - this.tWrite,
      connecting: this.connectMs,
    };
    this.record(status, failed, timings, undefined, undefined);
    const r = new ClientResponse(
      status,
      timings,
      failed,
      undefined,
      this.origin,
      this.path,
      this.series.endpoint.name,
      raw,
      this.chunks,
    );
    // Handed over after undici has freed the connection. With one request per connection,
    // undici waits an event-loop turn before reusing a socket (a setImmediate queued after this
    // handler returns); a flow resumed sooner would find every connection busy and open another,
    // so a sequential VU would alternate between two connections. nextTick runs after undici's
    // turn is queued, and our setImmediate after it. The timings are taken: no measurement waits.
    process.nextTick(deliverLater, this.resolve, r);
  }

  onError(err: Error): void {
    if (this.done) return;
    const code = (err as { code?: unknown }).code;
    if (code === 'UND_ERR_INVALID_ARG') {
      // A header or option undici refuses: the script's mistake, not the target's.
      this.settle();
      this.reject(new Error(`${this.series.endpoint.name}: ${err.message}`));
      return;
    }
    this.fail(classifyError(err), errorMessage(err));
  }

  /** The request's time ran out: it ends now as a timeout, whatever undici does next. */
  timeout(): void {
    if (this.done) return;
    this.timer = null;
    const abort = this.abortRequest;
    // Settled first: undici reports the abort to onError at once, as an error of its own.
    this.fail('timeout', `no complete response within ${this.timeoutMs}ms`);
    abort?.(new Error(`no response within ${this.timeoutMs}ms`));
  }

  /** The VU is stopping: abandon the request, record nothing, reject with the signal's reason. */
  cancel(reason: unknown): void {
    if (this.done) return;
    const abort = this.abortRequest;
    this.settle();
    abort?.(reason instanceof Error ? reason : new Error(String(reason)));
    this.reject(reason);
  }

  private fail(kind: string, message: string): void {
    const end = performance.now();
    this.settle();
    const sent = this.tWrite > 0;
    const timings: ResponseTimings = {
      duration: sent ? end - this.tWrite : 0,
      waiting: sent && this.tHeaders > 0 ? this.tHeaders - this.tWrite : 0,
      connecting: this.connectMs,
    };
    this.record(0, true, timings, kind, message);
    this.resolve(
      new ClientResponse(
        0,
        timings,
        true,
        kind,
        this.origin,
        this.path,
        this.series.endpoint.name,
        null,
        null,
      ),
    );
  }

  private settle(): void {
    this.done = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const list = this.st.inFlight;
    if (this.prev !== null) this.prev.next = this.next;
    else if (list.head === this) list.head = this.next;
    if (this.next !== null) this.next.prev = this.prev;
    this.prev = null;
    this.next = null;
  }

  private record(
    status: number,
    failed: boolean,
    t: ResponseTimings,
    kind: string | undefined,
    message: string | undefined,
  ): void {
    const s = this.st.sample;
    s.series = this.series;
    s.status = status;
    s.failed = failed;
    s.durationMs = t.duration;
    s.waitingMs = t.waiting;
    s.connectingMs = t.connecting;
    s.bytesSent = this.bytesOut;
    s.bytesReceived = this.bytesIn;
    s.errorKind = kind;
    s.errorMessage = message;
    this.st.metrics.recordHttp(s);
  }
}

/** `[name, value, …]` with the defaults first, per-request headers overriding by name. */
function buildHeaders(
  defaults: readonly string[],
  defaultNames: readonly string[],
  headers: Record<string, string> | undefined,
  contentType: string | undefined,
  cookie: string,
): string[] {
  const out: string[] = [];
  let own: Set<string> | null = null;
  if (headers !== undefined) {
    own = new Set();
    for (const k in headers) own.add(k.toLowerCase());
  }
  for (let i = 0; i < defaults.length; i += 2) {
    if (own?.has(defaultNames[i >> 1]!)) continue;
    out.push(defaults[i]!, defaults[i + 1]!);
  }
  let userCookie = -1;
  if (headers !== undefined) {
    for (const k in headers) {
      const v = headers[k];
      if (v === undefined) continue;
      if (cookie !== '' && k.toLowerCase() === 'cookie') userCookie = out.length + 1;
      out.push(k, String(v));
    }
  }
  if (contentType !== undefined && !own?.has('content-type') && !defaultNames.includes('content-type')) {
    out.push('content-type', contentType);
  }
  if (cookie !== '') {
    // The flow's own Cookie header comes first; the jar's cookies follow it.
    if (userCookie >= 0) out[userCookie] = `${out[userCookie]}; ${cookie}`;
    else out.push('cookie', cookie);
  }
  return out;
}

/** The HttpApi of one VU. */
export function createHttpClient(opts: HttpClientOptions): HttpApi {
  const base = parseBase(opts.baseUrl);
  const baseTags: Readonly<Record<string, string>> = Object.freeze({ ...opts.tags });
  const defaults: string[] = [];
  const defaultNames: string[] = [];
  for (const [k, v] of Object.entries(opts.defaultHeaders)) {
    defaults.push(k, String(v));
    defaultNames.push(k.toLowerCase());
  }
  const st: ClientState = {
    metrics: opts.metrics,
    jar: opts.cookies,
    inFlight: watch(opts.signal),
    sample: {
      series: null as unknown as HttpSeries,
      status: 0,
      failed: false,
      durationMs: 0,
      waitingMs: 0,
      connectingMs: 0,
      bytesSent: 0,
      bytesReceived: 0,
      errorKind: undefined,
      errorMessage: undefined,
    },
  };
  const { dispatcher, signal, defaultTimeoutMs } = opts;
  // Series handles by name then method (and by extra tags): one lookup per request, no strings.
  const byName = new Map<string, Map<string, HttpSeries>>();
  const byTags = new Map<string, HttpSeries>();
  // Default-named requests by method and URL as written, so the usual `http.get('/health')`
  // builds no name string. Only URLs without a query: those repeat; ids in queries need not.
  const byUrl = new Map<string, Map<string, HttpSeries>>();

  function defaultSeries(method: string, url: string, written: string): HttpSeries {
    let urls = byUrl.get(method);
    if (urls === undefined) {
      urls = new Map();
      byUrl.set(method, urls);
    }
    let s = urls.get(url);
    if (s === undefined) {
      s = seriesFor(`${method} ${stripQuery(written)}`, method, undefined);
      if (urls.size < MAX_URL_CACHE && !url.includes('?') && !url.includes('#')) urls.set(url, s);
    }
    return s;
  }

  function seriesFor(name: string, method: string, tags: Record<string, string> | undefined): HttpSeries {
    if (tags !== undefined) {
      const key = `${method}\u0000${name}\u0000${tagKey(tags)}`;
      let s = byTags.get(key);
      if (s === undefined) {
        s = opts.metrics.httpSeries({ ...baseTags, ...tags }, name, method);
        byTags.set(key, s);
      }
      return s;
    }
    let methods = byName.get(name);
    if (methods === undefined) {
      methods = new Map();
      byName.set(name, methods);
    }
    let s = methods.get(method);
    if (s === undefined) {
      s = opts.metrics.httpSeries(baseTags, name, method);
      methods.set(method, s);
    }
    return s;
  }

  function request(method: string, url: string, options?: RequestOptions): Promise<HttpResponse> {
    if (signal.aborted) return Promise.reject(signal.reason);
    try {
      return send(method, url, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  function send(method: string, url: string, o: RequestOptions | undefined): Promise<HttpResponse> {
    let origin: string;
    let path: string;
    let hostname: string;
    let secure: boolean;
    let written: string;
    if (isAbsolute(url)) {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        throw new Error(`${method} ${url}: not a valid URL`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        throw new Error(`${method} ${url}: only http:// and https:// URLs can be requested`);
      }
      origin = u.origin;
      path = `${u.pathname}${u.search}`;
      hostname = u.hostname.replace(/^\[|\]$/g, '');
      secure = u.protocol === 'https:';
      written = u.pathname;
    } else {
      if (base === null) {
        throw new Error(
          `${method} ${url}: a relative URL needs a base URL; set \`target\` in the test file or pass --host`,
        );
      }
      origin = base.origin;
      written = url.charCodeAt(0) === 47 ? url : `/${url}`;
      path = base.prefix === '' ? written : `${base.prefix}${written}`;
      hostname = base.hostname;
      secure = base.secure;
    }
    if (o?.query !== undefined) path = appendQuery(path, o.query);
    const series =
      o?.name === undefined && o?.tags === undefined
        ? defaultSeries(method, url, written)
        : seriesFor(o?.name ?? `${method} ${stripQuery(written)}`, method, o?.tags);
    const name = series.endpoint.name;

    let body: string | Uint8Array | undefined;
    let contentType: string | undefined;
    if (o?.json !== undefined) {
      if (o.body !== undefined) throw new Error(`${name}: give \`json\` or \`body\`, not both`);
      body = JSON.stringify(o.json);
      contentType = 'application/json';
    } else if (o?.body !== undefined) {
      body = o.body;
    }
    const bodyBytes =
      body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    const timeoutMs = o?.timeout === undefined ? defaultTimeoutMs : parseTimeoutMs(o.timeout);
    const cookie = st.jar.size === 0 ? '' : st.jar.header({ hostname, pathname: stripQuery(path), secure });
    const headers =
      o?.headers === undefined && contentType === undefined && cookie === ''
        ? defaults
        : buildHeaders(defaults, defaultNames, o?.headers, contentType, cookie);

    const ex = new Exchange(st, series, origin, path, hostname, secure, o?.expect, bodyBytes, timeoutMs);
    ex.start(dispatcher, {
      origin,
      path,
      method: method as Dispatcher.HttpMethod,
      headers,
      body,
      // The request's own timer ends it; undici's would only race it.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    return ex.promise;
  }

  return {
    request: (method, url, options) => request(method.toUpperCase(), url, options),
    get: (url, options) => request('GET', url, options),
    post: (url, options) => request('POST', url, options),
    put: (url, options) => request('PUT', url, options),
    patch: (url, options) => request('PATCH', url, options),
    delete: (url, options) => request('DELETE', url, options),
  };
}
