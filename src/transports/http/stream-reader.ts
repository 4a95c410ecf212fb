import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { Counter, Trend } from '../../metrics/custom.js';
import type { SseEvent, StreamTimings } from '../../script-api/vu-context.js';
import type { ClientResponse } from './response.js';

/**
 * A response read as a stream (the request option `stream`): told of each piece of body as the
 * transport reads it, it times the pieces (`chunks`) or the server-sent events eventsource-parser
 * finds in them (`sse`), and records the stream metrics when the response is whole. Only
 * requests that ask for it carry one: the plain path pays a null check.
 */

export type StreamMode = 'chunks' | 'sse';

/** The metrics of one mode, declared in the custom registry on first use (so they merge, take thresholds and reach every report). */
interface StreamMetrics {
  first: Trend;
  gap: Trend;
  count: Counter;
  duration: Trend;
}

/** Names of the stream metrics and their kinds: thresholds on them are valid before any stream ran. */
export const STREAM_METRICS: ReadonlyMap<string, 'trend' | 'counter'> = new Map([
  ['stream_first_chunk', 'trend'],
  ['stream_chunk_gap', 'trend'],
  ['stream_chunks', 'counter'],
  ['stream_duration', 'trend'],
  ['sse_first_event', 'trend'],
  ['sse_event_gap', 'trend'],
  ['sse_events', 'counter'],
  ['sse_duration', 'trend'],
]);

const declared: Partial<Record<StreamMode, StreamMetrics>> = {};

function metricsOf(mode: StreamMode): StreamMetrics {
  let m = declared[mode];
  if (m === undefined) {
    const [p, unit] = mode === 'sse' ? ['sse', 'event'] : ['stream', 'chunk'];
    m = {
      first: new Trend(`${p}_first_${unit}`, true),
      gap: new Trend(`${p}_${unit}_gap`, true),
      count: new Counter(`${p}_${unit}s`),
      duration: new Trend(`${p}_duration`, true),
    };
    declared[mode] = m;
  }
  return m;
}

/** The request option as a mode, or undefined when off; anything else is the script's mistake. */
export function streamModeOf(name: string, stream: unknown): StreamMode | undefined {
  if (stream === undefined || stream === false) return undefined;
  if (stream === true || stream === 'chunks') return 'chunks';
  if (stream === 'sse') return 'sse';
  throw new Error(`${name}: stream must be true, 'chunks' or 'sse', given ${JSON.stringify(stream)}`);
}

export class StreamReader {
  private readonly metrics: StreamMetrics;
  private count = 0;
  private firstAt = 0;
  private lastAt = 0;
  /** SSE: the parser, the events as they came (times absolute until finish), the arrival being parsed. */
  private readonly parser: EventSourceParser | null = null;
  private readonly decoder: StringDecoder | null = null;
  private readonly events: SseEvent[] = [];
  private readAt = 0;
  /** SSE: the first line the parser could not read, if any. */
  private malformed: string | undefined;

  constructor(readonly mode: StreamMode) {
    this.metrics = metricsOf(mode);
    if (mode === 'sse') {
      // UTF-8 split across reads is joined before parsing.
      this.decoder = new StringDecoder('utf8');
      this.parser = createParser({
        onEvent: (e) => {
          this.tick(this.readAt);
          this.events.push({ event: e.event, data: e.data, id: e.id, t: this.readAt });
        },
        onError: (e) => {
          // An unknown field is what a body that is not SSE (JSON, HTML) looks like to the parser.
          if (this.malformed === undefined) this.malformed = e.line ?? e.message;
        },
      });
    }
  }

  /** A piece of body, as read off the connection. */
  data(buf: Buffer, start: number, end: number): void {
    const now = performance.now();
    if (this.parser === null) {
      this.tick(now);
      return;
    }
    this.readAt = now;
    this.parser.feed(this.decoder!.write(buf.subarray(start, end)));
  }

  private tick(now: number): void {
    if (this.count === 0) this.firstAt = now;
    else this.metrics.gap.add(now - this.lastAt);
    this.lastAt = now;
    this.count++;
  }

  /**
   * The response is whole: the stream's figures recorded, given to the response, and a response
   * that should have been SSE and is not marked failed (once, under a reason that names why).
   */
  finish(res: ClientResponse, sentAt: number, endAt: number): void {
    const m = this.metrics;
    const first = this.count > 0 ? this.firstAt - sentAt : undefined;
    if (first !== undefined) m.first.add(first);
    m.count.add(this.count);
    m.duration.add(endAt - sentAt);
    const timings: StreamTimings = { mode: this.mode, count: this.count, first, duration: endAt - sentAt };
    res.stream = timings;
    if (this.parser === null) return;
    for (const e of this.events) e.t -= sentAt;
    res.events = this.events;
    // A failed request is counted already; a redirect's own body is not the stream asked for.
    if (res.failed || res.status < 200 || res.status > 299) return;
    const type = res.headers['content-type'];
    if (type === undefined || !/^\s*text\/event-stream\b/i.test(type)) {
      res.fail(
        `sse: not an event stream (content-type ${type === undefined ? 'missing' : type.split(';')[0]!.trim()})`,
      );
    } else if (this.malformed !== undefined) {
      res.fail('sse: malformed event stream');
    }
  }
}
