import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { WsMessage, WsReceiveOptions, WsSession } from '../../script-api/ws-api.js';
import { parseTimeoutMs } from '../http/timings.js';
import { compileMatch, noMessage, ReceivedMessage } from './ws-message.js';
import type { WsMetrics } from './ws-metrics.js';

/**
 * One WebSocket session over `ws`. Messages that arrive while no receive waits for them queue
 * in an inbox (the oldest dropped past INBOX_MAX, so a server that pushes more than the flow
 * reads cannot grow the heap); a receive takes the first one that matches, a request() only one
 * that came after its send. Faults of the target are counted, never thrown: the connection's
 * first fault (refused upgrade, network error, handshake timeout, abnormal close) once, and each
 * receive that timed out; a session with any of them counts true in ws_failed when it ends.
 */

/** Messages kept unread per session. */
const INBOX_MAX = 1000;
/** How long close() waits for the server's close frame before cutting the connection. */
const CLOSE_WAIT_MS = 2000;
/** Close codes of a session that ended as it should: normal, going away, no status given. */
const NORMAL_CLOSE = new Set([1000, 1001, 1005]);

/** What a session needs from its client and run. */
export interface SessionDeps {
  metrics: WsMetrics;
  /** The samples' tags: `name`. */
  tags: Record<string, string>;
  /** Counts a fault in the result's errors[] (kind, example). */
  fault(kind: string, example: string): void;
  signal: AbortSignal;
  defaultTimeoutMs: number;
  /** The run's open sessions, closed when the run ends. */
  sessions: Set<Session>;
  /** Bytes the session's connection wrote and read, handshake included (data_sent, data_received). */
  bytes(sent: number, received: number): void;
}

interface Waiter {
  test: ((m: ReceivedMessage) => boolean) | undefined;
  /** Only messages with a higher seq (request(): those after its send). */
  after: number;
  from: number;
  rtt: boolean;
  timer: NodeJS.Timeout;
  resolve(m: ReceivedMessage): void;
  reject(e: unknown): void;
}

export class Session implements WsSession {
  status = 0;
  error: string | undefined;
  closeCode: number | undefined;
  private readonly socket: WebSocket;
  private readonly startedAt = performance.now();
  private opened = false;
  private ended = false;
  /** The flow (or the run's end) closed it: whatever code comes back is not the target's fault. */
  private closing = false;
  private failed = false;
  private connectionFailed = false;
  private seq = 0;
  private inbox: ReceivedMessage[] = [];
  private readonly waiters: Waiter[] = [];
  /** The connection, once the server answered: its byte counts go to data_sent and data_received. */
  private tcp: Socket | undefined;
  private readonly endedPromise: Promise<void>;
  private markEnded!: () => void;

