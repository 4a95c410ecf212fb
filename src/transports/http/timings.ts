import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { buildConnector } from 'undici';
import { parseDurationMs } from '../../util/duration.js';
import { awaitResponse, relabelInterimContinue } from './undici-interim.js';
import { undici } from './undici-lib.js';

/**
 * The phase timings undici does not report: TCP connect time of a new connection (k6's
 * http_req_connecting, 0 when a request reuses one) and the bytes of the request head.
 *
 * How: the Agent gets a connector that times each socket from DNS answer (or the start, for an IP)
 * to TCP `connect`, and stamps the time on the socket. undici calls a handler's `onConnect` (the
 * request has its connection) and then, synchronously in the same function, publishes
 * `undici:client:sendHeaders` with the socket and the request head; the handler announces
 * itself in `onConnect`, and the
 * subscriber hands it the socket's stamp (consumed: only the first request on a connection pays
 * for the connect) and the head's length. One subscriber for the process, nothing per socket
 * beyond two listeners, nothing per request beyond undici's own message.
 */

const CONNECT_MS = Symbol('squall.connectMs');
const TLS_MS = Symbol('squall.tlsMs');

type StampedSocket = Socket & { [CONNECT_MS]?: number; [TLS_MS]?: number };

/** A connection so fast the clock saw 0 still counts as a new connection. */
const MIN_CONNECT_MS = 0.001;

/**
 * Wraps undici's connector to time TCP connects (DNS excluded, as in k6) and, apart, TLS
 * handshakes (TCP connect to secureConnect: k6's http_req_tls_handshaking, as the lean client's).
 * TLS sessions are resumed through undici's session cache, as the lean client does (one per host).
 */
export function timedConnector(options: buildConnector.BuildOptions = {}): buildConnector.connector {
  // undici's connector returns its socket, though its type says void.
  const base = undici().buildConnector(options) as unknown as (
    opts: buildConnector.Options,
    callback: buildConnector.Callback,
  ) => StampedSocket | undefined;
  return (opts, callback) => {
    // SNI and the certificate check follow the URL's host (undici's fallback when no servername
    // is given), never a Host header a request sets, as curl and k6 do.
    if (opts.protocol === 'https:') opts = { ...opts, servername: undefined };
    let t0 = performance.now();
    let timed = false;
    const socket = base(opts, (...args: Parameters<buildConnector.Callback>) => {
      // Should a future undici not return the socket, time up to the callback (TLS included).
      const s = (args[1] ?? null) as StampedSocket | null;
      if (s !== null && !timed) s[CONNECT_MS] = Math.max(performance.now() - t0, MIN_CONNECT_MS);
      if (s !== null) relabelInterimContinue(s);
      callback(...args);
    });
    if (socket !== undefined && typeof socket.prependOnceListener === 'function') {
      timed = true;
      socket.once('lookup', () => {
        t0 = performance.now();
      });
      // Prepended so the stamp is on the socket before undici's listener lets a request use it.
      socket.prependOnceListener('connect', () => {
        const now = performance.now();
        socket[CONNECT_MS] = Math.max(now - t0, MIN_CONNECT_MS);
        if (opts.protocol === 'https:') {
          socket.prependOnceListener('secureConnect', () => {
            socket[TLS_MS] = Math.max(performance.now() - now, MIN_CONNECT_MS);
          });
        }
      });
    }
  };
}

/**
 * Told, when its request is written, what it cost to connect (TCP, then TLS; 0: a reused
 * connection) and the socket, whose bytesWritten does not yet count the request's head.
 */
export interface WriteObserver {
  onWrite(connectMs: number, tlsMs: number, socket: Socket): void;
}

let writing: WriteObserver | null = null;

/**
 * Called when undici hands a request its connection (the handler's `onConnect`): the next `sendHeaders` message is this request's. Requests of
 * other undici copies (Node's own fetch) find no observer waiting and are ignored.
 */
export function expectWrite(o: WriteObserver): void {
  writing = o;
}

subscribe('undici:client:sendHeaders', (message) => {
  const { socket } = message as { socket: StampedSocket };
  awaitResponse(socket);
  const o = writing;
  if (o === null) return;
  writing = null;
  const ms = socket[CONNECT_MS] ?? 0;
  const tlsMs = socket[TLS_MS] ?? 0;
  if (ms !== 0) socket[CONNECT_MS] = 0;
  if (tlsMs !== 0) socket[TLS_MS] = 0;
  o.onWrite(ms, tlsMs, socket);
});

/** Parsed timeouts: a flow passes the same few strings on every request. */
const TIMEOUTS = new Map<string, number>();
const PLAIN_NUMBER = /^\s*\d+(?:\.\d+)?\s*$/;

/**
 * A request timeout: `5s`, `500ms`, or a number of milliseconds (a numeric string too, so that
 * `'500'` and `500` agree). Throws a clear message on anything else.
 */
export function parseTimeoutMs(value: string | number): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return value;
    throw new Error(`timeout ${value} is not a positive number of milliseconds`);
  }
  let ms = TIMEOUTS.get(value);
  if (ms !== undefined) return ms;
  ms = parseTimeoutText(value);
  if (TIMEOUTS.size < 256) TIMEOUTS.set(value, ms);
  return ms;
}

function parseTimeoutText(text: string): number {
  // A bare number is milliseconds here (as the number form is), not seconds as in durations.
  const ms = PLAIN_NUMBER.test(text) ? Number(text) : parseDurationMs(text);
  if (ms !== undefined && ms > 0) return ms;
  throw new Error(
    `timeout '${text}' is not a duration; expected e.g. '5s', '500ms' or a number of milliseconds`,
  );
}
