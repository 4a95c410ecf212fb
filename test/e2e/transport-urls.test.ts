import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/result/version.js';
import { explain, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { type RunResult, runFileOk, writeTestFile } from '../helpers/run-file.js';
import { describeTransportConformance, TRANSPORTS } from '../helpers/transport-conformance.js';

/**
 * Issue 13, items 1, 2, 3 and 15: what a target (and a proxy) RECEIVES from `squall run` on both
 * transports (the lean client, the default for http://, and undici, SQUALL_HTTP_CLIENT=undici) and
 * from `squall quick`: the request line's bytes, Authorization, User-Agent, the proxy's count.
 * One table of cases runs once per transport and must give the same server-observed outcome.
 */

interface Seen {
  /** The request line exactly as it arrived (latin1: one char per byte). */
  line: string;
  headers: Record<string, string>;
  /** The server (port) that saw it. */
  port: number;
}

/** A raw HTTP/1.1 server that records every request head byte for byte and answers 200 `ok`. */
async function recordingServer(
  seen: Seen[],
  secure?: { key: Buffer; cert: Buffer },
): Promise<{ server: net.Server; port: number }> {
  const onSocket = (socket: net.Socket) => {
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const l of head.slice(1)) {
          const i = l.indexOf(':');
          headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (buf.length < end + 4 + length) return;
        buf = buf.subarray(end + 4 + length);
        seen.push({ line: head[0]!, headers, port });
        // `/…/old` redirects to `/…/new`, for the redirect cases.
        const path = head[0]!.split(' ')[1] ?? '';
        socket.write(
          path.endsWith('/old')
            ? `HTTP/1.1 302 Found\r\nLocation: ${path.slice(0, -3)}new\r\nContent-Length: 0\r\n\r\n`
            : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
        );
      }
    });
  };
  const server = secure ? tls.createServer(secure, onSocket) : net.createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { server, port };
}

/** What passed through the proxy: absolute-form requests and CONNECT tunnels. */
interface ProxyLog {
  forwarded: Array<{ url: string; auth: string | undefined }>;
  tunnels: Array<{ authority: string; auth: string | undefined }>;
}

/** A small forward proxy: absolute-form requests are forwarded, CONNECT is tunnelled; both counted. */
async function countingProxy(log: ProxyLog): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    log.forwarded.push({ url: req.url ?? '', auth: req.headers['proxy-authorization'] });
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    log.tunnels.push({ authority: req.url ?? '', auth: req.headers['proxy-authorization'] });
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const dir = tempDir('squall-transport-urls-');
const seen: Seen[] = [];
const proxyLog: ProxyLog = { forwarded: [], tunnels: [] };
const servers: net.Server[] = [];
let portA = 0;
let portB = 0;
let portTls = 0;
let proxyUrl = '';
let cert = '';
const canTls = haveOpenssl();

/** Every env a run gets: no proxy unless the case sets one, the test's CA trusted. */
function envWith(extra: Record<string, string | undefined>): Record<string, string | undefined> {
  return {
    HTTP_PROXY: undefined,
    http_proxy: undefined,
    HTTPS_PROXY: undefined,
    https_proxy: undefined,
    NO_PROXY: undefined,
    no_proxy: undefined,
    NODE_EXTRA_CA_CERTS: canTls ? cert : undefined,
    ...extra,
  };
}

beforeAll(async () => {
  requireBuiltCli();
  const a = await recordingServer(seen);
  const b = await recordingServer(seen);
  servers.push(a.server, b.server);
  portA = a.port;
  portB = b.port;
  if (canTls) {
    cert = join(dir.path, 'c.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'].concat([
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir.path, 'k.pem'),
        '-out',
        cert,
      ]),
      { stdio: 'ignore' },
    );
    const s = await recordingServer(seen, {
      key: readFileSync(join(dir.path, 'k.pem')),
      cert: readFileSync(cert),
    });
    servers.push(s.server);
    portTls = s.port;
  }
  const p = await countingProxy(proxyLog);
  servers.push(p.server);
  proxyUrl = p.url;
  writeFileSync(join(dir.path, 'cities.csv'), 'city\nSão Paulo\nNew York\n');
});

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  dir.remove();
});

