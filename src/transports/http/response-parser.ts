import { TCHARS } from '../../util/http-token.js';
/**
 * A small, strict, incremental HTTP/1.1 response parser for the lean client. It finds where a
 * response ends (Content-Length, chunked, or end of stream) and reads only what the load
 * generator needs: the status, whether the connection stays open, and the body's extent. It
 * copies no body bytes unless a CaptureSink asks for them (`squall run`'s flows read headers and
 * bodies; `quick` leaves `capture` null and pays one null check per header line and body range).
 * Anything that is not HTTP/1.x is reported as malformed, never thrown.
 */

/**
 * Receives the final response's header fields and body bytes as the parser meets them. The
 * buffer passed in may be a read buffer that is reused as soon as the call returns (net's
 * `onread`): a sink copies whatever it keeps.
 */
export interface CaptureSink {
  /**
   * The final head's field lines, buf[start, end) (CRLFs included, blank line not), once and
   * before its fields: for a sink that would rather copy them whole and decode them later.
   */
  head(buf: Buffer, start: number, end: number): void;
  /** A header field of the final head: name buf[nameStart, nameEnd), value buf[valueStart, valueEnd). */
  header(buf: Buffer, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void;
  /** Body bytes buf[start, end), chunked framing removed; never called with an empty range. */
  body(buf: Buffer, start: number, end: number): void;
}

/**
 * A CaptureSink that keeps everything: header fields as `[name, value, …]` with lower-cased
 * names in arrival order (so repeated fields, Set-Cookie above all, stay separate), and the body
 * as copied pieces.
 */
export class ResponseCapture implements CaptureSink {
  headers: string[] = [];
  chunks: Buffer[] = [];

  reset(): void {
    this.headers = [];
    this.chunks = [];
  }

  head(): void {}

  header(buf: Buffer, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    this.headers.push(
      buf.toString('latin1', nameStart, nameEnd).toLowerCase(),
      buf.toString('latin1', valueStart, valueEnd),
    );
  }

  body(buf: Buffer, start: number, end: number): void {
    this.chunks.push(copyRange(buf, start, end));
  }

  /** Every value of one field (lower-case name), e.g. each Set-Cookie line. */
  values(name: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.headers.length; i += 2) {
      if (this.headers[i] === name) out.push(this.headers[i + 1]!);
    }
    return out;
  }

  /** The body in one Buffer (the only piece when there is one). */
  bodyBytes(): Buffer {
    const c = this.chunks;
    return c.length === 1 ? c[0]! : Buffer.concat(c);
  }
}

/**
 * Calls sink.header() for each `name: value` line of buf[start, end) (a head's field lines, as
 * CaptureSink.head() gives them), values trimmed as the parser trims them. For field lines kept
 * whole and decoded later; the lines were checked when the response was parsed.
 */
