import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpRecorder } from '../../engine/http-recorder.js';
import { RunMetrics } from '../../metrics/run-metrics.js';
import type { HttpApi } from '../../script-api/vu-context.js';
import { createDispatcher, createHttpClient, type HttpTransport, type RunDispatcher } from './client.js';
import { CookieJar } from './cookie-jar.js';

/** A real server on 127.0.0.1 that counts requests and answers by path. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
let received = 0;
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      received++;
      const url = req.url ?? '/';
      seen.push({ method: req.method ?? '', url, headers: req.headers, body });
      const path = url.split('?')[0]!;
      if (path === '/hang') return; // never answers: only the client's timeout ends it
      if (path.startsWith('/status/')) {
        res.writeHead(Number(path.slice('/status/'.length)), { 'content-type': 'text/plain' });
        res.end('status');
        return;
      }
      if (path === '/login') {
        const user = new URL(url, 'http://x').searchParams.get('user') ?? 'anon';
        res.setHeader('set-cookie', [`session=${user}; Path=/`, 'scoped=1; Path=/private']);
        res.end('logged in');
        return;
      }
      if (path === '/close') {
        res.writeHead(200, { connection: 'close' });
        res.end('bye');
        return;
      }
      if (path === '/chunked') {
        res.setHeader('set-cookie', ['c1=1; Path=/', 'c2=2; Path=/']);
        res.write('{"parts":');
        setTimeout(() => res.end('[1,2,3]}'), 5);
        return;
      }
      if (path === '/not-json') {
        res.end('<html>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
      res.end(JSON.stringify({ method: req.method, url, headers: req.headers, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The transport the tests in progress use (set per describe.each case). */
let current: HttpTransport = 'auto';

const dispatchers: RunDispatcher[] = [];

afterEach(async () => {
  for (const d of dispatchers.splice(0)) await d.destroy();
  seen.length = 0;
});

interface Vu {
  http: HttpApi;
  metrics: RunMetrics;
  jar: CookieJar;
  abort: AbortController;
}

function vu(
  opts: {
    metrics?: RunMetrics;
    baseUrl?: string | null;
    headers?: Record<string, string>;
    timeoutMs?: number;
    dispatcher?: RunDispatcher;
    user?: string;
  } = {},
): Vu {
  const metrics = opts.metrics ?? new RunMetrics();
  const jar = new CookieJar();
  const abort = new AbortController();
  let dispatcher = opts.dispatcher;
  if (dispatcher === undefined) {
    dispatcher = createDispatcher(undefined, { transport: current });
    dispatchers.push(dispatcher);
  }
  const client = createHttpClient({
    baseUrl: opts.baseUrl === null ? undefined : (opts.baseUrl ?? base),
    defaultHeaders: opts.headers ?? {},
    defaultTimeoutMs: opts.timeoutMs ?? 10_000,
    metrics,
    sink: httpRecorder(metrics),
    tags: { scenario: 'main', user: opts.user ?? 'Reader' },
    cookies: jar,
    signal: abort.signal,
    dispatcher,
  });
  return { http: client, metrics, jar, abort };
}

function endpointNames(m: RunMetrics): string[] {
  return m.http.endpoints.map((e) => e.name);
}