/** The requests a tagged run made (each case marks its paths with a unique prefix). */
function linesOf(tag: string): string[] {
  return seen.filter((s) => s.line.includes(`/${tag}/`)).map((s) => s.line);
}

async function runYaml(
  name: string,
  yaml: string,
  env: Record<string, string | undefined>,
): Promise<{ result: RunResult; all: string }> {
  const file = writeTestFile(dir.path, name, yaml);
  const { run, result, why } = await runFileOk(file, [], { env: envWith(env), quiet: false });
  expect(run.code, why).toBe(0);
  return { result, all: `${run.stdout}\n${run.stderr}\n${JSON.stringify(result)}` };
}

describeTransportConformance('URLs, headers and proxies', ({ name: t, client }) => {
  // Each marks its paths with its own tag and reads only those: side by side, as they measure nothing.
  describe.concurrent('requests the server records', () => {
    it('relative paths with accents, spaces and CJK reach the server percent-encoded (item 1)', async () => {
      const tag = `enc-${t}`;
      const { result } = await runYaml(
        `enc-${t}.yaml`,
        `target: http://127.0.0.1:${portA}
vus: 1
iterations: 1
feeders:
  cities: ./cities.csv
users:
  - name: U
    flow:
      - get: /${tag}/café
      - get: /${tag}/a b
      - get: /${tag}/日本
      - feed: cities
      - get: /${tag}/feed/\${row.city}
        name: feed
      - get: /${tag}/q
        query: { city: São Paulo }
`,
        { SQUALL_HTTP_CLIENT: client },
      );
      const lines = linesOf(tag);
      expect(lines).toEqual([
        `GET /${tag}/caf%C3%A9 HTTP/1.1`,
        `GET /${tag}/a%20b HTTP/1.1`,
        `GET /${tag}/%E6%97%A5%E6%9C%AC HTTP/1.1`,
        `GET /${tag}/feed/S%C3%A3o%20Paulo HTTP/1.1`,
        `GET /${tag}/q?city=S%C3%A3o%20Paulo HTTP/1.1`,
      ]);
      expect(result.errors).toEqual([]);
      // One encoded form for endpoint names, as an absolute URL's (item 15).
      expect(result.endpoints.map((e) => e.name)).toContain(`GET /${tag}/caf%C3%A9`);
    });

    it("a TS flow's http.get of a template with 'São Paulo' is sent encoded, the iteration not cut short", async () => {
      const tag = `ts-${t}`;
      const file = writeTestFile(
        dir.path,
        `enc-${t}.ts`,
        `import { defineTest } from 'squall';
export default defineTest({
  target: 'http://127.0.0.1:${portA}',
  vus: 1,
  iterations: 1,
  users: [{ name: 'U', async run({ http }) {
    await http.get(\`/${tag}/cities/\${'São Paulo'}\`);
    await http.get('/${tag}/after');
  } }],
});
`,
      );
      const { run, result, why } = await runFileOk(file, [], {
        env: envWith({ SQUALL_HTTP_CLIENT: client }),
      });
      expect(run.code, why).toBe(0);
      expect(linesOf(tag)).toEqual([
        `GET /${tag}/cities/S%C3%A3o%20Paulo HTTP/1.1`,
        `GET /${tag}/after HTTP/1.1`,
      ]);
      expect(result.errors).toEqual([]);
    });

    it('user:password@ in the target and in an absolute URL is sent as Basic auth and redacted (item 2)', async () => {
      const tag = `auth-${t}`;
      const { all } = await runYaml(
        `auth-${t}.yaml`,
        `target: http://alice:s3cret@127.0.0.1:${portA}
vus: 1
iterations: 1
users:
  - name: U
    flow:
      - get: /${tag}/rel
      - get: http://bob:hunter2@127.0.0.1:${portA}/${tag}/abs
`,
        { SQUALL_HTTP_CLIENT: client },
      );
      const got = seen.filter((s) => s.line.includes(`/${tag}/`)).map((s) => s.headers.authorization);
      expect(got).toEqual([
        `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
        `Basic ${Buffer.from('bob:hunter2').toString('base64')}`,
      ]);
      expect(all).not.toContain('s3cret');
      expect(all).not.toContain('hunter2');
    });

    it('sends User-Agent: squall/VERSION unless the test sets one (item 15)', async () => {
      const tag = `ua-${t}`;
      await runYaml(
        `ua-${t}.yaml`,
        `target: http://127.0.0.1:${portA}
vus: 1
iterations: 1
users:
  - name: U
    flow:
      - get: /${tag}/default
      - get: /${tag}/own
        headers: { User-Agent: k6-like/1.0 }
`,
        { SQUALL_HTTP_CLIENT: client },
      );
      const got = seen.filter((s) => s.line.includes(`/${tag}/`)).map((s) => s.headers['user-agent']);
      expect(got).toEqual([`squall/${VERSION}`, 'k6-like/1.0']);
    });

    it('requests to a second origin are named with their origin (item 15)', async () => {
      const tag = `names-${t}`;
      const { result } = await runYaml(
        `names-${t}.yaml`,
        `target: http://127.0.0.1:${portA}
vus: 1
iterations: 1
users:
  - name: U
    flow:
      - get: /${tag}/echo
      - get: http://127.0.0.1:${portA}/${tag}/echo
      - get: http://127.0.0.1:${portB}/${tag}/echo
`,
        { SQUALL_HTTP_CLIENT: client },
      );
      expect(seen.filter((s) => s.line.includes(`/${tag}/`)).map((s) => s.port)).toEqual([
        portA,
        portA,
        portB,
      ]);
      expect(result.endpoints.map((e) => [e.name, e.count]).sort()).toEqual(
        [
          [`GET /${tag}/echo`, 2],
          [`GET http://127.0.0.1:${portB}/${tag}/echo`, 1],
        ].sort(),
      );
    });

    it('redirects: 0 does not follow; a flow can follow by hand, as docs/http.md shows (item 15)', async () => {
      const tag = `redirect-${t}`;
      const { result } = await runYaml(
        `redirect-${t}.yaml`,
        `target: http://127.0.0.1:${portA}
vus: 1
iterations: 1
users:
  - name: U
    flow:
      - get: /${tag}/alone/old
        redirects: 0
      - get: /${tag}/old
        redirects: 0
        expect: 302
        capture: { header: location, as: next }
      - get: \${next}
`,
        { SQUALL_HTTP_CLIENT: client },
      );
      expect(linesOf(tag)).toEqual([
        `GET /${tag}/alone/old HTTP/1.1`,
        `GET /${tag}/old HTTP/1.1`,
        `GET /${tag}/new HTTP/1.1`,
      ]);
      expect(result.endpoints.find((e) => e.name === `GET /${tag}/alone/old`)?.statusCodes).toEqual({
        '302': 1,
      });
    });
  });

  it('HTTP_PROXY carries http:// as absolute-form requests, NO_PROXY bypasses it (item 3)', async () => {
    const tag = `proxy-${t}`;
    const yaml = (sub: string) => `target: http://127.0.0.1:${portA}
vus: 1
iterations: 1
users:
  - name: U
    flow:
      - get: /${tag}/${sub}/one
      - post: /${tag}/${sub}/two
        json: { a: 1 }
`;
    const before = proxyLog.forwarded.length;
    await runYaml(`proxy-${t}.yaml`, yaml('via'), {
      SQUALL_HTTP_CLIENT: client,
      HTTP_PROXY: `http://pu:pp@${proxyUrl.slice(7)}`,
    });
    const forwarded = proxyLog.forwarded.slice(before);
    expect(forwarded.map((f) => f.url)).toEqual([
      `http://127.0.0.1:${portA}/${tag}/via/one`,
      `http://127.0.0.1:${portA}/${tag}/via/two`,
    ]);
    expect(forwarded.map((f) => f.auth)).toEqual(
      Array(2).fill(`Basic ${Buffer.from('pu:pp').toString('base64')}`),
    );
    // The target got them from the proxy, in origin form.
    expect(linesOf(`${tag}/via`)).toEqual([`GET /${tag}/via/one HTTP/1.1`, `POST /${tag}/via/two HTTP/1.1`]);

    const mark = proxyLog.forwarded.length;
    await runYaml(`noproxy-${t}.yaml`, yaml('direct'), {
      SQUALL_HTTP_CLIENT: client,
      http_proxy: proxyUrl,
      NO_PROXY: `example.test, 127.0.0.1:${portA}`,
    });
    expect(proxyLog.forwarded.length).toBe(mark);
    expect(linesOf(`${tag}/direct`)).toHaveLength(2);
  });

  it.skipIf(!canTls)('HTTPS_PROXY carries https:// through a CONNECT tunnel (item 3)', async () => {
    const tag = `tunnel-${t}`;
    const before = proxyLog.tunnels.length;
    await runYaml(
      `tunnel-${t}.yaml`,
      `target: https://127.0.0.1:${portTls}
vus: 1
iterations: 2
users:
  - name: U
    flow:
      - get: /${tag}/x
`,
      { SQUALL_HTTP_CLIENT: client, HTTPS_PROXY: proxyUrl },
    );
    // Kept alive: one tunnel for the two requests.
    expect(proxyLog.tunnels.slice(before).map((x) => x.authority)).toEqual([`127.0.0.1:${portTls}`]);
    expect(linesOf(tag)).toEqual([`GET /${tag}/x HTTP/1.1`, `GET /${tag}/x HTTP/1.1`]);
  });
});

