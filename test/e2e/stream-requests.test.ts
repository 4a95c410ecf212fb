import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * Responses read as a stream (`stream: true | 'sse'`), from a YAML step and a TypeScript flow:
 * chunks and events counted as the server sent them, `res.events` in the flow, and an answer
 * that is not an event stream counted as failed. Counts only (no timings).
 */

const dir = tempDir();
let server: http.Server;
let base = '';
const hits: Record<string, number> = {};
const EVENTS = 3;

beforeAll(async () => {
  requireBuiltCli();
  server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    if (path === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Split across writes, one event's lines even split mid-line: the parser joins them.
      res.write('event: tick\nda');
      res.write('ta: e0\n\n');
      for (let i = 1; i < EVENTS; i++) res.write(`id: ${i}\ndata: e${i}\n\n`);
      res.end(': a comment, not an event\n\n');
    } else if (path === '/chunks') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first');
      setTimeout(() => res.end('last'), 30);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok": true}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  dir.remove();
});

type Metrics = Record<string, Record<string, number>>;

describe('responses read as a stream', () => {
  it('a YAML step with stream: sse counts the events, stream: true the chunks; JSON fails as not SSE', async () => {
    for (const k of Object.keys(hits)) delete hits[k];
    const file = writeTestFile(
      dir.path,
      'stream.yaml',
      `target: ${base}
vus: 1
iterations: 2
users:
  - name: Reader
    flow:
      - get: /sse
        stream: sse
      - get: /chunks
        stream: true
      - get: /json
        stream: sse
`,
    );
    const { result: r, why } = await runFileOk(file);
    const m = r.metrics as unknown as Metrics;
    expect(hits, why).toEqual({ '/sse': 2, '/chunks': 2, '/json': 2 });
    expect(m.sse_events!.count, why).toBe(EVENTS * hits['/sse']!);
    // Two writes 30 ms apart arrive as two reads (at least; never more than the bytes allow).
    expect(m.stream_chunks!.count, why).toBeGreaterThanOrEqual(2 * hits['/chunks']!);
    expect(m.stream_first_chunk!.count, why).toBe(hits['/chunks']);
    expect(m.sse_first_event!.count, why).toBe(hits['/sse']);
    expect(m.http_req_failed!.fails, why).toBe(hits['/json']);
    expect(
      r.errors.map((e) => [e.kind, e.count]),
      why,
    ).toEqual([['sse: not an event stream (content-type application/json)', hits['/json']]]);
  });

  it('a TypeScript flow reads res.events and res.stream', async () => {
    const file = writeTestFile(
      dir.path,
      'stream.ts',
      `import { defineTest } from 'squall';

export default defineTest({
  target: '${base}',
  vus: 1,
  iterations: 2,
  users: [{
    name: 'Reader',
    async run({ http, check }) {
      const res = await http.get('/sse', { stream: 'sse' });
      check(res, {
        'three events, in order': (r) => r.events?.map((e) => e.data).join(',') === 'e0,e1,e2',
        'the first named tick, the others with ids': (r) =>
          r.events?.[0]?.event === 'tick' && r.events?.[2]?.id === '2',
        'times from the send, in order': (r) =>
          r.stream?.mode === 'sse' && r.stream.count === 3 && (r.stream.first ?? -1) >= 0 &&
          r.events!.every((e, i, all) => i === 0 || e.t >= all[i - 1]!.t),
        'the body is kept too': (r) => r.text.includes('data: e2'),
      });
      const plain = await http.get('/json');
      check(plain, { 'no stream without the option': (r) => r.stream === undefined && r.events === undefined });
    },
  }],
});
`,
    );
    const { result: r, why } = await runFileOk(file);
    const m = r.metrics as unknown as Metrics;
    // Each check ran once an iteration, and held.
    expect(
      r.checks!.map((c) => [c.name, c.passes, c.fails]),
      why,
    ).toEqual(
      [
        'three events, in order',
        'the first named tick, the others with ids',
        'times from the send, in order',
        'the body is kept too',
        'no stream without the option',
      ].map((name) => [name, 2, 0]),
    );
    expect(m.sse_events!.count, why).toBe(6);
  });
});
