import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * One HTTP/1.1 request encoder (issue 14): `squall quick` and `squall run`'s lean transport write
 * the same field names for the same request, the user's as written and squall's own in the case
 * k6 and curl send. A raw target keeps each request head exactly as it arrived.
 */

const dir = tempDir('squall-encoding-');
let server: net.Server;
let url = '';
/** Each request head's field names, in order, exactly as the bytes spelled them. */
const heads: Array<{ line: string; names: string[] }> = [];

beforeAll(async () => {
  requireBuiltCli();
  server = net.createServer((socket) => {
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buf.toString('latin1', 0, end).split('\r\n');
        const names = lines.slice(1).map((l) => l.slice(0, l.indexOf(':')));
        const length = Number(
          lines.find((l) => l.toLowerCase().startsWith('content-length:'))?.split(':')[1] ?? 0,
        );
        if (buf.length < end + 4 + length) return;
        buf = buf.subarray(end + 4 + length);
        heads.push({ line: lines[0]!, names });
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  dir.remove();
});

function namesFor(path: string): string[] {
  const h = heads.find((x) => x.line.startsWith(`POST ${path} `));
  expect(h, `a POST ${path} reached the target`).toBeDefined();
  return h!.names;
}

describe('one request encoder', () => {
  it('quick and the lean transport send the same field names, the user’s as written', async () => {
    const q = await runCli([
      'quick',
      '-n',
      '1',
      '-c',
      '1',
      '-m',
      'POST',
      '-H',
      'X-Trace-ID: 7',
      '-H',
      'Content-Type: application/json',
      '-b',
      '{"a":1}',
      '--json',
      `${url}/quick`,
    ]);
    expect(q.code, explain(q)).toBe(0);
    const file = writeTestFile(
      dir.path,
      'enc.yaml',
      `target: ${url}
vus: 1
iterations: 1
users:
  - name: U
    flow:
      - post: /run
        headers: { X-Trace-ID: "7", Content-Type: application/json }
        body: '{"a":1}'
`,
    );
    const { run, why } = await runFileOk(file);
    expect(run.code, why).toBe(0);
    const quick = namesFor('/quick');
    const lean = namesFor('/run');
    for (const names of [quick, lean]) {
      for (const n of ['Host', 'User-Agent', 'X-Trace-ID', 'Content-Type', 'Content-Length'])
        expect(names, names.join(', ')).toContain(n);
      // No field goes out lower-cased (undici's spelling, which the lean transport used to copy).
      expect(
        names.every((n) => /^[A-Z]/.test(n)),
        names.join(', '),
      ).toBe(true);
    }
    expect(lean.filter((n) => n !== 'Connection' && n !== 'Accept')).toEqual(
      quick.filter((n) => n !== 'Connection' && n !== 'Accept'),
    );
  }, 60_000);
});
