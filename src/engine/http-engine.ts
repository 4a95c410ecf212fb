import { performance } from 'node:perf_hooks';
import type { EndpointStats } from '../metrics/endpoint-stats.js';
import { HttpMetrics } from '../metrics/http-metrics.js';
import { emptyRequestRecord } from '../metrics/sink.js';
import { noteSendLag } from '../monitor/send-lag.js';
import type { EndReason } from '../result/schema.js';
import { H2Session } from '../transports/http/h2-session.js';
import { type H2Request, H2StreamSlot } from '../transports/http/h2-stream-slot.js';
import { type ConnectionOwner, RawConnection } from '../transports/http/raw-connection.js';
import { measuredFrom } from './intended-start.js';
import type { LiveSnapshot } from './live-snapshot.js';
import type { LoadPlan } from './load-plan.js';
import { scaleCount } from './share.js';

/**
 * Spreads a weighted mix evenly: weights [3, 1] give [0, 1, 0, 0] rather than [0, 0, 0, 1], so
 * any stretch of the run sees the mix (smooth weighted round-robin, as nginx balances).
 */
export function unrollMix(weights: readonly number[]): Uint16Array {
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Uint16Array(total);
  const current = weights.map(() => 0);
  for (let k = 0; k < total; k++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i]! += weights[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    out[k] = best;
  }
  return out;
}

/**
 * Timers fire on whole milliseconds of the event loop's clock, so an arrival would leave up to
 * 1 ms after its time and that lateness would count in its duration. Arrivals due within the
 * next EARLY_MS are sent now instead, which halves the bias; the schedule stays exact over any
 * window longer than a millisecond.
 */
const EARLY_MS = 1;

/** Open model: about one connection per this many requests/s is opened before the clock starts. */
const RATE_PER_PRECONNECTION = 1000;
/** The longest the pre-start connects may take before the run starts anyway. */
const PRECONNECT_MS = 2000;

export interface LoadOutcome {
  metrics: HttpMetrics;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  endReason: EndReason;
  vusMax: number;
  /** Open model: requests that started after waiting for a free connection. */
  queued: number;
  /** Open model: the rate asked for, and what was started (per second of the run). */
  ratePerSec?: number;
  startedPerSec?: number;
}

/**
 * What the engine drives: a keep-alive HTTP/1.1 connection, or (`--http2`) one of the stream
 * slots of an HTTP/2 session; either carries one request at a time.
 */
type LoadConnection = RawConnection | H2StreamSlot;

export interface LoadHooks {
  onTick?(snapshot: LiveSnapshot): void;
}

/**
 * Runs a LoadPlan with the lean client. Closed model: each connection sends its next request
 * when the last one ends. Open model: requests are started at the planned rate; each one's
 * duration counts from its scheduled start, so time spent waiting for a connection or behind a
 * stalled server is measured, not omitted (wrk2's correction of coordinated omission).
 */
export class HttpEngine implements ConnectionOwner<LoadConnection> {
  readonly metrics: HttpMetrics;
  private readonly conns: LoadConnection[] = [];
  private readonly free: LoadConnection[] = [];
  /** --http2: the sessions (this slice's connections), each carrying `streams` slots of `conns`. */
  private readonly sessions: H2Session[] = [];
  private readonly streams: number;
  private h2Requests: H2Request[] | null = null;
  /** The request mix unrolled by weight: request i goes out as mix[i % mix.length]. */
  private readonly mix: Uint16Array;
  private readonly eps: EndpointStats[];
  /** Reused for every response: the metrics keep nothing of it (no allocation per request). */
  private readonly rec = emptyRequestRecord();
  private next = 0;
  private readonly open: boolean;
  /** The whole test's rate (per ms): this slice's arrivals are every share.count-th of its schedule. */
  private readonly ratePerMs: number;
  /** This slice's arrivals (or requests, closed model). */
  private readonly maxArrivals: number;
  /** This slice's connections (closed model) or most connections (open model); × streams with --http2. */
  private readonly connections: number;
  /** Slice number and count (0 and 1 without a share). */
  private readonly sliceIndex: number;
  private readonly sliceCount: number;
  private t0 = 0;
  private started = 0;
  private inflight = 0;
  /**
   * Open model: arrival k is scheduled at t0 + k / rate, so the schedule needs no array. Arrivals
   * [0, taken) have started or been dropped, [taken, issued) wait for a free connection (the
   * backlog: two counters, whatever its length), [issued, …) are not due yet.
   */
  private issued = 0;
  private taken = 0;
  private queued = 0;
  private stopping = false;
  private endReason: EndReason = 'completed';
  private resolveDone: (() => void) | null = null;
  private timers: NodeJS.Timeout[] = [];
  private scheduleTimer: NodeJS.Timeout | null = null;
  private lastTickAt = 0;
  private secondsClosed = 0;

