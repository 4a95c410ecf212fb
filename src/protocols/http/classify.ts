/**
 * Maps a target fault to the error kind that groups it in the result (DESIGN.md `errors[].kind`).
 * Matches on the error `code`, never on classes: errors crossing worker threads lose their class.
 */
const PASSTHROUGH = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EMFILE',
]);

export function classifyError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (PASSTHROUGH.has(code)) return code;
    if (code === 'ERR_PROXY_TUNNEL') return 'proxy';
    // Out of descriptors system-wide rather than per process: the same cause and fix for a load.
    if (code === 'ENFILE') return 'EMFILE';
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return 'timeout';
    if (code === 'UND_ERR_BODY_TIMEOUT' || code === 'ABORT_ERR') return 'timeout';
    if (code === 'UND_ERR_SOCKET') return 'closed';
    if (code.startsWith('HPE_')) return 'malformed';
    // The lean parser calls these malformed too (a head over the limit, framing that disagrees).
    if (code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')
      return 'malformed';
    if (code.startsWith('ERR_TLS') || code.includes('CERT')) return 'tls';
    return code;
  }
  // undici's parser errors carry no code (llhttp's number does not map back to a name).
  if ((err as { name?: unknown } | null)?.name === 'HTTPParserError') return 'malformed';
  return 'error';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
