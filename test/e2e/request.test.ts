import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explain, requireBuiltCli, runCli } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/** The request squall sends is the one the flags describe, as the server receives it. */

let server: TargetServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('request shape', () => {
  it('-m, -H and -b reach the server; the stats name is METHOD /path without the query', async () => {
    server = await startTarget({ status: 201 });
    const body = '{"q":1}';
    const run = await runCli([
      'quick',
      '-c',
      '1',
      '-n',
      '3',
      '-m',
      'post',
      '-H',
      'Content-Type: application/json',
      '-H',
      'X-Test-Header:  spaced value ',
      '-b',
      body,
      '--json',
      `${server.url}search?x=1&y=2`,
    ]);
    expect(run.code, explain(run)).toBe(0);
    const seen = server.seen();
    const why = `server saw: ${JSON.stringify(seen)}\n${explain(run)}`;
    expect(seen, why).toHaveLength(3);
    for (const req of seen) {
      expect(req.method, why).toBe('POST');
      expect(req.url, why).toBe('/search?x=1&y=2');
      expect(req.headers['content-type'], why).toBe('application/json');
      expect(req.headers['x-test-header'], why).toBe('spaced value');
      expect(req.headers['content-length'], why).toBe(String(Buffer.byteLength(body)));
      expect(req.headers.host, why).toBe(`127.0.0.1:${server.port}`);
      expect(req.body, why).toBe(body);
    }
    const r = JSON.parse(run.stdout) as { endpoints: Array<{ name: string; statusCodes: object }> };
    expect(
      r.endpoints.map((e) => e.name),
      why,
    ).toEqual(['POST /search']);
    expect(r.endpoints[0]!.statusCodes, why).toEqual({ '201': 3 });
  });

  it('HEAD: a response with Content-Length but no body is complete, not a timeout', async () => {
    server = await startTarget({ body: 'a body HEAD must not wait for' });
    const run = await runCli([
      'quick',
      '-c',
      '1',
      '-n',
      '5',
      '-m',
      'HEAD',
      '--timeout',
      '2s',
      '--json',
      server.url,
    ]);
    expect(run.code, explain(run)).toBe(0);
    const r = JSON.parse(run.stdout) as { errors: unknown[]; metrics: { http_reqs: { count: number } } };
    expect(server.seen().map((s) => s.method)).toEqual(['HEAD', 'HEAD', 'HEAD', 'HEAD', 'HEAD']);
    expect(r.errors, explain(run)).toEqual([]);
    expect(r.metrics.http_reqs.count).toBe(server.count());
  });
});

describe('connections', () => {
  it('Connection: close from the server: squall reconnects for every request and loses none', async () => {
    server = await startTarget({ connectionClose: true });
    const n = 100;
    const run = await runCli(['quick', '-c', '4', '-n', String(n), '--json', server.url]);
    expect(run.code, explain(run)).toBe(0);
    const r = JSON.parse(run.stdout) as { errors: unknown[]; metrics: { http_reqs: { count: number } } };
    expect(r.errors, explain(run)).toEqual([]);
    expect(r.metrics.http_reqs.count).toBe(n);
    expect(server.count()).toBe(n);
    expect(server.connections()).toBe(n);
  });
});
