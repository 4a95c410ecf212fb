import http2, {
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { classifyError, errorMessage } from './classify.js';
import type { Endpoint } from './raw-connection.js';

/**
 * The error kind of a request to a server that does not speak HTTP/2 (an HTTP/1.1-only server
 * given --http2 or `http2: true`): it answered the connection preface with something that is not
 * HTTP/2, or refused `h2` in the TLS handshake.
 */
export const H2_PROTOCOL_ERROR = 'h2 protocol error';

/** Said once on stderr when a run's requests failed as H2_PROTOCOL_ERROR. */
export const H2_PROTOCOL_HINT =
  'the target did not speak HTTP/2 (h2 protocol error): --http2 and `http2: true` send h2c with prior ' +
  'knowledge to http:// URLs and ask for h2 by ALPN on https://. Check that the server has HTTP/2 ' +
  'enabled (for h2c, prior-knowledge cleartext HTTP/2), or drop --http2 to load it over HTTP/1.1.';

/** The note a run ends with when some request met a server that does not speak HTTP/2, else none. */
export function h2ProtocolNotes(endpoints: ReadonlyArray<{ errors?: Record<string, number> }>): string[] {
  return endpoints.some((e) => (e.errors?.[H2_PROTOCOL_ERROR] ?? 0) > 0) ? [`note: ${H2_PROTOCOL_HINT}`] : [];
}

/** Node's error of a stream that never got its answer, and the cause it carries. */
function rootCause(err: unknown): unknown {
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== null ? cause : err;
}

/** An HTTP/2 failure as the result groups it (DESIGN.md `errors[].kind`), and its message. */
export function h2Failure(err: unknown): { kind: string; message: string } {
  const e = rootCause(err);
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ERR_HTTP2_ERROR' || code === 'ERR_HTTP2_SESSION_ERROR') {
    return {
      kind: H2_PROTOCOL_ERROR,
      message: `not HTTP/2 (${errorMessage(e)} on the connection preface): an HTTP/1.1-only server?`,
    };
  }
  if (code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' || code === 'ERR_H2_NO_ALPN') {
    return {
      kind: H2_PROTOCOL_ERROR,
      message: 'the server did not agree to h2 in the TLS handshake (ALPN); is HTTP/2 enabled on it?',
    };
  }
  if (code === 'ERR_HTTP2_STREAM_ERROR') return { kind: 'h2 stream reset', message: errorMessage(e) };
  if (
    code === 'ERR_HTTP2_GOAWAY_SESSION' ||
    code === 'ERR_HTTP2_STREAM_CANCEL' ||
    code === 'ERR_HTTP2_INVALID_SESSION'
  )
    return { kind: 'closed', message: errorMessage(e) };
  return { kind: classifyError(e), message: errorMessage(e) };
}

/** Fields HTTP/2 forbids (RFC 9113 §8.2.2): HTTP/1.1's framing and connection options; Host is :authority. */
const H1_ONLY = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/**
 * A request's header block for HTTP/2 from `[name, value, …]`: the pseudo-headers, names in
 * lower case, a Host field as `:authority`, HTTP/1.1's connection fields left out.
 */
export function h2Headers(method: string, path: string, fields: readonly string[]): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = { ':method': method, ':path': path };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toLowerCase();
    const v = fields[i + 1]!;
    if (name === 'host') h[':authority'] = v;
    if (H1_ONLY.has(name)) continue;
    const had = h[name];
    h[name] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [String(had), v];
  }
  return h;
}

/** Header bytes of a decoded field section, counted as HTTP/1.1 would send them (`name: value\r\n`). */
export function headerBytes(headers: IncomingHttpHeaders | Record<string, unknown>): number {
  let n = 0;
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) n += k.length + String(x).length + 4;
    else n += k.length + String(v).length + 4;
  }
  return n;
}

/**
 * One HTTP/2 connection: a ClientHttp2Session over a socket squall opens itself, so that the TCP
 * connect and the TLS handshake are timed apart as the HTTP/1.1 transports time them. http://
 * speaks h2c with prior knowledge (the preface, no Upgrade); https:// asks for `h2` by ALPN.
 * After it closes (the server went away, or never spoke HTTP/2) the next use opens a new one.
 */