export function parseHeaderLines(buf: Buffer, start: number, end: number, sink: CaptureSink): void {
  let line = start;
  while (line < end) {
    let lineEnd = buf.indexOf(LF, line);
    if (lineEnd === -1 || lineEnd > end) lineEnd = end;
    const valueEnd = buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    const colon = buf.indexOf(58, line);
    if (colon !== -1 && colon < valueEnd && colon > line) {
      let v = colon + 1;
      while (v < valueEnd && (buf[v] === 32 || buf[v] === 9)) v++;
      let e = valueEnd;
      while (e > v && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
      sink.header(buf, line, colon, v, e);
    }
    line = lineEnd + 1;
  }
}

/** A copy of buf[start, end) that outlives a reused read buffer. */
export function copyRange(buf: Buffer, start: number, end: number): Buffer {
  const n = end - start;
  const out = Buffer.allocUnsafe(n);
  // Buffer#copy makes a view of the source range first: for a short range that costs more than
  // the bytes themselves.
  if (n <= 64) for (let i = 0; i < n; i++) out[i] = buf[start + i]!;
  else buf.copy(out, 0, start, end);
  return out;
}

/** execute() results besides a leftover count (>= 0 means the response is complete). */
export const NEED_MORE = -1;
export const MALFORMED = -2;

enum State {
  Head = 0,
  Body = 1,
  UntilClose = 2,
  ChunkSize = 3,
  ChunkExt = 4,
  ChunkSizeLf = 5,
  ChunkData = 6,
  ChunkDataCr = 7,
  ChunkDataLf = 8,
  TrailerStart = 9,
  Trailer = 10,
  FinalLf = 11,
}

const CR = 13;
const LF = 10;
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
/**
 * The one limit on a response head, both transports (undici is given the same one): the status
 * line and header lines, up to the blank line. Node's own default is 16 KiB; browsers take more,
 * and a load tool should not fail a response the target's users get.
 */
export const MAX_HEAD_BYTES = 64 * 1024;
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');
const CONNECTION = Buffer.from('connection', 'latin1');
const CHUNKED = Buffer.from('chunked', 'latin1');
const CLOSE = Buffer.from('close', 'latin1');
const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
const TIMEOUT_EQ = Buffer.from('timeout=', 'latin1');

/**
 * The `timeout=N` of a Keep-Alive field value in buf[start, end), in ms (as undici's
 * parseKeepAliveTimeout reads it: whole seconds), or -1 when it has none.
 */
function keepAliveTimeoutMs(buf: Buffer, start: number, end: number): number {
  outer: for (let i = start; i + 8 < end; i++) {
    for (let j = 0; j < 8; j++) {
      if ((buf[i + j]! | 0x20) !== TIMEOUT_EQ[j]) continue outer;
    }
    let n = 0;
    let k = i + 8;
    for (; k < end && isDigit(buf[k]!) && n < 1e9; k++) n = n * 10 + (buf[k]! - 48);
    return k === i + 8 ? -1 : n * 1000;
  }
  return -1;
}

/** Where the blank line that ends a head starts, within buf[from, len); -1 if not there yet. */
function findHeadEnd(buf: Buffer, from: number, len: number): number {
  const i = buf.indexOf(HEADER_END, from);
  return i !== -1 && i + 4 <= len ? i : -1;
}

/**
 * A line ended by LF without CR in buf[from, to): undici (llhttp) refuses such a head, so the
 * lean parser refuses it too, at once, instead of waiting for a CRLF CRLF that never comes.
 */
function hasBareLf(buf: Buffer, from: number, to: number): boolean {
  let i = buf.indexOf(LF, from);
  while (i !== -1 && i < to) {
    if (i === 0 || buf[i - 1] !== CR) return true;
    i = buf.indexOf(LF, i + 1);
  }
  return false;
}

/** RFC 9110 token characters as a byte table: undici refuses other header names. */
const TOKEN_BYTE = new Uint8Array(256);
for (const c of TCHARS) {
  TOKEN_BYTE[c.charCodeAt(0)] = 1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Case-insensitive comparison of buf[start, start+len) with a lower-case ASCII name. */
function nameIs(buf: Buffer, start: number, len: number, lower: Buffer): boolean {
  if (len !== lower.length) return false;
  for (let i = 0; i < len; i++) {
    if ((buf[start + i]! | 0x20) !== lower[i]) return false;
  }
  return true;
}

/** Whether buf[start, end) contains `word` (lower-case ASCII) case-insensitively; no allocation. */
function containsWord(buf: Buffer, start: number, end: number, word: Buffer): boolean {
  const n = word.length;
  outer: for (let i = start; i + n <= end; i++) {
    for (let j = 0; j < n; j++) {
      if ((buf[i + j]! | 0x20) !== word[j]) continue outer;
    }
    return true;
  }
  return false;
}

export class ResponseParser {
  /** Where the final head's fields and the body go; null (quick) captures nothing. */
  capture: CaptureSink | null = null;
  status = 0;
  keepAlive = true;
  /** The server's idle timeout from `Keep-Alive: timeout=N`, ms; -1 when it gave none. */
  keepAliveMs = -1;
  /** Why the last execute() returned MALFORMED. */
  error = '';
  private state = State.Head;
  private pending: Buffer | null = null;
  private remaining = 0;
  private expectBody = true;
  private chunkDigits = 0;

  /** Prepares for the next response; HEAD requests get no body. */
  reset(expectBody: boolean): void {
    this.state = State.Head;
    this.pending = null;
    this.status = 0;
    this.keepAlive = true;
    this.keepAliveMs = -1;
    this.error = '';
    this.expectBody = expectBody;
  }

  /**
   * Feeds bytes. Returns NEED_MORE, MALFORMED (see `error`), or the number of bytes left over
   * after the end of the response (the lean client does not pipeline, so more than 0 is a
   * protocol error for it).
   */
  execute(chunk: Buffer, start = 0, stop = chunk.length): number {
    let buf = chunk;
    let pos = start;
    let len = stop;
    if (this.state === State.Head) {
      let searchFrom = pos;
      if (this.pending) {
        searchFrom = Math.max(0, this.pending.length - 3);
        buf = Buffer.concat([this.pending, chunk.subarray(start, stop)]);
        pos = 0;
        len = buf.length;
      }
      let end = findHeadEnd(buf, searchFrom, len);
      // Informational (1xx) heads come before the real one: skip them.
      while (end !== -1) {
        // Checked here too, or a big head that arrives whole would pass where a split one fails.
        if (end - pos > MAX_HEAD_BYTES) return this.fail('response head larger than 64 KiB');
        const r = this.parseHead(buf, pos, end);
        if (r === MALFORMED) return MALFORMED;
        pos = end + 4;
        if (r === 0) break;
        end = findHeadEnd(buf, pos, len);
      }
      if (end === -1) {
        if (hasBareLf(buf, Math.max(pos, searchFrom - 1), len)) {
          return this.fail('bare LF line ending in the response head (CRLF expected)');
        }
        // Up to 3 bytes of the blank line that ends the head may already be here.
        if (len - pos - 3 > MAX_HEAD_BYTES) return this.fail('response head larger than 64 KiB');
        // A copy: the caller may reuse its read buffer (net's onread).
        this.pending = Buffer.from(buf.subarray(pos, len));
        return NEED_MORE;
      }
      this.pending = null;
      if (this.state === State.Head) return len - pos; // no body
    }
    return this.body(buf, pos, len);
  }

  /** The stream ended: completes a body that runs until close, else says it was cut short. */
  finishOnClose(): boolean {
    return this.state === State.UntilClose;
  }

  /** True once a head has been read: the response started. */
  get started(): boolean {
    return this.state !== State.Head;
  }

  private fail(why: string): number {
    this.error = why;
    return MALFORMED;
  }

  /** Parses one head in buf[start, end). Returns 0 when a final head was read, 1 for a 1xx. */
  private parseHead(buf: Buffer, start: number, end: number): number {
    // "HTTP/1.1 200 OK": fixed offsets, checked byte by byte.
    if (
      end - start < 12 ||
      buf[start] !== 72 || // H
      buf[start + 1] !== 84 ||
      buf[start + 2] !== 84 ||
      buf[start + 3] !== 80 ||
      buf[start + 4] !== 47 || // /
      buf[start + 5] !== 49 || // 1
      buf[start + 6] !== 46 ||
      !isDigit(buf[start + 7]!) ||
      buf[start + 8] !== 32 ||
      !isDigit(buf[start + 9]!) ||
      !isDigit(buf[start + 10]!) ||
      !isDigit(buf[start + 11]!) ||
      (end - start > 12 && buf[start + 12] !== 32 && buf[start + 12] !== CR)
    ) {
      const shown = JSON.stringify(buf.toString('latin1', start, Math.min(end, start + 40)));
      return this.fail(`not an HTTP/1.x status line: ${shown}`);
    }
    const status = (buf[start + 9]! - 48) * 100 + (buf[start + 10]! - 48) * 10 + (buf[start + 11]! - 48);
    if (status < 100) return this.fail(`invalid status code ${status}`);
    const http10 = buf[start + 7] === 48;
    let keepAlive = !http10;
    let contentLength = -1;
    let chunked = false;
    let hasTransferEncoding = false;
    // Informational heads (1xx other than 101) are skipped, so their fields are not the response's.
    const capture = status >= 200 || status === 101 ? this.capture : null;
    let line = buf.indexOf(LF, start) + 1;
    if (line > 0 && line <= end && buf[line - 2] !== CR) {
      return this.fail('bare LF line ending in the response head (CRLF expected)');
    }
    if (capture !== null && line > 0 && line < end) capture.head(buf, line, end);
    while (line > 0 && line < end) {
      let lineEnd = buf.indexOf(LF, line);
      if (lineEnd === -1 || lineEnd > end) lineEnd = end;
      else if (buf[lineEnd - 1] !== CR)
        return this.fail('bare LF line ending in the response head (CRLF expected)');
      const valueEnd = buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      const colon = buf.indexOf(58, line);
      if (colon === -1 || colon >= valueEnd || colon === line) {
        return this.fail('header line without a name and colon');
      }
      for (let i = line; i < colon; i++) {
        if (TOKEN_BYTE[buf[i]!] === 0) return this.fail('invalid character in a header name');
      }
      const nameLen = colon - line;
      let v = colon + 1;
      while (v < valueEnd && (buf[v] === 32 || buf[v] === 9)) v++;
      if (nameIs(buf, line, nameLen, CONTENT_LENGTH)) {
        let n = 0;
        let digits = 0;
        let i = v;
        for (; i < valueEnd && isDigit(buf[i]!); i++, digits++) n = n * 10 + (buf[i]! - 48);
        while (i < valueEnd && (buf[i] === 32 || buf[i] === 9)) i++;
        if (digits === 0 || digits > 15 || i !== valueEnd) return this.fail('invalid Content-Length');
        if (contentLength !== -1 && contentLength !== n) return this.fail('conflicting Content-Length');
        contentLength = n;
      } else if (nameIs(buf, line, nameLen, TRANSFER_ENCODING)) {
        chunked = containsWord(buf, v, valueEnd, CHUNKED);
        hasTransferEncoding = true;
      } else if (nameIs(buf, line, nameLen, CONNECTION)) {
        if (containsWord(buf, v, valueEnd, CLOSE)) keepAlive = false;
        else if (http10 && containsWord(buf, v, valueEnd, KEEP_ALIVE)) keepAlive = true;
      } else if (nameIs(buf, line, nameLen, KEEP_ALIVE)) {
        this.keepAliveMs = keepAliveTimeoutMs(buf, v, valueEnd);
      }
      if (capture !== null) {
        // Leading whitespace is already skipped; trailing whitespace is not part of the value either.
        let e = valueEnd;
        while (e > v && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
        capture.header(buf, line, colon, v, e);
      }
      line = lineEnd + 1;
    }

    if (contentLength !== -1 && hasTransferEncoding) {
      // RFC 9112 §6.3: ambiguous framing, the mark of response splitting; undici and Node refuse it.
      return this.fail('both Content-Length and Transfer-Encoding');
    }
    if (status < 200 && status !== 101) return 1;
    this.status = status;
    // After 101 the connection speaks another protocol: it cannot carry the next request.
    this.keepAlive = keepAlive && status !== 101;
    if (!this.expectBody || status === 204 || status === 304 || status === 101) {
      this.state = State.Head;
      return 0;
    }
    if (chunked) {
      this.state = State.ChunkSize;
      this.remaining = 0;
      this.chunkDigits = 0;
    } else if (contentLength >= 0) {
      this.state = State.Body;
      this.remaining = contentLength;
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
    return 0;
  }

  private body(buf: Buffer, pos: number, len: number): number {
    while (pos <= len) {
      switch (this.state) {
        case State.Body: {
          const take = Math.min(this.remaining, len - pos);
          if (take > 0 && this.capture !== null) this.capture.body(buf, pos, pos + take);
          this.remaining -= take;
          pos += take;
          if (this.remaining === 0) {
            this.state = State.Head;
            return len - pos;
          }
          return NEED_MORE;
        }
        case State.UntilClose:
          if (pos < len && this.capture !== null) this.capture.body(buf, pos, len);
          return NEED_MORE;
        case State.ChunkData: {
          const take = Math.min(this.remaining, len - pos);
          if (take > 0 && this.capture !== null) this.capture.body(buf, pos, pos + take);
          this.remaining -= take;
          pos += take;
          if (this.remaining > 0) return NEED_MORE;
          this.state = State.ChunkDataCr;
          break;
        }
        default: {
          if (pos === len) return NEED_MORE;
          const r = this.chunkByte(buf[pos]!);
          pos++;
          if (r === MALFORMED) return MALFORMED;
          if (r === 0) {
            this.state = State.Head;
            return len - pos;
          }
        }
      }
    }
    return NEED_MORE;
  }

  /** One byte of chunked framing outside chunk data. 0 when the body ended, 1 to go on. */
  private chunkByte(c: number): number {
    switch (this.state) {
      case State.ChunkSize: {
        const h = hexValue(c);
        if (h >= 0) {
          if (++this.chunkDigits > 12) return this.fail('chunk size too large');
          this.remaining = this.remaining * 16 + h;
        } else if (this.chunkDigits === 0) {
          return this.fail('chunk size is not hexadecimal');
        } else if (c === CR) {
          this.state = State.ChunkSizeLf;
        } else if (c === 59 || c === 32 || c === 9) {
          this.state = State.ChunkExt;
        } else {
          return this.fail('chunk size is not hexadecimal');
        }
        return 1;
      }
      case State.ChunkExt:
        if (c === CR) this.state = State.ChunkSizeLf;
        return 1;
      case State.ChunkSizeLf:
        if (c !== LF) return this.fail('chunk size line not ended by CRLF');
        this.chunkDigits = 0;
        this.state = this.remaining === 0 ? State.TrailerStart : State.ChunkData;
        return 1;
      case State.ChunkDataCr:
        if (c !== CR) return this.fail('chunk data longer than its size');
        this.state = State.ChunkDataLf;
        return 1;
      case State.ChunkDataLf:
        if (c !== LF) return this.fail('chunk data not ended by CRLF');
        this.state = State.ChunkSize;
        return 1;
      case State.TrailerStart:
        this.state = c === CR ? State.FinalLf : State.Trailer;
        return 1;
      case State.Trailer:
        if (c === LF) this.state = State.TrailerStart;
        return 1;
      case State.FinalLf:
        if (c !== LF) return this.fail('chunked body not ended by CRLF');
        return 0;
      default:
        return this.fail('internal parser state');
    }
  }
}
