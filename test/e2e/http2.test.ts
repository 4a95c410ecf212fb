import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/result/schema.js';
import { explain, hasStackTrace, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';
import { haveOpenssl, selfSignedCert } from '../helpers/test-certs.js';

/**
 * HTTP/2 (issue 20): `quick --http2 -c N --streams M` and a test file's `http2: true` against
 * node:http2 servers that count, per session, the requests and the most streams open at once;
 * the counts squall reports must be the servers'. An HTTP/1.1-only server given --http2 shows
 * up as counted failures, not a crash.
 */

interface Counting {
  url: string;
  requests: number;
  /** The most streams each session had open at once, in the order the sessions came. */
  peaks: number[];
  /** Requests per session. */
  perSession: number[];
  close(): Promise<void>;
}

/** Answers every stream after 2 ms (so that streams overlap), counting per session. */
function counting(server: http2.Http2Server | http2.Http2SecureServer, scheme: string): Promise<Counting> {
  const c: Counting = { url: '', requests: 0, peaks: [], perSession: [], close: () => Promise.resolve() };
  server.on('session', (session) => {
    const i = c.peaks.length;
    c.peaks.push(0);
    c.perSession.push(0);
    let open = 0;
    session.on('stream', (stream) => {
      c.requests++;
      c.perSession[i]!++;
      open++;
      c.peaks[i] = Math.max(c.peaks[i]!, open);
      stream.on('close', () => open--);
      setTimeout(() => {
        if (stream.destroyed) return;
        stream.respond({ ':status': 200, 'content-type': 'text/plain' });
        stream.end('hello');
      }, 2);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      c.url = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      c.close = () =>
        new Promise((done) => {
          server.close(() => done());
          // Sessions squall left open must not hold the close.
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
      resolve(c);
    });
  });
}

const dir = tempDir('squall-h2-');
let h2c: Counting;
let h1: http.Server;
let h1Url = '';

beforeAll(async () => {
  requireBuiltCli();
  h2c = await counting(http2.createServer(), 'http');
  h1 = http.createServer((_q, r) => r.end('hi'));
  await new Promise<void>((r) => h1.listen(0, '127.0.0.1', r));
  h1Url = `http://127.0.0.1:${(h1.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await h2c?.close();
  h1?.close();
  dir.remove();
});

function reset(c: Counting): void {
  c.requests = 0;
  c.peaks = [];
  c.perSession = [];
}

describe('quick --http2', () => {
  it('h2c: -c 2 --streams 4 -n 400 sends the 400 the server counts, on exactly 2 sessions, multiplexed', async () => {
    reset(h2c);
    const r = await runCli(['quick', '--http2', '-c', '2', '--streams', '4', '-n', '400', '--json', h2c.url]);
    expect(r.code, explain(r)).toBe(0);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    expect(doc.metrics.http_reqs.count).toBe(h2c.requests);
    expect(h2c.requests).toBe(400);
    expect(doc.metrics.http_req_failed.fails).toBe(0);
    expect(h2c.peaks.length).toBe(2);
    expect(h2c.perSession.reduce((a, b) => a + b, 0)).toBe(400);
    for (const peak of h2c.peaks) {
      expect(peak).toBeLessThanOrEqual(4);
      expect(peak).toBeGreaterThan(1);
    }
    expect(doc.endpoints[0]?.protocol).toBe('h2');
    expect(r.stderr).toMatch(/2 connections × 4 streams \(HTTP\/2 h2c\)/);
  });

  it.runIf(haveOpenssl())(
    'h2 over TLS (ALPN): the server counts what squall reports, on one session',
    async () => {
      const cert = selfSignedCert(dir.path, 'h2-localhost', 'IP:127.0.0.1');
      const tls = await counting(http2.createSecureServer({ key: cert.key, cert: cert.cert }), 'https');
      try {
        const r = await runCli([
          'quick',
          '--http2',
          '-k',
          '-c',
          '1',
          '--streams',
          '4',
          '-n',
          '100',
          '--json',
          tls.url,
        ]);
        expect(r.code, explain(r)).toBe(0);
        const doc = JSON.parse(r.stdout) as ResultDocument;
        expect(doc.metrics.http_reqs.count).toBe(tls.requests);
        expect(tls.requests).toBe(100);
        expect(tls.peaks.length).toBe(1);
        expect(tls.peaks[0]).toBeGreaterThan(1);
        expect((doc.metrics.http_req_tls_handshaking as { count?: number } | undefined)?.count).toBe(1);
      } finally {
        await tls.close();
      }
    },
  );

  it('an HTTP/1.1-only server: every request a counted h2 protocol error, a hint, no crash', async () => {
    const r = await runCli(['quick', '--http2', '-c', '2', '--streams', '2', '-n', '20', '--json', h1Url]);
    expect(r.code, explain(r)).toBe(0);
    expect(hasStackTrace(r.stderr)).toBe(false);
    const doc = JSON.parse(r.stdout) as ResultDocument;
    expect(doc.metrics.http_reqs.count).toBe(20);
    expect(doc.metrics.http_req_failed.fails).toBe(20);
    expect(doc.endpoints[0]?.errors).toEqual({ 'h2 protocol error': 20 });
    expect(r.stderr).toMatch(/the target did not speak HTTP\/2/);
  });

  it('--streams without --http2 is bad input: exit 2, naming the flag', async () => {
    const r = await runCli(['quick', '--streams', '4', '-n', '1', h1Url]);
    expect(r.code, explain(r)).toBe(2);
    expect(r.stderr).toMatch(/--streams 4 .*add --http2/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

describe('http2: true in a test file', () => {
  it('run reaches an h2c-only server over HTTP/2, the VUs sharing one session', async () => {
    reset(h2c);
    const file = writeTestFile(
      dir.path,
      'h2.yaml',
      `target: ${h2c.url}\nhttp2: true\nvus: 4\niterations: 60\nusers:\n  - name: reader\n    flow:\n      - get: /items\n        check: { status: 200 }\n`,
    );
    const { result, why } = await runFileOk(file);
    // The server speaks HTTP/2 only: every request it counted came over h2.
    expect(h2c.requests, why).toBe(60);
    expect(result.metrics.http_reqs.count).toBe(h2c.requests);
    expect(result.metrics.http_req_failed.fails).toBe(0);
    expect(h2c.peaks.length).toBe(1);
    expect(result.endpoints.find((e) => e.name === 'GET /items')?.protocol).toBe('h2');
  });
});
