import { encodeRequestBytes, headerLines } from './request-encoder.js';

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
  const own: Array<[string, string]> = [];
  if (!names.has('user-agent')) own.push(['User-Agent', shape.userAgent]);
  if (!names.has('accept')) own.push(['Accept', '*/*']);
  const auth = names.has('authorization') ? undefined : basicAuthOf(url);
  const tail: Array<[string, string]> = auth === undefined ? [] : [['Authorization', auth]];
  const bodyBytes = body?.length ?? 0;
  return encodeRequestBytes(
    {
      method,
      target: `${shape.proxy === undefined ? '' : `${url.protocol}//${url.host}`}${url.pathname}${url.search}`,
      host: names.has('host') ? undefined : hostHeader(url),
      keepAlive: false,
      lines: headerLines([...own, ...headers, ...tail]),
      proxyAuthorization: shape.proxy?.authorization,
      // The caller asked for chunked framing (config/quick.ts allows only that): never a
      // Content-Length beside it. A body-less POST or PUT still says Content-Length: 0, or some
      // servers wait for a body.
      framing: names.has('transfer-encoding')
        ? 'chunked'
        : !names.has('content-length') && (bodyBytes > 0 || ['POST', 'PUT', 'PATCH'].includes(method))
          ? bodyBytes
          : undefined,
    },
    body,
    bodyBytes,
  );
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
