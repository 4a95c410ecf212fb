import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explain, readResult, requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { startTarget, type TargetServer } from '../helpers/target-server.js';

/**
 * Counts squall reports against what the server itself saw: exact, so they run with every
 * `npm test`. The figures measured within a tolerance are in test/accuracy/ (npm run test:accuracy).
 */

const dir = tempDir();
let server: TargetServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

describe('request counts match the server', () => {
  it('closed model with -n N: the server saw N requests, on -c connections, and so does the result', async () => {
    server = await startTarget();
    const n = 300;
    const connections = 5;
    const out = `${dir.path}/count-n.json`;
    const run = await runCli([
      'quick',
      '-c',
      String(connections),
      '-n',
      String(n),
      '-o',
      `json=${out}`,
      server.url,
    ]);
    expect(run.code, explain(run)).toBe(0);
    const r = readResult(out, run);

    expect(server.count(), explain(run)).toBe(n);
    expect(r.metrics.http_reqs.count, explain(run)).toBe(n);
    expect(r.metrics.http_req_duration.count, explain(run)).toBe(n);
    expect(r.metrics.http_req_failed, explain(run)).toEqual({
      kind: 'rate',
      unit: 'ratio',
      rate: 0,
      fails: 0,
      total: n,
    });
    expect(r.endpoints, explain(run)).toHaveLength(1);
    expect(r.endpoints[0]!.name).toBe('GET /');
    expect(r.endpoints[0]!.count).toBe(n);
    expect(r.endpoints[0]!.statusCodes).toEqual({ '200': n });
    // Keep-alive: each of the -c connections is opened once and reused.
    expect(server.connections(), explain(run)).toBe(connections);
    expect(r.errors).toEqual([]);
  });
});
