import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requireBuiltCli, startCli, tempDir } from '../helpers/run-cli.js';
import { type RunResult, runFileOk, writeTestFile } from '../helpers/run-file.js';
import { selfSignedCert } from '../helpers/test-certs.js';
import { describeTransportConformance } from '../helpers/transport-conformance.js';
import { zstdRawFrame } from '../helpers/zstd-frame.js';

/**
 * The transport conformance suite, responses part (issue 13, items 8–11): each case runs through
 * the CLI once per HTTP client of `squall run` — the default (the lean client for plain http://,
 * undici for https) and SQUALL_HTTP_CLIENT=undici — against a local server that records what it
 * was asked and what it wrote, and must end the same way on both.
 */

interface Target {
  url: string;
  /** Connections the server accepted. */
  connections(): number;
  /** Bytes the server wrote to its sockets, heads included: what data_received must count. */
  bytesWritten(): number;
  /** The paths requested, in order. */
  paths: string[];
  close(): Promise<void>;
}

const CITY = { city: 'São Paulo', population: 12_325_000 };
const BIG = 16 * 1024 * 1024;
const BIG_BODY = Buffer.alloc(BIG, 'x');

/** A body encoded as `coding`; `corrupt` claims gzip and is not. */
function encoded(coding: string, id: string): { body: Buffer; encoding: string } {
  const json = Buffer.from(JSON.stringify({ ...CITY, id }));
  switch (coding) {
    case 'gzip':
      return { body: zlib.gzipSync(json), encoding: 'gzip' };
    case 'br':
      return { body: zlib.brotliCompressSync(json), encoding: 'br' };
    case 'deflate':
      return { body: zlib.deflateSync(json), encoding: 'deflate' };
    case 'zstd':
      // Node 20 has no zstd encoder: a frame of one raw block, which any decoder must read.
      return { body: zstdRawFrame(json), encoding: 'zstd' };
    default:
      return { body: Buffer.from('this is not gzip'), encoding: 'gzip' };
  }
}

function handler(paths: string[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    paths.push(`${req.method} ${path}`);
    req.resume();
    req.on('end', () => {
      const enc = /^\/enc\/(\w+)$/.exec(path);
      if (enc) {
        const { body, encoding } = encoded(enc[1]!, `${enc[1]}-4711`);
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Encoding': encoding,
          'Content-Length': body.length,
        });
        res.end(body);
      } else if (path === '/cached') {
        // RFC 9110 8.6: a 304 may carry the Content-Length of the body it stands for.
        res.writeHead(304, { ETag: '"v1"', 'Content-Length': '1234' });
        res.end();
      } else if (path === '/nocontent') {
        // Not allowed by RFC 9110, but sent: still no body to wait for.
        res.writeHead(204, { 'Content-Length': '5' });
        res.end();
      } else if (path === '/big') {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BIG });
        res.end(BIG_BODY);
      } else {
        const text = 'hello small body';
        // HEAD gets the head only: Node's server leaves the body out by itself.
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      }
    });
  };
}

