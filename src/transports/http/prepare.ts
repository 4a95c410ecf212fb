/**
 * Encodes a request once, before the load starts, into the exact bytes the lean client writes
 * for every request (autocannon's requestIterator idea): nothing is built per request.
 */

export interface RequestShape {
  method: string;
  url: URL;
  /** Header name → value, as the user gave them. */
  headers: Array<[string, string]>;
  body?: Buffer;
  userAgent: string;
  /** Sent to an HTTP proxy: the absolute-form request line, and its `Proxy-Authorization`. */
  proxy?: { authorization?: string };
}

export function hostHeader(url: URL): string {
  return url.host; // includes a non-default port, and brackets for IPv6
}

/**
 * The `Authorization` a URL's `user:password@` stands for (Basic, as curl and k6 send it), or
 * undefined when it has none. Only the request carries it: records show the URL redacted.
 */
export function basicAuthOf(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

export function encodeRequest(shape: RequestShape): Buffer {
  const { method, url, headers, body } = shape;
  const names = new Set(headers.map(([k]) => k.toLowerCase()));
  const target = `${shape.proxy === undefined ? '' : `${url.protocol}//${url.host}`}${url.pathname}${url.search}`;
  const lines = [`${method} ${target} HTTP/1.1`];
  if (!names.has('host')) lines.push(`Host: ${hostHeader(url)}`);
  if (!names.has('user-agent')) lines.push(`User-Agent: ${shape.userAgent}`);
  if (!names.has('accept')) lines.push('Accept: */*');
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  const auth = names.has('authorization') ? undefined : basicAuthOf(url);
  if (auth !== undefined) lines.push(`Authorization: ${auth}`);
  if (shape.proxy?.authorization !== undefined)
    lines.push(`Proxy-Authorization: ${shape.proxy.authorization}`);
  const hasBody = body !== undefined && body.length > 0;
  if (names.has('transfer-encoding')) {
    // The caller asked for chunked framing (config/quick.ts allows only that): one chunk, then
    // the last (RFC 9112 §7.1), never a Content-Length beside it.
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    const chunk = hasBody ? Buffer.from(`${body.length.toString(16)}\r\n`, 'latin1') : null;
    const end = Buffer.from(hasBody ? '\r\n0\r\n\r\n' : '0\r\n\r\n', 'latin1');
    return hasBody ? Buffer.concat([head, chunk!, body, end]) : Buffer.concat([head, end]);
  }
  // A body-less POST or PUT still says Content-Length: 0, or some servers wait for a body.
  if (!names.has('content-length') && (hasBody || ['POST', 'PUT', 'PATCH'].includes(method))) {
    lines.push(`Content-Length: ${body?.length ?? 0}`);
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return hasBody ? Buffer.concat([head, body]) : head;
}

/**
 * Idempotent methods (RFC 9110 §9.2.2): a request that may be sent again when a reused
 * connection closes before any answer, as Go's net/http (hence k6) retries it. Not POST or PATCH.
 */
export function isIdempotent(method: string): boolean {
  switch (method) {
    case 'GET':
    case 'HEAD':
    case 'OPTIONS':
    case 'PUT':
    case 'DELETE':
    case 'TRACE':
      return true;
    default:
      return false;
  }
}
