import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { HttpResponse } from '../../script-api/vu-context.js';
import { classifyError, errorMessage } from './classify.js';
import { type ClientState, Exchange, timeoutMessage } from './exchange.js';
import { isIdempotent } from './prepare.js';
import { MAX_HEAD_BYTES } from './response-parser.js';
import { expectWrite, type WriteObserver } from './timings.js';
import type { OutgoingRequest, Transport } from './transport.js';

/** See UndiciExchange.finish: runs after undici queued its own reuse of the connection. */
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

/**
 * A request carried by undici: its dispatch handler.
 *
 * It speaks undici's callback protocol (onConnect, onHeaders, onData, onComplete, onError),
 * which undici 7 runs natively and marks deprecated in favour of controller-based callbacks. The
 * newer form costs an adapter, a controller and a parsed header object per request — about 2 µs,
 * an eighth of the client's CPU per request, measured against a local server — and the raw form
 * lets headers be parsed only when a flow reads them. Switching is local to this class.
 */
export class UndiciExchange extends Exchange implements Dispatcher.DispatchHandler, WriteObserver {
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
    if (this.stream !== null) this.stream.data(chunk, 0, chunk.length);
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

function deferDelivery(resolve: (r: HttpResponse) => void, r: HttpResponse): void {
  process.nextTick(deliverLater, resolve, r);
}

/** undici as a Transport: carries every request it is given (https, proxies, the unusual ones). */
export class UndiciTransport implements Transport {
  readonly name = 'undici';

  constructor(
    private readonly st: ClientState,
    /** Called per request that undici carries: the run's Agent is built on the first. */
    private readonly dispatcher: () => Dispatcher,
  ) {}

  send(req: OutgoingRequest): Promise<HttpResponse> {
    const { method, body } = req;
    const ex = new UndiciExchange(
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
    ex.start(
      req.proxy?.agent ?? this.dispatcher(),
      {
        origin: req.origin,
        path: req.path,
        method: method as Dispatcher.HttpMethod,
        headers: req.headers,
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
}