async function startTarget(tls?: { key: string; cert: string }): Promise<Target> {
  const paths: string[] = [];
  const server = tls ? https.createServer(tls, handler(paths)) : http.createServer(handler(paths));
  server.keepAliveTimeout = 60_000;
  const sockets: net.Socket[] = [];
  server.on(tls ? 'secureConnection' : 'connection', (s: net.Socket) => sockets.push(s));
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    connections: () => sockets.length,
    bytesWritten: () => sockets.reduce((n, s) => n + s.bytesWritten, 0),
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const dir = tempDir('squall-transport-responses-');
let certFile = '';
let keyFile = '';

beforeAll(() => {
  requireBuiltCli();
  // A certificate made now, for this run only: no key is committed. It is its own CA, and the
  // CLI trusts it through NODE_EXTRA_CA_CERTS (verification stays on).
  ({ keyFile, certFile } = selfSignedCert(dir.path, '127.0.0.1', 'IP:127.0.0.1'));
});

afterAll(() => dir.remove());

function yamlTest(target: string, flow: string, extra = '', vus = 1, iterations = 1): string {
  return `target: ${target}
defaults:
  timeout: 20s
${extra}scenarios:
  one:
    executor: per-vu-iterations
    vus: ${vus}
    iterations: ${iterations}
    users:
      - name: U
        flow:
${flow}`;
}

function checks(result: RunResult): Record<string, [number, number]> {
  return Object.fromEntries((result.checks ?? []).map((c) => [c.name, [c.passes, c.fails]]));
}

function dataReceived(result: RunResult): number {
  return (result.metrics.data_received as { count: number }).count;
}

describeTransportConformance('responses', ({ name: label, client }) => {
  const env = { SQUALL_HTTP_CLIENT: client, NODE_EXTRA_CA_CERTS: undefined as string | undefined };

  it('checks and captures see a compressed body decoded; data_received stays the wire size (item 8)', async () => {
    const t = await startTarget();
    try {
      const steps = ['gzip', 'br', 'deflate', 'zstd']
        .map(
          (c) => `          - get: /enc/${c}
            headers: { Accept-Encoding: "${c}" }
            check: { status: 200, json: { "$.city": { equals: "São Paulo" } }, bodyContains: "Paulo" }
            capture: { json: "$.id", as: id_${c} }
          - get: /echo/\${id_${c}}
`,
        )
        .join('');
      const bad = ['corrupt']
        .map(
          (c) =>
            `          - get: /enc/${c}\n            check: { status: 200, bodyContains: "never there" }\n`,
        )
        .join('');
      const file = writeTestFile(dir.path, `enc-${label}.yaml`, yamlTest(t.url, steps + bad));
      const { run, result, why } = await runFileOk(file, [], { env });
      expect(run.code, why).toBe(0);
      // The captures read the decoded JSON: the server was asked for the ids it sent.
      expect(t.paths.filter((p) => p.startsWith('GET /echo/'))).toEqual([
        'GET /echo/gzip-4711',
        'GET /echo/br-4711',
        'GET /echo/deflate-4711',
        'GET /echo/zstd-4711',
      ]);
      expect(checks(result)).toEqual({
        'status is 200': [5, 0],
        '$.city equals "São Paulo"': [4, 0],
        'body contains "Paulo"': [4, 0],
        'body contains "never there"': [0, 1],
      });
      // A body that cannot be decoded is counted as its own kind, the run goes on.
      const decode = result.errors.find((e) => e.kind === 'decode');
      expect(decode?.count, why).toBe(1);
      expect(result.errors.map((e) => e.kind)).toEqual(['decode']);
      expect(dataReceived(result)).toBe(t.bytesWritten());
    } finally {
      await t.close();
    }
  }, 60_000);

  it('a 304 (and a 204) with a Content-Length passes over http and https (item 9)', async () => {
    const tls = { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
    const plain = await startTarget();
    const secure = await startTarget(tls);
    try {
      const flow = [plain.url, secure.url]
        .map(
          (u) => `          - get: ${u}/cached
            headers: { If-None-Match: '"v1"' }
            check: { status: 304 }
          - get: ${u}/nocontent
            check: { status: 204 }
`,
        )
        .join('');
      const file = writeTestFile(dir.path, `304-${label}.yaml`, yamlTest(plain.url, flow, '', 1, 3));
      const { run, result, why } = await runFileOk(file, [], {
        env: { ...env, NODE_EXTRA_CA_CERTS: certFile },
      });
      expect(run.code, why).toBe(0);
      expect(result.errors, why).toEqual([]);
      expect(checks(result)).toEqual({ 'status is 304': [6, 0], 'status is 204': [6, 0] });
      expect(plain.paths).toEqual(Array(3).fill(['GET /cached', 'GET /nocontent']).flat());
      expect(secure.paths).toEqual(Array(3).fill(['GET /cached', 'GET /nocontent']).flat());
    } finally {
      await plain.close();
      await secure.close();
    }
  }, 60_000);

  it('discardResponseBodies reads and counts large bodies without keeping them (item 10)', async () => {
    const t = await startTarget();
    const vus = 16;
    try {
      const flow = `          - get: /big
            check: { status: 200, bodyContains: "xxx" }
          - get: /small
            responseType: text
            check: { bodyContains: "hello" }
`;
      const file = writeTestFile(
        dir.path,
        `discard-${label}.yaml`,
        yamlTest(t.url, flow, 'discardResponseBodies: true\n', vus, 2),
      );
      const out = `${file}.json`;
      const cli = startCli(['run', file, '-o', `json=${out}`], { env, timeoutMs: 60_000 });
      // The CLI's peak resident memory, as the kernel keeps it (VmHWM only grows).
      let peakKb = 0;
      const poll = setInterval(() => {
        try {
          const status = readFileSync(`/proc/${cli.child.pid}/status`, 'utf8');
          peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
        } catch {
          // Exited.
        }
      }, 20);
      const run = await cli.result;
      clearInterval(poll);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
      const received = dataReceived(result);
      expect(received).toBe(t.bytesWritten());
      expect(received).toBeGreaterThan(2 * vus * BIG);
      // Kept, 16 bodies of 16 MiB in flight at once would need 256 MiB, half of what is read.
      // Discarded, memory stays near the process's own size (the lean client reads into one
      // shared buffer; undici's garbage read buffers add a bounded ~100 MB before V8 collects).
      expect(peakKb * 1024).toBeLessThan(received / 2);
      expect(checks(result)).toEqual({
        'status is 200': [2 * vus, 0],
        'body contains "xxx"': [0, 2 * vus],
        'body contains "hello"': [2 * vus, 0],
      });
      const said = [...((result as { warnings?: string[] }).warnings ?? []), run.stderr].join('\n');
      expect(said).toMatch(/the flow read the body of GET \/big, but its body was discarded/);
    } finally {
      await t.close();
    }
  }, 90_000);

  it("a TS flow's responseType: 'none' keeps no body, and counts it (item 10)", async () => {
    const t = await startTarget();
    try {
      const file = writeTestFile(
        dir.path,
        `none-${label}.ts`,
        `export default {
  target: '${t.url}',
  iterations: 1,
  users: [{
    name: 'U',
    async run({ http, check }) {
      const dropped = await http.get('/small', { responseType: 'none' });
      const kept = await http.get('/small');
      let threw = '';
      try { dropped.json(); } catch (e) { threw = String(e); }
      check(dropped, { 'dropped: status 200': (r) => r.status === 200, 'dropped: no text': (r) => r.text === '' });
      check(kept, { 'kept: text': (r) => r.text === 'hello small body' });
      check(threw, { 'json() says discarded': (m) => m.includes('its body was discarded') });
    },
  }],
};
`,
      );
      const { run, result, why } = await runFileOk(file, [], { env });
      expect(run.code, why).toBe(0);
      expect(checks(result)).toEqual({
        'dropped: status 200': [1, 0],
        'dropped: no text': [1, 0],
        'kept: text': [1, 0],
        'json() says discarded': [1, 0],
      });
      expect(dataReceived(result)).toBe(t.bytesWritten());
    } finally {
      await t.close();
    }
  }, 60_000);

  it('100 HEADs from one VU keep one connection (item 11)', async () => {
    const t = await startTarget();
    try {
      const flow = '          - head: /small\n            check: { status: 200 }\n';
      const file = writeTestFile(dir.path, `head-${label}.yaml`, yamlTest(t.url, flow, '', 1, 100));
      const { run, result, why } = await runFileOk(file, [], { env });
      expect(run.code, why).toBe(0);
      expect(checks(result)).toEqual({ 'status is 200': [100, 0] });
      expect(t.paths).toEqual(Array(100).fill('HEAD /small'));
      // The server's own count of the connections it accepted.
      expect(t.connections()).toBe(1);
      expect(dataReceived(result)).toBe(t.bytesWritten());
    } finally {
      await t.close();
    }
  }, 60_000);
});
