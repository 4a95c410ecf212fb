import { type ClientHttp2Stream, constants, type IncomingHttpHeaders } from 'node:http2';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { HttpResponse } from '../../script-api/vu-context.js';
import { type ClientState, Exchange, timeoutMessage } from './exchange.js';
import { H2Session, h2Failure, h2Headers, headerBytes } from './h2-session.js';
import type { OutgoingRequest, Transport } from './transport.js';

function deliverNow(resolve: (r: HttpResponse) => void, r: HttpResponse): void {
  resolve(r);
}

/**
 * A run's HTTP/2 sessions (`http2: true`): one per origin, shared by every VU, its requests
 * multiplexed as a browser's are. Closing it closes them.
 */
export class H2Pool {
  private readonly sessions = new Map<string, H2Session>();

  constructor(private readonly tlsOptions: { insecure?: boolean; ca?: string }) {}

  session(origin: string): H2Session {
    let s = this.sessions.get(origin);
    if (s === undefined) {
      const u = new URL(origin);
      const host = u.hostname.replace(/^\[|\]$/g, '');
      const secure = u.protocol === 'https:';
      s = new H2Session({
        host,
        port: Number(u.port) || (secure ? 443 : 80),
        tls: secure,
        servername: secure && isIP(host) === 0 ? host : undefined,
        insecure: this.tlsOptions.insecure === true,
        ca: this.tlsOptions.ca,
        // An idle session must not keep a finished run alive; a request in flight has its timer.
        unref: true,
      });
      this.sessions.set(origin, s);
    }
    return s;
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
  }
}

/** One request of a flow over HTTP/2: a stream of its origin's session. */
export class H2Exchange extends Exchange {
  private h2s: ClientHttp2Stream | null = null;
  private session: H2Session | null = null;
  /** It opened the session: the connect's timings are its own (0 on a reused session). */
  private opened = false;

  start(session: H2Session, req: OutgoingRequest): void {
    this.session = session;
    this.arm();
    let stream: ClientHttp2Stream;
    try {
      const before = session.opened;
      const s = session.get();
      this.opened = session.opened !== before;
      stream = s.request(h2Headers(req.method, req.path, req.headers), { endStream: req.body === undefined });
    } catch (e) {
      // A session that refuses new streams (closing, out of stream ids): the next request opens another.
      session.close();
      const f = h2Failure(e);
      this.fail(f.kind, f.message);
      return;
    }
    this.h2s = stream;
    if (session.connected) this.tWrite = performance.now();
    this.bytesOut = headerBytes(stream.sentHeaders) + req.bodyBytes;
    if (req.body !== undefined) stream.end(req.body);
    let status = 0;
    let lines = '';
    let cookies: string[] | null = null;
    let chunks: Buffer[] | null = null;
    stream.on('response', (headers: IncomingHttpHeaders) => {
      if (this.h2s !== stream) return;
      this.tHeaders = performance.now();
      this.takeConnect();
      status = Number(headers[':status']) || 0;
      this.bytesIn += headerBytes(headers);
      for (const k in headers) {
        if (k.charCodeAt(0) === 58) continue; // `:status`
        const v = headers[k];
        if (v === undefined) continue;
        if (Array.isArray(v)) for (const x of v) lines += `${k}: ${x}\r\n`;
        else lines += `${k}: ${v}\r\n`;
      }
      const sc = headers['set-cookie'];
      if (sc !== undefined) cookies = sc;
    });
    stream.on('data', (chunk: Buffer) => {
      if (this.h2s !== stream) return;
      this.bytesIn += chunk.length;
      if (this.stream !== null) this.stream.data(chunk, 0, chunk.length);
      if (!this.keepBody) return;
      if (chunks === null) chunks = [chunk];
      else chunks.push(chunk);
    });
    stream.on('error', (err: unknown) => {
      if (this.h2s !== stream) return;
      this.h2s = null;
      this.takeConnect();
      const f = h2Failure(err);
      this.fail(f.kind, f.message);
    });
    stream.on('close', () => {
      if (this.h2s !== stream) return;
      this.h2s = null;
      if (status > 0 && stream.rstCode === constants.NGHTTP2_NO_ERROR) {
        this.complete(status, lines, chunks, cookies, deliverNow);
        return;
      }
      this.takeConnect();
      this.fail(
        'closed',
        status > 0
          ? 'the stream closed in the middle of the response'
          : 'the stream closed before any response',
      );
    });
  }

  /** Sent when the session came up, and the connect's timings if this request opened it. */
  private takeConnect(): void {
    const s = this.session!;
    if (this.tWrite === 0 && s.connectedAt > 0) this.tWrite = s.connectedAt;
    if (this.opened && s.connectedAt > 0) {
      this.connectMs = s.connectMs;
      this.tlsMs = s.tlsMs;
    }
  }

  timeout(): void {
    if (this.done) return;
    this.takeConnect();
    this.fail('timeout', timeoutMessage(this.timeoutMs, this.tWrite > 0));
    this.abandon();
  }

  cancel(reason: unknown): void {
    if (this.done) return;
    this.settle();
    this.abandon();
    this.reject(reason);
  }

  private abandon(): void {
    const s = this.h2s;
    this.h2s = null;
    if (s !== null && !s.destroyed) s.close(constants.NGHTTP2_CANCEL);
  }
}

/** HTTP/2 as a Transport (`http2: true`): carries every request of the run, over its origin's session. */
export class H2Transport implements Transport {
  readonly name = 'h2';

  constructor(
    private readonly st: ClientState,
    private readonly pool: H2Pool,
  ) {}

  send(req: OutgoingRequest): Promise<HttpResponse> {
    req.series.endpoint.protocol = 'h2';
    const ex = new H2Exchange(
      this.st,
      req.series,
      req.origin,
      req.path,
      req.hostname,
      req.secure,
      req.expect,
      req.timeoutMs,
    );
    ex.readsAs(req);
    ex.start(this.pool.session(req.origin), req);
    return ex.promise;
  }
}
