import type { Dispatcher } from 'undici';
import { tagKey } from '../../metrics/custom.js';
import { isChatCompletion, recordCompletion } from '../../metrics/llm-completion.js';
import type { HttpSeries, RunMetrics } from '../../metrics/run-metrics.js';
import type {
  HttpApi,
  HttpResponse,
  RequestOptions,
  SubmitFormOptions,
} from '../../script-api/vu-context.js';
import { encodeRequestPath } from '../../util/url-path.js';
import { urlTagHead } from '../../util/url-tag.js';
import type { CookieJar } from './cookie-jar.js';
import { type ProxyRoute, RunDispatcher } from './dispatcher.js';
import { type ClientState, stripQuery } from './exchange.js';
import { type EncodedBody, encodeBody } from './form-body.js';
import { H2Transport } from './h2-transport.js';
import { watch } from './in-flight.js';
import { LeanTransport } from './lean-transport.js';
import { basicAuthOf } from './prepare.js';
import { streamModeOf } from './stream-reader.js';
import { parseTimeoutMs } from './timings.js';
import type { ExchangeSink, OutgoingRequest } from './transport.js';
import { UndiciTransport } from './undici-transport.js';

export {
  createDispatcher,
  type DispatcherOptions,
  type HttpTransport,
  RunDispatcher,
} from './dispatcher.js';

/**
 * The `http` of a user's flow in `squall run`: one client per VU with its own cookie jar, over
 * one RunDispatcher per run. Requests to plain http:// origins go through the lean transport
 * (lean-pool.ts: the RawConnection and parser `quick` uses, about twice undici's throughput per
 * CPU); https, and the few requests whose method, body or headers undici treats specially, go
 * through undici, whose error for a bad header stays the one the flow sees (transport.ts: both
 * implement Transport). Every request that reaches the target, or fails to, becomes exactly one
 * report to the engine's sink; target faults (refused, reset, timeout, malformed)
 * come back as status 0 with `error` set and never throw. What does throw is a script mistake
 * (a relative URL without a target, a bad timeout, an invalid header) and the VU's own abort.
 */

export interface HttpClientOptions {
  /** `target` / `--host`: relative URLs are appended to it (its path prefix kept). */
  baseUrl?: string;
  defaultHeaders: Record<string, string>;
  defaultTimeoutMs: number;
  /** The run's metrics: request series, watched URLs, and what a response body tells after the fact. */
  metrics: RunMetrics;
  /** Where each request's timings go; the engine supplies it (engine/http-recorder.ts). */
  sink: ExchangeSink;
  /** Every sample's tags: the scenario, the user type, and any scenario tags. */
  tags: { scenario: string; user: string; [tag: string]: string };
  cookies: CookieJar;
  /** The VU's signal: aborting it rejects the requests in flight with its reason. */
  signal: AbortSignal;
  /** The run's RunDispatcher (undici loaded only if a request needs it), or any undici Dispatcher. */
  dispatcher: RunDispatcher | Dispatcher;
  /** k6's discardResponseBodies: bodies are read and counted but not kept (see responseType). */
  discardResponseBodies?: boolean;
  /** `User-Agent` of requests whose headers set none (`squall/VERSION`, as `quick` sends). */
  userAgent?: string;
  /** Redirects followed per request unless it says (`redirects`); k6's maxRedirects. @default 10 */
  maxRedirects?: number;
}

/** The statuses a client follows: with Location, each is a hop (k6, Go's client, browsers). */
function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Headers of a body a 301/302/303 drops when it turns the request into a GET (the fetch spec's list). */
const BODY_HEADERS = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
]);
/** Headers not sent on to another host (as Go's client does, so k6). */
const SENSITIVE_HEADERS = new Set(['authorization', 'www-authenticate', 'cookie', 'cookie2']);

function without(headers: Record<string, string> | undefined, names: ReadonlySet<string>) {
  if (headers === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const k in headers) if (!names.has(k.toLowerCase())) out[k] = headers[k]!;
  return out;
}