  constructor(
    readonly url: string,
    private readonly label: string,
    options: WebSocket.ClientOptions & { protocols?: string | string[] },
    private readonly deps: SessionDeps,
    settled: (s: Session) => void,
  ) {
    this.endedPromise = new Promise((r) => {
      this.markEnded = r;
    });
    const { protocols, ...wsOptions } = options;
    this.socket = new WebSocket(url, protocols ?? [], wsOptions);
    deps.metrics.sessions.add(1, deps.tags);
    deps.sessions.add(this);
    const s = this.socket;
    s.on('upgrade', (res) => {
      this.tcp = res.socket;
    });
    s.on('unexpected-response', (_req, res) => {
      // The upgrade was refused with an HTTP answer: its status is the fault.
      this.tcp = res.socket;
      this.status = res.statusCode ?? 0;
      res.resume();
      this.connectionFault(
        `ws status ${this.status}`,
        `${label}: the upgrade was refused with status ${this.status}`,
      );
      s.terminate();
    });
    s.on('open', () => {
      this.opened = true;
      this.status = 101;
      deps.metrics.connecting.add(performance.now() - this.startedAt, deps.tags);
      settled(this);
    });
    s.on('error', (e: Error & { code?: string }) => {
      if (this.closing) return;
      // A network error keeps its code (ws ECONNREFUSED); ws's own WS_ERR_* are frames it refused.
      const kind = /handshake has timed out/i.test(e.message)
        ? 'ws connect timeout'
        : e.code?.startsWith('WS_ERR')
          ? 'ws protocol error'
          : e.code !== undefined
            ? `ws ${e.code}`
            : 'ws error';
      this.connectionFault(kind, `${label}: ${e.message}`);
    });
    s.on('message', (data: Buffer, isBinary: boolean) => this.arrived(data, isBinary));
    s.on('close', (code: number) => {
      this.ended = true;
      this.closeCode = code;
      if (this.opened && !this.closing && !NORMAL_CLOSE.has(code))
        this.connectionFault(`ws close ${code}`, `${label}: the server closed the session with code ${code}`);
      const now = performance.now();
      if (this.opened) deps.metrics.sessionDuration.add(now - this.startedAt, deps.tags);
      deps.metrics.failed.add(this.failed, deps.tags);
      if (this.tcp !== undefined) deps.bytes(this.tcp.bytesWritten, this.tcp.bytesRead);
      deps.sessions.delete(this);
      deps.signal.removeEventListener('abort', this.onAbort);
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.resolve(noMessage('closed', now - w.from));
      }
      this.markEnded();
      settled(this);
    });
    deps.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN && !this.closing;
  }

  send(data: string | Uint8Array | object): boolean {
    if (!this.open) return false;
    if (typeof data === 'string') this.socket.send(data);
    else if (data instanceof Uint8Array) this.socket.send(data, { binary: true });
    else this.socket.send(JSON.stringify(data));
    this.deps.metrics.msgsSent.add(1, this.deps.tags);
    return true;
  }

  receive(options?: WsReceiveOptions): Promise<WsMessage> {
    return this.wait(options, -1, performance.now(), false);
  }

  request(data: string | Uint8Array | object, options?: WsReceiveOptions): Promise<WsMessage> {
    const after = this.seq;
    const from = performance.now();
    if (!this.send(data)) return Promise.resolve(noMessage('closed', 0));
    return this.wait(options, after, from, true);
  }

  async close(code = 1000, reason?: string): Promise<void> {
    if (code !== 1000 && !(code >= 3000 && code <= 4999))
      throw new Error(`close(${code}): a close code is 1000 (normal) or one of 3000–4999`);
    if (this.ended) return;
    this.closing = true;
    if (!this.opened) {
      this.socket.terminate();
      return this.endedPromise;
    }
    this.socket.close(code, reason);
    const timer = setTimeout(() => this.socket.terminate(), CLOSE_WAIT_MS);
    await this.endedPromise;
    clearTimeout(timer);
  }

  /** The run ended with the session still open: closed as "going away". */
  async end(): Promise<void> {
    if (this.ended) return;
    this.closing = true;
    if (this.opened) this.socket.close(1001);
    else this.socket.terminate();
    const timer = setTimeout(() => this.socket.terminate(), CLOSE_WAIT_MS);
    await this.endedPromise;
    clearTimeout(timer);
  }

  private readonly onAbort = (): void => {
    this.closing = true;
    this.socket.terminate();
    const reason = this.deps.signal.reason;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(reason);
    }
  };

  private connectionFault(kind: string, example: string): void {
    if (this.connectionFailed) return;
    this.connectionFailed = true;
    this.failed = true;
    this.error ??= kind;
    this.deps.fault(kind, example);
  }

  private wait(
    options: WsReceiveOptions | undefined,
    after: number,
    from: number,
    rtt: boolean,
  ): Promise<WsMessage> {
    this.deps.signal.throwIfAborted();
    const test = compileMatch(options?.match);
    const timeoutMs =
      options?.timeout === undefined ? this.deps.defaultTimeoutMs : parseTimeoutMs(options.timeout);
    const inbox = this.inbox;
    for (let i = 0; i < inbox.length; i++) {
      const m = inbox[i]!;
      if (m.seq <= after || (test !== undefined && !test(m))) continue;
      inbox.splice(i, 1);
      m.duration = performance.now() - from;
      return Promise.resolve(m);
    }
    if (this.ended) return Promise.resolve(noMessage('closed', performance.now() - from));
    return new Promise<WsMessage>((resolve, reject) => {
      const w: Waiter = {
        test,
        after,
        from,
        rtt,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          this.failed = true;
          this.error ??= 'ws timeout';
          const what = options?.match === undefined ? 'message' : `message matching ${String(options.match)}`;
          this.deps.fault('ws timeout', `${this.label}: no ${what} within ${timeoutMs} ms`);
          resolve(noMessage('timeout', performance.now() - from));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  private arrived(data: Buffer, binary: boolean): void {
    const m = new ReceivedMessage(data, binary, performance.now(), ++this.seq);
    this.deps.metrics.msgsReceived.add(1, this.deps.tags);
    const waiters = this.waiters;
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      if (m.seq <= w.after) continue;
      let taken: boolean;
      try {
        taken = w.test === undefined || w.test(m);
      } catch (e) {
        // The flow's own match function threw: its receive fails with that.
        waiters.splice(i--, 1);
        clearTimeout(w.timer);
        w.reject(e);
        continue;
      }
      if (!taken) continue;
      waiters.splice(i, 1);
      clearTimeout(w.timer);
      m.duration = m.at - w.from;
      if (w.rtt) this.deps.metrics.rtt.add(m.duration, this.deps.tags);
      w.resolve(m);
      return;
    }
    if (this.inbox.length >= INBOX_MAX) this.inbox.shift();
    this.inbox.push(m);
  }
}
