import { performance } from 'node:perf_hooks';
import type { HttpSeries, RunMetrics } from '../../metrics/run-metrics.js';
import type {
  HttpResponse,
  RequestOptions,
  ResponseTimings,
  SubmitFormOptions,
} from '../../script-api/vu-context.js';
import type { CookieJar } from './cookie-jar.js';
import { armTimer, type InFlight } from './in-flight.js';
import { ClientResponse, type HeaderSource } from './response.js';
import { StreamReader } from './stream-reader.js';
import type { ExchangeReport, ExchangeSink, OutgoingRequest } from './transport.js';

/** The state shared by one VU's requests. */
export interface ClientState {
  /** Where a body that cannot be decoded, or a discarded body read, is told of. */
  metrics: RunMetrics;
  jar: CookieJar;
  inFlight: InFlight;
  /** Where each exchange's timings go: the engine records them. */
  sink: ExchangeSink;
  /** Reused for every report of this VU: the sink keeps nothing of it. */
  report: ExchangeReport;
  /** A response's submitForm: the client's (it sends through the same VU). */
  submit?: (res: HttpResponse, o: SubmitFormOptions) => Promise<HttpResponse>;
}

/**
 * One request and its response, whichever transport carries it: the timer's target, the
 * promise, the report to the sink. Subclasses fill in the timings (tWrite, tHeaders, connectMs,
 * bytes) and call complete() or fail().
 */
export abstract class Exchange {
  prev: Exchange | null = null;
  next: Exchange | null = null;
  /** performance.now() ms by which the response must be complete. */
  deadline = 0;
  protected done = false;
  protected tWrite = 0;
  protected tHeaders = 0;
  protected connectMs = 0;
  protected tlsMs = 0;
  protected bytesOut = 0;
  protected bytesIn = 0;
  /** 1 once it was sent again after the keep-alive race (http_req_retries). */
  protected retries = 0;
  /** The `url` tag, set only when a threshold filters on this URL (RunMetrics.watchedUrl). */
  url: string | undefined = undefined;
  /** False: the body is counted as it arrives but not kept (discardResponseBodies, responseType 'none'). */
  keepBody = true;
  /** Set when the request reads its body as a stream (`stream`): the transport feeds it each read. */
  stream: StreamReader | null = null;
  private resolve!: (r: HttpResponse) => void;
  protected reject!: (e: unknown) => void;
  readonly promise: Promise<HttpResponse>;

