import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher, ProxyAgent, util as undiciUtil } from 'undici';
import type {
  HttpApi,
  HttpResponse,
  RequestOptions,
  ResponseTimings,
  VuInfo,
} from '../../engine/vu-context.js';
import { tagKey } from '../../metrics/custom.js';
import type { HttpSample, HttpSeries, RunMetrics } from '../../metrics/run-metrics.js';
import { encodeRequestPath } from '../../util/url-path.js';
import { urlTagHead } from '../../util/url-tag.js';
import { classifyError, errorMessage } from './classify.js';
import type { CookieJar } from './cookie-jar.js';
import { decodeBody } from './decode-body.js';
import { KEEP_ALIVE_MARGIN_MS, LeanPool, type LeanRequest, type OriginPool } from './lean-pool.js';
import { basicAuthOf, isIdempotent } from './prepare.js';
import { type ProxyEnv, proxyFor, readProxyEnv } from './proxy-env.js';
import type { ProxyHop } from './proxy-tunnel.js';
import type { RawConnection } from './raw-connection.js';
import { copyRange, MAX_HEAD_BYTES, parseHeaderLines, ResponseCapture } from './response-parser.js';
import { expectWrite, parseTimeoutMs, timedConnector, type WriteObserver } from './timings.js';

/**
 * The `http` of a user's flow in `squall run`: one client per VU with its own cookie jar, over
 * one RunDispatcher per run. Requests to plain http:// origins go through the lean transport
 * (lean-pool.ts: the RawConnection and parser `quick` uses, about twice undici's throughput per
 * CPU); https, and the few requests whose method, body or headers undici treats specially, go
 * through undici, whose error for a bad header stays the one the flow sees. Every request that
 * reaches the target, or fails to,
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
  /** The VU, and whether its scenario is open-model (arrival-rate): see ClientState.vu. */
  vu?: VuInfo;
  openModel?: boolean;
  /** k6's discardResponseBodies: bodies are read and counted but not kept (see responseType). */
  discardResponseBodies?: boolean;
  /** `User-Agent` of requests whose headers set none (`squall/VERSION`, as `quick` sends). */
  userAgent?: string;
}

/** `auto`: the lean transport for plain http://, undici for the rest. `undici`: undici for all. */
export type HttpTransport = 'auto' | 'undici';

export interface DispatcherOptions {
  /** HTTP_PROXY, HTTPS_PROXY, NO_PROXY as read (default: from the environment). */
  proxies?: ProxyEnv;
  /** https: do not verify the certificate (self-signed test servers), as `quick -k`. */
  insecure?: boolean;
  /** https: trust only these CA certificates (PEM, `--cacert`), as curl's --cacert. */
  ca?: string;
  /** Default: `undici` when the environment has SQUALL_HTTP_CLIENT=undici, else `auto`. */
  transport?: HttpTransport;
}

/**
 * A run's connections: undici's Agent, plus the lean pool for plain http:// (null when undici
 * must carry everything). Closing or destroying it closes both.
 */
export class RunDispatcher extends Agent {
  readonly lean: LeanPool | null;
  /** Whether some origin may go through a proxy (a proxy variable is set). */
  readonly proxied: boolean;
  /**
   * Where requests to an origin not the test's target are named with their origin: the target's,
   * or else the first origin a request of the run went to (see createHttpClient).
   */
  homeOrigin: string | null = null;
  private readonly routes = new Map<string, ProxyRoute | null>();
  private readonly agents = new Map<string, ProxyAgent>();

  constructor(
    private readonly agentOptions: Agent.Options,
    lean: LeanPool | null,
    private readonly proxies: ProxyEnv | null = null,
    private readonly requestTls: Record<string, unknown> = {},
  ) {
    super(agentOptions);
    this.lean = lean;
    this.proxied = proxies !== null && (proxies.http !== null || proxies.https !== null);
  }

