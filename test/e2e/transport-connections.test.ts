import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../../src/result/schema.js';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server.js';
import { BIN, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { type RunResult, runFileOk, writeTestFile } from '../helpers/run-file.js';
import { describeTransportConformance } from '../helpers/transport-conformance.js';

/**
 * The transport conformance suite for connections (issue 13, items 12–14): one table of cases
 * that `squall run` passes on both of its transports — the lean client (plain http://, the
 * default) and undici (SQUALL_HTTP_CLIENT=undici) — with the same outcome, and the same cases
 * for `quick` (its RawConnection). The target records what it really got (recording-server.ts):
 * the bytes it read, each request whole, and the requests it dropped unanswered.
 *
 * The keep-alive race is played deterministically: the server closes a connection, unanswered,
 * when a second request arrives on it, so every request on a reused connection meets it.
 */

let server: RecordingServer;
let refusedUrl = '';
const dir = tempDir('squall-transport-connections-');

beforeAll(async () => {
  requireBuiltCli();
  server = await startRecordingServer();
  // A port nothing listens on: every connect is refused.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  refusedUrl = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await server.close();
  dir.remove();
});

interface Case {
  name: string;
  server?: Parameters<RecordingServer['reset']>[0];
  /** The flow's steps (YAML), run `iterations` times by one VU. */
  steps: string;
  iterations: number;
  /** The target, when not the recording server. */
  target?: () => string;
  check(r: RunResult, s: RecordingServer): void;
}

const count = (r: ResultDocument, metric: string) => (r.metrics[metric] as { count?: number }).count;
const fails = (r: ResultDocument) => (r.metrics.http_req_failed as { fails: number }).fails;
const errorKinds = (r: ResultDocument) => r.errors.map((e) => e.kind);

const CASES: Case[] = [
  {
    name: 'a GET on a reused connection the server closes is retried once, on a fresh one',
    server: { dropReused: true },
    steps: '          - get: /race',
    iterations: 5,
    check(r, s) {
      expect(count(r, 'http_reqs')).toBe(5);
      expect(fails(r)).toBe(0);
      // Requests 2..5 each went out on the connection the one before used.
      expect(count(r, 'http_req_retries')).toBe(4);
      expect(s.dropped()).toBe(4);
      expect(s.requests.map((q) => q.method)).toEqual(['GET', 'GET', 'GET', 'GET', 'GET']);
    },
  },
  {
    name: 'a PUT (idempotent) is retried with its body intact',
    server: { dropReused: true },
    steps: '          - put: /race\n            json: { n: 1 }',
    iterations: 3,
    check(r, s) {
      expect(fails(r)).toBe(0);
      expect(count(r, 'http_req_retries')).toBe(2);
      expect(s.requests.map((q) => `${q.method} ${q.body.toString()}`)).toEqual(Array(3).fill('PUT {"n":1}'));
    },
  },
  {
    name: 'a POST is never retried: the race is a failure',
    server: { dropReused: true },
    steps: '          - post: /race\n            json: { n: 1 }',
    iterations: 4,
    check(r, s) {
      expect(count(r, 'http_reqs')).toBe(4);
      // 1 ok (fresh), 2 dropped (reused), 3 ok (fresh again), 4 dropped.
      expect(fails(r)).toBe(2);
      expect(errorKinds(r)).toEqual(['closed']);
      expect(count(r, 'http_req_retries')).toBe(0);
      expect(s.requests.length).toBe(2);
      expect(s.dropped()).toBe(2);
    },
  },
  {
    name: 'Keep-Alive: timeout=1 leaves no time to reuse a connection: none is, so nothing races',
    server: { dropReused: true, replyHeaders: { 'Keep-Alive': 'timeout=1' } },
    steps: '          - post: /race\n            json: { n: 1 }',
    iterations: 4,
    check(r, s) {
      expect(fails(r)).toBe(0);
      expect(count(r, 'http_req_retries')).toBe(0);
      expect(s.dropped()).toBe(0);
      expect(s.connections()).toBe(4);
    },
  },
  {
    name: 'data_sent is the bytes the server read',
    steps:
      '          - get: /a\n          - post: /b\n            json: { text: "héllo" }\n          - delete: /c',
    iterations: 3,
    check(r, s) {
      expect(fails(r)).toBe(0);
      expect(s.requests.length).toBe(9);
      expect(count(r, 'data_sent')).toBe(s.bytesRead());
    },
  },
  {
    name: 'data_sent is 0 when every connection is refused',
    target: () => refusedUrl,
    steps: '          - get: /a\n          - post: /b\n            json: { n: 1 }',
    iterations: 3,
    check(r) {
      expect(count(r, 'http_reqs')).toBe(6);
      expect(fails(r)).toBe(6);
      expect(errorKinds(r)).toEqual(['ECONNREFUSED']);
      expect(count(r, 'data_sent')).toBe(0);
    },
  },
];

function testFile(c: Case, transport: string): string {
  return writeTestFile(
    dir.path,
    `${c.name.replace(/\W+/g, '-').slice(0, 60)}-${transport}.yaml`,
    `target: ${c.target?.() ?? server.url}
defaults:
  timeout: 10s
scenarios:
  one:
    executor: per-vu-iterations
    vus: 1
    iterations: ${c.iterations}
    users:
      - name: U
        flow:
${c.steps}
`,
  );
}

describeTransportConformance('connections', ({ name: transport, client }) => {
  const env = { SQUALL_HTTP_CLIENT: client };
  for (const c of CASES) {
    it(c.name, async () => {
      server.reset(c.server);
      const { run, result, why } = await runFileOk(testFile(c, transport), [], { env });
      expect(run.code, why).toBe(0);
      c.check(result, server);
    }, 40_000);
  }

  it('data_sent counts a streamed body as written, and stays a number', async () => {
    server.reset();
    const file = writeTestFile(
      dir.path,
      `streamed-${transport}.ts`,
      `import { Readable } from 'node:stream';
import { defineTest } from 'squall';
export default defineTest({
target: '${server.url}',
scenarios: {
  one: {
    executor: 'per-vu-iterations', vus: 1, iterations: 2,
    users: [{ name: 'U', tasks: [{ name: 'stream', async run({ http }) {
      await http.post('/stream', { body: Readable.from([Buffer.from('abc'), Buffer.from('defg')]) as never });
      await http.get('/after');
    } }] }],
  },
},
});
`,
    );
    const { run, result, why } = await runFileOk(file, [], { env });
    expect(run.code, why).toBe(0);
    expect(fails(result)).toBe(0);
    expect(server.requests.filter((q) => q.path === '/stream').map((q) => q.body.toString())).toEqual([
      'abcdefg',
      'abcdefg',
    ]);
    expect(count(result, 'data_sent')).toBe(server.bytesRead());
  }, 40_000);
});

/** `squall quick … --json`: the result document, with the run for messages. */
async function quick(args: string[]): Promise<ResultDocument> {
  const run = await runCli(['quick', ...args, '--json'], { timeoutMs: 40_000 });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as ResultDocument;
}

describe('squall quick: the same connection cases (RawConnection)', () => {
  beforeEach(() => server.reset());

  it('retries a GET the server drops on a reused connection, once, and counts it', async () => {
    server.reset({ dropReused: true });
    const r = await quick(['-c', '1', '-n', '5', `${server.url}/race`]);
    expect(count(r, 'http_reqs')).toBe(5);
    expect(fails(r)).toBe(0);
    expect(count(r, 'http_req_retries')).toBe(4);
    expect(server.requests.length).toBe(5);
  }, 40_000);

  it('does not retry a POST', async () => {
    server.reset({ dropReused: true });
    const r = await quick(['-c', '1', '-n', '4', '-m', 'POST', '-b', 'x', `${server.url}/race`]);
    expect(fails(r)).toBe(2);
    expect(count(r, 'http_req_retries')).toBe(0);
    expect(server.requests.length).toBe(2);
  }, 40_000);

  it('data_sent is the bytes the server read', async () => {
    const r = await quick(['-c', '2', '-n', '6', '-m', 'POST', '-b', 'hello', `${server.url}/p`]);
    expect(server.requests.length).toBe(6);
    expect(count(r, 'data_sent')).toBe(server.bytesRead());
  }, 40_000);

  it('data_sent is 0 when every connection is refused', async () => {
    const r = await quick(['-c', '2', '-n', '20', `${refusedUrl}/`]);
    expect(count(r, 'http_reqs')).toBe(20);
    expect(fails(r)).toBe(20);
    expect(count(r, 'data_sent')).toBe(0);
  }, 40_000);
});

describe("squall quick's request body (issue 13, item 13)", () => {
  // ~5 MB, past what one command-line argument may hold (MAX_ARG_STRLEN is 128 KiB on Linux).
  const big = Buffer.alloc(5 * 1024 * 1024 + 7);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 11)) & 0xff;
  let bigFile = '';

  beforeAll(() => {
    bigFile = join(dir.path, 'big.bin');
    writeFileSync(bigFile, big);
  });
  beforeEach(() => server.reset());

  for (const [how, flags] of [
    ['-b @file', () => ['-b', `@${bigFile}`]],
    ['--body-file', () => ['--body-file', bigFile]],
  ] as const) {
    it(`${how} sends the file's exact bytes, 5 MB`, async () => {
      const r = await quick(['-c', '1', '-n', '2', '-m', 'PUT', ...flags(), `${server.url}/upload`]);
      expect(fails(r)).toBe(0);
      expect(server.requests.length).toBe(2);
      for (const q of server.requests) {
        expect(q.headers['content-length']).toBe(String(big.length));
        expect(q.body.length).toBe(big.length);
        expect(q.body.equals(big)).toBe(true);
      }
      expect(count(r, 'data_sent')).toBe(server.bytesRead());
    }, 60_000);
  }

  it('-b @- reads the body from standard input', async () => {
    // runCli gives the child no stdin: spawned here with a pipe (async: the server is in this process).
    const child = spawn(
      process.execPath,
      [BIN, 'quick', '-n', '2', '-m', 'POST', '-b', '@-', '--json', `${server.url}/in`],
      {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.stdin.end('from stdin\n');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, err).toBe(0);
    expect(fails(JSON.parse(out) as ResultDocument)).toBe(0);
    expect(server.requests.map((q) => q.body.toString())).toEqual(['from stdin\n', 'from stdin\n']);
  }, 40_000);

  it('a missing file is exit 2 naming the flag and the path', async () => {
    const missing = join(dir.path, 'no-such-body.json');
    for (const [flag, args] of [
      ['-b', ['-b', `@${missing}`]],
      ['--body-file', ['--body-file', missing]],
    ] as const) {
      const run = await runCli(['quick', '-n', '1', ...args, `${server.url}/`]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(flag);
      expect(run.stderr).toContain(missing);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect(server.requests.length).toBe(0);
  }, 40_000);

  it("-H 'Transfer-Encoding: chunked' -b hello sends a chunked body and no Content-Length", async () => {
    const r = await quick([
      '-n',
      '3',
      '--timeout',
      '5s',
      '-m',
      'POST',
      '-H',
      'Transfer-Encoding: chunked',
      '-b',
      'hello',
      `${server.url}/te`,
    ]);
    expect(fails(r)).toBe(0);
    expect(server.requests.length).toBe(3);
    for (const q of server.requests) {
      expect(q.chunked).toBe(true);
      expect(q.headers['content-length']).toBeUndefined();
      expect(q.body.toString()).toBe('hello');
    }
  }, 40_000);

  it('Transfer-Encoding with a Content-Length of its own is refused, exit 2', async () => {
    const run = await runCli([
      'quick',
      '-n',
      '1',
      '-H',
      'Transfer-Encoding: chunked',
      '-H',
      'Content-Length: 5',
      '-b',
      'hello',
      `${server.url}/`,
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('Transfer-Encoding');
    expect(run.stderr).toContain('Content-Length');
    expect(server.requests.length).toBe(0);
  }, 40_000);
});
