import type { RecordedSample, RunMetrics } from '../../metrics/run-metrics.js';
import type {
  HttpResponse,
  ResponseTimings,
  SseEvent,
  StreamTimings,
  SubmitFormOptions,
} from '../../script-api/vu-context.js';
import { errorMessage } from './classify.js';
import { decodeBody } from './decode-body.js';
import { parseHeaderLines, ResponseCapture } from './response-parser.js';
import { undici } from './undici-lib.js';

/**
 * Response header fields as a transport gave them: undici's raw `[name, value, …]` Buffers, or
 * the lean transport's head field lines as a latin1 string (split only if the flow reads them).
 */
export type HeaderSource = Buffer[] | string;

/** A response as the flow sees it; headers and text are decoded on first use, if ever. */
export class ClientResponse implements HttpResponse {
  private parsed: unknown;
  private hasParsed = false;
  private decodedText: string | null = null;
  private headerRecord: Record<string, string> | null = null;
  /** The sample as recorded, for fail(); unset for a response without one (no response). */
  recorded: RecordedSample | undefined;
  /** Why the script marked it failed (res.fail), if it did. */
  failReason: string | undefined;
  /** Set for a request read as a stream (stream-reader.ts). */
  stream?: StreamTimings;
  events?: SseEvent[];

  constructor(
    readonly status: number,
    readonly timings: ResponseTimings,
    /** Becomes true when the script calls fail(). */
    public failed: boolean,
    readonly error: string | undefined,
    private readonly origin: string,
    private readonly path: string,
    private readonly label: string,
    /** null without a response. */
    private readonly rawHeaders: HeaderSource | null,
    private readonly chunks: Buffer[] | null,
    /** Where a body that cannot be decoded, or a discarded body read, is told of. */
    private readonly metrics: RunMetrics,
    /** The body was read off the connection and dropped (discardResponseBodies, responseType 'none'). */
    private readonly discarded: boolean,
    /** The client's submitForm (undefined where no client sends one). */
    private readonly submit?: (res: HttpResponse, o: SubmitFormOptions) => Promise<HttpResponse>,
  ) {}

  submitForm(options: SubmitFormOptions = {}): Promise<HttpResponse> {
    if (this.submit === undefined)
      return Promise.reject(new Error('submitForm: this response has no client'));
    return this.submit(this, options);
  }

  /**
   * Marks this request failed after the fact (Locust's response.failure()): http_req_failed,
   * the endpoint's failures and errors[] (under `reason`) count it. A request already failed
   * (by its status, or an earlier fail) is counted once.
   */
  fail(reason = 'failed by the script'): void {
    if (this.failed) return;
    this.failed = true;
    const why = String(reason).trim() || 'failed by the script';
    this.failReason = why;
    if (this.recorded !== undefined) this.metrics.amendFailed(this.recorded, why);
  }

  get url(): string {
    return `${this.origin}${this.path}`;
  }

  get headers(): Record<string, string> {
    if (this.headerRecord === null) {
      const h: Record<string, string> = {};
      const raw = this.rawHeaders;
      if (raw !== null && raw.length > 0) {
        if (typeof raw === 'string') leanHeaderRecord(raw, h);
        else {
          const parsed = undici().util.parseHeaders(raw);
          // Repeated fields come as one string, joined as HTTP allows (RFC 9110 5.3).
          for (const k in parsed) {
            const v = parsed[k]!;
            h[k] = typeof v === 'string' ? v : v.join(', ');
          }
        }
      }
      this.headerRecord = h;
    }
    return this.headerRecord;
  }

  get text(): string {
    if (this.decodedText === null) this.decodedText = this.bodyText();
    return this.decodedText;
  }

  /** The body decoded by its Content-Encoding, on first read only: a flow that never reads it pays nothing. */
  private bodyText(): string {
    if (this.discarded) {
      noteDiscardedRead(this.metrics, this.label);
      return '';
    }
    const c = this.chunks;
    if (c === null) return '';
    let body = c.length === 1 ? c[0]! : Buffer.concat(c);
    const encoding = this.headers['content-encoding'];
    if (encoding !== undefined) {
      const d = decodeBody(body, encoding);
      if (d.ok) body = d.body;
      // Counted as its own kind (the request itself succeeded); the flow sees the body as it came.
      else this.metrics.http.errors.add('decode', `${this.label}: ${d.error}`);
    }
    return body.toString('utf8');
  }

  json<T = unknown>(): T {
    if (!this.hasParsed) {
      if (this.discarded) {
        noteDiscardedRead(this.metrics, this.label);
        throw new Error(`the response to ${this.label} has no body to parse: ${DISCARDED}`);
      }
      const text = this.text;
      try {
        this.parsed = JSON.parse(text);
      } catch (e) {
        const head = text.length > 60 ? `${text.slice(0, 60)}…` : text;
        const what = this.status === 0 ? `no response (${this.error})` : `status ${this.status}`;
        throw new Error(
          `the response to ${this.label} is not JSON (${what}, body ${head === '' ? 'empty' : JSON.stringify(head)}): ` +
            errorMessage(e),
        );
      }
      this.hasParsed = true;
    }
    return this.parsed as T;
  }
}

const DISCARDED =
  "its body was discarded (discardResponseBodies: true or responseType: 'none'); give the request responseType: 'text' to keep it";

/** Runs that were told a flow read a discarded body: one warning per run is enough. */
const warnedDiscarded = new WeakSet<RunMetrics>();

/** A flow read a discarded body (a body check, a capture): said once, after the run. */
function noteDiscardedRead(metrics: RunMetrics, label: string): void {
  if (warnedDiscarded.has(metrics)) return;
  warnedDiscarded.add(metrics);
  metrics.warnings.push(`the flow read the body of ${label}, but ${DISCARDED}`);
}

/** The lean transport's field lines as undici's parseHeaders, then the join above, gives them. */
function leanHeaderRecord(lines: string, h: Record<string, string>): void {
  const cap = new ResponseCapture();
  const head = Buffer.from(lines, 'latin1');
  parseHeaderLines(head, 0, head.length, cap);
  const raw = cap.headers;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    const v = raw[i + 1]!;
    if (Object.hasOwn(h, k)) h[k] = `${h[k]}, ${v}`;
    else if (k === '__proto__') Object.defineProperty(h, k, { value: v, enumerable: true, writable: true });
    else h[k] = v;
  }
}
