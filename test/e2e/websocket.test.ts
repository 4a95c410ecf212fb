import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasStackTrace, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { type RunResult, runFile, runFileOk, thresholdOf, writeTestFile } from '../helpers/run-file.js';
import { haveOpenssl, selfSignedCert } from '../helpers/test-certs.js';
import { startWsServer, type WsTestServer } from '../helpers/ws-server.js';

/**
 * WebSocket (issue 20): a TypeScript test's ctx.ws and a YAML flow's ws steps against a real
 * server on 127.0.0.1 that counts what it saw. ws_rtt is read against the echo's 10 ms delay
 * (loosely here, strictly in test/accuracy/ws-accuracy.test.ts); every count is the server's; every fault (refused upgrade, refused connection,
 * abnormal close, receive timeout) is counted in errors[] and ws_failed, and the run still ends
 * with its results.
 */

const dir = tempDir('squall-ws-');
let server: WsTestServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

type Summary = { count: number; min: number; p50: number; rate: number; total: number; fails: number };
const metric = (r: RunResult, name: string) => r.metrics[name] as unknown as Summary;
const errorCount = (r: RunResult, kind: string) => r.errors.find((e) => e.kind === kind)?.count ?? 0;

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('squall run with WebSocket', () => {
  it('TS: request() round trips read the echo delay in ws_rtt; counts match the server; a refused upgrade is counted', async () => {
    server = await startWsServer(10);
    const file = writeTestFile(
      dir.path,
      'chat.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  target: '${server.url}',
  scenarios: {
    chat: {
      executor: 'per-vu-iterations', vus: 2, iterations: 3,
      users: [{
        name: 'Chatter',
        async run({ ws, check }) {
          const s = await ws.connect('/echo', { name: 'echo' });
          for (let i = 0; i < 40; i++) {
            const m = await s.request({ n: i }, { match: '"n":' + i + '}', timeout: '2s' });
            check(m, { 'echoed': (x) => x.json<{ n: number }>().n === i });
          }
          await s.close();
          const refused = await ws.connect('/private');
          check(refused, { 'refused with 403': (x) => x.status === 403 && !x.open && x.error === 'ws status 403' });
        },
      }],
    },
  },
});
`,
    );
    const { run, result: r, why } = await runFileOk(file);
    expect(run.code, why).toBe(0);
    const s = server;
    const rtt = metric(r, 'ws_rtt');
    expect(rtt.count, why).toBe(s.sent);
    expect(s.sent).toBe(2 * 3 * 40);
    // The echo answers 10 ms after a message arrived, never sooner. The bound above is loose, as the
    // suite's machine is shared; test/accuracy/ws-accuracy.test.ts holds the median to 10–11 ms.
    expect(rtt.min, why).toBeGreaterThanOrEqual(10);
    expect(rtt.p50, why).toBeLessThan(16);
    expect(metric(r, 'ws_msgs_sent').count).toBe(s.received);
    expect(metric(r, 'ws_msgs_received').count).toBe(s.sent);
    expect(metric(r, 'ws_sessions').count).toBe(s.accepted + s.refused);
    expect(s.refused).toBe(6);
    expect(metric(r, 'ws_connecting').count).toBe(s.accepted);
    expect(metric(r, 'ws_session_duration').count).toBe(s.accepted);
    expect(errorCount(r, 'ws status 403'), why).toBe(s.refused);
    const failed = metric(r, 'ws_failed');
    expect(failed.total).toBe(s.accepted + s.refused);
    expect(failed.rate).toBe(s.refused / (s.accepted + s.refused));
    // As k6 counts them: every byte of the sessions' connections, the handshakes included.
    await s.settled();
    expect(metric(r, 'data_sent').count).toBe(s.bytesIn);
    expect(metric(r, 'data_received').count).toBe(s.bytesOut);
    expect(r.checks).toEqual([
      { name: 'echoed', passes: s.sent, fails: 0 },
      { name: 'refused with 403', passes: s.refused, fails: 0 },
    ]);
  });

  it('YAML: ws steps with match, capture and checks; a close 1011, a receive timeout, a refused connection and a handshake timeout are counted; a ws_rtt threshold fails with 99', async () => {
    server = await startWsServer(10);
    const port = await closedPort();
    const file = writeTestFile(
      dir.path,
      'chat.yaml',
      `target: ${server.url}
scenarios:
  chat:
    executor: per-vu-iterations
    vus: 1
    iterations: 2
    users:
      - name: Chatter
        flow:
          - ws: /echo
            name: echo
            steps:
              - send: { json: { type: hello, vu: "\${vu.id}" } }
              - receive: { match: hello, timeout: 2s, capture: { json: $.vu, as: me }, check: { json: { $.type: { equals: hello } }, contains: hello } }
              - loop:
                  - send: { json: { type: ping, n: "\${loop.index}", me: "\${me}" }, reply: { match: '/"type":"ping"/', timeout: 2s, check: { json: { $.me: { equals: "\${me}" } } } } }
                count: 4
              - close: {}
          - ws: /close-1011
            steps:
              - send: bye
              - receive: { timeout: 2s, check: { contains: bye } }
          - ws: /silent
            steps:
              - receive: { timeout: 200ms }
          - ws: /hang
            timeout: 200ms
            steps:
              - send: unheard
          - ws: ws://127.0.0.1:${port}/
            steps:
              - send: nobody
thresholds:
  ws_rtt: ["p(50)<1"]
`,
    );
    const { run, result: r, why } = await runFileOk(file);
    expect(run.code, why).toBe(99);
    expect(hasStackTrace(run.stderr)).toBe(false);
    const s = server;
    // Per iteration: /echo 1 + 4 messages, /close-1011 1, /silent none.
    expect(s.received).toBe(2 * 6);
    expect(s.sent).toBe(2 * 5);
    expect(metric(r, 'ws_msgs_sent').count).toBe(s.received);
    expect(metric(r, 'ws_msgs_received').count).toBe(s.sent);
    expect(metric(r, 'ws_rtt').count).toBe(2 * 4);
    expect(thresholdOf(r, 'ws_rtt', 'p(50)<1').ok).toBe(false);
    expect(errorCount(r, 'ws close 1011'), why).toBe(2);
    expect(errorCount(r, 'ws timeout'), why).toBe(2);
    expect(errorCount(r, 'ws ECONNREFUSED'), why).toBe(2);
    expect(errorCount(r, 'ws connect timeout'), why).toBe(2);
    expect(s.accepted).toBe(2 * 3);
    expect(metric(r, 'ws_sessions').count).toBe(2 * 5);
    const failed = metric(r, 'ws_failed');
    expect([failed.total, failed.rate]).toEqual([10, 8 / 10]);
    const checks = Object.fromEntries(r.checks.map((c) => [c.name, [c.passes, c.fails]]));
    expect(checks).toEqual({
      '$.type equals "hello"': [2, 0],
      'message contains "hello"': [2, 0],
      '$.me equals ${me}': [8, 0],
      // The server closed the session instead of answering.
      'message contains "bye"': [0, 2],
    });
  });

  it.runIf(haveOpenssl())('wss: a path on an https target goes over TLS, trusting --cacert', async () => {
    const cert = selfSignedCert(dir.path, 'wss', 'IP:127.0.0.1');
    server = await startWsServer(0, 0, cert);
    const file = writeTestFile(
      dir.path,
      'wss.yaml',
      `target: ${server.url}
scenarios:
  chat:
    executor: per-vu-iterations
    vus: 1
    iterations: 2
    users:
      - name: Chatter
        flow:
          - ws: /echo
            steps:
              - send: { text: secret, reply: { match: secret, check: { contains: secret } } }
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--cacert', cert.certFile]);
    expect(run.code, why).toBe(0);
    expect(r.errors, why).toEqual([]);
    expect(server.accepted).toBe(2);
    expect(metric(r, 'ws_rtt').count).toBe(server.sent);
    expect(r.checks).toEqual([{ name: 'message contains "secret"', passes: 2, fails: 0 }]);
  });

  it('YAML: a send outside a ws block, and a bad close code, are refused with the file and line (exit 2)', async () => {
    const file = writeTestFile(
      dir.path,
      'bad.yaml',
      `target: http://127.0.0.1:9
scenarios:
  chat:
    executor: per-vu-iterations
    vus: 1
    iterations: 1
    users:
      - name: Chatter
        flow:
          - send: hello
          - ws: /echo
            steps:
              - close: 1006
`,
    );
    const { run } = await runFile(file);
    expect(run.code).toBe(2);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(run.stderr).toContain(
      `bad.yaml:10:19 (scenarios.chat.users[0].flow[0].send): send belongs inside a ws step's steps`,
    );
    expect(run.stderr).toContain(
      'bad.yaml:13:24 (scenarios.chat.users[0].flow[1].steps[0].close): close code must be 1000 (normal) or 3000–4999, given 1006',
    );
  });
});