  constructor(
    private readonly plan: LoadPlan,
    private readonly hooks: LoadHooks = {},
  ) {
    this.open = plan.ratePerSec !== undefined;
    const share = plan.share;
    // A shard's document keeps every second's histogram, so that `squall merge` is exact.
    this.metrics = new HttpMetrics(this.open, undefined, share !== undefined);
    this.eps = plan.requests.map((r) => this.metrics.endpoint(r.name, r.method));
    this.mix = unrollMix(plan.requests.map((r) => r.weight));
    this.ratePerMs = (plan.ratePerSec ?? 0) / 1000;
    this.sliceIndex = share?.index ?? 0;
    this.sliceCount = share?.count ?? 1;
    this.streams = plan.http2?.streams ?? 1;
    this.connections = scaleCount(plan.connections, share) * this.streams;
    if (plan.http2 !== undefined) for (const ep of this.eps) ep.protocol = 'h2';
    let arrivals = Number.POSITIVE_INFINITY;
    if (this.open && plan.durationMs !== undefined) arrivals = Math.ceil(plan.durationMs * this.ratePerMs);
    if (plan.maxRequests !== undefined) arrivals = Math.min(arrivals, plan.maxRequests);
    this.maxArrivals = arrivals === Number.POSITIVE_INFINITY ? arrivals : scaleCount(arrivals, share);
  }

  /** Connections opened so far (the run's VUs); with --http2, stream slots (requests in flight at once). */
  get connectionCount(): number {
    return this.conns.length;
  }

  /** --http2: HTTP/2 sessions opened, reopened ones included. */
  get sessionsOpened(): number {
    let n = 0;
    for (const s of this.sessions) n += s.opened;
    return n;
  }

  /** Time since the run started. */
  elapsedMs(): number {
    return this.t0 === 0 ? 0 : performance.now() - this.t0;
  }

  /** Runs to the end, or until `signal` aborts (then the part that ran is returned). */
  async run(signal?: AbortSignal): Promise<LoadOutcome> {
    await this.preconnect(signal);
    const startedAt = new Date();
    this.t0 = performance.now();
    this.lastTickAt = this.t0;
    const done = new Promise<void>((resolve) => {
      this.resolveDone = resolve;
    });
    const onAbort = () => this.interrupt();
    if (signal?.aborted) this.interrupt();
    else signal?.addEventListener('abort', onAbort, { once: true });

    this.startTimers();
    if (this.open) this.scheduleArrivals();
    else
      for (let i = 0; i < this.connections && !this.stopping; i++)
        this.sendNext(this.conns[i] ?? this.newConnection());
    this.checkDone();

    await done;
    signal?.removeEventListener('abort', onAbort);
    const end = performance.now();
    this.closeSecond(end);
    return {
      metrics: this.metrics,
      startedAt,
      endedAt: new Date(),
      durationMs: end - this.t0,
      endReason: this.endReason,
      vusMax: this.conns.length,
      queued: this.queued,
      ...(this.open
        ? {
            ratePerSec: (this.plan.ratePerSec ?? 0) / this.sliceCount,
            startedPerSec: this.started / Math.max(0.001, (end - this.t0) / 1000),
          }
        : {}),
    };
  }

  /**
   * Opens connections before the clock starts, so that the first second measures the target
   * rather than squall's connects: every connection of the closed model, about one per
   * RATE_PER_PRECONNECTION requests/s of the open model (it opens more as needed).
   */
  private async preconnect(signal: AbortSignal | undefined): Promise<void> {
    const n = this.open
      ? Math.min(
          this.connections,
          Math.ceil((this.ratePerMs / this.sliceCount) * (1000 / RATE_PER_PRECONNECTION)),
        )
      : this.connections;
    const opening: Promise<void>[] = [];
    for (let i = 0; i < n && !signal?.aborted; i++)
      opening.push(this.newConnection().preconnect(PRECONNECT_MS));
    await Promise.all(opening);
    if (this.open) for (let i = this.conns.length - 1; i >= 0; i--) this.free.push(this.conns[i]!);
  }

