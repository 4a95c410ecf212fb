import { performance } from 'node:perf_hooks';
import { type ConnectionOwner, RawConnection } from './raw-connection.js';
import type { CaptureSink } from './response-parser.js';

/**
 * The lean transport of `squall run` for plain http:// origins: keep-alive RawConnections (the
 * ones `quick` uses) shared by all the VUs of a run, one request per connection at a time. It
 * exists because undici's general machinery (dispatch, its wasm parser, per-request objects)
 * costs most of a flow's CPU when the flow does little else; here a request is one pre-encoded
 * Buffer and a response is parsed straight out of a shared read buffer.
 *
 * Connections are created lazily, one per request in flight (so a run of N sequential VUs ends up
 * with N of them, as undici's unbounded Agent did), up to `maxPerOrigin`; beyond that requests wait
 * in FIFO order. Idle connections are reused most-recent first so that a few warm sockets carry
 * a light load.
 */

/** What the pool needs of a request (implemented by the client's exchange: no object per request). */
export interface LeanRequest extends CaptureSink {
  /** The whole request: head and body. */
  readonly bytes: Buffer;
  /** False for HEAD: the response has no body whatever its head says. */
  readonly expectBody: boolean;
  /** Idempotent (RFC 9110 §9.2.2): sent again once if a reused connection closes before any answer. */
  readonly retryable: boolean;
  /** The connection carrying it, while it does; set and cleared by the pool. */
  conn: RawConnection | null;
  /** A new connection was opened for it: TCP connect took `ms`. */
  onConnect(ms: number): void;
  /** The response is complete; `conn`'s sentAt, firstByteAt and bytesIn describe it. */
  onResponse(conn: RawConnection, status: number): void;
  /** No complete response: a transport error kind (ECONNREFUSED, closed, malformed, …). */
  onFailure(conn: RawConnection, kind: string, message: string): void;
  /** It is being sent again on a fresh connection (see RawConnection.send). */
  onRetry(): void;
}

/**
 * Idle keep-alive connections older than this are reopened rather than reused: servers close
 * idle connections (Node's default after 5 s), and a request written into a connection the server
 * is closing fails. undici's default keepAliveTimeout, for the same reason.
 */
const IDLE_REUSE_MS = 4000;
/**
 * A server's `Keep-Alive: timeout=N` less this margin (for the trip and timer slack) is how long
 * its idle connection is reused; no reuse when nothing is left. createDispatcher gives undici the
 * same margin (keepAliveTimeoutThreshold), so both transports agree; its cap (keepAliveMaxTimeout).
 */
export const KEEP_ALIVE_MARGIN_MS = 1000;
const KEEP_ALIVE_MAX_MS = 600_000;

/** How long an idle connection may be reused after its last response (the rule undici applies). */
function idleLimitMs(conn: RawConnection): number {
  const hint = conn.serverIdleMs;
  return hint < 0 ? IDLE_REUSE_MS : Math.min(hint - KEEP_ALIVE_MARGIN_MS, KEEP_ALIVE_MAX_MS);
}

