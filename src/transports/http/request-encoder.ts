/**
 * The one HTTP/1.1 request encoder: `quick` encodes each request shape once before the load
 * (prepare.ts), and `run`'s lean transport encodes the requests it cannot reuse
 * (lean-transport.ts); both write these bytes. Header names go out as the user wrote them,
 * and squall's own in the canonical case k6 and curl send (`Host`, `Content-Length`).
 */
export interface RequestHead {
  method: string;
  /** The path and query (origin-form), or the absolute URL through a proxy (RFC 9112 3.2.2). */
  target: string;
  /** Sent first; undefined when `lines` carries the user's own Host. */
  host: string | undefined;
  /** `Connection: keep-alive` after Host, as undici sends it (the lean transport's peer). */
  keepAlive: boolean;
  /** The header fields, `Name: value\r\n` each, in order. */
  lines: string;
  proxyAuthorization: string | undefined;
  /**
   * A Content-Length to add; 'chunked' to frame the body as one chunk and the last (the caller's
   * lines say `Transfer-Encoding: chunked`); undefined for neither.
   */
  framing: number | 'chunked' | undefined;
}

/** `Name: value\r\n` for each pair, as given. */
export function headerLines(headers: ReadonlyArray<readonly [string, string]>): string {
  let out = '';
  for (const [k, v] of headers) out += `${k}: ${v}\r\n`;
  return out;
}

/** Head and body in one Buffer, ready to write. */
export function encodeRequestBytes(
  h: RequestHead,
  body: string | Uint8Array | undefined,
  bodyBytes: number,
): Buffer {
  let head = `${h.method} ${h.target} HTTP/1.1\r\n`;
  if (h.host !== undefined) head += `Host: ${h.host}\r\n`;
  if (h.keepAlive) head += 'Connection: keep-alive\r\n';
  head += h.lines;
  if (h.proxyAuthorization !== undefined) head += `Proxy-Authorization: ${h.proxyAuthorization}\r\n`;
  const chunked = h.framing === 'chunked';
  if (!chunked && h.framing !== undefined) head += `Content-Length: ${h.framing}\r\n`;
  head += '\r\n';
  if (chunked) {
    // One chunk, then the last (RFC 9112 §7.1); without a body, the last chunk alone.
    head += bodyBytes > 0 ? `${bodyBytes.toString(16)}\r\n` : '0\r\n\r\n';
  }
  const headBytes = head.length;
  const tail = chunked && bodyBytes > 0 ? 7 : 0; // \r\n0\r\n\r\n
  const out = Buffer.allocUnsafe(headBytes + bodyBytes + tail);
  out.write(head, 0, 'latin1');
  if (bodyBytes > 0) {
    if (typeof body === 'string') out.write(body, headBytes, 'utf8');
    else out.set(body!, headBytes);
  }
  if (tail > 0) out.write('\r\n0\r\n\r\n', headBytes + bodyBytes, 'latin1');
  return out;
}
