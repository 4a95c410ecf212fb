import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run as runInThread } from '../../src/index.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import {
  explain,
  hasStackTrace,
  readResult,
  requireBuiltCli,
  startCli,
  tempDir,
} from '../helpers/run-cli.js';
import { runFile, writeTestFile } from '../helpers/run-file.js';

/**
 * A plain `squall run` of a test module (issue 19): its code runs in one worker thread that the
 * main thread guards, so a flow stuck in `while (true) {}` can no longer keep Ctrl-C or SIGTERM
 * from ending the run and writing what it measured. The guard changes nothing else: the document
 * is the run's own (no merge, no `workers`), and a teardown still making requests after a stop is
 * waited for, not terminated.
 */

const dir = tempDir('squall-guard-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

const STUCK = `import { defineTest } from 'squall';
let first = 0;
export default defineTest({
  scenarios: {
    spinner: {
      executor: 'constant-vus', vus: 1, duration: '30s',
      users: [{ name: 'U', async run({ http }) {
        await http.get('/x');
        first ||= Date.now();
        // A second of requests (the main thread has their figures), then deaf for good.
        if (Date.now() - first > 1200) while (true) {}
      } }],
    },
  },
});
`;

describe('squall run of a test module, without --workers', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'a flow stuck in while (true) {}: %s ends the run within 5 s, exit 130, the JSON written, the scenario named',
    async (sig) => {
      server = await startRouteServer();
      const out = `${dir.path}/stuck-${sig}.json`;
      const file = writeTestFile(dir.path, `stuck-${sig}.ts`, STUCK);
      const p = startCli(['run', file, '--host', server.url, '-o', `json=${out}`], { timeoutMs: 30_000 });
      await p.waitFor('stderr', /spinner: 1 VU/);
      // Past the spin's start: the thread has not answered for a while.
      await new Promise((r) => setTimeout(r, 3500));
      const sentAt = Date.now();
      p.kill(sig);
      const run = await p.result;
      const tookMs = Date.now() - sentAt;
      const ctx = explain(run);
      expect(run.code, ctx).toBe(130);
      expect(tookMs, ctx).toBeLessThan(5000);
      expect(run.stderr, ctx).toMatch(/did not answer within 3 s: scenario 'spinner' is stuck/);
      // The plan line is a plain run's: no worker threads said.
      expect(run.stderr, ctx).not.toMatch(/worker thread/);
      const r = readResult(out, run);
      expect(r.endReason, ctx).toBe('interrupted');
      expect(r.config.workers, ctx).toBeUndefined();
      expect(r.metrics.http_reqs.count, ctx).toBeGreaterThan(0);
      expect(r.metrics.http_reqs.count, ctx).toBeLessThanOrEqual(server.hits.length);
      // The figures of every second it ran, the endpoint's own seconds too.
      const seconds = r.timeline.reduce((n, p) => n + (p.requests ?? 0), 0);
      expect(seconds, ctx).toBe(r.metrics.http_reqs.count);
      expect(r.endpoints[0]?.timeline?.length, ctx).toBe(r.timeline.length);
      expect(hasStackTrace(run.stderr), ctx).toBe(false);
    },
  );

  it("the guarded run's document is the one the run makes in its own thread: same sections, counts exact", async () => {
    server = await startRouteServer({ handler: (h) => (h.path === '/bad' ? { status: 500 } : undefined) });
    const source = `import { defineTest } from 'squall';
export default defineTest({
  scenarios: {
    shared: {
      executor: 'shared-iterations', vus: 3, iterations: 300,
      users: [{ name: 'U', async run({ http, vu, check }) {
        const r = await http.get(vu.iteration % 10 === 0 ? '/bad' : '/a');
        check(r, { 'is 200': (x) => x.status === 200 });
      } }],
    },
  },
  thresholds: { http_req_failed: ['rate<0.5'], checks: ['rate>0.95'] },
});
`;
    const file = writeTestFile(dir.path, 'same.ts', source);
    const { run, result: guarded, why } = await runFile(file, ['--host', server.url]);
    const ctx = `${why}\n${explain(run)}`;
    // checks: 10 % fail, so 'rate>0.95' fails: exit 99 from the guarded run as in the thread.
    expect(run.code, ctx).toBe(99);
    // Which VU takes which iteration is a race, so the /bad share differs from run to run:
    // each run's checks are held to what the server answered in that run.
    const served = (from: number) => {
      const hits = server!.hits.slice(from);
      const bad = hits.filter((h) => h.path === '/bad').length;
      return { all: hits.length, checks: [{ name: 'is 200', passes: hits.length - bad, fails: bad }] };
    };
    const first = served(0);
    expect(guarded!.metrics.http_reqs.count, ctx).toBe(first.all);
    expect(guarded!.checks, ctx).toEqual(first.checks);
    const before = server.hits.length;
    const inThread = await runInThread(file, { host: server.url, quiet: true });
    const second = served(before);
    expect(inThread.metrics.http_reqs.count, ctx).toBe(second.all);
    expect(inThread.checks, ctx).toEqual(second.checks);
    expect(Object.keys(guarded!).sort(), ctx).toEqual(Object.keys(inThread).sort());
    expect(Object.keys(guarded!.config).sort(), ctx).toEqual(Object.keys(inThread.config).sort());
    expect(
      guarded!.thresholds.map((t) => [t.metric, t.ok]),
      ctx,
    ).toEqual(inThread.thresholds.map((t) => [t.metric, t.ok]));
    expect(guarded!.generator, ctx).toBeTruthy();
    expect(guarded!.shard, ctx).toBeUndefined();
  });

  it('abortOnFail is judged by the thread on its own figures: exit 99, stopped early, said once', async () => {
    server = await startRouteServer({ handler: (h) => (h.path === '/bad' ? { status: 500 } : undefined) });
    const file = writeTestFile(
      dir.path,
      'abort.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  scenarios: {
    steady: {
      executor: 'constant-vus', vus: 2, duration: '20s',
      users: [{ name: 'U', async run({ http, sleep }) { await http.get('/bad'); await sleep(0.01); } }],
    },
  },
  thresholds: { http_req_failed: [{ threshold: 'rate<0.1', abortOnFail: true }] },
});
`,
    );
    const { run, result: r, why } = await runFile(file, ['--host', server.url], { quiet: false });
    const ctx = `${why}\n${explain(run)}`;
    expect(run.code, ctx).toBe(99);
    expect(r!.endReason, ctx).toBe('threshold-abort');
    expect(r!.durationSec, ctx).toBeLessThan(10);
    expect(run.stderr.match(/stopped early: threshold http_req_failed 'rate<0.1'/g)?.length, ctx).toBe(1);
    expect(r!.metrics.http_reqs.count, ctx).toBe(server.hits.length);
  });

  it('a teardown still making requests after Ctrl-C is waited for (its thread answers), not terminated', async () => {
    server = await startRouteServer();
    const out = `${dir.path}/teardown.json`;
    const file = writeTestFile(
      dir.path,
      'teardown.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  scenarios: {
    steady: {
      executor: 'constant-vus', vus: 1, duration: '30s',
      users: [{ name: 'U', async run({ http, sleep }) { await http.get('/x'); await sleep(0.05); } }],
    },
  },
  // Longer than the 3 s a silent thread is given after a stop.
  async teardown({ http, sleep }) {
    for (let i = 0; i < 45; i++) { await http.get('/teardown'); await sleep(0.1); }
  },
});
`,
    );
    const p = startCli(['run', file, '--host', server.url, '-o', `json=${out}`], { timeoutMs: 30_000 });
    await p.waitFor('stderr', /steady: 1 VU/);
    await new Promise((r) => setTimeout(r, 1500));
    p.kill('SIGINT');
    const run = await p.result;
    const ctx = explain(run);
    expect(run.code, ctx).toBe(130);
    expect(run.stderr, ctx).not.toMatch(/did not answer/);
    expect(server.on('/teardown').length, ctx).toBe(45);
    const r = readResult(out, run);
    expect(r.metrics.http_reqs.count, ctx).toBe(server.hits.length);
  });
});