  /** The proxy an origin's requests go through, or null (no proxy variable, or NO_PROXY). */
  proxyRoute(origin: string): ProxyRoute | null {
    let r = this.routes.get(origin);
    if (r !== undefined) return r;
    const proxy = this.proxies === null ? null : proxyFor(this.proxies, new URL(origin));
    r = null;
    if (proxy !== null) {
      let agent = this.agents.get(proxy.href);
      if (agent === undefined) {
        // http:// origins get the absolute-form request line (curl, k6), https:// a CONNECT tunnel.
        agent = new ProxyAgent({
          uri: proxy.href,
          proxyTunnel: false,
          requestTls: this.requestTls,
          connections: this.agentOptions.connections,
          pipelining: 1,
          maxHeaderSize: this.agentOptions.maxHeaderSize,
        });
        this.agents.set(proxy.href, agent);
      }
      r = {
        agent,
        hop: {
          host: proxy.hostname.replace(/^\[|\]$/g, ''),
          port: Number(proxy.port) || 80,
          authorization: basicAuthOf(proxy),
        },
      };
    }
    this.routes.set(origin, r);
    return r;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.lean?.close();
    for (const a of this.agents.values()) void a.close();
    return callback === undefined ? super.close() : super.close(callback);
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(...args: unknown[]): Promise<void> | void {
    this.lean?.close();
    for (const a of this.agents.values()) void a.destroy();
    return (super.destroy as (...a: unknown[]) => Promise<void> | void).apply(this, args);
  }
}

/**
 * One dispatcher for a run: keep-alive connections, reused across VUs, at most
 * `maxConnectionsPerOrigin` per origin (unbounded by default: each request in flight gets one).
 */
export function createDispatcher(
  maxConnectionsPerOrigin?: number,
  options: DispatcherOptions = {},
): RunDispatcher {
  const transport = options.transport ?? (process.env.SQUALL_HTTP_CLIENT === 'undici' ? 'undici' : 'auto');
  const tlsOptions = {
    ...(options.insecure ? { rejectUnauthorized: false } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  };
  return new RunDispatcher(
    {
      connect: timedConnector(tlsOptions),
      connections: maxConnectionsPerOrigin ?? null,
      pipelining: 1,
      // A server's Keep-Alive timeout less the lean pool's margin: both transports reuse alike.
      keepAliveTimeoutThreshold: KEEP_ALIVE_MARGIN_MS,
      // The lean parser's limit; onHeaders checks the exact head size (undici counts fields only).
      maxHeaderSize: MAX_HEAD_BYTES,
    },
    transport === 'undici' ? null : new LeanPool(maxConnectionsPerOrigin),
    options.proxies ?? readProxyEnv(),
    tlsOptions,
  );
}

/** How a proxied origin's requests go: undici's ProxyAgent, or the lean transport to `hop`. */
interface ProxyRoute {
  agent: ProxyAgent;
  hop: ProxyHop;
}

/** Encoded requests a client keeps per method: a few paths repeat; ids in paths need not. */
const MAX_ENCODED = 64;

/** Distinct URLs, and names, a client remembers the series of (see defaultSeries, seriesFor). */
const MAX_URL_CACHE = 1000;

/** Where relative URLs go, parsed once per client. */
interface Base {
  origin: string;
  /** The base URL's path without its trailing slash: `http://h/api/` gives `/api`. */
  prefix: string;
  hostname: string;
  secure: boolean;
  /** `Authorization` from the base URL's `user:password@`. */
  auth: string | undefined;
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
    auth: basicAuthOf(u),
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

/**
 * Response header fields as a transport gave them: undici's raw `[name, value, …]` Buffers, or
 * the lean transport's head field lines as a latin1 string (split only if the flow reads them).
 */
type HeaderSource = Buffer[] | string;

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
    /** null without a response. */
    private readonly rawHeaders: HeaderSource | null,
    private readonly chunks: Buffer[] | null,
    /** Where a body that cannot be decoded, or a discarded body read, is told of. */
    private readonly metrics: RunMetrics,
    /** The body was read off the connection and dropped (discardResponseBodies, responseType 'none'). */
    private readonly discarded: boolean,
  ) {}

  get url(): string {
    return `${this.origin}${this.path}`;
  }

  get headers(): Record<string, string> {
    if (this.headerRecord === null) {
      const h: Record<string, string> = {};
      const raw = this.rawHeaders;
      if (raw !== null && raw.length > 0) {
        if (typeof raw === 'string') leanHeaderRecord(raw, h);
        else {
          const parsed = undiciUtil.parseHeaders(raw);
          // Repeated fields come as one string, joined as HTTP allows (RFC 9110 5.3).
          for (const k in parsed) {
            const v = parsed[k]!;
            h[k] = typeof v === 'string' ? v : v.join(', ');
          }
        }
      }
      this.headerRecord = h;
    }
    return this.headerRecord;
  }

  get text(): string {
    if (this.decodedText === null) this.decodedText = this.bodyText();
    return this.decodedText;
  }

  /** The body decoded by its Content-Encoding, on first read only: a flow that never reads it pays nothing. */
  private bodyText(): string {
    if (this.discarded) {
      noteDiscardedRead(this.metrics, this.label);
      return '';
    }
    const c = this.chunks;
    if (c === null) return '';
    let body = c.length === 1 ? c[0]! : Buffer.concat(c);
    const encoding = this.headers['content-encoding'];
    if (encoding !== undefined) {
      const d = decodeBody(body, encoding);
      if (d.ok) body = d.body;
      // Counted as its own kind (the request itself succeeded); the flow sees the body as it came.
      else this.metrics.http.errors.add('decode', `${this.label}: ${d.error}`);
    }
    return body.toString('utf8');
  }

  json<T = unknown>(): T {
    if (!this.hasParsed) {
      if (this.discarded) {
        noteDiscardedRead(this.metrics, this.label);
        throw new Error(`the response to ${this.label} has no body to parse: ${DISCARDED}`);
      }
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

const DISCARDED =
  "its body was discarded (discardResponseBodies: true or responseType: 'none'); give the request responseType: 'text' to keep it";

/** Runs that were told a flow read a discarded body: one warning per run is enough. */
const warnedDiscarded = new WeakSet<RunMetrics>();

/** A flow read a discarded body (a body check, a capture): said once, after the run. */
function noteDiscardedRead(metrics: RunMetrics, label: string): void {
  if (warnedDiscarded.has(metrics)) return;
  warnedDiscarded.add(metrics);
  metrics.warnings.push(`the flow read the body of ${label}, but ${DISCARDED}`);
}

/** The lean transport's field lines as undici's parseHeaders, then the join above, gives them. */
function leanHeaderRecord(lines: string, h: Record<string, string>): void {
  const cap = new ResponseCapture();
  const head = Buffer.from(lines, 'latin1');
  parseHeaderLines(head, 0, head.length, cap);
  const raw = cap.headers;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    const v = raw[i + 1]!;
    if (Object.hasOwn(h, k)) h[k] = `${h[k]}, ${v}`;
    else if (k === '__proto__') Object.defineProperty(h, k, { value: v, enumerable: true, writable: true });
    else h[k] = v;
  }
}

/**
 * The requests in flight under one VU signal, as an intrusive list (no hashing per request), so
 * that the signal needs one abort listener, not one per request; and one timer for all their
 * timeouts, not one per request (a Timeout and its list insertion cost more than the lean
 * transport's whole request). The timer is due at or before the earliest deadline; when it
 * fires it times out what is due and re-arms for the rest.
 */
interface InFlight {
  head: Exchange | null;
  timer: NodeJS.Timeout | null;
  /** performance.now() ms at which `timer` fires. */
  due: number;
}

const watched = new WeakMap<AbortSignal, InFlight>();

function watch(signal: AbortSignal): InFlight {
  let list = watched.get(signal);
  if (list === undefined) {
    const l: InFlight = { head: null, timer: null, due: 0 };
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

function armTimer(list: InFlight, deadline: number, now: number): void {
  if (list.timer !== null) clearTimeout(list.timer);
  // Node's timers count whole milliseconds: round up, never fire before the deadline.
  list.timer = setTimeout(sweep, Math.max(1, Math.ceil(deadline - now)), list);
  list.due = deadline;
}

function sweep(list: InFlight): void {
  list.timer = null;
  const now = performance.now();
  let next = Number.POSITIVE_INFINITY;
  for (let ex = list.head; ex !== null; ) {
    const after = ex.next;
    if (ex.deadline <= now) ex.timeout();
    else if (ex.deadline < next) next = ex.deadline;
    ex = after;
  }
  if (next !== Number.POSITIVE_INFINITY && list.timer === null) armTimer(list, next, now);
}

/** See UndiciExchange.onComplete: runs after undici queued its own reuse of the connection. */
function deliverLater(resolve: (r: HttpResponse) => void, r: HttpResponse): void {
  setImmediate(resolve, r);
}

/** `set-cookie`, compared without allocating for the other header names. */
function isSetCookie(name: Buffer): boolean {
  return name.length === 10 && name.toString('latin1').toLowerCase() === 'set-cookie';
}

/** 1 for a Content-Length field name, 2 for Transfer-Encoding, else 0 (any case). */
function framingHeader(name: Buffer): number {
  const lower = name.toString('latin1').toLowerCase();
  return lower === 'content-length' ? 1 : lower === 'transfer-encoding' ? 2 : 0;
}

/** The state shared by one VU's requests. */
interface ClientState {
  metrics: RunMetrics;
  jar: CookieJar;
  inFlight: InFlight;
  /** Reused for every sample of this VU: RunMetrics keeps nothing of it. */
  sample: HttpSample;
  /** Open model: the VU whose iterations have a scheduled start (see record()). */
  vu: VuInfo | undefined;
  /** The iteration whose first request was already measured from its scheduled start. */
  measuredIteration: number;
}

/**
 * One request and its response, whichever transport carries it: the timer's target, the
 * promise, the sample. Subclasses fill in the timings (tWrite, tHeaders, connectMs, bytes) and
 * call complete() or fail().
 */
abstract class Exchange {
  prev: Exchange | null = null;
  next: Exchange | null = null;
  /** performance.now() ms by which the response must be complete. */
  deadline = 0;
  protected done = false;
  protected tWrite = 0;
  protected tHeaders = 0;
  protected connectMs = 0;
  protected tlsMs = 0;
  protected bytesOut = 0;
  protected bytesIn = 0;
  /** 1 once it was sent again after the keep-alive race (http_req_retries). */
  protected retries = 0;
  /** The `url` tag, set only when a threshold filters on this URL (RunMetrics.watchedUrl). */
  url: string | undefined = undefined;
  /** False: the body is counted as it arrives but not kept (discardResponseBodies, responseType 'none'). */
  keepBody = true;
  private resolve!: (r: HttpResponse) => void;
  protected reject!: (e: unknown) => void;
  readonly promise: Promise<HttpResponse>;

  constructor(
    protected readonly st: ClientState,
    protected readonly series: HttpSeries,
    private readonly origin: string,
    private readonly path: string,
    /** Where the request went, for the cookies its response sets. */
    private readonly hostname: string,
    private readonly secure: boolean,
    private readonly expect: RequestOptions['expect'],
    protected readonly timeoutMs: number,
  ) {
    this.promise = new Promise<HttpResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** The request's time ran out: it ends now as a timeout, whatever the transport does next. */
  abstract timeout(): void;
  /** The VU is stopping: abandon the request, record nothing, reject with the signal's reason. */
  abstract cancel(reason: unknown): void;

  /** Joins the VU's in-flight list; its timeout runs from now (waiting for a connection included). */
  protected arm(): void {
    const list = this.st.inFlight;
    const now = performance.now();
    this.deadline = now + this.timeoutMs;
    const wasIdle = list.head === null;
    this.next = list.head;
    if (list.head !== null) list.head.prev = this;
    list.head = this;
    const t = list.timer;
    if (t === null || this.deadline < list.due) armTimer(list, this.deadline, now);
    else if (wasIdle) t.ref();
  }

  /** A response arrived whole: the sample, the cookies (each Set-Cookie value), the flow's result. */
  protected complete(
    status: number,
    raw: HeaderSource | null,
    chunks: Buffer[] | null,
    setCookies: string[] | null,
    deliver: (resolve: (r: HttpResponse) => void, r: HttpResponse) => void,
  ): void {
    const end = performance.now();
    this.settle();
    if (setCookies !== null) {
      const where = { hostname: this.hostname, pathname: stripQuery(this.path), secure: this.secure };
      for (const c of setCookies) this.st.jar.store(where, c);
    }
    const failed = isFailed(status, this.expect);
    const timings: ResponseTimings = {
      duration: end - this.tWrite,
      waiting: this.tHeaders - this.tWrite,
      connecting: this.connectMs,
      tls_handshaking: this.tlsMs,
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
      chunks,
      this.st.metrics,
      !this.keepBody,
    );
    deliver(this.resolve, r);
  }

  protected fail(kind: string, message: string): void {
    const end = performance.now();
    this.settle();
    const sent = this.tWrite > 0;
    const timings: ResponseTimings = {
      duration: sent ? end - this.tWrite : 0,
      waiting: sent && this.tHeaders > 0 ? this.tHeaders - this.tWrite : 0,
      connecting: this.connectMs,
      tls_handshaking: this.tlsMs,
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
        this.st.metrics,
        false,
      ),
    );
  }

  protected settle(): void {
    this.done = true;
    const list = this.st.inFlight;
    if (this.prev !== null) this.prev.next = this.next;
    else if (list.head === this) list.head = this.next;
    if (this.next !== null) this.next.prev = this.prev;
    this.prev = null;
    this.next = null;
    // Nothing in flight: the timer (left armed, to be reused) must not keep the process alive.
    if (list.head === null) list.timer?.unref();
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
    s.serviceMs = t.duration;
    // Open model (DESIGN.md): an iteration's first request is measured from the iteration's
    // scheduled start, so time spent waiting for a free VU shows in http_req_duration.
    const vu = this.st.vu;
    if (vu !== undefined && vu.iteration !== this.st.measuredIteration) {
      this.st.measuredIteration = vu.iteration;
      const scheduledAt = vu.scheduledAt ?? 0;
      if (status !== 0 && scheduledAt > 0 && scheduledAt < this.tWrite)
        s.durationMs += this.tWrite - scheduledAt;
    }
    s.waitingMs = t.waiting;
    s.connectingMs = t.connecting;
    s.tlsHandshakingMs = this.tlsMs;
    s.bytesSent = this.bytesOut;
    s.bytesReceived = this.bytesIn;
    s.retries = this.retries;
    s.url = this.url;
    s.errorKind = kind;
    s.errorMessage = message;
    this.st.metrics.recordHttp(s);
  }
}

/**
 * A request carried by undici: its dispatch handler.
 *
 * It speaks undici's callback protocol (onConnect, onHeaders, onData, onComplete, onError),
 * which undici 7 runs natively and marks deprecated in favour of controller-based callbacks. The
 * newer form costs an adapter, a controller and a parsed header object per request — about 2 µs,
 * an eighth of the client's CPU per request, measured against a local server — and the raw form
 * lets headers be parsed only when a flow reads them. Switching is local to this class.
 */
class UndiciExchange extends Exchange implements Dispatcher.DispatchHandler, WriteObserver {
  private abortRequest: ((err?: Error) => void) | null = null;
  private status = 0;
  private rawHeaders: Buffer[] | null = null;
  private chunks: Buffer[] | null = null;
  private dispatcher: Dispatcher | null = null;
  private opts: Dispatcher.DispatchOptions | null = null;
  /** See LeanRequest.retryable; cleared once it was retried. */
  private retryable = false;
  /** It went out on a connection an earlier request used (no connect was timed for it). */
  private reused = false;
  /** The socket it was written to, and that socket's bytesWritten before its head: data_sent. */
  private socket: Socket | null = null;
  private writtenBefore = 0;

  start(dispatcher: Dispatcher, opts: Dispatcher.DispatchOptions, retryable: boolean): void {
    this.dispatcher = dispatcher;
    this.opts = opts;
    this.retryable = retryable;
    this.arm();
    this.dispatch();
  }

  private dispatch(): void {
    try {
      this.dispatcher!.dispatch(this.opts!, this);
    } catch (e) {
      this.onError(e as Error);
    }
  }

  /** Adds what the socket took since the request's head (with pipelining 1, all this request's). */
  private takeWritten(): void {
    const s = this.socket;
    if (s === null) return;
    this.socket = null;
    this.bytesOut += s.bytesWritten - this.writtenBefore;
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

  onWrite(connectMs: number, tlsMs: number, socket: Socket): void {
    this.connectMs = connectMs;
    this.tlsMs = tlsMs;
    this.reused = connectMs === 0;
    this.socket = socket;
    this.writtenBefore = socket.bytesWritten;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    if (this.done || statusCode < 200) return true;
    this.tHeaders = performance.now();
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    // The head's size as it came: status line, `name: value\r\n` per field, the blank line.
    let n = 17 + statusText.length;
    let framing = 0;
    for (let i = 0; i < rawHeaders.length; i++) {
      const h = rawHeaders[i]!;
      n += h.length + 2;
      if ((i & 1) === 0 && (h.length === 14 || h.length === 17)) framing |= framingHeader(h);
    }
    this.bytesIn += n;
    // What the lean parser refuses, refused alike (response-parser.ts): one behaviour per response.
    // Its head limit counts the bytes before the blank line (the status line's space and reason
    // included, the last CRLF not), the form n has less 4.
    if (n - 4 - (statusText === '' ? 1 : 0) > MAX_HEAD_BYTES)
      return this.refuse('response head larger than 64 KiB');
    if (framing === 3) return this.refuse('both Content-Length and Transfer-Encoding');
    return true;
  }

  /** Ends the request as malformed from inside onHeaders. */
  private refuse(why: string): boolean {
    const abort = this.abortRequest;
    this.takeWritten();
    this.fail('malformed', why);
    abort?.(new Error(why));
    return false;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return true;
    this.bytesIn += chunk.length;
    if (!this.keepBody) return true;
    if (this.chunks === null) this.chunks = [chunk];
    else this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.done) return;
    this.finish();
  }

  private finish(): void {
    // Handed over after undici has freed the connection. With one request per connection,
    // undici waits an event-loop turn before reusing a socket (a setImmediate queued after this
    // handler returns); a flow resumed sooner would find every connection busy and open another,
    // so a sequential VU would alternate between two connections. nextTick runs after undici's
    // turn is queued, and our setImmediate after it. The timings are taken: no measurement waits.
    let cookies: string[] | null = null;
    const raw = this.rawHeaders;
    if (raw !== null) {
      for (let i = 0; i < raw.length; i += 2) {
        if (!isSetCookie(raw[i]!)) continue;
        const v = raw[i + 1]!.toString('latin1');
        if (cookies === null) cookies = [v];
        else cookies.push(v);
      }
    }
    this.takeWritten();
    this.complete(this.status, raw, this.chunks, cookies, deferDelivery);
  }

  onError(err: Error): void {
    if (this.done) return;
    this.takeWritten();
    const code = (err as { code?: unknown }).code;
    if (this.retryable && this.reused && this.status === 0 && this.bytesIn === 0 && isConnectionLoss(code)) {
      // The keep-alive race, as the lean transport retries it (RawConnection.onClose): undici
      // fails the request (it retries nothing by itself), so it is dispatched again, once.
      this.retryable = false;
      this.reused = false;
      this.retries = 1;
      this.tWrite = 0;
      this.abortRequest = null;
      // After undici has finished with the closed socket.
      process.nextTick(redispatch, this);
      return;
    }
    if (code === 'ERR_ASSERTION' && this.status === 0) {
      // undici asserts on a status line it cannot use (a status below 100): the lean parser's
      // malformed.
      this.fail('malformed', 'invalid status code');
      return;
    }
    if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' && (this.status === 304 || this.status === 204)) {
      // undici compares a Content-Length with the body even where the status has none: a 304
      // may carry the length of the body it stands for (RFC 9110 8.6). Its parser got no body
      // (nor waited for one), so the response is whole; undici drops the connection after it.
      this.finish();
      return;
    }
    if (err.message.startsWith('Proxy ')) {
      // undici's ProxyAgent: the proxy refused (407, or a tunnel answer other than 200).
      this.fail('proxy', err.message);
      return;
    }
    if (code === 'UND_ERR_INVALID_ARG') {
      // A header or option undici refuses: the script's mistake, not the target's.
      this.settle();
      this.reject(new Error(`${this.series.endpoint.name}: ${err.message}`));
      return;
    }
    this.fail(classifyError(err), errorMessage(err));
  }

  /** Sends it again (see onError), unless it ended meanwhile. */
  resend(): void {
    if (!this.done) this.dispatch();
  }

  timeout(): void {
    if (this.done) return;
    const abort = this.abortRequest;
    this.takeWritten();
    // Settled first: undici reports the abort to onError at once, as an error of its own.
    this.fail('timeout', timeoutMessage(this.timeoutMs, this.tWrite > 0));
    abort?.(new Error(`no response within ${this.timeoutMs}ms`));
  }

  cancel(reason: unknown): void {
    if (this.done) return;
    const abort = this.abortRequest;
    this.settle();
    abort?.(reason instanceof Error ? reason : new Error(String(reason)));
    this.reject(reason);
  }
}

function redispatch(ex: UndiciExchange): void {
  ex.resend();
}

/** undici's errors for a connection the server closed or reset under a request. */
function isConnectionLoss(code: unknown): boolean {
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

/** A timeout's message: whether the request was ever written, i.e. whether the connect finished. */
function timeoutMessage(ms: number, written: boolean): string {
  return written
    ? `no complete response within ${ms}ms`
    : `no connection within ${ms}ms (the connect timed out; the request was not sent)`;
}

function deferDelivery(resolve: (r: HttpResponse) => void, r: HttpResponse): void {
  process.nextTick(deliverLater, resolve, r);
}

function deliverNow(resolve: (r: HttpResponse) => void, r: HttpResponse): void {
  resolve(r);
}

/**
 * A request carried by the lean transport (plain http://): the pool's LeanRequest and its
 * CaptureSink, so a request costs this object, its Buffer and what the response keeps.
 */
class LeanExchange extends Exchange implements LeanRequest {
  conn: RawConnection | null = null;
  bytes: Buffer = EMPTY;
  expectBody = true;
  retryable = false;
  private pool: OriginPool | null = null;
  private fieldLines: string | null = null;
  private setCookies: string[] | null = null;
  private chunks: Buffer[] | null = null;

  start(pool: OriginPool, bytes: Buffer, expectBody: boolean, retryable: boolean): void {
    this.pool = pool;
    this.bytes = bytes;
    this.expectBody = expectBody;
    this.retryable = retryable;
    this.arm();
    try {
      pool.send(this);
    } catch (e) {
      // The run's pool is closed: a failed request, as undici reports its closed Agent.
      this.fail(classifyError(e), errorMessage(e));
    }
  }

  head(buf: Buffer, start: number, end: number): void {
    // One copy of the field lines (the read buffer is shared), as a string: cheaper to make than
    // a Buffer, and most flows never read them.
    this.fieldLines = buf.toString('latin1', start, end);
  }

  header(buf: Buffer, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    // Only Set-Cookie is needed now, for the jar: compared in place, decoded when it is one.
    if (nameEnd - nameStart === 10 && isSetCookieAt(buf, nameStart)) {
      const v = buf.toString('latin1', valueStart, valueEnd);
      if (this.setCookies === null) this.setCookies = [v];
      else this.setCookies.push(v);
    }
  }

  body(buf: Buffer, start: number, end: number): void {
    if (!this.keepBody) return;
    // A copy: the connection reads into a buffer shared by every connection.
    const c = copyRange(buf, start, end);
    if (this.chunks === null) this.chunks = [c];
    else this.chunks.push(c);
  }

  onConnect(ms: number): void {
    // As the undici path's connector: a connect the clock saw as 0 still counts as one.
    this.connectMs = Math.max(ms, 0.001);
  }

  onRetry(): void {
    this.retries = 1;
  }

  onResponse(conn: RawConnection, status: number): void {
    if (this.done) return;
    this.takeTimings(conn);
    this.complete(status, this.fieldLines, this.chunks, this.setCookies, deliverNow);
  }

  onFailure(conn: RawConnection, kind: string, message: string): void {
    if (this.done) return;
    this.takeTimings(conn);
    this.fail(kind, message);
  }

  timeout(): void {
    if (this.done) return;
    const conn = this.conn;
    if (conn !== null) this.takeTimings(conn);
    this.fail('timeout', timeoutMessage(this.timeoutMs, this.tWrite > 0));
    this.pool!.cancel(this);
  }

  cancel(reason: unknown): void {
    if (this.done) return;
    this.settle();
    this.pool!.cancel(this);
    this.reject(reason);
  }

  private takeTimings(conn: RawConnection): void {
    this.tWrite = conn.sentAt;
    this.tHeaders = conn.firstByteAt;
    this.bytesIn = conn.bytesIn;
    this.bytesOut = conn.bytesOut;
  }
}

const EMPTY = Buffer.alloc(0);
const SET_COOKIE = Buffer.from('set-cookie', 'latin1');

/** Whether buf[at, at+10) is `set-cookie` in any case. */
function isSetCookieAt(buf: Buffer, at: number): boolean {
  for (let i = 0; i < 10; i++) if ((buf[at + i]! | 0x20) !== SET_COOKIE[i]) return false;
  return true;
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

/** What undici accepts as a header name (RFC 9110 token) and value; anything else is its error. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const BAD_PATH = /[^\u0021-\u00ff]/;
/** Header names undici gives a meaning to or refuses: requests with them stay on undici. */
const UNDICI_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'connection',
  'expect',
]);
/** Methods the lean transport sends (the rest go to undici); its parser never waits for a HEAD's body. */
const LEAN_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
/** Methods whose requests carry a body (a Content-Length, 0 without one), as undici sends them. */
function expectsPayload(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

/** Whether a request's `responseType` keeps its body; anything but 'text' or 'none' is the script's mistake. */
function keepsBody(name: string, responseType: unknown): boolean {
  if (responseType === 'none') return false;
  if (responseType === 'text') return true;
  throw new Error(`${name}: responseType must be 'text' or 'none', given ${JSON.stringify(responseType)}`);
}

/** The Host header the last encodeHeaderLines() call found, if any (saves an object per call). */
let encodedHost: string | undefined;

/**
 * `name: value\r\n` for each pair, or null when undici must send them (an invalid or special
 * header, two Host headers), so that the flow gets undici's own error or handling.
 */
function encodeHeaderLines(h: readonly string[]): string | null {
  let out = '';
  encodedHost = undefined;
  for (let i = 0; i < h.length; i += 2) {
    const k = h[i]!;
    const v = h[i + 1]!;
    if (!TOKEN.test(k) || BAD_HEADER_VALUE.test(v)) return null;
    const lower = k.toLowerCase();
    if (lower === 'host') {
      if (encodedHost !== undefined) return null;
      encodedHost = v;
      continue;
    }
    if (UNDICI_HEADERS.has(lower)) return null;
    out += `${k}: ${v}\r\n`;
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
  if (base?.auth !== undefined && !defaultNames.includes('authorization')) {
    defaults.push('authorization', base.auth);
    defaultNames.push('authorization');
  }
  if (opts.userAgent !== undefined && !defaultNames.includes('user-agent')) {
    defaults.push('user-agent', opts.userAgent);
    defaultNames.push('user-agent');
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
      serviceMs: 0,
      waitingMs: 0,
      connectingMs: 0,
      tlsHandshakingMs: 0,
      bytesSent: 0,
      bytesReceived: 0,
      retries: 0,
      url: undefined,
      errorKind: undefined,
      errorMessage: undefined,
    },
    vu: opts.openModel ? opts.vu : undefined,
    measuredIteration: -1,
  };
  const { dispatcher, signal, defaultTimeoutMs } = opts;
  const discardBodies = opts.discardResponseBodies === true;
  const run = dispatcher instanceof RunDispatcher ? dispatcher : null;
  const lean = run === null ? null : run.lean;
  // Requests to another origin than this are named with their origin: the target's, else the
  // run's first (k6 names requests by URL; one origin's names stay short).
  let home = base?.origin ?? null;
  const isHome = (origin: string): boolean => {
    if (home === null) {
      if (run === null) home = origin;
      else {
        run.homeOrigin ??= origin;
        home = run.homeOrigin;
      }
    }
    return origin === home;
  };
  // The last origin's proxy route (null: direct), for the same reason as `pool` below.
  let routeOrigin = '';
  let route: ProxyRoute | null = null;
  // The default headers, encoded once: most requests send just these.
  const defaultLines = lean === null ? null : encodeHeaderLines(defaults);
  const defaultHost = encodedHost;
  // Encoded requests by method and path (see `reusable` in send()); the buffers are never written to.
  const encoded = new Map<string, Map<string, Buffer>>();
  // The last origin's pool: a VU's requests nearly always go to one origin.
  let poolOrigin = '';
  let pool: OriginPool | null = null;
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
      // Names built from ids need not repeat: past the bound they are looked up, not kept.
      if (byName.size >= MAX_URL_CACHE) return opts.metrics.httpSeries(baseTags, name, method);
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
    // What the `url` tag puts before the path: the origin, with the user:password as written.
    let urlHead: string;
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
      written = isHome(origin) ? u.pathname : `${origin}${u.pathname}`;
      urlHead = urlTagHead(u);
      const auth = basicAuthOf(u);
      if (
        auth !== undefined &&
        !Object.keys(o?.headers ?? {}).some((k) => k.toLowerCase() === 'authorization')
      ) {
        o = { ...o, headers: { ...o?.headers, authorization: auth } };
      }
    } else {
      if (base === null) {
        throw new Error(
          `${method} ${url}: a relative URL needs a base URL; set \`target\` in the test file or pass --host`,
        );
      }
      origin = base.origin;
      // Encoded as an absolute URL's path is (`/echo/café` → `/echo/caf%C3%A9`), as k6 sends it.
      written = encodeRequestPath(url.charCodeAt(0) === 47 ? url : `/${url}`);
      path = base.prefix === '' ? written : `${base.prefix}${written}`;
      hostname = base.hostname;
      secure = base.secure;
      urlHead = origin;
    }
    if (o?.query !== undefined) path = appendQuery(path, o.query);
    const series =
      o?.name === undefined && o?.tags === undefined
        ? defaultSeries(method, url, written)
        : seriesFor(o?.name ?? `${method} ${stripQuery(written)}`, method, o?.tags);
    const name = series.endpoint.name;
    // k6 tags every request with its full URL; only the URLs thresholds name are kept.
    // A request's own `url` tag stands in for the URL, as custom tags override k6's system tags.
    const urlTag = st.metrics.watchesUrls ? st.metrics.watchedUrl(o?.tags?.url ?? urlHead + path) : undefined;

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
    const keepBody = o?.responseType === undefined ? !discardBodies : keepsBody(name, o.responseType);
    const cookie = st.jar.size === 0 ? '' : st.jar.header({ hostname, pathname: stripQuery(path), secure });
    const headers =
      o?.headers === undefined && contentType === undefined && cookie === ''
        ? defaults
        : buildHeaders(defaults, defaultNames, o?.headers, contentType, cookie);

    if (run?.proxied === true && origin !== routeOrigin) {
      route = run.proxyRoute(origin);
      routeOrigin = origin;
    }
    const proxy = run?.proxied === true ? route : null;

    if (lean !== null && !secure && LEAN_METHODS.has(method)) {
      // A bodyless request with only the default headers is the same bytes every time it repeats.
      const reusable = headers === defaults && body === undefined && base !== null && origin === base.origin;
      let byPath = reusable ? encoded.get(method) : undefined;
      let bytes = byPath?.get(path);
      if (bytes === undefined) {
        const b = encodeLean(method, origin, path, headers, body, bodyBytes, proxy?.hop);
        if (b !== null && reusable && !path.includes('?')) {
          if (byPath === undefined) {
            byPath = new Map();
            encoded.set(method, byPath);
          }
          if (byPath.size < MAX_ENCODED) byPath.set(path, b);
        }
        bytes = b ?? undefined;
      }
      if (bytes !== undefined) {
        if (origin !== poolOrigin) {
          pool = lean.origin(origin, proxy?.hop);
          poolOrigin = origin;
        }
        const ex = new LeanExchange(st, series, origin, path, hostname, secure, o?.expect, timeoutMs);
        ex.url = urlTag;
        ex.keepBody = keepBody;
        ex.start(pool!, bytes, method !== 'HEAD', isIdempotent(method));
        return ex.promise;
      }
    }

    const ex = new UndiciExchange(st, series, origin, path, hostname, secure, o?.expect, timeoutMs);
    ex.url = urlTag;
    ex.keepBody = keepBody;
    ex.start(
      proxy?.agent ?? dispatcher,
      {
        origin,
        path,
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        // The request's own timer ends it; undici's would only race it.
        headersTimeout: 0,
        bodyTimeout: 0,
        // undici closes the connection after every HEAD (for servers that wrongly send a body)
        // unless told not to; its parser never reads a HEAD's body, so the connection is kept
        // when the answer says keep-alive (as k6 and curl keep it).
        ...(method === 'HEAD' ? { reset: false } : null),
      },
      // A stream cannot be sent twice (Go retries only a body it can replay, too).
      isIdempotent(method) && (body === undefined || typeof body === 'string' || body instanceof Uint8Array),
    );
    return ex.promise;
  }

  /**
   * The request as the lean transport writes it, head and body in one Buffer, byte for byte
   * what undici would send; null when undici must send it (see encodeHeaderLines).
   */
  function encodeLean(
    method: string,
    origin: string,
    path: string,
    headers: string[],
    body: string | Uint8Array | undefined,
    bodyBytes: number,
    proxy: ProxyHop | undefined,
  ): Buffer | null {
    if (body !== undefined && !(typeof body === 'string' || body instanceof Uint8Array)) return null;
    // A body on a GET or DELETE makes undici close the connection afterwards: leave it that.
    if (body !== undefined && bodyBytes > 0 && !expectsPayload(method)) return null;
    if (BAD_PATH.test(path)) return null;
    let lines: string | null;
    let host: string | undefined;
    if (headers === defaults) {
      lines = defaultLines;
      host = defaultHost;
    } else {
      lines = encodeHeaderLines(headers);
      host = encodedHost;
    }
    if (lines === null) return null;
    // origin is `http://host[:port]`, URL.origin's spelling: the Host header undici sends.
    const length = expectsPayload(method) ? `content-length: ${bodyBytes}\r\n` : '';
    // Through a proxy: the absolute-form request line (RFC 9112 3.2.2), and its credentials.
    const target = proxy === undefined ? path : `${origin}${path}`;
    const proxyAuth =
      proxy?.authorization === undefined ? '' : `proxy-authorization: ${proxy.authorization}\r\n`;
    const head = `${method} ${target} HTTP/1.1\r\nhost: ${host ?? origin.slice(7)}\r\nconnection: keep-alive\r\n${lines}${proxyAuth}${length}\r\n`;
    const headBytes = head.length;
    const out = Buffer.allocUnsafe(headBytes + bodyBytes);
    out.write(head, 0, 'latin1');
    if (bodyBytes > 0) {
      if (typeof body === 'string') out.write(body, headBytes, 'utf8');
      else out.set(body!, headBytes);
    }
    return out;
  }

  return {
    request: (method, url, options) => request(method.toUpperCase(), url, options),
    get: (url, options) => request('GET', url, options),
    post: (url, options) => request('POST', url, options),
    put: (url, options) => request('PUT', url, options),
    patch: (url, options) => request('PATCH', url, options),
    delete: (url, options) => request('DELETE', url, options),
    head: (url, options) => request('HEAD', url, options),
  };
}
