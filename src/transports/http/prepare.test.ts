import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthOf, encodeRequest, hostHeader, isIdempotent, type RequestShape } from './prepare.js';

/** What node:http made of a request. */
interface View {
  method: string;
  url: string;
  httpVersion: string;
  rawHeaders: string[];
  body: Buffer;
}

interface Collector {
  views: View[];
  want: number;
  resolve: (views: View[]) => void;
  reject: (err: Error) => void;
}

const USER_AGENT = 'squall-test/1.2.3';

let server: http.Server;
let port: number;
let origin: string;
/** By the client socket's local port. */
const collectors = new Map<number, Collector>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const view: View = {
        method: req.method ?? '',
        url: req.url ?? '',
        httpVersion: req.httpVersion,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(parts),
      };
      res.writeHead(200, { 'Content-Length': 2 });
      res.end('ok');
      const c = collectors.get(req.socket.remotePort ?? -1);
      if (!c) return;
      c.views.push(view);
      if (c.views.length === c.want) c.resolve(c.views);
    });
  });
  server.on('clientError', (err: Error, socket: net.Socket) => {
    collectors
      .get(socket.remotePort ?? -1)
      ?.reject(new Error(`node:http rejected the request: ${err.message}`));
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Writes `bytes` on a raw socket and returns the server's view of the first `want` requests. */
async function send(bytes: Buffer, want = 1): Promise<View[]> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.resume();
  const key = socket.localPort!;
  try {
    return await new Promise<View[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the server saw no complete request within 5 s')),
        5000,
      );
      const done = (fn: () => void) => {
        clearTimeout(timer);
        fn();
      };
      collectors.set(key, {
        views: [],
        want,
        resolve: (views) => done(() => resolve(views)),
        reject: (err) => done(() => reject(err)),
      });
      socket.on('error', (err) => done(() => reject(err)));
      socket.write(bytes);
    });
  } finally {
    collectors.delete(key);
    socket.destroy();
  }
}

async function roundTrip(shape: Partial<RequestShape> & { url: URL }): Promise<View> {
  const request = encodeRequest({ method: 'GET', headers: [], userAgent: USER_AGENT, ...shape });
  const [view] = await send(request);
  return view!;
}

/** Every value the request carried for `name` (any case), in order. */
function values(view: View, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < view.rawHeaders.length; i += 2) {
    if (view.rawHeaders[i]!.toLowerCase() === name.toLowerCase()) out.push(view.rawHeaders[i + 1]!);
  }
  return out;
}

