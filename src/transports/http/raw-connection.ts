import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { classifyError, errorMessage } from './classify.js';
import { connectTunnel, type ProxyHop } from './proxy-tunnel.js';
import { type CaptureSink, MALFORMED, NEED_MORE, ResponseParser } from './response-parser.js';

/** 64 KiB: as much as one read of a loopback socket usually brings. */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Where a lean connection connects to. */
export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
  servername?: string;
  /** Skip certificate verification (self-signed test servers). */
  insecure?: boolean;
  /** Trust only these CA certificates (PEM), instead of Node's bundled ones. */
  ca?: string;
  /**
   * Let the process exit while the socket is open (`squall run`'s shared pool: an idle
   * keep-alive connection must not keep a finished run alive; each request in flight has a timer).
   */
  unref?: boolean;
  /**
   * Time the connect from the DNS answer, not from the start (k6's http_req_connecting, and what
   * `squall run`'s undici connector measures); `quick` times the whole connect.
   */
  connectAfterLookup?: boolean;
  /** https:// through an HTTP proxy: TLS runs inside its CONNECT tunnel to host:port. */
  tunnel?: ProxyHop;
}

/** The connection's owner: told of every request's end, exactly once. `C`: the connection's type. */
export interface ConnectionOwner<C = RawConnection> {
  onResponse(conn: C, status: number): void;
  onFailure(conn: C, kind: string, message: string): void;
  /** A new connection is up: TCP connect took `ms`, the TLS handshake `tlsMs` (0 for http). */
  onConnect(conn: C, ms: number, tlsMs: number): void;
  /**
   * A reused connection closed before any byte of the answer to an idempotent request: it is
   * being sent again, once, on a fresh connection (onConnect follows).
   */
  onRetry(conn: C): void;
}

/**
 * The last TLS session of each endpoint, offered on the next connect so that the server can
 * resume it (an abbreviated handshake) as undici's connector does for `squall run`: a browser's
 * and curl's behaviour, and what keeps `quick` and `run` measuring the same handshakes.
 */
const SESSIONS = new WeakMap<Endpoint, Buffer>();

/**
 * One keep-alive HTTP/1.1 connection of the lean client: writes a pre-encoded request, parses
 * the response as it streams in, and reports the end to its owner. One request at a time (no
 * pipelining, like wrk and autocannon's default). Reconnects by itself on the next send after
 * the server closed, reset or garbled the connection. Allocates nothing per request but the
 * socket's own buffers.
 */
export class RawConnection {
  /** performance.now() values, in ms. */
  scheduledAt = 0;
  sentAt = 0;
  firstByteAt = 0;
  /** Bytes of the current response so far. */
  bytesIn = 0;
  /** Bytes of the current request written to the socket (twice its size when it was retried). */
  bytesOut = 0;
  busy = false;
  /** Free for the owner's bookkeeping (an index in a pool). */
  slot = 0;
  /** Free for the owner's bookkeeping (which request is in flight). */
  tag = 0;

