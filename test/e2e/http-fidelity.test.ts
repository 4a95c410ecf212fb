import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * One behaviour for both HTTP clients of `squall run`: the lean transport (plain http://, the
 * default) and undici (https, and everything when SQUALL_HTTP_CLIENT=undici). A raw TCP server
 * sends crafted responses, one per path; the same flow runs through the CLI on each transport,
 * and every request must end with the same status or error kind on both.
 */

/** The head limit both transports share (response-parser.ts MAX_HEAD_BYTES, docs/errors.md). */
const MAX_HEAD = 64 * 1024;

/** A 200 whose head (status line and fields, without the final CRLF CRLF) is `size` bytes. */
function headOfSize(size: number): string {
  const start = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: ';
  return `${start}${'p'.repeat(size - start.length)}\r\n\r\nok`;
}

interface Case {
  /** What the server sends; `null` resets the connection. */
  send: string | null;
  /** Close after sending (the default keeps the connection open: only the parser can end it). */
  close?: boolean;
  /** The status (a number) or error kind both transports must report. */
  want: number | string;
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

const CASES: Record<string, Case> = {
  plain: { send: OK, want: 200 },
  continue: { send: `HTTP/1.1 100 Continue\r\n\r\n${OK}`, want: 200 },
  'two-continues': { send: `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n${OK}`, want: 200 },
  'early-hints': { send: `HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n${OK}`, want: 200 },
  'cl-and-te': {
    send: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    want: 'malformed',
  },
  'head-under-limit': { send: headOfSize(MAX_HEAD - 1), want: 200 },
  'head-over-limit': { send: headOfSize(MAX_HEAD + 1), want: 'malformed' },
  'head-20k': { send: headOfSize(20 * 1024), want: 200 },
  'bare-lf': { send: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok', want: 'malformed' },
  'bare-lf-in-a-field': { send: 'HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 2\r\n\r\nok', want: 'malformed' },
  'truncated-body': { send: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok', close: true, want: 'closed' },
  'garbage-status': { send: 'HELLO THERE\r\n\r\n', want: 'malformed' },
  'status-below-100': { send: 'HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n', want: 'malformed' },
  'bad-content-length': { send: 'HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok', want: 'malformed' },
  'space-in-field-name': {
    send: 'HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 2\r\n\r\nok',
    want: 'malformed',
  },
  'bad-chunk-size': {
    send: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n',
    want: 'malformed',
  },
  'bytes-after-the-body': { send: `${OK}EXTRA`, want: 200 },
  'close-mid-headers': { send: 'HTTP/1.1 200 OK\r\nContent-Le', close: true, want: 'closed' },
  'close-before-response': { send: '', close: true, want: 'closed' },
  'until-close': { send: 'HTTP/1.0 200 OK\r\n\r\nhello', close: true, want: 200 },
  reset: { send: null, want: 'ECONNRESET' },
};

let server: net.Server;
let base = '';
const dir = tempDir('squall-http-fidelity-');

/** Answers each request by its path `/case/NAME`; a request split over reads is read whole first. */
beforeAll(async () => {
  requireBuiltCli();
  server = net.createServer((socket) => {
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (d) => {
      pending += d.toString('latin1');
      const end = pending.indexOf('\r\n\r\n');
      if (end === -1) return;
      const path = /^[A-Z]+ (\S+)/.exec(pending)?.[1] ?? '';
      pending = '';
      const c = CASES[path.replace('/case/', '')];
      if (c === undefined) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      } else if (c.send === null) {
        socket.resetAndDestroy();
      } else if (c.close) {
        socket.end(c.send);
      } else {
        socket.write(c.send);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  dir.remove();
});

/** Each endpoint's outcome: its status code, or its error kind. */
async function outcomes(transport: 'lean' | 'undici'): Promise<Record<string, number | string>> {
  const steps = Object.keys(CASES)
    .map((name) => `          - get: /case/${name}\n            name: ${name}`)
    .join('\n');
  const file = writeTestFile(
    dir.path,
    `fidelity-${transport}.yaml`,
    `target: ${base}
defaults:
  timeout: 20s
scenarios:
  table:
    executor: per-vu-iterations
    vus: 1
    iterations: 1
    users:
      - name: Prober
        flow:
${steps}
`,
  );
  const { run, result, why } = await runFileOk(file, [], {
    env: { SQUALL_HTTP_CLIENT: transport === 'undici' ? 'undici' : undefined },
  });
  expect(run.code, why).toBe(0);
  const got: Record<string, number | string> = {};
  for (const ep of result.endpoints) {
    const errors = Object.keys(ep.errors ?? {}).filter((k) => !k.startsWith('status '));
    const statuses = Object.keys(ep.statusCodes ?? {});
    got[ep.name] = errors.length > 0 ? errors.join(',') : Number(statuses.join(','));
  }
  return got;
}

describe('http fidelity: the lean and undici transports answer every crafted response alike', () => {
  it('each case ends with the same status or error kind on both, and the expected one', async () => {
    const want = Object.fromEntries(Object.entries(CASES).map(([name, c]) => [name, c.want]));
    const lean = await outcomes('lean');
    const undici = await outcomes('undici');
    expect(lean).toEqual(want);
    expect(undici).toEqual(want);
  }, 60_000);
});

describe('a bare-LF response (issue 10, item 11)', () => {
  it('quick fails it at once as malformed, not after the timeout', async () => {
    const run = await runCli(['quick', `${base}/case/bare-lf`, '-n', '1', '--timeout', '20s', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.errors.map((e: { kind: string }) => e.kind)).toEqual(['malformed']);
    expect(doc.errors[0].example).toMatch(/bare LF/);
    // One request, ended by the parser: a timeout would be counted as `timeout`.
    expect(doc.metrics.http_reqs.count).toBe(1);
  }, 40_000);

  it('run reports it as malformed on both transports', async () => {
    for (const transport of [undefined, 'undici']) {
      const file = writeTestFile(
        dir.path,
        `bare-lf-${transport ?? 'lean'}.yaml`,
        `target: ${base}\ndefaults:\n  timeout: 20s\nscenarios:\n  one:\n    executor: per-vu-iterations\n    vus: 1\n    iterations: 1\n    users:\n      - name: U\n        flow:\n          - get: /case/bare-lf\n`,
      );
      const out = `${file}.json`;
      const run = await runCli(['run', file, '-q', '-o', `json=${out}`], {
        env: { SQUALL_HTTP_CLIENT: transport },
      });
      expect(run.code, run.stderr).toBe(0);
      const doc = readResult(out, run);
      expect(doc.errors.map((e) => e.kind)).toEqual(['malformed']);
    }
  }, 60_000);
});