describe('encodeRequest, read back by node:http', () => {
  it('GET: method, path and query, Host with the port, default User-Agent and Accept, no body', async () => {
    const url = new URL(`${origin}/search/items?q=load%20test&page=2`);
    const view = await roundTrip({ url });
    expect(view.method).toBe('GET');
    expect(view.url).toBe(url.pathname + url.search);
    expect(view.url).toBe('/search/items?q=load%20test&page=2');
    expect(view.httpVersion).toBe('1.1');
    expect(values(view, 'host')).toEqual([`127.0.0.1:${port}`]);
    expect(values(view, 'user-agent')).toEqual([USER_AGENT]);
    expect(values(view, 'accept')).toEqual(['*/*']);
    expect(values(view, 'content-length')).toEqual([]);
    expect(values(view, 'transfer-encoding')).toEqual([]);
    expect(view.body.length).toBe(0);
  });

  it('the bytes are one head and nothing after it', () => {
    const request = encodeRequest({
      method: 'GET',
      url: new URL(`${origin}/`),
      headers: [],
      userAgent: USER_AGENT,
    });
    const text = request.toString('latin1');
    expect(text.indexOf('\r\n\r\n')).toBe(text.length - 4);
    expect(text.startsWith('GET / HTTP/1.1\r\n')).toBe(true);
    // Every line is CRLF-terminated: no bare LF anywhere.
    expect(text.replaceAll('\r\n', '').includes('\n')).toBe(false);
  });

  it('drops the fragment, and asks for / when the URL has no path', async () => {
    const withFragment = new URL(`${origin}/page?a=1#section-2`);
    expect((await roundTrip({ url: withFragment })).url).toBe('/page?a=1');
    expect((await roundTrip({ url: new URL(origin) })).url).toBe('/');
  });

  it('sends a percent-encoded path and query as the URL encoded them', async () => {
    const url = new URL(`${origin}/café/ü?name=zoë&x=a b`);
    const view = await roundTrip({ url });
    expect(view.url).toBe(url.pathname + url.search);
    expect(view.url).toBe('/caf%C3%A9/%C3%BC?name=zo%C3%AB&x=a%20b');
  });

  it('sends user headers as given: names, order, repeats and values intact', async () => {
    const headers: Array<[string, string]> = [
      ['X-Trace-Id', 'abc-123'],
      ['Authorization', 'Bearer t0k3n=='],
      ['X-Multi', 'first'],
      ['X-Multi', 'second'],
      ['X-Latin1', 'café'],
      ['x-lower', 'value: with colon'],
    ];
    const view = await roundTrip({ url: new URL(`${origin}/h`), headers });
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < view.rawHeaders.length; i += 2)
      pairs.push([view.rawHeaders[i]!, view.rawHeaders[i + 1]!]);
    const users = pairs.filter(([k]) => headers.some(([h]) => h === k));
    expect(users).toEqual(headers);
    expect(values(view, 'x-multi')).toEqual(['first', 'second']);
    // The defaults are still there, once each.
    expect(values(view, 'host')).toEqual([`127.0.0.1:${port}`]);
    expect(values(view, 'user-agent')).toEqual([USER_AGENT]);
    expect(values(view, 'accept')).toEqual(['*/*']);
  });

  it('a user User-Agent or Accept, in any case, replaces the default', async () => {
    const both = await roundTrip({
      url: new URL(`${origin}/`),
      headers: [
        ['user-agent', 'custom-agent/9'],
        ['ACCEPT', 'application/json'],
      ],
    });
    expect(values(both, 'user-agent')).toEqual(['custom-agent/9']);
    expect(values(both, 'accept')).toEqual(['application/json']);

    const uaOnly = await roundTrip({ url: new URL(`${origin}/`), headers: [['User-Agent', 'only-ua']] });
    expect(values(uaOnly, 'user-agent')).toEqual(['only-ua']);
    expect(values(uaOnly, 'accept')).toEqual(['*/*']);

    const acceptOnly = await roundTrip({ url: new URL(`${origin}/`), headers: [['Accept', 'text/html']] });
    expect(values(acceptOnly, 'user-agent')).toEqual([USER_AGENT]);
    expect(values(acceptOnly, 'accept')).toEqual(['text/html']);
  });

  it('a user Host replaces the default', async () => {
    const view = await roundTrip({ url: new URL(`${origin}/`), headers: [['host', 'api.example.test']] });
    expect(values(view, 'host')).toEqual(['api.example.test']);
  });

  it('POST with a body: Content-Length and the bytes intact', async () => {
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const body = Buffer.concat([Buffer.from('{"text":"héllo wörld","crlf":"\r\n\r\n"}'), binary]);
    const view = await roundTrip({
      method: 'POST',
      url: new URL(`${origin}/items`),
      headers: [['Content-Type', 'application/octet-stream']],
      body,
    });
    expect(view.method).toBe('POST');
    expect(values(view, 'content-length')).toEqual([String(body.length)]);
    expect(values(view, 'content-type')).toEqual(['application/octet-stream']);
    expect(view.body.equals(body)).toBe(true);
  });

  it('a body on GET or DELETE gets a Content-Length too', async () => {
    for (const method of ['GET', 'DELETE']) {
      const body = Buffer.from(`payload for ${method}`);
      const view = await roundTrip({ method, url: new URL(`${origin}/x`), body });
      expect(view.method).toBe(method);
      expect(values(view, 'content-length')).toEqual([String(body.length)]);
      expect(view.body.toString()).toBe(body.toString());
    }
  });

  it('body-less POST, PUT and PATCH say Content-Length: 0', async () => {
    for (const method of ['POST', 'PUT', 'PATCH']) {
      const view = await roundTrip({ method, url: new URL(`${origin}/x`) });
      expect(view.method).toBe(method);
      expect(values(view, 'content-length')).toEqual(['0']);
      expect(view.body.length).toBe(0);
    }
    const emptyBuffer = await roundTrip({
      method: 'POST',
      url: new URL(`${origin}/x`),
      body: Buffer.alloc(0),
    });
    expect(values(emptyBuffer, 'content-length')).toEqual(['0']);
  });

  it('body-less GET, DELETE, HEAD and OPTIONS send no Content-Length', async () => {
    for (const method of ['GET', 'DELETE', 'HEAD', 'OPTIONS']) {
      const view = await roundTrip({ method, url: new URL(`${origin}/x`) });
      expect(view.method).toBe(method);
      expect(values(view, 'content-length')).toEqual([]);
    }
  });

  it('a user Content-Length is not doubled', async () => {
    const body = Buffer.from('exactly this');
    const view = await roundTrip({
      method: 'PUT',
      url: new URL(`${origin}/x`),
      headers: [['content-length', String(body.length)]],
      body,
    });
    expect(values(view, 'content-length')).toEqual([String(body.length)]);
    expect(view.body.equals(body)).toBe(true);
  });

  it('is framed exactly: sent twice back to back on one connection, it reads as two equal requests', async () => {
    const shapes: RequestShape[] = [
      {
        method: 'POST',
        url: new URL(`${origin}/twice?n=1`),
        headers: [],
        body: Buffer.from('a\r\n\r\nb'),
        userAgent: USER_AGENT,
      },
      { method: 'POST', url: new URL(`${origin}/twice?n=2`), headers: [], userAgent: USER_AGENT },
      { method: 'GET', url: new URL(`${origin}/twice?n=3`), headers: [['X-A', 'b']], userAgent: USER_AGENT },
    ];
    for (const shape of shapes) {
      const request = encodeRequest(shape);
      const views = await send(Buffer.concat([request, request]), 2);
      expect(views).toHaveLength(2);
      expect(views[1]).toEqual(views[0]);
      expect(views[0]!.url).toBe(shape.url.pathname + shape.url.search);
      expect(views[0]!.body.equals(shape.body ?? Buffer.alloc(0))).toBe(true);
    }
  });
});