describe('squall quick', () => {
  async function quick(args: string[], env: Record<string, string | undefined> = {}) {
    const run = await runCli(['quick', '--json', ...args], { env: envWith(env) });
    expect(run.code, explain(run)).toBe(0);
    return { run, doc: JSON.parse(run.stdout) as { metrics: Record<string, { value?: number }> } };
  }

  // Each marks its paths with its own tag and reads only those: side by side, as they measure nothing.
  describe.concurrent('requests the server records', () => {
    it('sends user:password@ as Basic auth and redacts it (item 2)', async () => {
      const { run } = await quick(['-n', '2', `http://alice:s3cret@127.0.0.1:${portA}/quick-auth/x`]);
      const got = seen.filter((s) => s.line.includes('/quick-auth/')).map((s) => s.headers.authorization);
      expect(got).toEqual(Array(2).fill(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`));
      expect(`${run.stdout}${run.stderr}`).not.toContain('s3cret');
    });

    it('-n 5 -c 10 runs and reports 5 VUs, never more than requests (item 15)', async () => {
      const { doc } = await quick(['-n', '5', '-c', '10', `http://127.0.0.1:${portA}/quick-vus/x`]);
      expect(linesOf('quick-vus')).toHaveLength(5);
      expect(doc.metrics.vus_max?.value).toBe(5);
    });

    it('does not follow a redirect, and --help says so (item 15)', async () => {
      const { doc } = await quick(['-n', '1', `http://127.0.0.1:${portA}/quick-redirect/old`]);
      expect(linesOf('quick-redirect')).toEqual(['GET /quick-redirect/old HTTP/1.1']);
      expect(JSON.stringify(doc)).toContain('"302"');
      const run = await runCli(['quick', '--help']);
      expect(run.stdout).toMatch(/Redirects are not followed/);
    });
  });

  it('HTTP_PROXY: absolute-form through the proxy; NO_PROXY bypasses it (item 3)', async () => {
    const before = proxyLog.forwarded.length;
    const { doc } = await quick(['-n', '3', '-c', '1', `http://127.0.0.1:${portA}/quick-proxy/x`], {
      http_proxy: proxyUrl,
    });
    expect(proxyLog.forwarded.slice(before).map((f) => f.url)).toEqual(
      Array(3).fill(`http://127.0.0.1:${portA}/quick-proxy/x`),
    );
    expect(JSON.stringify(doc)).toContain(proxyUrl);
    const mark = proxyLog.forwarded.length;
    await quick(['-n', '2', `http://127.0.0.1:${portA}/quick-noproxy/x`], {
      HTTP_PROXY: proxyUrl,
      no_proxy: '127.0.0.1',
    });
    expect(proxyLog.forwarded.length).toBe(mark);
    expect(linesOf('quick-noproxy')).toHaveLength(2);
  });

  it.skipIf(!canTls)('HTTPS_PROXY: a CONNECT tunnel per connection (item 3)', async () => {
    const before = proxyLog.tunnels.length;
    await quick(['-n', '4', '-c', '2', `https://127.0.0.1:${portTls}/quick-tunnel/x`], {
      HTTPS_PROXY: proxyUrl,
    });
    expect(proxyLog.tunnels.slice(before).map((x) => x.authority)).toEqual(
      Array(2).fill(`127.0.0.1:${portTls}`),
    );
    expect(linesOf('quick-tunnel')).toHaveLength(4);
  });
});

// Nothing here reaches the recording servers, nor is timed beyond a 300 ms bound: side by side.
describe.concurrent('a proxy variable that is not an http:// proxy URL is bad input (item 3)', () => {
  it.each([
    ['quick', () => ['quick', '-n', '1', `http://127.0.0.1:${portA}/`]],
    [
      'run',
      () => [
        'run',
        writeTestFile(
          dir.path,
          'bad-proxy.yaml',
          `target: http://127.0.0.1:${portA}\nvus: 1\niterations: 1\nusers:\n  - name: U\n    flow:\n      - get: /\n`,
        ),
      ],
    ],
  ])('%s: exit 2, the variable named, nothing sent', async (_name, args) => {
    const before = seen.length;
    const run = await runCli(args(), { env: envWith({ HTTPS_PROXY: 'socks5://127.0.0.1:1080' }) });
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toContain('HTTPS_PROXY is a socks5:// proxy');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(seen.length).toBe(before);
  });
});

describe.concurrent('a connect that times out says so (item 15)', () => {
  let silent: net.Server;
  const sockets: net.Socket[] = [];
  let port = 0;
  beforeAll(async () => {
    // Accepts TCP and never answers: a TLS handshake to it cannot finish.
    silent = net.createServer((s) => {
      s.on('error', () => {});
      sockets.push(s);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    port = (silent.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('quick', async () => {
    const run = await runCli(
      ['quick', '--json', '-n', '1', '--timeout', '300ms', `https://127.0.0.1:${port}/`],
      {
        env: envWith({}),
      },
    );
    const doc = JSON.parse(run.stdout) as { errors: Array<{ kind: string; example: string }> };
    expect(doc.errors.map((e) => e.kind)).toEqual(['timeout']);
    expect(doc.errors[0]!.example).toMatch(/no connection within 300 ?ms/);
  });

  it.each(TRANSPORTS.map((t) => [t.name, t.client] as const))('run (%s)', async (_label, client) => {
    const { result } = await runYaml(
      `connect-timeout-${client ?? 'lean'}.yaml`,
      `vus: 1
iterations: 1
defaults: { timeout: 300ms }
users:
  - name: U
    flow:
      - get: https://127.0.0.1:${port}/
`,
      { SQUALL_HTTP_CLIENT: client },
    );
    expect(result.errors.map((e) => e.kind)).toEqual(['timeout']);
    expect(result.errors[0]!.example).toMatch(/no connection within 300 ?ms/);
  });
});
