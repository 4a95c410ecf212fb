import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { hasStackTrace, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { type RunResult, runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * SIGINT during `squall run`: every requested output is written for the part that ran, the
 * exit code is 130 (DESIGN.md), and teardown() still runs once, as in k6, so that what setup made
 * is cleaned up. The runs ask for 30 s; the signal comes once progress shows.
 */

const dir = tempDir('squall-run-signals-');
let server: RouteServer | undefined;
/** The first progress line: the load is running and has measured something. */
const PROGRESS = /reqs [\d,]+/;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

describe('interrupted runs', () => {
  it('SIGINT: partial result written, exit 130, teardown called once', async () => {
    server = await startRouteServer({ delayMs: 5 });
    const file = writeTestFile(
      dir.path,
      'long.ts',
      `import { defineTest } from 'squall';

export default defineTest({
  target: 'http://127.0.0.1:9',
  setup: () => ({ started: true }),
  async teardown({ env, data }) {
    await fetch(\`\${env.BASE}/teardown\`, { method: 'POST', body: JSON.stringify(data) });
  },
  scenarios: {
    long: {
      executor: 'constant-vus',
      vus: 3,
      duration: '30s',
      users: [{ name: 'U', async run({ http }) { await http.get('/work'); } }],
    },
  },
});
`,
    );
    const {
      run,
      result: r,
      why,
    } = await runFileOk(file, ['--host', server.url, '-e', `BASE=${server.url}`], {
      quiet: false,
      timeoutMs: 20_000,
      signal: { name: 'SIGINT', whenStderr: PROGRESS },
    });
    const work = server.on('/work').length;
    const ctx = `${why}\nserver saw ${work} /work, teardowns ${server.on('/teardown').length}`;
    expect(run.code, ctx).toBe(130);
    expect(r.endReason, ctx).toBe('interrupted');
    expect(r.durationSec, ctx).toBeLessThan(30);
    expect(r.metrics.http_reqs.count, ctx).toBeGreaterThan(0);
    // Requests cut short in flight are not counted; every counted one reached the server.
    expect(r.metrics.http_reqs.count, ctx).toBeLessThanOrEqual(work);
    expect(r.metrics.http_reqs.count, ctx).toBeGreaterThanOrEqual(work - 3);
    expect(r.scenarios.long!.iterations, ctx).toBe(r.metrics.http_reqs.count);
    const teardowns = server.on('/teardown');
    expect(teardowns, ctx).toHaveLength(1);
    expect(JSON.parse(teardowns[0]!.body), ctx).toEqual({ started: true });
    expect(run.stderr, ctx).toMatch(/interrupted/i);
    expect(run.stdout, ctx).toContain('http_reqs');
    expect(hasStackTrace(run.stdout + run.stderr), ctx).toBe(false);
  });

  it('SIGINT in the open model with --json: the partial document on stdout, exit 130', async () => {
    server = await startRouteServer();
    const rate = 50;
    const file = writeTestFile(
      dir.path,
      'long-open.yaml',
      `scenarios:
  open:
    executor: constant-arrival-rate
    rate: ${rate}
    duration: 30s
    preAllocatedVUs: 5
    users: [{ name: U, flow: [{ get: /open }] }]
`,
    );
    const {
      run,
      result: written,
      why,
    } = await runFileOk(file, ['--host', server.url, '--json'], {
      quiet: false,
      timeoutMs: 20_000,
      signal: { name: 'SIGINT', whenStderr: PROGRESS },
    });
    expect(run.code, why).toBe(130);
    const r = JSON.parse(run.stdout) as RunResult;
    const hits = server.on('/open').length;
    const ctx = `${why}\nserver saw ${hits}`;
    expect(r.endReason, ctx).toBe('interrupted');
    // The same document on stdout and in the -o file.
    expect(r.metrics.http_reqs, ctx).toEqual(written.metrics.http_reqs);
    expect(r.metrics.http_reqs.count, ctx).toBeLessThanOrEqual(hits);
    // The arrivals kept their schedule until the signal: about rate × the time it ran.
    expect(Math.abs(hits - rate * r.durationSec), ctx).toBeLessThanOrEqual(rate * 0.2 + 2);
  });
});