/** One origin's connections. */
class OriginPool implements ConnectionOwner {
  private readonly conns: RawConnection[] = [];
  /** The request on each connection, by RawConnection.slot. */
  private readonly current: (LeanRequest | null)[] = [];
  /** When each connection became idle, by slot. */
  private readonly idleSince: number[] = [];
  /** How long each may stay idle and still be reused (idleLimitMs of its last response), by slot. */
  private readonly idleLimit: number[] = [];
  private readonly idle: RawConnection[] = [];
  private readonly waiting: LeanRequest[] = [];
  private waitingHead = 0;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly max: number,
  ) {}

  /** Starts or queues a request. Throws (UND_ERR_DESTROYED, as undici does) once the pool is closed. */
  send(req: LeanRequest): void {
    if (this.closed) throw Object.assign(new Error('The client is destroyed'), { code: 'UND_ERR_DESTROYED' });
    let conn = this.idle.pop();
    if (conn === undefined) {
      if (this.conns.length >= this.max) {
        this.waiting.push(req);
        return;
      }
      conn = new RawConnection(
        { host: this.host, port: this.port, tls: false, unref: true, connectAfterLookup: true },
        this,
      );
      conn.slot = this.conns.length;
      this.conns.push(conn);
      this.current.push(null);
      this.idleSince.push(0);
      this.idleLimit.push(IDLE_REUSE_MS);
    } else if (performance.now() - this.idleSince[conn.slot]! > this.idleLimit[conn.slot]!) {
      conn.close();
    }
    this.start(conn, req);
  }

  /** Abandons a request (timeout, VU abort): its connection is dropped, nothing is reported. */
  cancel(req: LeanRequest): void {
    const conn = req.conn;
    if (conn === null) {
      const i = this.waiting.indexOf(req, this.waitingHead);
      if (i >= 0) this.waiting.splice(i, 1);
      return;
    }
    conn.close();
    this.detach(conn);
    this.free(conn);
  }

  close(): void {
    this.closed = true;
    for (const c of this.conns) c.close();
    this.waiting.length = 0;
    this.waitingHead = 0;
  }

  onConnect(conn: RawConnection, ms: number): void {
    this.current[conn.slot]?.onConnect(ms);
  }

  onRetry(conn: RawConnection): void {
    this.current[conn.slot]?.onRetry();
  }

  onResponse(conn: RawConnection, status: number): void {
    const limit = idleLimitMs(conn);
    this.idleLimit[conn.slot] = limit;
    // The server's idle timeout leaves no safe time to reuse it (undici resets such a socket).
    if (limit <= 0) conn.close();
    const req = this.detach(conn);
    // Told before the connection is reused: it reads the connection's timings and byte count.
    // Its flow resumes in a later microtask, by when the connection is free again.
    try {
      req?.onResponse(conn, status);
    } finally {
      this.free(conn);
    }
  }

  onFailure(conn: RawConnection, kind: string, message: string): void {
    const req = this.detach(conn);
    try {
      req?.onFailure(conn, kind, message);
    } finally {
      this.free(conn);
    }
  }

  private start(conn: RawConnection, req: LeanRequest): void {
    this.current[conn.slot] = req;
    req.conn = conn;
    conn.send(req.bytes, req.expectBody, 0, req, req.retryable);
  }

  private detach(conn: RawConnection): LeanRequest | null {
    const req = this.current[conn.slot]!;
    this.current[conn.slot] = null;
    if (req !== null) req.conn = null;
    return req;
  }

  /** The connection is free: the longest waiter gets it, or it goes idle. */
  private free(conn: RawConnection): void {
    if (this.waitingHead < this.waiting.length) {
      const next = this.waiting[this.waitingHead]!;
      this.waiting[this.waitingHead++] = undefined as unknown as LeanRequest;
      if (this.waitingHead === this.waiting.length) {
        this.waiting.length = 0;
        this.waitingHead = 0;
      }
      this.start(conn, next);
    } else {
      this.idleSince[conn.slot] = performance.now();
      this.idle.push(conn);
    }
  }
}

/** The lean transport of one run: a pool per origin, created on first use. */
export class LeanPool {
  private readonly origins = new Map<string, OriginPool>();
  private closed = false;

  /** `maxPerOrigin`: connections per origin; unbounded by default, as the run's undici Agent. */
  constructor(private readonly maxPerOrigin = Number.POSITIVE_INFINITY) {}

  /**
   * The pool of an `http://host[:port]` origin (as URL.origin spells it); a closed one after
   * close(). `via`: the HTTP proxy its connections go to instead (the requests carry the origin).
   */
  origin(origin: string, via?: { host: string; port: number }): OriginPool {
    let p = this.origins.get(origin);
    if (p === undefined) {
      const u = new URL(origin);
      p =
        via === undefined
          ? new OriginPool(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port || 80), this.maxPerOrigin)
          : new OriginPool(via.host, via.port, this.maxPerOrigin);
      if (this.closed) p.close();
      else this.origins.set(origin, p);
    }
    return p;
  }

  close(): void {
    this.closed = true;
    for (const p of this.origins.values()) p.close();
    this.origins.clear();
  }
}

export type { OriginPool };
