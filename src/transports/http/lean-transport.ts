import type { HttpResponse } from '../../script-api/vu-context.js';
import { TOKEN } from '../../util/http-token.js';
import { classifyError, errorMessage } from './classify.js';
import { type ClientState, Exchange, timeoutMessage } from './exchange.js';
import type { LeanPool, LeanRequest, OriginPool } from './lean-pool.js';
import { isIdempotent } from './prepare.js';
import type { ProxyHop } from './proxy-tunnel.js';
import type { RawConnection } from './raw-connection.js';
import { encodeRequestBytes } from './request-encoder.js';
import { copyRange } from './response-parser.js';
import type { OutgoingRequest, Transport } from './transport.js';

/** Encoded requests a VU keeps per method: a few paths repeat; ids in paths need not. */
const MAX_ENCODED = 64;

function deliverNow(resolve: (r: HttpResponse) => void, r: HttpResponse): void {
  resolve(r);
}

/**
 * A request carried by the lean transport (plain http://): the pool's LeanRequest and its
 * CaptureSink, so a request costs this object, its Buffer and what the response keeps.
 */
export class LeanExchange extends Exchange implements LeanRequest {
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
    if (this.stream !== null) this.stream.data(buf, start, end);
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

/** What undici accepts as a header value (a name must be a token); anything else is its error. */
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

/**
 * The lean HTTP/1.1 transport (lean-pool.ts: the RawConnection and parser `quick` uses, about
 * twice undici's throughput per CPU) for one VU. It declines (null) what undici must carry: https,
 * unusual methods, bodies or headers undici treats specially, so a flow sees undici's own error.
 */
export class LeanTransport implements Transport {
  readonly name = 'lean';
  /** The default headers, encoded once: most requests send just these. */
  private readonly defaultLines: string | null;
  private readonly defaultHost: string | undefined;
  /** Encoded requests by method and path (see `reusable` in send()); the buffers are never written to. */
  private readonly encoded = new Map<string, Map<string, Buffer>>();
  /** The last origin's pool: a VU's requests nearly always go to one origin. */
  private poolOrigin = '';
  private pool: OriginPool | null = null;

  constructor(
    private readonly st: ClientState,
    private readonly lean: LeanPool,
    defaults: readonly string[],
  ) {
    this.defaultLines = encodeHeaderLines(defaults);
    this.defaultHost = encodedHost;
  }

  send(req: OutgoingRequest): Promise<HttpResponse> | null {
    const { method, origin, path, body } = req;
    if (req.secure || !LEAN_METHODS.has(method)) return null;
    // A bodyless request with only the default headers is the same bytes every time it repeats.
    const reusable = req.defaultHeaders && body === undefined && req.toBase;
    let byPath = reusable ? this.encoded.get(method) : undefined;
    let bytes = byPath?.get(path);
    if (bytes === undefined) {
      const b = this.encode(req);
      if (b === null) return null;
      if (reusable && !path.includes('?')) {
        if (byPath === undefined) {
          byPath = new Map();
          this.encoded.set(method, byPath);
        }
        if (byPath.size < MAX_ENCODED) byPath.set(path, b);
      }
      bytes = b;
    }
    if (origin !== this.poolOrigin) {
      this.pool = this.lean.origin(origin, req.proxy?.hop);
      this.poolOrigin = origin;
    }
    const ex = new LeanExchange(
      this.st,
      req.series,
      origin,
      path,
      req.hostname,
      req.secure,
      req.expect,
      req.timeoutMs,
    );
    ex.readsAs(req);
    ex.start(this.pool!, bytes, method !== 'HEAD', isIdempotent(method));
    return ex.promise;
  }

  /**
   * The request as the lean transport writes it, head and body in one Buffer, byte for byte
   * what undici would send; null when undici must send it (see encodeHeaderLines).
   */
  private encode(req: OutgoingRequest): Buffer | null {
    const { method, origin, path, body, bodyBytes } = req;
    if (body !== undefined && !(typeof body === 'string' || body instanceof Uint8Array)) return null;
    // A body on a GET or DELETE makes undici close the connection afterwards: leave it that.
    if (body !== undefined && bodyBytes > 0 && !expectsPayload(method)) return null;
    if (BAD_PATH.test(path)) return null;
    let lines: string | null;
    let host: string | undefined;
    if (req.defaultHeaders) {
      lines = this.defaultLines;
      host = this.defaultHost;
    } else {
      lines = encodeHeaderLines(req.headers);
      host = encodedHost;
    }
    if (lines === null) return null;
    return encodeLeanRequest(method, origin, path, host, lines, body, bodyBytes, req.proxy?.hop);
  }
}

/** Head and body in one Buffer (request-encoder.ts); origin is `http://host[:port]`, URL.origin's spelling. */
function encodeLeanRequest(
  method: string,
  origin: string,
  path: string,
  host: string | undefined,
  lines: string,
  body: string | Uint8Array | undefined,
  bodyBytes: number,
  proxy: ProxyHop | undefined,
): Buffer {
  return encodeRequestBytes(
    {
      method,
      target: proxy === undefined ? path : `${origin}${path}`,
      host: host ?? origin.slice(7),
      keepAlive: true,
      lines,
      proxyAuthorization: proxy?.authorization,
      // A Content-Length (0 without a body) where undici sends one.
      framing: expectsPayload(method) ? bodyBytes : undefined,
    },
    body,
    bodyBytes,
  );
}
