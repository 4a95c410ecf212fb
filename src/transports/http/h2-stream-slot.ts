import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { type H2Session, h2Failure, headerBytes } from './h2-session.js';
import type { ConnectionOwner } from './raw-connection.js';

/** One request of `quick --http2`, prepared once: its pseudo-headers and fields, and its body. */
export interface H2Request {
  headers: OutgoingHttpHeaders;
  body: Buffer | undefined;
  /** Its header bytes as HTTP/1.1 would send them: data_sent counts the fields, not HPACK's output. */
  headerBytes: number;
}

/**
 * One of the `--streams M` stream slots of an HTTP/2 session in quick's engine: it carries one
 * request at a time as RawConnection does, so the engine keeps N×M requests in flight over N
 * sessions without knowing it speaks HTTP/2. The request it sends is the plan's request `tag`
 * (set by the engine before `send`); the HTTP/1.1 bytes the engine hands over are not used.
 */
export class H2StreamSlot {
  scheduledAt = 0;
  sentAt = 0;
  firstByteAt = 0;
  bytesIn = 0;
  bytesOut = 0;
  busy = false;
  slot = 0;
  tag = 0;
  private stream: ReturnType<ReturnType<H2Session['get']>['request']> | null = null;

  constructor(
    private readonly session: H2Session,
    private readonly requests: readonly H2Request[],
    private readonly owner: ConnectionOwner<H2StreamSlot>,
  ) {}

  send(_bytes: Buffer, _expectBody: boolean, scheduledAt: number): void {
    this.busy = true;
    this.scheduledAt = scheduledAt;
    this.bytesIn = 0;
    this.firstByteAt = 0;
    const req = this.requests[this.tag]!;
    let stream: NonNullable<H2StreamSlot['stream']>;
    try {
      const session = this.session.get();
      stream = session.request(req.headers, { endStream: req.body === undefined });
    } catch (e) {
      // A session that refuses new streams (closing, out of stream ids) is dropped, so the next
      // request opens another; the failure is told on the next tick, not inside the engine's send.
      this.session.close();
      this.sentAt = 0;
      this.bytesOut = 0;
      const f = h2Failure(e);
      process.nextTick(() => {
        if (this.busy) this.fail(f.kind, f.message);
      });
      return;
    }
    this.stream = stream;
    // Written now on a live session; else when it connects (see onResponse).
    this.sentAt = this.session.connected ? performance.now() : 0;
    this.bytesOut = req.headerBytes + (req.body?.length ?? 0);
    if (req.body !== undefined) stream.end(req.body);
    let status = 0;
    stream.on('response', (headers: IncomingHttpHeaders) => {
      if (this.stream !== stream) return;
      this.firstByteAt = performance.now();
      if (this.sentAt === 0) this.sentAt = this.session.connectedAt || this.firstByteAt;
      status = Number(headers[':status']) || 0;
      this.bytesIn += headerBytes(headers);
    });
    stream.on('data', (chunk: Buffer) => {
      if (this.stream === stream) this.bytesIn += chunk.length;
    });
    stream.on('error', (err: unknown) => {
      if (this.stream !== stream) return;
      this.stream = null;
      if (this.sentAt === 0 && this.session.connectedAt > 0) this.sentAt = this.session.connectedAt;
      const f = h2Failure(err);
      this.fail(f.kind, f.message);
    });
    stream.on('close', () => {
      if (this.stream !== stream) return;
      this.stream = null;
      if (status > 0 && stream.rstCode === constants.NGHTTP2_NO_ERROR) {
        this.busy = false;
        this.owner.onResponse(this, status);
        return;
      }
      this.fail(
        'closed',
        status > 0
          ? 'the stream closed in the middle of the response'
          : 'the stream closed before any response',
      );
    });
  }

  preconnect(withinMs: number): Promise<void> {
    return this.session.preconnect(withinMs);
  }

  /** Fails the request in flight if it has run longer than `timeoutMs`; returns true if so. */
  checkTimeout(now: number, timeoutMs: number): boolean {
    if (!this.busy) return false;
    const since = this.sentAt > 0 ? this.sentAt : this.session.connectStartedAt;
    if (now - since < timeoutMs) return false;
    const written = this.sentAt > 0;
    this.abandon();
    this.fail(
      'timeout',
      written
        ? `no complete response within ${timeoutMs} ms`
        : `no connection within ${timeoutMs} ms (the connect timed out; the request was not sent)`,
    );
    return true;
  }

  /** Closes the slot's stream and its session; a request in flight is abandoned without a report. */
  close(): void {
    this.busy = false;
    this.abandon();
    this.session.close();
  }

  private abandon(): void {
    const s = this.stream;
    this.stream = null;
    if (s !== null && !s.destroyed) s.close(constants.NGHTTP2_CANCEL);
  }

  private fail(kind: string, message: string): void {
    this.busy = false;
    this.owner.onFailure(this, kind, message);
  }
}
