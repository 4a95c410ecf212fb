import type { Socket } from 'node:net';

/**
 * undici 7 destroys the connection when a response starts with `100 Continue` it did not ask
 * for (it never sends `Expect: 100-continue`), although RFC 9110 §15.2 has a client accept any
 * 1xx before the final response, as the lean parser and browsers do. So that both transports
 * answer alike, each undici socket relabels such a head `102` (an interim status undici skips,
 * as it skips `103 Early Hints`) in the first bytes read after a request was sent. The bytes
 * keep their length; nothing else in the stream is touched.
 */

const AWAITING = Symbol('squall.awaitingResponse');

type WatchedSocket = Socket & { [AWAITING]?: boolean };

/** Hooks a socket undici is about to use (the Agent's connector calls it once per socket). */
export function relabelInterimContinue(socket: WatchedSocket): void {
  if (socket[AWAITING] !== undefined) return;
  socket[AWAITING] = false;
  const read = socket.read;
  socket.read = function readRelabelled(this: WatchedSocket, size?: number) {
    const chunk: unknown = read.call(this, size);
    if (this[AWAITING] === true && Buffer.isBuffer(chunk) && chunk.length > 0) {
      this[AWAITING] = relabel(chunk);
    }
    return chunk;
  } as Socket['read'];
}

/** A request was written on `socket`: the next bytes read start its response. */
export function awaitResponse(socket: WatchedSocket): void {
  if (socket[AWAITING] !== undefined) socket[AWAITING] = true;
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const PREFIX = Buffer.from('HTTP/1.', 'latin1');

/** `HTTP/1.x 100` followed by a space or CR at chunk[at]. */
function isContinueAt(chunk: Buffer, at: number): boolean {
  if (chunk.length < at + 13 || chunk.compare(PREFIX, 0, 7, at, at + 7) !== 0) return false;
  const after = chunk[at + 12];
  return (
    chunk[at + 8] === 32 &&
    chunk[at + 9] === 49 &&
    chunk[at + 10] === 48 &&
    chunk[at + 11] === 48 &&
    (after === 32 || after === 13)
  );
}

/**
 * Rewrites every leading 100 head of `chunk` to 102. True when the chunk held nothing else, so
 * the next read may start with another interim head or the final one.
 */
function relabel(chunk: Buffer): boolean {
  let at = 0;
  while (isContinueAt(chunk, at)) {
    chunk[at + 11] = 50; // '100' becomes '102'
    const end = chunk.indexOf(HEAD_END, at);
    if (end === -1) return false;
    at = end + 4;
    if (at === chunk.length) return true;
  }
  return false;
}
