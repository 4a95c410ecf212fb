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
    if (isTlsCode(code)) return 'tls';
    return code;
  }
  // undici's parser errors carry no code (llhttp's number does not map back to a name).
  if ((err as { name?: unknown } | null)?.name === 'HTTPParserError') return 'malformed';
  return 'error';
}

/** Certificate checks and handshakes: OpenSSL's verify codes, Node's ERR_TLS_* and ERR_SSL_*. */
function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.includes('CERT') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'HOSTNAME_MISMATCH' ||
    code === 'INVALID_CA'
  );
}

/** What to try: the certificate failures hint at -k and --cacert, a plain port at its scheme. */
const VERIFY_HINT =
  "; skip verification with -k (a test file's insecureSkipTLSVerify), or trust its CA with --cacert FILE";
const PLAIN_PORT_HINT = '; is it plain http:// on that port?';

/** The readable sub-reason of each common TLS failure, by its code. */
const TLS_REASONS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate signed by an unknown authority',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate signed by an unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate signed by an unknown authority',
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  CERT_REVOKED: 'certificate revoked',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate is not for this host name',
  HOSTNAME_MISMATCH: 'certificate is not for this host name',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server does not speak TLS',
};

/**
 * A TLS failure in words: the sub-reason, the code, and what to do. OpenSSL's own text
 * (`C0F7…:error:0A00010B:SSL routines:…\n`) is never shown; Node's detail for a name mismatch is.
 */
function describeTls(code: string, err: unknown): string {
  const reason = TLS_REASONS[code];
  const message = err instanceof Error ? err.message.trim() : '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    // Node's detail names the host and the certificate's names: worth keeping.
    const detail = message.replace(/^Hostname\/IP does not match certificate's altnames: /, '');
    return `${reason} (${detail})${VERIFY_HINT}`;
  }
  if (reason !== undefined) {
    const hint = code === 'ERR_SSL_WRONG_VERSION_NUMBER' ? PLAIN_PORT_HINT : VERIFY_HINT;
    return `${reason} (${code})${hint}`;
  }
  if (code.startsWith('ERR_SSL')) {
    // ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: the code says it better than OpenSSL's line does.
    const words = code.slice('ERR_SSL_'.length).toLowerCase().replaceAll('_', ' ');
    return `handshake failed: ${words} (${code})`;
  }
  if (code.startsWith('ERR_TLS')) return `${message || 'handshake failed'} (${code})`;
  return `certificate rejected: ${message || code} (${code})${VERIFY_HINT}`;
}

export function errorMessage(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && isTlsCode(code)) return describeTls(code, err);
  if (err instanceof Error) return err.message;
  return String(err);
}
