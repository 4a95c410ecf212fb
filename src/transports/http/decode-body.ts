import zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';

/**
 * Content-Encoding decoding for what a flow reads of a body (k6 decodes gzip, deflate, br and
 * zstd transparently). Called lazily, the first time a flow reads `text` or `json()`, so that a
 * flow that only checks the status pays nothing; `data_received` always counts the wire bytes.
 */

/** The result: the decoded bytes, or why they could not be decoded (the body is then left as it came). */
export type Decoded = { ok: true; body: Buffer } | { ok: false; error: string };

/**
 * Decodes `body` by the Content-Encoding value `encoding` (a list, applied in order, so undone
 * last first). `identity` and an empty value leave it as it is.
 */
export function decodeBody(body: Buffer, encoding: string): Decoded {
  const codings = encoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let out = body;
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!;
    // An empty body (a HEAD's or 304's, or a server that sent nothing) has nothing to decode.
    if (out.length === 0) break;
    try {
      switch (coding) {
        case 'gzip':
        case 'x-gzip':
          out = zlib.gunzipSync(out);
          break;
        case 'deflate':
          out = inflate(out);
          break;
        case 'br':
          out = zlib.brotliDecompressSync(out);
          break;
        case 'zstd':
          // Node 20's zlib has no zstd (Node 22.15 added it): fzstd, a small pure-JS decoder.
          out = Buffer.from(zstdDecompress(out));
          break;
        default:
          return { ok: false, error: `unknown Content-Encoding '${coding}'; the body is left encoded` };
      }
    } catch (e) {
      return { ok: false, error: `${coding} body could not be decoded: ${(e as Error).message}` };
    }
  }
  return { ok: true, body: out };
}

/** `deflate` is zlib-wrapped by the RFC, but some servers send it raw: browsers and curl take both. */
function inflate(b: Buffer): Buffer {
  // A zlib stream starts with a header whose first byte's low nibble is 8 (the deflate method).
  if (b.length >= 2 && (b[0]! & 0x0f) === 8 && ((b[0]! << 8) | b[1]!) % 31 === 0) return zlib.inflateSync(b);
  return zlib.inflateRawSync(b);
}
