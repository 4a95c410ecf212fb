/**
 * `ctx.ws` of a TypeScript test: WebSocket sessions (docs/protocols.md, "WebSocket"). Target
 * faults never throw: a refused upgrade, a lost connection, an abnormal close or a receive that
 * timed out is counted (errors[], ws_failed) and shows in `error`, as an HTTP response's does.
 */

export interface WsConnectOptions {
  /** Groups the ws_* metrics (their `name` tag). Default: the URL's path, without the query. */
  name?: string;
  /** Headers of the upgrade request, over the test's default headers. */
  headers?: Record<string, string>;
  /** Subprotocols offered (Sec-WebSocket-Protocol). */
  protocols?: string | string[];
  /** Opening-handshake timeout: `5s`, `500ms`, or milliseconds. Default: the test's timeout (10s). */
  timeout?: string | number;
}

/** What a receive waits for: text the message contains, a pattern, or a predicate. */
export type WsMatch = string | RegExp | ((message: WsMessage) => boolean);

export interface WsReceiveOptions {
  /** The first message that matches is taken; others stay queued for a later receive. */
  match?: WsMatch;
  /** How long to wait: `2s`, `500ms`, or milliseconds. Default: the test's timeout (10s). */
  timeout?: string | number;
}

export interface WsMessage {
  /** The message as text ('' when none came: see `error`); a binary message decoded as UTF-8. */
  text: string;
  /** True for a binary frame. */
  binary: boolean;
  /** Parses `text` as JSON; throws with a clear message when it is not JSON. */
  json<T = unknown>(): T;
  /**
   * ms: from the send to this reply for request() (the sample ws_rtt records), from the call
   * for receive().
   */
  duration: number;
  /** Set when no message came: `timeout` (counted), or `closed` (the session ended first). */
  error?: string;
}

export interface WsSession {
  /** The ws:// or wss:// URL connected to. */
  readonly url: string;
  /** 101 when the upgrade succeeded; the HTTP status of a refused upgrade; 0 when no response. */
  readonly status: number;
  /** The first fault of the session (`ws status 403`, `ws ECONNREFUSED`, `ws close 1011`, `ws timeout` …). */
  readonly error: string | undefined;
  /** Open for sending and receiving. */
  readonly open: boolean;
  /** The close code once the session ended (1000 normal, 1006 lost, …), else undefined. */
  readonly closeCode: number | undefined;
  /** Sends a text frame (a string), a binary frame (bytes) or JSON (any other value). False when not open. */
  send(data: string | Uint8Array | object): boolean;
  /** The next message (that matches), queued or still to come. */
  receive(options?: WsReceiveOptions): Promise<WsMessage>;
  /** send() then receive() of the reply, which only a message arriving after the send can be; records ws_rtt. */
  request(data: string | Uint8Array | object, options?: WsReceiveOptions): Promise<WsMessage>;
  /** Closes with `code` (default 1000) and waits for the server's close (at most 2 s). */
  close(code?: number, reason?: string): Promise<void>;
}

export interface WsApi {
  /**
   * Opens a session: `ws://`, `wss://`, or a path on the target (`http` becomes `ws`). Resolves
   * once the upgrade succeeded or failed; check `open` or `error`. A session left open ends
   * with the run (closed with 1001).
   */
  connect(url: string, options?: WsConnectOptions): Promise<WsSession>;
}