  private socket: net.Socket | null = null;
  private connected = false;
  private connectStartedAt = 0;
  private lastError: unknown = null;
  private readonly parser = new ResponseParser();
  private request: Buffer = Buffer.alloc(0);
  /** The request may be sent again (idempotent, RFC 9110 §9.2.2). */
  private retryable = false;
  /** Responses read on the current socket: the request in flight went on a reused one if > 0. */
  private served = 0;
  private reused = false;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly owner: ConnectionOwner,
  ) {}

  /**
   * Starts a request. `scheduledAt` is when it was meant to start (open model), else now.
   * `capture` receives the response's header fields and body (null: nothing is copied).
   * `retryable`: an idempotent request, sent again once on a fresh connection when a reused one
   * closes before any byte of its answer (the keep-alive race; Go's net/http does the same).
   */
  send(
    request: Buffer,
    expectBody: boolean,
    scheduledAt: number,
    capture: CaptureSink | null = null,
    retryable = false,
  ): void {
    this.busy = true;
    this.request = request;
    this.retryable = retryable;
    this.reused = false;
    this.scheduledAt = scheduledAt;
    this.bytesIn = 0;
    this.bytesOut = 0;
    // 0 until written, so that a failure before the write (refused) can tell it was never sent.
    this.sentAt = 0;
    this.firstByteAt = 0;
    this.parser.reset(expectBody);
    this.parser.capture = capture;
    if (this.socket && this.connected) {
      this.write();
    } else if (!this.socket) {
      this.open();
    }
  }

  /**
   * Opens the connection ahead of its first request, so that a run's clock starts on open
   * connections. Resolves when it is up or has failed (a failure shows on the first send), or
   * after `withinMs`.
   */
  preconnect(withinMs: number): Promise<void> {
    if (this.socket) return Promise.resolve();
    this.open();
    const socket = this.socket!;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, withinMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.once(this.endpoint.tls ? 'secureConnect' : 'connect', done);
      socket.once('close', done);
    });
  }

  /** Fails the request in flight if it has run longer than `timeoutMs`; returns true if so. */
  checkTimeout(now: number, timeoutMs: number): boolean {
    if (!this.busy) return false;
    const since = this.connected ? this.sentAt : this.connectStartedAt;
    if (now - since < timeoutMs) return false;
    const connected = this.connected;
    this.drop();
    this.fail(
      'timeout',
      connected
        ? `no complete response within ${timeoutMs} ms`
        : `no connection within ${timeoutMs} ms (the connect timed out; the request was not sent)`,
    );
    return true;
  }

  /** The server's idle timeout from its last response's `Keep-Alive: timeout=N`, ms; -1 if none. */
  get serverIdleMs(): number {
    return this.parser.keepAliveMs;
  }

  /** Closes the connection; a request in flight is abandoned without a report. */
  close(): void {
    this.busy = false;
    this.drop();
  }

  private open(): void {
    const ep = this.endpoint;
    this.connected = false;
    this.lastError = null;
    this.served = 0;
    this.connectStartedAt = performance.now();
    // Plain TCP reads land in one buffer shared by every connection (net's `onread`): no
    // Buffer and no stream event per read. Safe because each read is parsed synchronously.
    const socket = ep.tls
      ? tls.connect({
          host: ep.host,
          port: ep.port,
          socket: ep.tunnel === undefined ? undefined : connectTunnel(ep.tunnel, ep.host, ep.port),
          servername: ep.servername,
          rejectUnauthorized: !ep.insecure,
          ca: ep.ca,
          session: SESSIONS.get(ep),
        })
      : net.connect({
          host: ep.host,
          port: ep.port,
          onread: {
            buffer: SHARED_READ_BUFFER,
            callback: (n: number, buf: Uint8Array) => {
              if (this.socket === socket) this.onData(buf as Buffer, n);
              return true;
            },
          },
        });
    this.socket = socket;
    socket.setNoDelay(true);
    if (ep.unref) socket.unref();
    if (ep.connectAfterLookup) {
      socket.once('lookup', () => {
        if (this.socket === socket) this.connectStartedAt = performance.now();
      });
    }
    // TCP connect and TLS handshake timed apart (k6's http_req_connecting, http_req_tls_handshaking).
    let tcpAt = 0;
    socket.once('connect', () => {
      tcpAt = performance.now();
    });
    socket.on(ep.tls ? 'secureConnect' : 'connect', () => {
      if (this.socket !== socket) return;
      this.connected = true;
      const now = performance.now();
      if (tcpAt === 0) tcpAt = now;
      // A handshake so fast the clock saw 0 still counts as one (as undici's connector does).
      this.owner.onConnect(this, tcpAt - this.connectStartedAt, ep.tls ? Math.max(now - tcpAt, 0.001) : 0);
      if (this.busy) this.write();
    });
    if (ep.tls) {
      socket.on('session', (session: Buffer) => SESSIONS.set(ep, session));
      socket.on('data', (chunk: Buffer) => {
        if (this.socket === socket) this.onData(chunk, chunk.length);
      });
    }
    socket.on('error', (err) => {
      if (this.socket === socket) this.lastError = err;
    });
    socket.on('close', () => {
      if (this.socket === socket) this.onClose();
    });
  }

  private write(): void {
    this.sentAt = performance.now();
    this.reused = this.served > 0;
    this.bytesOut += this.request.length;
    this.socket!.write(this.request);
  }

  private onData(chunk: Buffer, n: number): void {
    if (!this.busy) {
      // Bytes nobody asked for: the server is not speaking HTTP/1.1 request-response.
      this.drop();
      return;
    }
    if (this.firstByteAt === 0) this.firstByteAt = performance.now();
    this.bytesIn += n;
    const r = this.parser.execute(chunk, 0, n);
    if (r === NEED_MORE) return;
    if (r === MALFORMED) {
      this.drop();
      this.fail('malformed', this.parser.error);
      return;
    }
    // Bytes past the end of a whole response (a body longer than its Content-Length): the
    // response stands, as in undici and browsers, but the connection cannot be trusted again.
    if (!this.parser.keepAlive || r > 0) this.drop();
    this.served++;
    this.busy = false;
    this.owner.onResponse(this, this.parser.status);
  }

  private onClose(): void {
    this.socket = null;
    const wasConnected = this.connected;
    this.connected = false;
    if (!this.busy) return;
    if (this.parser.finishOnClose()) {
      this.busy = false;
      this.owner.onResponse(this, this.parser.status);
      return;
    }
    if (this.reused && this.retryable && this.bytesIn === 0) {
      // The keep-alive race: the server closed an idle connection as the request went out, so
      // it never saw it. A fresh connection is never `reused`: one retry at most.
      this.reused = false;
      this.owner.onRetry(this);
      this.open();
      return;
    }
    const err = this.lastError;
    if (err) {
      this.fail(classifyError(err), errorMessage(err));
    } else if (!wasConnected) {
      this.fail('closed', 'connection closed while connecting');
    } else {
      const when = this.parser.started ? 'in the middle of the response' : 'before any response';
      this.fail('closed', `server closed the connection ${when}`);
    }
  }

  private fail(kind: string, message: string): void {
    this.busy = false;
    this.owner.onFailure(this, kind, message);
  }

  /** Destroys the socket so that its late events are ignored; the next send reconnects. */
  private drop(): void {
    const s = this.socket;
    this.socket = null;
    this.connected = false;
    s?.destroy();
  }
}