  constructor(
    protected readonly st: ClientState,
    protected readonly series: HttpSeries,
    private readonly origin: string,
    private readonly path: string,
    /** Where the request went, for the cookies its response sets. */
    private readonly hostname: string,
    private readonly secure: boolean,
    private readonly expect: RequestOptions['expect'],
    protected readonly timeoutMs: number,
  ) {
    this.promise = new Promise<HttpResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Takes how the request reads its answer: its `url` tag, whether its body is kept, its stream. */
  readsAs(req: OutgoingRequest): void {
    this.url = req.url;
    this.keepBody = req.keepBody;
    if (req.stream !== undefined) this.stream = new StreamReader(req.stream);
  }

  /** The request's time ran out: it ends now as a timeout, whatever the transport does next. */
  abstract timeout(): void;
  /** The VU is stopping: abandon the request, record nothing, reject with the signal's reason. */
  abstract cancel(reason: unknown): void;

  /** Joins the VU's in-flight list; its timeout runs from now (waiting for a connection included). */
  protected arm(): void {
    const list = this.st.inFlight;
    const now = performance.now();
    this.deadline = now + this.timeoutMs;
    const wasIdle = list.head === null;
    this.next = list.head;
    if (list.head !== null) list.head.prev = this;
    list.head = this;
    const t = list.timer;
    if (t === null || this.deadline < list.due) armTimer(list, this.deadline, now);
    else if (wasIdle) t.ref();
  }

  /** A response arrived whole: the sample, the cookies (each Set-Cookie value), the flow's result. */
  protected complete(
    status: number,
    raw: HeaderSource | null,
    chunks: Buffer[] | null,
    setCookies: string[] | null,
    deliver: (resolve: (r: HttpResponse) => void, r: HttpResponse) => void,
  ): void {
    const end = performance.now();
    this.settle();
    if (setCookies !== null) {
      const where = { hostname: this.hostname, pathname: stripQuery(this.path), secure: this.secure };
      for (const c of setCookies) this.st.jar.store(where, c);
    }
    const failed = isFailed(status, this.expect);
    const timings: ResponseTimings = {
      duration: end - this.tWrite,
      waiting: this.tHeaders - this.tWrite,
      connecting: this.connectMs,
      tls_handshaking: this.tlsMs,
    };
    this.st.report.recordedMs = undefined;
    this.record(status, failed, end, undefined, undefined);
    const r = new ClientResponse(
      status,
      timings,
      failed,
      undefined,
      this.origin,
      this.path,
      this.series.endpoint.name,
      raw,
      chunks,
      this.st.metrics,
      !this.keepBody,
      this.st.submit,
    );
    r.recorded = {
      series: this.series,
      status,
      durationMs: this.st.report.recordedMs ?? timings.duration,
      url: this.url,
    };
    if (this.stream !== null) this.stream.finish(r, this.tWrite, end);
    deliver(this.resolve, r);
  }

  protected fail(kind: string, message: string): void {
    const end = performance.now();
    this.settle();
    const sent = this.tWrite > 0;
    const timings: ResponseTimings = {
      duration: sent ? end - this.tWrite : 0,
      waiting: sent && this.tHeaders > 0 ? this.tHeaders - this.tWrite : 0,
      connecting: this.connectMs,
      tls_handshaking: this.tlsMs,
    };
    this.record(0, true, end, kind, message);
    this.resolve(
      new ClientResponse(
        0,
        timings,
        true,
        kind,
        this.origin,
        this.path,
        this.series.endpoint.name,
        null,
        null,
        this.st.metrics,
        false,
        this.st.submit,
      ),
    );
  }

  protected settle(): void {
    this.done = true;
    const list = this.st.inFlight;
    if (this.prev !== null) this.prev.next = this.next;
    else if (list.head === this) list.head = this.next;
    if (this.next !== null) this.next.prev = this.prev;
    this.prev = null;
    this.next = null;
    // Nothing in flight: the timer (left armed, to be reused) must not keep the process alive.
    if (list.head === null) list.timer?.unref();
  }

  /** Hands the measurements to the engine's sink (which measures from the intended start). */
  private record(
    status: number,
    failed: boolean,
    end: number,
    kind: string | undefined,
    message: string | undefined,
  ): void {
    const r = this.st.report;
    r.series = this.series;
    r.url = this.url;
    r.status = status;
    r.failed = failed;
    r.sentAt = this.tWrite;
    r.firstByteAt = this.tHeaders;
    r.endAt = end;
    r.connectMs = this.connectMs;
    r.tlsMs = this.tlsMs;
    r.bytesSent = this.bytesOut;
    r.bytesReceived = this.bytesIn;
    r.retries = this.retries;
    r.errorKind = kind;
    r.errorMessage = message;
    this.st.sink.exchange(r);
  }
}

export function stripQuery(path: string): string {
  const q = path.indexOf('?');
  const h = path.indexOf('#');
  const end = q < 0 ? h : h < 0 ? q : Math.min(q, h);
  return end < 0 ? path : path.slice(0, end);
}

function isFailed(status: number, expect: RequestOptions['expect']): boolean {
  if (status === 0) return true;
  if (expect === undefined) return status >= 400;
  if (typeof expect === 'number') return status !== expect;
  if (Array.isArray(expect)) return !expect.includes(status);
  try {
    return !(expect as (s: number) => boolean)(status);
  } catch {
    return true;
  }
}

/** A timeout's message: whether the request was ever written, i.e. whether the connect finished. */
export function timeoutMessage(ms: number, written: boolean): string {
  return written
    ? `no complete response within ${ms}ms`
    : `no connection within ${ms}ms (the connect timed out; the request was not sent)`;
}