// Every test runs on both transports: the lean one (plain http:// by default) and undici (https,
// SQUALL_HTTP_CLIENT=undici). A flow must not be able to tell them apart.
describe.each<HttpTransport>(['auto', 'undici'])('transport %s', (transport) => {
  beforeEach(() => {
    current = transport;
  });

  describe('http client: samples', () => {
    it('records exactly one sample per request the server saw', async () => {
      const before = received;
      const metrics = new RunMetrics();
      const agent = createDispatcher(undefined, { transport: current });
      dispatchers.push(agent);
      const vus = [vu({ metrics, dispatcher: agent }), vu({ metrics, dispatcher: agent, user: 'Writer' })];
      await Promise.all(
        vus.map(async (v, i) => {
          for (let k = 0; k < 40; k++) {
            if (k % 4 === 0) await v.http.post('/echo', { json: { k, i } });
            else if (k % 4 === 1) await v.http.get(`/items/${k}`, { name: 'GET /items/:id' });
            else if (k % 4 === 2) await v.http.get('/status/503');
            else await v.http.get(`/echo?k=${k}`);
          }
        }),
      );
      const sent = received - before;
      expect(sent).toBe(80);
      expect(metrics.http.requests).toBe(sent);
      expect(metrics.selectHttp({}).count).toBe(sent);
      expect(metrics.http.failures).toBe(20);
      expect(metrics.selectHttp({ user: 'Writer' }).count).toBe(40);
      expect(metrics.selectHttp({ status: '503' }).count).toBe(20);
      expect(metrics.http.bytesSent).toBeGreaterThan(80 * 40);
      expect(metrics.http.bytesReceived).toBeGreaterThan(80 * 60);
    });

    it('names requests METHOD /path without the query, unless `name` says otherwise', async () => {
      const v = vu();
      await v.http.get('/echo?x=1&y=2');
      await v.http.get('/echo?x=3');
      await v.http.request('patch', '/echo', { query: { a: 1 } });
      await v.http.get('/items/7', { name: 'GET /items/:id' });
      await v.http.delete(`${base}/abs/path?q=1`);
      expect(endpointNames(v.metrics)).toEqual([
        'GET /echo',
        'PATCH /echo',
        'GET /items/:id',
        'DELETE /abs/path',
      ]);
      expect(v.metrics.http.endpoint('GET /echo', 'GET').count).toBe(2);
      const s = v.metrics.httpSeriesList.find((x) => x.tags.name === 'PATCH /echo')!;
      expect(s.tags).toMatchObject({ scenario: 'main', user: 'Reader', method: 'PATCH' });
    });

    it('sends query, json, body and headers, defaults first and overridable', async () => {
      const v = vu({ headers: { Authorization: 'Bearer t', 'X-Default': 'd' } });
      const a = await v.http.post('/echo', {
        query: { q: 'a b', n: 2, ok: true },
        json: { text: 'clause', sources: 1 },
        headers: { 'x-default': 'mine', 'X-Extra': 'e' },
      });
      expect(a.status).toBe(200);
      const echoed = a.json<{ url: string; headers: Record<string, string>; body: string }>();
      expect(echoed.url).toBe('/echo?q=a%20b&n=2&ok=true');
      expect(JSON.parse(echoed.body)).toEqual({ text: 'clause', sources: 1 });
      expect(echoed.headers['content-type']).toBe('application/json');
      expect(echoed.headers.authorization).toBe('Bearer t');
      expect(echoed.headers['x-default']).toBe('mine');
      expect(echoed.headers['x-extra']).toBe('e');

      const b = await v.http.put('/echo?keep=1', {
        body: 'raw text',
        query: { more: 'x' },
        headers: { 'content-type': 'text/plain' },
      });
      const e2 = b.json<{ url: string; method: string; headers: Record<string, string>; body: string }>();
      expect(e2).toMatchObject({ url: '/echo?keep=1&more=x', method: 'PUT', body: 'raw text' });
      expect(e2.headers['content-type']).toBe('text/plain');
      expect(e2.headers['x-default']).toBe('d');

      const c = await v.http.post('/echo', { body: new TextEncoder().encode('bytes') });
      expect(c.json<{ body: string }>().body).toBe('bytes');
      // Repeated response headers come joined, as one string.
      expect(c.headers['x-multi']).toBe('a, b');
      expect(c.url).toBe(`${base}/echo`);
    });

    it('keeps the target path prefix for relative URLs', async () => {
      const v = vu({ baseUrl: `${base}/api/v1/` });
      const r = await v.http.get('/echo');
      expect(r.json<{ url: string }>().url).toBe('/api/v1/echo');
      expect(endpointNames(v.metrics)).toEqual(['GET /echo']);
    });

    it('says to set target or --host when a relative URL has nowhere to go', async () => {
      const v = vu({ baseUrl: null });
      await expect(v.http.get('/health')).rejects.toThrow(/set `target` in the test file or pass --host/);
      expect(v.metrics.http.requests).toBe(0);
    });

    it('rejects script mistakes: a bad timeout, json with body', async () => {
      const v = vu();
      await expect(v.http.get('/echo', { timeout: 'soon' })).rejects.toThrow(
        /timeout 'soon' is not a duration/,
      );
      await expect(v.http.post('/echo', { json: {}, body: 'x' })).rejects.toThrow(
        /give one of json, body, form or multipart, not json and body/,
      );
    });

    it('json() explains a body that is not JSON', async () => {
      const v = vu();
      const r = await v.http.get('/not-json');
      expect(() => r.json()).toThrow(/response to GET \/not-json is not JSON \(status 200, body "<html>"\)/);
    });
  });

  describe('http client: failures', () => {
    it('a timeout gives status 0, error timeout, one failed sample, and never throws', async () => {
      const v = vu({ timeoutMs: 10_000 });
      const t0 = performance.now();
      const r = await v.http.get('/hang', { timeout: '150ms' });
      const took = performance.now() - t0;
      expect(r).toMatchObject({ status: 0, error: 'timeout', failed: true, text: '' });
      expect(took).toBeGreaterThanOrEqual(140);
      expect(took).toBeLessThan(2000);
      expect(v.metrics.http.requests).toBe(1);
      expect(v.metrics.http.failures).toBe(1);
      expect(v.metrics.http.errors.toArray()).toEqual([
        { kind: 'timeout', count: 1, example: 'GET /hang: no complete response within 150ms' },
      ]);
      expect(v.metrics.selectHttp({ status: '0' }).count).toBe(1);
      // The next request still works (the timed-out connection was dropped, not reused).
      expect((await v.http.get('/echo', { timeout: 2000 })).status).toBe(200);
    });

    it('a refused connection gives status 0 and ECONNREFUSED', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const v = vu({ baseUrl: `http://127.0.0.1:${port}` });
      const r = await v.http.get('/x');
      expect(r).toMatchObject({ status: 0, error: 'ECONNREFUSED', failed: true });
      expect(r.timings.connecting).toBe(0);
      expect(v.metrics.http.errors.toArray()[0]).toMatchObject({ kind: 'ECONNREFUSED', count: 1 });
      expect(v.metrics.http.errors.toArray()[0]!.example).toMatch(/^GET \/x: .*ECONNREFUSED/);
    });

    it('`expect` decides what counts as failed', async () => {
      const v = vu();
      const cases: [string, Parameters<HttpApi['get']>[1], boolean][] = [
        ['/status/404', undefined, true],
        ['/status/404', { expect: 404 }, false],
        ['/status/200', { expect: 201 }, true],
        ['/status/201', { expect: [200, 201] }, false],
        ['/status/302', undefined, false],
        ['/status/500', { expect: (s) => s < 600 }, false],
        ['/status/200', { expect: () => Number.NaN.toFixed(-1) === '' }, true], // a throwing predicate fails
      ];
      for (const [path, options, failed] of cases) {
        const r = await v.http.get(path, options);
        expect(r.failed, `${path} ${JSON.stringify(options)}`).toBe(failed);
      }
      expect(v.metrics.http.failures).toBe(3);
      expect(v.metrics.selectHttp({ expected_response: 'false' }).count).toBe(3);
      expect(v.metrics.selectHttp({ status: '404', expected_response: 'true' }).count).toBe(1);
      expect(v.metrics.http.errors.toArray()).toEqual([
        { kind: 'status 200', count: 2, example: 'GET /status/200 answered 200' },
        { kind: 'status 404', count: 1, example: 'GET /status/404 answered 404' },
      ]);
    });

    it('aborting the VU rejects the request in flight and records nothing', async () => {
      const v = vu();
      const p = v.http.get('/hang');
      setTimeout(() => v.abort.abort(), 50);
      await expect(p).rejects.toMatchObject({ name: 'AbortError' });
      await expect(v.http.get('/echo')).rejects.toMatchObject({ name: 'AbortError' });
      expect(v.metrics.http.requests).toBe(0);
    });
  });

  describe('http client: timings', () => {
    it('waiting <= duration; connecting only on new connections', async () => {
      const v = vu();
      const first = await v.http.get('/echo');
      const second = await v.http.get('/echo');
      const third = await v.http.get('/echo');
      for (const r of [first, second, third]) {
        expect(r.timings.waiting).toBeGreaterThan(0);
        expect(r.timings.waiting).toBeLessThanOrEqual(r.timings.duration);
      }
      expect(first.timings.connecting).toBeGreaterThan(0);
      expect(second.timings.connecting).toBe(0);
      expect(third.timings.connecting).toBe(0);
      expect(v.metrics.http.connecting.count).toBe(1);
    });

    it('a server that closes every connection makes every request connect', async () => {
      const v = vu();
      for (let i = 0; i < 4; i++) {
        const r = await v.http.get('/close');
        expect(r.status).toBe(200);
        expect(r.timings.connecting).toBeGreaterThan(0);
      }
      expect(v.metrics.http.connecting.count).toBe(4);
    });
  });

  describe('http client: cookies', () => {
    it('round-trip within a jar, by path, and never across jars', async () => {
      const agent = createDispatcher(undefined, { transport: current });
      dispatchers.push(agent);
      const alice = vu({ dispatcher: agent });
      const bob = vu({ dispatcher: agent });
      await alice.http.get('/login', { query: { user: 'alice' } });
      await bob.http.get('/login', { query: { user: 'bob' } });
      const a = (await alice.http.get('/echo')).json<{ headers: Record<string, string> }>();
      const b = (await bob.http.get('/echo')).json<{ headers: Record<string, string> }>();
      expect(a.headers.cookie).toBe('session=alice');
      expect(b.headers.cookie).toBe('session=bob');
      const p = (await alice.http.get('/private/x', { headers: { Cookie: 'mine=1' } })).json<{
        headers: Record<string, string>;
      }>();
      expect(p.headers.cookie).toBe('mine=1; scoped=1; session=alice');
      const fresh = vu({ dispatcher: agent });
      expect(
        (await fresh.http.get('/echo')).json<{ headers: Record<string, string> }>().headers.cookie,
      ).toBeUndefined();
    });
  });

  describe('http client: transports', () => {
    it('plain http:// goes through the transport under test', async () => {
      const agent = createDispatcher(undefined, { transport: current });
      dispatchers.push(agent);
      const v = vu({ dispatcher: agent });
      expect((await v.http.get('/echo')).status).toBe(200);
      // The lean transport never builds undici's Agent; undici's per-origin stats show it carried the request.
      expect(agent.undiciStarted).toBe(transport === 'undici');
      if (transport === 'undici') expect(Object.keys(agent.agent.stats).length).toBe(1);
      expect(agent.lean === null).toBe(transport === 'undici');
    });

    it('a chunked body arrives whole, without framing; each Set-Cookie reaches the jar', async () => {
      const v = vu();
      const r = await v.http.get('/chunked');
      expect(r.json()).toEqual({ parts: [1, 2, 3] });
      expect(r.headers['transfer-encoding']).toBe('chunked');
      expect(r.headers['set-cookie']).toBe('c1=1; Path=/, c2=2; Path=/');
      const again = (await v.http.get('/echo')).json<{ headers: Record<string, string> }>();
      expect(again.headers.cookie).toBe('c1=1; c2=2');
      expect(v.metrics.http.bytesReceived).toBeGreaterThan(20);
    });

    it('HEAD and OPTIONS answer; a request with a body and the Host header go out as given', async () => {
      const v = vu();
      const head = await v.http.request('HEAD', '/echo');
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
      const opt = await v.http.request('OPTIONS', '/echo');
      expect(opt.json<{ method: string }>().method).toBe('OPTIONS');
      const del = await v.http.delete('/echo', { body: 'gone', headers: { Host: 'example.test' } });
      expect(del.json<{ body: string; headers: Record<string, string> }>()).toMatchObject({
        body: 'gone',
        headers: { host: 'example.test' },
      });
      const empty = await v.http.post('/echo');
      expect(empty.json<{ headers: Record<string, string> }>().headers['content-length']).toBe('0');
    });

    it("a header undici refuses is the script's mistake, with undici's words, on both", async () => {
      const v = vu();
      await expect(v.http.get('/echo', { headers: { 'x-bad': 'a\r\nb' } })).rejects.toThrow(
        /^GET \/echo: invalid x-bad header$/,
      );
      await expect(v.http.get('/echo', { headers: { 'transfer-encoding': 'chunked' } })).rejects.toThrow(
        /invalid transfer-encoding header/,
      );
      expect(v.metrics.http.requests).toBe(0);
      expect((await v.http.get('/echo')).status).toBe(200);
    });

    it('with one connection, requests queue; a timeout counts the wait', async () => {
      const agent = createDispatcher(1, { transport: current });
      dispatchers.push(agent);
      const v = vu({ dispatcher: agent });
      const hang = v.http.get('/hang', { timeout: 100 });
      const queued = v.http.get('/echo', { timeout: 50 });
      const later = v.http.get('/echo', { timeout: 2000 });
      expect(await queued).toMatchObject({ status: 0, error: 'timeout' });
      expect(await hang).toMatchObject({ status: 0, error: 'timeout' });
      expect((await later).status).toBe(200);
      expect(v.metrics.http.requests).toBe(3);
    });

    it('a request after the dispatcher closed fails as status 0, recorded', async () => {
      const agent = createDispatcher(undefined, { transport: current });
      const v = vu({ dispatcher: agent });
      expect((await v.http.get('/echo')).status).toBe(200);
      await agent.close();
      const r = await v.http.get('/echo');
      expect(r).toMatchObject({ status: 0, error: 'UND_ERR_DESTROYED', failed: true });
      expect(v.metrics.http.requests).toBe(2);
    });

    it('aborting the VU while requests wait for a connection rejects them all', async () => {
      const agent = createDispatcher(1, { transport: current });
      dispatchers.push(agent);
      const v = vu({ dispatcher: agent });
      const a = v.http.get('/hang');
      const b = v.http.get('/echo');
      setTimeout(() => v.abort.abort(), 30);
      await expect(a).rejects.toMatchObject({ name: 'AbortError' });
      await expect(b).rejects.toMatchObject({ name: 'AbortError' });
      expect(v.metrics.http.requests).toBe(0);
    });
  });
});

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!haveOpenssl())('http client: https (needs openssl for a certificate)', () => {
  let secure: https.Server;
  let secureBase: string;
  const dir = mkdtempSync(join(tmpdir(), 'squall-client-'));

  beforeAll(async () => {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'].concat([
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
      ]),
      { stdio: 'ignore' },
    );
    secure = https.createServer(
      { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) },
      (req, res) => {
        if (req.url === '/login') res.setHeader('set-cookie', 'sid=s1; Secure; HttpOnly');
        res.end(req.headers.cookie ?? 'no cookie');
      },
    );
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    secureBase = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    secure.closeAllConnections();
    await new Promise<void>((resolve) => secure.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('an unverifiable certificate is a tls error, not a crash', async () => {
    const v = vu({ baseUrl: secureBase });
    const r = await v.http.get('/');
    expect(r).toMatchObject({ status: 0, error: 'tls', failed: true });
  });

  it('insecure: answers, connects once, and sends Secure cookies back', async () => {
    const agent = createDispatcher(undefined, { insecure: true });
    dispatchers.push(agent);
    const v = vu({ baseUrl: secureBase, dispatcher: agent });
    const login = await v.http.get('/login');
    expect(login.status).toBe(200);
    expect(login.timings.connecting).toBeGreaterThan(0);
    const again = await v.http.get('/');
    expect(again.text).toBe('sid=s1');
    expect(again.timings.connecting).toBe(0);
  });
});