  /** Ends the run now: stop sending, abandon requests in flight (SIGINT, the UI's stop). */
  interrupt(): void {
    if (this.resolveDone === null) return;
    this.endReason = 'interrupted';
    this.stopping = true;
    // Requests abandoned in flight were written all the same.
    for (const c of this.conns) {
      if (c.busy) this.metrics.bytesSent += c.bytesOut;
      c.close();
    }
    this.inflight = 0;
    this.finish();
  }

  onConnect(_conn: LoadConnection, ms: number, tlsMs: number): void {
    this.metrics.connected(ms, tlsMs);
  }

  onRetry(_conn: LoadConnection): void {
    this.metrics.retries++;
  }

  onResponse(conn: LoadConnection, status: number): void {
    const now = performance.now();
    this.inflight--;
    const waiting = conn.firstByteAt > 0 ? conn.firstByteAt - conn.sentAt : now - conn.sentAt;
    // Open model: from the scheduled start (queueing and connecting included), or from the send
    // when it went out early (EARLY_MS). Closed model: from the send, as k6 measures it.
    const from = this.open ? measuredFrom(conn.sentAt, conn.scheduledAt) : conn.sentAt;
    const r = this.rec;
    r.status = status;
    r.failed = status >= 400;
    r.durationMs = now - from;
    r.waitingMs = waiting;
    r.serviceMs = now - conn.sentAt;
    r.bytesReceived = conn.bytesIn;
    r.bytesSent = conn.bytesOut;
    r.errorKind = undefined;
    r.errorMessage = undefined;
    this.metrics.record(this.eps[conn.tag]!, r);
    this.sendNext(conn);
  }

  onFailure(conn: LoadConnection, kind: string, message: string): void {
    this.inflight--;
    const r = this.rec;
    r.status = 0;
    r.failed = true;
    r.bytesReceived = conn.bytesIn;
    // What was written: nothing for a refused connection.
    r.bytesSent = conn.bytesOut;
    r.errorKind = kind;
    r.errorMessage = message;
    this.metrics.record(this.eps[conn.tag]!, r);
    this.sendNext(conn);
  }

  private newConnection(): LoadConnection {
    const c =
      this.plan.http2 === undefined ? new RawConnection(this.plan.endpoint, this) : this.newStreamSlot();
    c.slot = this.conns.length;
    this.conns.push(c);
    return c;
  }

  /** --http2: slot k goes on session k mod N, so the first N×M slots fill every session alike. */
  private newStreamSlot(): H2StreamSlot {
    const i = this.conns.length % (this.connections / this.streams);
    let session = this.sessions[i];
    if (session === undefined) {
      session = new H2Session(this.plan.endpoint, (ms, tlsMs) => this.metrics.connected(ms, tlsMs));
      this.sessions[i] = session;
    }
    this.h2Requests ??= this.plan.requests.map((r) => r.h2!);
    return new H2StreamSlot(session, this.h2Requests, this);
  }

  /** A connection is free: give it the next request, or park it. */
  private sendNext(conn: LoadConnection): void {
    if (this.stopping) {
      this.checkDone();
      return;
    }
    if (this.open) {
      this.dropStale(performance.now());
      if (this.taken < this.issued) {
        // It waited for this connection, and its wait counts in its duration.
        this.queued++;
        this.start(conn, this.scheduledAt(this.taken++));
      } else this.free.push(conn);
      return;
    }
    if (this.started >= this.maxArrivals) {
      this.checkDone();
      return;
    }
    this.start(conn, performance.now());
  }

  private start(conn: LoadConnection, scheduledAt: number): void {
    this.started++;
    this.inflight++;
    const i = this.mix[this.next]!;
    if (++this.next === this.mix.length) this.next = 0;
    const req = this.plan.requests[i]!;
    conn.tag = i;
    conn.send(req.bytes, req.expectBody, scheduledAt, null, req.retryable);
  }

  /** Open model: when this slice's arrival j (arrival j·N + I of the whole schedule) was meant to start. */
  private scheduledAt(j: number): number {
    return this.t0 + (j * this.sliceCount + this.sliceIndex) / this.ratePerMs;
  }

