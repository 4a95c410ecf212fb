import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/index.js';
import type { ResultDocument } from '../../src/result/schema.js';
import { addEncodedHistograms, decodeHistogram } from '../../src/util/hdr.js';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import {
  explain,
  hasStackTrace,
  readResult,
  requireBuiltCli,
  runCli,
  startCli,
  tempDir,
} from '../helpers/run-cli.js';
import { runFile, writeTestFile } from '../helpers/run-file.js';

/**
 * `squall run --workers N` (issue 19): the load split over N worker threads adds up exactly at
 * the server, the document is one merged run (histograms added, not percentiles averaged), and
 * the parent stays in charge: a flow stuck in `while (true) {}` is ended by Ctrl-C, a worker that
 * dies ends the run with exit 1 naming it, and what was measured is written both times.
 */

const dir = tempDir('squall-workers-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

describe('run --workers', () => {
  it.each([1, 2])(
    'shared-iterations of 1000 over 7 VUs on %i worker(s): exactly 1000 at the server',
    async (n) => {
      server = await startRouteServer();
      const file = writeTestFile(
        dir.path,
        `shared-${n}.ts`,
        `import { defineTest } from 'squall';
export default defineTest({
  scenarios: {
    shared: {
      executor: 'shared-iterations', vus: 7, iterations: 1000,
      users: [{ name: 'U', async run({ http, vu }) { await http.get(vu.iteration % 2 === 0 ? '/a' : '/b'); } }],
    },
  },
});
`,
      );
      const { run, result: r, why } = await runFile(file, ['--host', server.url, '--workers', String(n)]);
      const ctx = `${why}\n${explain(run)}`;
      expect(run.code, ctx).toBe(0);
      expect(r, ctx).toBeDefined();
      const atServer = server.hits.length;
      expect(atServer, ctx).toBe(1000);
      expect(r!.metrics.http_reqs.count, ctx).toBe(atServer);
      expect(
        r!.endpoints.reduce((s, e) => s + e.count, 0),
        ctx,
      ).toBe(atServer);
      expect(r!.scenarios.shared!.iterations, ctx).toBe(1000);
      // 7 VUs over the workers (4 + 3 on two): the whole run's 7, not one worker's.
      expect(r!.metrics.vus_max, ctx).toMatchObject({ max: 7 });
      expect(r!.config.workers, ctx).toBe(n);
      // The merged document is the whole run's: no shard section.
      expect((r as { shard?: unknown }).shard, ctx).toBeUndefined();
    },
  );

  it("setup() and teardown() run once over 2 workers, and every worker gets setup's data", async () => {
    server = await startRouteServer();
    const file = writeTestFile(
      dir.path,
      'hooks.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  async setup({ http }) { await http.post('/setup'); return { token: 'abc' }; },
  async teardown({ http, data }) { await http.post('/teardown', { json: data }); },
  scenarios: {
    shared: {
      executor: 'shared-iterations', vus: 4, iterations: 100,
      users: [{ name: 'U', async run({ http, data }) { await http.get('/work/' + (data as { token: string }).token); } }],
    },
  },
});
`,
    );
    const { run, result: r, why } = await runFile(file, ['--host', server.url, '--workers', '2']);
    const ctx = `${why}\n${explain(run)}`;
    expect(run.code, ctx).toBe(0);
    expect(server.on('/setup'), ctx).toHaveLength(1);
    expect(server.on('/work/abc'), ctx).toHaveLength(100);
    const teardowns = server.on('/teardown');
    expect(teardowns, ctx).toHaveLength(1);
    expect(JSON.parse(teardowns[0]!.body), ctx).toEqual({ token: 'abc' });
    // Teardown came after the last iteration of every worker.
    expect(teardowns[0]!.at, ctx).toBeGreaterThanOrEqual(
      Math.max(...server.on('/work/abc').map((h) => h.at)),
    );
    expect(r!.metrics.http_reqs.count, ctx).toBe(102);
  });

  it("--workers 2: p95 is the summed histogram's, not the workers' p95s averaged", async () => {
    server = await startRouteServer({
      handler: (hit) => (hit.path === '/slow' ? { delayMs: 40 } : undefined),
    });
    // One worker thread asks /slow, the other /fast: each endpoint is one worker's histogram.
    const file = writeTestFile(
      dir.path,
      'skewed.ts',
      `import { threadId } from 'node:worker_threads';
import { defineTest } from 'squall';
export default defineTest({
  scenarios: {
    skewed: {
      executor: 'constant-vus', vus: 2, duration: '2s',
      users: [{ name: 'U', async run({ http }) { await http.get(threadId % 2 === 0 ? '/slow' : '/fast'); } }],
    },
  },
});
`,
    );
    const { run, result: r, why } = await runFile(file, ['--host', server.url, '--workers', '2']);
    const ctx = `${why}\n${explain(run)}`;
    expect(run.code, ctx).toBe(0);
    const fast = r!.endpoints.find((e) => e.name === 'GET /fast');
    const slow = r!.endpoints.find((e) => e.name === 'GET /slow');
    expect(fast && slow, ctx).toBeTruthy();
    expect(r!.metrics.http_reqs.count, ctx).toBe(server.hits.length);
    expect(fast!.count + slow!.count, ctx).toBe(server.hits.length);
    const summed = decodeHistogram(addEncodedHistograms([fast!.histogram!, slow!.histogram!]));
    const p95 = r!.metrics.http_req_duration.p95!;
    expect(p95, ctx).toBeCloseTo(summed.getValueAtPercentile(95) / 1000, 1);
    const averaged = (fast!.latency.p95! + slow!.latency.p95!) / 2;
    // Far more fast requests than slow ones: the run's p95 is near the fast side, the average is not.
    expect(Math.abs(p95 - averaged), ctx).toBeGreaterThan(5);
  });

  it('a flow stuck in while (true) {}: SIGINT ends the run within 5 s, exit 130, JSON written, scenario named', async () => {
    server = await startRouteServer();
    const out = `${dir.path}/stuck.json`;
    const file = writeTestFile(
      dir.path,
      'stuck.ts',
      `import { defineTest } from 'squall';
let first = 0;
export default defineTest({
  scenarios: {
    spinner: {
      executor: 'constant-vus', vus: 1, duration: '30s',
      users: [{ name: 'U', async run({ http }) {
        await http.get('/x');
        first ||= Date.now();
        // A second of requests (the parent has this worker's figures), then deaf for good.
        if (Date.now() - first > 1200) while (true) {}
      } }],
    },
  },
});
`,
    );
    const p = startCli(['run', file, '--host', server.url, '--workers', '1', '-o', `json=${out}`], {
      timeoutMs: 30_000,
    });
    await p.waitFor('stderr', /on 1 worker thread/);
    // Past the spin's start: the worker stopped answering a while ago.
    await new Promise((r) => setTimeout(r, 3500));
    const sentAt = Date.now();
    p.kill('SIGINT');
    const run = await p.result;
    const tookMs = Date.now() - sentAt;
    const ctx = explain(run);
    expect(run.code, ctx).toBe(130);
    expect(tookMs, ctx).toBeLessThan(5000);
    expect(run.stderr, ctx).toMatch(/worker 1 of 1 did not answer.*scenario 'spinner'/);
    const r = readResult(out, run);
    expect(r.endReason, ctx).toBe('interrupted');
    expect(r.metrics.http_reqs.count, ctx).toBeGreaterThan(0);
    expect(r.metrics.http_reqs.count, ctx).toBeLessThanOrEqual(server.hits.length);
    expect(hasStackTrace(run.stderr), ctx).toBe(false);
  });

  it('a worker that exits mid-run: exit 1 naming it, the figures written, no thread left', async () => {
    server = await startRouteServer();
    const file = writeTestFile(
      dir.path,
      'dies.ts',
      `import { threadId } from 'node:worker_threads';
import { defineTest } from 'squall';
let first = 0;
export default defineTest({
  scenarios: {
    steady: {
      executor: 'constant-vus', vus: 2, duration: '20s',
      users: [{ name: 'U', async run({ http }) {
        await http.get('/x');
        first ||= Date.now();
        // The second worker thread ends itself after a second and a half, as a crash would.
        if (threadId % 2 === 0 && Date.now() - first > 1500) process.exit(3);
      } }],
    },
  },
});
`,
    );
    const {
      run,
      result: r,
      why,
    } = await runFile(file, ['--host', server.url, '--workers', '2'], {
      timeoutMs: 25_000,
    });
    const ctx = `${why}\n${explain(run)}`;
    // It ended at once, not after the test's 20 s, and the process is gone (runFile waited for it).
    expect(run.code, ctx).toBe(1);
    expect(run.stderr, ctx).toMatch(/SQ_WORKER_FAILED/);
    expect(run.stderr, ctx).toMatch(/worker 2 of 2 exited \(code 3\)/);
    expect(r, ctx).toBeDefined();
    expect(r!.durationSec, ctx).toBeLessThan(15);
    expect(r!.metrics.http_reqs.count, ctx).toBeGreaterThan(0);
    expect(r!.metrics.http_reqs.count, ctx).toBeLessThanOrEqual(server.hits.length);
    expect(hasStackTrace(run.stderr), ctx).toBe(false);
  });

  it('quick -n 10000 --workers 2: exactly 10,000 requests at the server, one merged document', async () => {
    server = await startRouteServer();
    const out = `${dir.path}/quick.json`;
    const run = await runCli(
      ['quick', '-n', '10000', '-c', '8', '--workers', '2', '-q', '-o', `json=${out}`, `${server.url}/q`],
      {
        timeoutMs: 30_000,
      },
    );
    const ctx = explain(run);
    expect(run.code, ctx).toBe(0);
    const r = readResult(out, run);
    expect(server.hits.length, ctx).toBe(10_000);
    expect(r.metrics.http_reqs.count, ctx).toBe(10_000);
    expect(
      r.endpoints.reduce((n, e) => n + e.count, 0),
      ctx,
    ).toBe(10_000);
    expect(r.config.workers, ctx).toBe(2);
    // 8 connections over two workers: 4 + 4, the whole run's 8.
    expect(r.metrics.vus_max, ctx).toMatchObject({ max: 8 });
  });

  it('quick -c 1 --workers 2: one worker per connection at most, said, and every request sent', async () => {
    server = await startRouteServer();
    const run = await runCli(
      ['quick', '-c', '1', '-n', '50', '--workers', '2', '--json', `${server.url}/one`],
      {
        timeoutMs: 20_000,
      },
    );
    const ctx = explain(run);
    expect(run.code, ctx).toBe(0);
    expect(run.stderr, ctx).toMatch(/on 1 worker thread \(one per connection; 2 asked\)/);
    expect(server.hits.length, ctx).toBe(50);
    expect(JSON.parse(run.stdout).metrics.http_reqs.count, ctx).toBe(50);
  });

  it('sweep --workers 2: every level on two workers, the levels add up to what the server saw', async () => {
    server = await startRouteServer();
    const out = `${dir.path}/sweep.json`;
    const run = await runCli(
      [
        'sweep',
        `${server.url}/s`,
        '--levels',
        '2,4',
        '--hold',
        '1s',
        '--warmup',
        '0s',
        '--workers',
        '2',
        '-q',
        '-o',
        `json=${out}`,
      ],
      { timeoutMs: 30_000 },
    );
    const ctx = explain(run);
    expect(run.code, ctx).toBe(0);
    const r = readResult(out, run) as ResultDocument & {
      sweep: { levels: { level: number; requests: number }[] };
    };
    expect(
      r.sweep.levels.map((l) => l.level),
      ctx,
    ).toEqual([2, 4]);
    expect(
      r.sweep.levels.every((l) => l.requests > 0),
      ctx,
    ).toBe(true);
    expect(
      r.sweep.levels.reduce((n, l) => n + l.requests, 0),
      ctx,
    ).toBe(server.hits.length);
  });

  it('abortOnFail is judged on the merged figures and stops every worker: exit 99', async () => {
    server = await startRouteServer({ handler: () => ({ status: 500 }) });
    const file = writeTestFile(
      dir.path,
      'abort.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  scenarios: {
    s: { executor: 'constant-vus', vus: 2, duration: '20s', users: [{ name: 'U', async run({ http }) { await http.get('/fail'); } }] },
  },
  thresholds: { http_req_failed: [{ threshold: 'rate<0.1', abortOnFail: true }] },
});
`,
    );
    const {
      run: r0,
      result: r,
      why,
    } = await runFile(file, ['--host', server.url, '--workers', '2'], {
      timeoutMs: 25_000,
    });
    const ctx = `${why}\n${explain(r0)}`;
    expect(r0.code, ctx).toBe(99);
    expect(r!.endReason, ctx).toBe('threshold-abort');
    expect(r!.durationSec, ctx).toBeLessThan(10);
    expect(r!.passed, ctx).toBe(false);
    expect(r!.thresholds[0], ctx).toMatchObject({ metric: 'http_req_failed', ok: false });
    expect(r!.metrics.http_reqs.count, ctx).toBeLessThanOrEqual(server.hits.length);
  });

  it('run() from code with workers: 2 splits the same way', async () => {
    server = await startRouteServer();
    const file = writeTestFile(
      dir.path,
      'lib.yaml',
      `target: ${server.url}\nscenarios:\n  s:\n    executor: shared-iterations\n    vus: 3\n    iterations: 30\n    users:\n      - name: U\n        flow:\n          - get: /lib\n`,
    );
    const doc = await run(file, { workers: 2 });
    expect(doc.metrics.http_reqs.count).toBe(30);
    expect(server.hits.length).toBe(30);
    expect(doc.config.workers).toBe(2);
    await expect(run({ scenarios: {} } as never, { workers: 2 })).rejects.toThrow(/--workers|file/);
  });

  it('--workers 0 and --workers many: exit 2 naming the flag', async () => {
    const file = writeTestFile(
      dir.path,
      'bad.yaml',
      'target: http://127.0.0.1:9\nscenarios:\n  s:\n    executor: constant-vus\n    vus: 1\n    duration: 1s\n    users:\n      - name: U\n        flow:\n          - get: /\n',
    );
    for (const bad of ['0', 'many']) {
      const { run } = await runFile(file, ['--workers', bad]);
      expect(run.code, explain(run)).toBe(2);
      expect(run.stderr, explain(run)).toMatch(new RegExp(`--workers "${bad}"`));
    }
  });
});