export class H2Session {
  private session: ClientHttp2Session | null = null;
  /** performance.now() ms: the connect started, and it was up (0 until then). */
  connectStartedAt = 0;
  connectedAt = 0;
  /** Sessions opened so far (the first one included). */
  opened = 0;
  /** The last connect's TCP and TLS times, ms (for the request that opened it). */
  connectMs = 0;
  tlsMs = 0;
  private readonly authority: string;
  private waiting: { session: ClientHttp2Session; done: Promise<void> } | null = null;

  constructor(
    private readonly ep: Endpoint,
    /** A new session is up: TCP connect `ms`, TLS handshake `tlsMs` (0 for h2c). */
    private readonly onConnect: (ms: number, tlsMs: number) => void = () => {},
  ) {
    const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
    this.authority = `${ep.tls ? 'https' : 'http'}://${ep.servername ?? host}:${ep.port}`;
  }

  /** Whether the current session is up (a stream sent now goes out now). */
  get connected(): boolean {
    return this.connectedAt > 0 && this.session !== null && !this.session.destroyed;
  }

  /** The session, opened if there is none or it has closed. */
  get(): ClientHttp2Session {
    const s = this.session;
    if (s !== null && !s.destroyed && !s.closed) return s;
    return this.open();
  }

  /**
   * Opens the session ahead of the first request; resolves when it is up, failed, or after
   * `withinMs`. The session's M stream slots share one wait (one listener, not M).
   */
  preconnect(withinMs: number): Promise<void> {
    const s = this.get();
    if (this.connectedAt > 0) return Promise.resolve();
    if (this.waiting?.session === s) return this.waiting.done;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, withinMs);
      const end = () => {
        clearTimeout(timer);
        resolve();
      };
      s.once('connect', end);
      s.once('close', end);
    });
    this.waiting = { session: s, done };
    return done;
  }

  close(): void {
    const s = this.session;
    this.session = null;
    this.connectedAt = 0;
    s?.destroy();
  }

  private open(): ClientHttp2Session {
    const ep = this.ep;
    this.opened++;
    this.connectedAt = 0;
    this.connectStartedAt = performance.now();
    let tcpAt = 0;
    const socket = ep.tls
      ? tls.connect({
          host: ep.host,
          port: ep.port,
          servername: ep.servername,
          rejectUnauthorized: !ep.insecure,
          ca: ep.ca,
          ALPNProtocols: ['h2'],
        })
      : net.connect({ host: ep.host, port: ep.port });
    socket.setNoDelay(true);
    if (ep.unref) socket.unref();
    socket.once('connect', () => {
      tcpAt = performance.now();
    });
    if (ep.tls) {
      // A server that completes the handshake without choosing h2 would be sent HTTP/2 anyway.
      socket.once('secureConnect', () => {
        if ((socket as tls.TLSSocket).alpnProtocol !== 'h2') {
          const err = Object.assign(new Error('the server did not agree to h2 (ALPN)'), {
            code: 'ERR_H2_NO_ALPN',
          });
          socket.destroy(err);
        }
      });
    }
    const session = http2.connect(this.authority, { createConnection: () => socket });
    this.session = session;
    session.on('connect', () => {
      if (this.session !== session) return;
      const now = performance.now();
      this.connectedAt = now;
      if (tcpAt === 0) tcpAt = now;
      // As the other transports: a connect the clock saw as 0 still counts as one.
      this.connectMs = Math.max(tcpAt - this.connectStartedAt, 0.001);
      this.tlsMs = ep.tls ? Math.max(now - tcpAt, 0.001) : 0;
      this.onConnect(this.connectMs, this.tlsMs);
    });
    // Each stream reports its own failure; the session's error needs a listener or it throws.
    session.on('error', () => {});
    session.on('close', () => {
      if (this.session === session) {
        this.session = null;
        this.connectedAt = 0;
      }
    });
    if (ep.unref) session.unref();
    return session;
  }
}