/** Runs told that a request stopped at its redirect limit: once per run, as k6 logs it. */
const warnedLimit = new WeakSet<RunMetrics>();

/**
 * A followed hop is a redirect doing its job: judged by the default rule (a 3xx is no failure),
 * the request's own `expect` by the response that ends it.
 */
function hopExpect(expect: RequestOptions['expect']): RequestOptions['expect'] {
  if (expect === undefined) return undefined;
  if (typeof expect === 'function') return (s) => isRedirect(s) || expect(s);
  const list = typeof expect === 'number' ? [expect] : expect;
  return (s) => isRedirect(s) || list.includes(s);
}
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
    out.push('Content-Type', contentType);
  }
  if (cookie !== '') {
    // The flow's own Cookie header comes first; the jar's cookies follow it.
    if (userCookie >= 0) out[userCookie] = `${out[userCookie]}; ${cookie}`;
    else out.push('Cookie', cookie);
  }
  return out;
}
/** Whether a request's `responseType` keeps its body; anything but 'text' or 'none' is the script's mistake. */
function keepsBody(name: string, responseType: unknown): boolean {
  if (responseType === 'none') return false;
  if (responseType === 'text') return true;
  throw new Error(`${name}: responseType must be 'text' or 'none', given ${JSON.stringify(responseType)}`);
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
    defaults.push('Authorization', base.auth);
    defaultNames.push('authorization');
  }
  if (opts.userAgent !== undefined && !defaultNames.includes('user-agent')) {
    defaults.push('User-Agent', opts.userAgent);
    defaultNames.push('user-agent');
  }
  const st: ClientState = {
    metrics: opts.metrics,
    jar: opts.cookies,
    inFlight: watch(opts.signal),
    sink: opts.sink,
    report: {
      series: null as unknown as HttpSeries,
      url: undefined,
      status: 0,
      failed: false,
      sentAt: 0,
      firstByteAt: 0,
      endAt: 0,
      connectMs: 0,
      tlsMs: 0,
      bytesSent: 0,
      bytesReceived: 0,
      retries: 0,
      errorKind: undefined,
      errorMessage: undefined,
    },
  };
  const { dispatcher, signal, defaultTimeoutMs } = opts;
  const maxRedirects = opts.maxRedirects ?? 10;
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
  // Tried in order: the lean transport declines what undici must carry.
  const undici = new UndiciTransport(st, run === null ? () => dispatcher as Dispatcher : () => run.agent);
  const leanTransport = lean === null ? null : new LeanTransport(st, lean, defaults);
  // `http2: true`: HTTP/2 carries everything (proxies are not used for it).
  const h2 = run?.h2 == null ? null : new H2Transport(st, run.h2);
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
    if (options?.llm === undefined || options.llm === false) return exchange(method, url, options);
    let chat: boolean;
    try {
      chat = isChatCompletion(options.name ?? `${method} ${url}`, options.llm, url);
    } catch (e) {
      return Promise.reject(e);
    }
    // Read after its redirects: the answer that ends the request is the completion.
    return exchange(method, url, { ...options, stream: 'sse' }).then((res) => {
      recordCompletion(res, chat, st.metrics.llmSlos);
      return res;
    });
  }

  function exchange(method: string, url: string, options?: RequestOptions): Promise<HttpResponse> {
    if (signal.aborted) return Promise.reject(signal.reason);
    try {
      const limit = options?.redirects ?? maxRedirects;
      if (limit === 0) return send(method, url, options, undefined);
      if (!Number.isInteger(limit) || limit < 0) {
        throw new Error(
          `${options?.name ?? `${method} ${url}`}: redirects must be a whole number, 0 or more, given ${String(limit)}`,
        );
      }
      const label = options?.name ?? `${method} ${url}`;
      // Encoded once: a 307 or 308 sends the same bytes again.
      const enc = encodeBody(label, options);
      const expect = hopExpect(options?.expect);
      const first = send(method, url, expect === undefined ? options : { ...options, expect }, enc);
      return first.then((res) =>
        isRedirect(res.status) ? follow(res, label, method, enc, options, expect, limit) : res,
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Follows `res`'s Location up to `limit` hops, each its own request (and sample, named by its
   * own URL, as k6 names hops). 301, 302 and 303 turn the request into a GET without its body
   * (HEAD stays HEAD), as browsers and Go's client do; 307 and 308 repeat method and body.
   */
  async function follow(
    res: HttpResponse,
    label: string,
    method: string,
    enc: EncodedBody,
    o: RequestOptions | undefined,
    expect: RequestOptions['expect'],
    limit: number,
  ): Promise<HttpResponse> {
    let headers = o?.headers;
    let hops = 0;
    while (isRedirect(res.status)) {
      const location = res.headers.location;
      if (location === undefined || location === '') return res;
      let next: URL;
      try {
        next = new URL(location, res.url);
      } catch {
        return res;
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return res;
      if (hops >= limit) {
        if (!warnedLimit.has(st.metrics)) {
          warnedLimit.add(st.metrics);
          st.metrics.warnings.push(
            `${label} stopped after ${limit} redirects and returned the last ${res.status} (as k6 does); give the request a higher \`redirects\` if it should go on`,
          );
        }
        return res;
      }
      if (res.status !== 307 && res.status !== 308) {
        if (method !== 'GET' && method !== 'HEAD') method = 'GET';
        if (enc.body !== undefined || enc.contentType !== undefined) {
          enc = { body: undefined, contentType: undefined };
          headers = without(headers, BODY_HEADERS);
        }
      }
      next.hash = '';
      if (next.host !== new URL(res.url).host) headers = without(headers, SENSITIVE_HEADERS);
      hops++;
      if (signal.aborted) throw signal.reason;
      const hop: RequestOptions = {};
      if (headers !== undefined) hop.headers = headers;
      if (o?.timeout !== undefined) hop.timeout = o.timeout;
      if (o?.responseType !== undefined) hop.responseType = o.responseType;
      if (o?.stream !== undefined) hop.stream = o.stream;
      if (o?.tags !== undefined) hop.tags = o.tags;
      if (expect !== undefined) hop.expect = expect;
      res = await send(method, next.href, hop, enc);
    }
    return res;
  }

  function send(
    method: string,
    url: string,
    o: RequestOptions | undefined,
    enc: EncodedBody | undefined,
  ): Promise<HttpResponse> {
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
        o = { ...o, headers: { ...o?.headers, Authorization: auth } };
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

    const { body, contentType } = enc ?? encodeBody(name, o);
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

    const req: OutgoingRequest = {
      method,
      origin,
      path,
      hostname,
      secure,
      headers,
      body,
      bodyBytes,
      proxy,
      defaultHeaders: headers === defaults,
      toBase: base !== null && origin === base.origin,
      series,
      url: urlTag,
      expect: o?.expect,
      timeoutMs,
      keepBody,
      stream: o?.stream === undefined ? undefined : streamModeOf(name, o.stream),
    };
    if (h2 !== null) return h2.send(req);
    return leanTransport?.send(req) ?? undici.send(req);
  }

  const api: HttpApi = {
    request: (method, url, options) => request(method.toUpperCase(), url, options),
    get: (url, options) => request('GET', url, options),
    post: (url, options) => request('POST', url, options),
    put: (url, options) => request('PUT', url, options),
    patch: (url, options) => request('PATCH', url, options),
    delete: (url, options) => request('DELETE', url, options),
    head: (url, options) => request('HEAD', url, options),
  };
  // Loaded on the first submitForm only: its HTML parser is not for every test's start-up.
  st.submit = (res: HttpResponse, o: SubmitFormOptions) =>
    import('./submit-form.js').then((m) => m.submitForm(api, res, o));
  return api;
}