describe('hostHeader', () => {
  it('keeps a non-default port and drops a default one', () => {
    expect(hostHeader(new URL('http://example.com:8080/a'))).toBe('example.com:8080');
    expect(hostHeader(new URL('http://example.com:80/a'))).toBe('example.com');
    expect(hostHeader(new URL('https://example.com:443/a'))).toBe('example.com');
    expect(hostHeader(new URL('https://example.com:80/a'))).toBe('example.com:80');
  });

  it('brackets IPv6 addresses', () => {
    expect(hostHeader(new URL('http://[::1]:3000/'))).toBe('[::1]:3000');
    expect(hostHeader(new URL('http://[::1]/'))).toBe('[::1]');
  });

  it('is what encodeRequest sends', () => {
    const url = new URL('http://[::1]:3000/p');
    const text = encodeRequest({ method: 'GET', url, headers: [], userAgent: USER_AGENT }).toString('latin1');
    expect(text.split('\r\n')).toContain(`Host: ${hostHeader(url)}`);
  });
});

describe('basicAuthOf', () => {
  it("turns a URL's user:password@ into Basic credentials, percent-decoded", () => {
    expect(basicAuthOf(new URL('http://al%40ice:p%3Aw@h/'))).toBe(
      `Basic ${Buffer.from('al@ice:p:w').toString('base64')}`,
    );
    expect(basicAuthOf(new URL('http://h/'))).toBeUndefined();
  });

  it('is sent unless an Authorization header is given', () => {
    const shape = (headers: Array<[string, string]>): string =>
      encodeRequest({
        method: 'GET',
        url: new URL('http://u:p@h/'),
        headers,
        userAgent: USER_AGENT,
      }).toString();
    expect(shape([])).toContain(`\r\nAuthorization: Basic ${Buffer.from('u:p').toString('base64')}\r\n`);
    expect(shape([['authorization', 'Bearer x']])).not.toContain('Basic');
  });
});

describe('isIdempotent (which requests the keep-alive race may send again)', () => {
  it('is RFC 9110 §9.2.2: GET, HEAD, OPTIONS, PUT, DELETE, TRACE; not POST, PATCH or others', () => {
    const yes = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'];
    for (const m of yes) expect(isIdempotent(m), m).toBe(true);
    for (const m of ['POST', 'PATCH', 'CONNECT', 'PURGE', 'get']) expect(isIdempotent(m), m).toBe(false);
  });
});

describe('encodeRequest with Transfer-Encoding: chunked', () => {
  const url = new URL('http://127.0.0.1:1/p');
  const te: [string, string] = ['Transfer-Encoding', 'chunked'];
  it('sends the body as one chunk and the last chunk, with no Content-Length', () => {
    const text = encodeRequest({
      method: 'POST',
      url,
      headers: [te],
      body: Buffer.from('hello'),
      userAgent: 'u',
    }).toString('latin1');
    expect(text).not.toMatch(/content-length/i);
    expect(text.endsWith('\r\n\r\n5\r\nhello\r\n0\r\n\r\n')).toBe(true);
  });
  it('without a body, sends the last chunk alone', () => {
    const text = encodeRequest({ method: 'POST', url, headers: [te], userAgent: 'u' }).toString('latin1');
    expect(text).not.toMatch(/content-length/i);
    expect(text.endsWith('\r\n\r\n0\r\n\r\n')).toBe(true);
  });
});
