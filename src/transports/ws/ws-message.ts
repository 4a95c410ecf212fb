import type { WsMatch, WsMessage } from '../../script-api/ws-api.js';

/** A message received (or the absence of one: `error` set), its text decoded on first read. */
export class ReceivedMessage implements WsMessage {
  duration = 0;
  error: string | undefined;
  private decoded: string | undefined;

  constructor(
    private readonly raw: Buffer | string,
    readonly binary: boolean,
    /** performance.now() when it arrived: request() measures ws_rtt to it. */
    readonly at: number,
    /** Arrival order within its session: request() takes only what came after its send. */
    readonly seq: number,
  ) {}

  get text(): string {
    this.decoded ??= typeof this.raw === 'string' ? this.raw : this.raw.toString('utf8');
    return this.decoded;
  }

  json<T = unknown>(): T {
    try {
      return JSON.parse(this.text) as T;
    } catch {
      const head = this.text.length > 80 ? `${this.text.slice(0, 80)}…` : this.text;
      throw new Error(
        this.error === undefined
          ? `the WebSocket message is not JSON: ${JSON.stringify(head)}`
          : `no WebSocket message to read as JSON (${this.error})`,
      );
    }
  }
}

/** No message: a receive that timed out, or a session that ended first. */
export function noMessage(error: string, duration: number): ReceivedMessage {
  const m = new ReceivedMessage('', false, 0, -1);
  m.error = error;
  m.duration = duration;
  return m;
}

/** A matcher as a predicate: text contained, a pattern tested, or the user's function. */
export function compileMatch(match: WsMatch | undefined): ((m: ReceivedMessage) => boolean) | undefined {
  if (match === undefined) return undefined;
  if (typeof match === 'string') return (m) => m.text.includes(match);
  if (match instanceof RegExp) {
    // A /g or /y pattern keeps lastIndex between tests: a fresh copy without them tests each message alone.
    const re =
      match.global || match.sticky ? new RegExp(match.source, match.flags.replace(/[gy]/g, '')) : match;
    return (m) => re.test(m.text);
  }
  if (typeof match === 'function') return (m) => match(m) === true;
  throw new Error(
    `match must be text the message contains, a RegExp or a function, given ${JSON.stringify(match)}`,
  );
}