  /** This slice's arrivals among the first `k` of the whole schedule. */
  private mine(k: number): number {
    if (this.sliceCount === 1) return k;
    return k <= this.sliceIndex ? 0 : Math.ceil((k - this.sliceIndex) / this.sliceCount);
  }

  /**
   * Open model: starts every arrival that is due on a free (or new) connection, leaves the rest
   * in the backlog, then sleeps until the next one. Its lateness is squall's own (the loop was
   * busy elsewhere): the generator's main health signal.
   */
  private scheduleArrivals = (): void => {
    this.scheduleTimer = null;
    if (this.stopping) return;
    const now = performance.now();
    const due = Math.min(
      this.maxArrivals,
      this.mine(Math.floor((now + EARLY_MS - this.t0) * this.ratePerMs) + 1),
    );
    if (due > this.issued) noteSendLag(now - this.scheduledAt(this.issued));
    this.issued = Math.max(this.issued, due);
    this.dropStale(now);
    while (this.taken < this.issued) {
      const conn = this.free.pop() ?? (this.conns.length < this.connections ? this.newConnection() : null);
      if (conn === null) break;
      this.start(conn, this.scheduledAt(this.taken++));
    }
    if (this.issued >= this.maxArrivals) {
      this.stopStarting();
      return;
    }
    const next = this.scheduledAt(this.issued);
    this.scheduleTimer = setTimeout(this.scheduleArrivals, Math.max(0, next - performance.now()));
  };

  /**
   * The backlog's bound: an arrival still waiting a whole timeout after its scheduled time could
   * only time out, so it is dropped (k6's dropped_iterations). At rate r that keeps at most
   * r × timeout waiting (DESIGN.md), in two counters rather than a queue.
   */
  private dropStale(now: number): void {
    const fresh = this.mine(Math.ceil((now - this.plan.timeoutMs - this.t0) * this.ratePerMs));
    if (fresh <= this.taken) return;
    const to = Math.min(fresh, this.issued);
    this.metrics.dropped += to - this.taken;
    this.taken = to;
  }

  private startTimers(): void {
    const { durationMs, timeoutMs } = this.plan;
    if (durationMs !== undefined) this.timers.push(setTimeout(() => this.stopStarting(), durationMs));
    const sweepMs = Math.min(1000, Math.max(10, timeoutMs / 10));
    this.timers.push(
      setInterval(() => {
        const now = performance.now();
        for (const c of this.conns) c.checkTimeout(now, timeoutMs);
      }, sweepMs),
    );
    const tick = () => {
      this.closeSecond(performance.now());
      const next = this.t0 + (this.secondsClosed + 1) * 1000;
      this.timers.push(setTimeout(tick, Math.max(0, next - performance.now())));
    };
    this.timers.push(setTimeout(tick, 1000));
  }

  /** Closes the timeline's current bucket (a whole second, or the last part of one). */
  private closeSecond(now: number): void {
    const seconds = (now - this.lastTickAt) / 1000;
    if (seconds < 0.05 && this.secondsClosed > 0 && this.metrics.intervalIsEmpty) return;
    const point = this.metrics.closeInterval((now - this.t0) / 1000, seconds, this.conns.length);
    this.lastTickAt = now;
    this.secondsClosed++;
    this.hooks.onTick?.({
      elapsedMs: now - this.t0,
      totalMs: this.plan.durationMs,
      requests: this.metrics.requests,
      rps: point.rps,
      p95Ms: point.p95 ?? null,
      errors: this.metrics.failures,
      vus: this.conns.length,
    });
  }

  /** Stop starting requests; those in flight finish or time out. */
  private stopStarting(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.scheduleTimer) clearTimeout(this.scheduleTimer);
    // Requests still waiting for a connection never started: k6 counts them as dropped.
    this.metrics.dropped += this.issued - this.taken;
    this.taken = this.issued;
    this.checkDone();
  }

  private checkDone(): void {
    if (this.inflight > 0) return;
    if (this.stopping || this.started >= this.maxArrivals) this.finish();
  }

  private finish(): void {
    const resolve = this.resolveDone;
    if (!resolve) return;
    this.resolveDone = null;
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    if (this.scheduleTimer) clearTimeout(this.scheduleTimer);
    for (const c of this.conns) c.close();
    resolve();
  }
}
