import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { hasStackTrace, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { runFile, runFileOk, thresholdOf as threshold, writeTestFile } from '../helpers/run-file.js';

/**
 * Budgets and stopping, k6's contract (issue 11, items 1–4): a threshold that aborted the run has
 * failed (exit 99) and says when and at what value it crossed; abortOnFail cuts running iterations
 * short at once (no request reaches the server after the abort); iterations that maxDuration left
 * unstarted count as dropped_iterations; a threshold on a (sub-)metric that saw no data fails with
 * `actual: null` whatever the metric's kind, and what is knowable before the load is refused then.
 */

/** A server that answers `path` after `delays[path]` ms (0 otherwise) and keeps every request. */
function delayedServer(delays: Record<string, number> = {}): Promise<RouteServer> {
  return startRouteServer({ handler: (h) => ({ delayMs: delays[h.path] ?? 0 }) });
}

const dir = tempDir('squall-k6-budgets-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

describe('1. a threshold that aborted the run has failed', () => {
  it('avg<10 crossed by GET /mid: exit 99, passed false, the entry says when and at what value', async () => {
    const midMs = 500;
    server = await delayedServer({ '/mid': midMs });
    // The case (1 VU, 30 s, GET /mid then 250 fast GETs, avg<10 with abortOnFail), with a
    // pause after /mid so that the first check (each second) surely sees /mid alone. Before the
    // fix, the iteration went on after the abort, the 250 fast GETs pulled the final average
    // under 10 ms, and the run printed PASSED with exit 0.
    const file = writeTestFile(
      dir.path,
      'abort-avg.ts',
      `import { defineTest } from 'squall';
export default defineTest({
  scenarios: {
    main: {
      executor: 'constant-vus', vus: 1, duration: '30s',
      users: [{ name: 'U', async run({ http, sleep }) {
        await http.get('/mid');
        await sleep('3s');
        for (let i = 0; i < 250; i++) await http.get('/fast');
      } }],
    },
  },
  thresholds: { http_req_duration: [{ threshold: 'avg<10', abortOnFail: true }] },
});
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url], { quiet: false });
    const t = threshold(r, 'http_req_duration', 'avg<10');
    const ctx = `${why}\nthresholds ${JSON.stringify(r.thresholds)}`;
    expect(run.code, ctx).toBe(99);
    expect(r.passed, ctx).toBe(false);
    expect(r.endReason, ctx).toBe('threshold-abort');
    expect(t.ok, ctx).toBe(false);
    expect(t.abortedAtSec, ctx).toBeGreaterThan(0);
    expect(t.abortedAtSec!, ctx).toBeLessThanOrEqual(r.durationSec + 0.001);
    // The value at the crossing: /mid's duration, never faster than the server's delay.
    expect(t.actualAtAbort, ctx).toBeGreaterThanOrEqual(midMs);
    expect(server.on('/fast'), ctx).toHaveLength(0);
    expect(run.stdout, ctx).toMatch(/✗ 'avg<10' .* crossed at \d+\.\ds with avg=[\d.]+m?s: aborted the run/);
    expect(run.stdout, ctx).toMatch(/✗ FAILED/);
    expect(run.stdout, ctx).not.toMatch(/PASSED/);
    expect(run.stderr + run.stdout, ctx).toMatch(
      /stopped early: threshold http_req_duration 'avg<10' crossed at/,
    );
    expect(hasStackTrace(run.stdout + run.stderr), ctx).toBe(false);
  });
});

describe('2. abortOnFail interrupts running iterations at once', () => {
  it('a 3 s /slow step in flight is cancelled: no request reaches the server after the abort', async () => {
    server = await delayedServer({ '/slow': 3000 });
    const file = writeTestFile(
      dir.path,
      'abort-slow.yaml',
      `scenarios:
  main:
    executor: constant-vus
    vus: 2
    duration: 10s
    users: [{ name: U, flow: [{ get: /start }, { get: /slow }, { get: /after }] }]
thresholds:
  http_reqs: [{ threshold: "count<1", abortOnFail: true }]
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    const slow = server.on('/slow');
    const ctx = `${why}\nhits ${JSON.stringify(server.hits)}\nscenarios ${JSON.stringify(r.scenarios)}`;
    expect(run.code, ctx).toBe(99);
    expect(r.endReason, ctx).toBe('threshold-abort');
    expect(slow.length, ctx).toBeGreaterThan(0);
    // squall closed every /slow request before the server answered it...
    for (const h of slow) expect(h.cancelledAt, ctx).toBeDefined();
    // ...and sent nothing after: every request the server saw had arrived before the first cancel.
    const abortAt = Math.min(...slow.map((h) => h.cancelledAt!));
    for (const h of server.hits) expect(h.at, ctx).toBeLessThanOrEqual(abortAt);
    expect(server.on('/after'), ctx).toHaveLength(0);
    // Cancelled requests are not counted (as k6); the iterations they were in are interrupted.
    expect(r.metrics.http_reqs.count, ctx).toBe(server.on('/start').length);
    expect(r.scenarios.main, ctx).toMatchObject({ iterations: 0, interrupted: slow.length });
    expect(threshold(r, 'http_reqs', 'count<1').ok, ctx).toBe(false);
  });
});

describe('3. iterations left unstarted by maxDuration are dropped', () => {
  for (const [executor, shape] of [
    ['shared-iterations', 'vus: 2\n    iterations: 100'],
    ['per-vu-iterations', 'vus: 2\n    iterations: 50'],
  ] as const) {
    it(`${executor}: 100 planned, maxDuration over after a few → dropped = 100 - started, count==0 fails`, async () => {
      server = await delayedServer({ '/work': 500 });
      const file = writeTestFile(
        dir.path,
        `${executor}.yaml`,
        `scenarios:
  main:
    executor: ${executor}
    ${shape}
    maxDuration: 1200ms
    gracefulStop: 0s
    users: [{ name: U, flow: [{ get: /work }] }]
thresholds:
  dropped_iterations: ["count==0"]
`,
      );
      const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
      const started = server.on('/work').length;
      const s = r.scenarios.main!;
      const ctx = `${why}\nstarted ${started}\nscenario ${JSON.stringify(s)}`;
      expect(run.code, ctx).toBe(99);
      expect(started, ctx).toBeLessThan(100);
      // Every started iteration sent one request; the interrupted ones are not dropped.
      expect(s.iterations + s.interrupted, ctx).toBe(started);
      expect((r.metrics.dropped_iterations as { count: number }).count, ctx).toBe(100 - started);
      expect(s.dropped, ctx).toBe(100 - started);
      expect(threshold(r, 'dropped_iterations', 'count==0'), ctx).toMatchObject({
        ok: false,
        actual: 100 - started,
      });
    });
  }

  it('no drops: dropped_iterations count==0 passes (zero drops is a measurement)', async () => {
    server = await delayedServer();
    const file = writeTestFile(
      dir.path,
      'no-drops.yaml',
      `scenarios:
  main:
    executor: shared-iterations
    vus: 2
    iterations: 4
    users: [{ name: U, flow: [{ get: /work }] }]
thresholds:
  dropped_iterations: ["count==0"]
  "dropped_iterations{scenario:main}": ["count==0"]
  http_reqs: ["count==4"]
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    const ctx = `${why}\nthresholds ${JSON.stringify(r.thresholds)}`;
    expect(run.code, ctx).toBe(0);
    expect(server.hits, ctx).toHaveLength(4);
    expect(threshold(r, 'dropped_iterations', 'count==0'), ctx).toMatchObject({ ok: true, actual: 0 });
    expect(threshold(r, 'dropped_iterations{scenario:main}', 'count==0'), ctx).toMatchObject({
      ok: true,
      actual: 0,
    });
  });
});

describe('4. no data fails for every kind; what is knowable is refused before the load', () => {
  it('YAML: http_reqs{name:fsat} and iterations{scenario:typo} are refused (exit 2, did-you-mean), nothing sent', async () => {
    server = await delayedServer();
    const file = writeTestFile(
      dir.path,
      'typos.yaml',
      `scenarios:
  main:
    executor: shared-iterations
    vus: 1
    iterations: 3
    users: [{ name: U, flow: [{ get: /fast, name: fast }] }]
thresholds:
  "http_reqs{name:fsat}": ["count>=0"]
  "iterations{scenario:mian}": ["count>=0"]
  "http_reqs{team:red}": ["count>=0"]
`,
    );
    const { run, why } = await runFile(file, ['--host', server.url]);
    expect(run.code, why).toBe(2);
    expect(run.stderr, why).toMatch(/name:fsat[^\n]*did you mean 'fast'/);
    expect(run.stderr, why).toMatch(/scenario:mian[^\n]*did you mean 'main'/);
    expect(run.stderr, why).toMatch(/tag 'team'[^\n]*no sample of 'http_reqs'/);
    expect(server.hits, why).toHaveLength(0);
    expect(hasStackTrace(run.stderr), why).toBe(false);
  });

  it('a metric no script defines is refused with did-you-mean', async () => {
    server = await delayedServer();
    const file = writeTestFile(
      dir.path,
      'unknown-metric.ts',
      `import { Counter, defineTest } from 'squall';
const orders = new Counter('orders_placed');
export default defineTest({
  vus: 1, iterations: 1,
  users: [{ name: 'U', async run({ http }) { orders.add(1); await http.get('/x'); } }],
  thresholds: { orders_plcaed: ['count>0'] },
});
`,
    );
    const { run, why } = await runFile(file, ['--host', server.url]);
    expect(run.code, why).toBe(2);
    expect(run.stderr, why).toMatch(/'orders_plcaed'[^\n]*did you mean 'orders_placed'/);
    expect(server.hits, why).toHaveLength(0);
  });

  it('counters with no data fail with actual null, as trends and rates do; measured zeros pass', async () => {
    server = await delayedServer();
    // Code names the requests here, so {name:nothing} cannot be refused before the load.
    const file = writeTestFile(
      dir.path,
      'no-data.ts',
      `import { Counter, Rate, defineTest } from 'squall';
const unused = new Counter('unused_things');
const unusedRate = new Rate('unused_ratio');
const used = new Counter('used_things');
export default defineTest({
  scenarios: {
    main: {
      executor: 'shared-iterations', vus: 1, iterations: 3,
      users: [{ name: 'U', async run({ http }) { used.add(1); await http.get('/fast', { name: 'fast' }); } }],
    },
  },
  thresholds: {
    unused_things: ['count>=0'],
    unused_ratio: ['rate>=0'],
    'http_reqs{name:nothing}': ['count>=0'],
    'http_req_duration{name:nothing}': ['p(95)>=0'],
    'used_things{kind:none}': ['count>=0'],
    used_things: ['count==3'],
    'http_reqs{name:fast}': ['count==3'],
    dropped_iterations: ['count==0'],
  },
});
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    const ctx = `${why}\nthresholds ${JSON.stringify(r.thresholds)}`;
    expect(run.code, ctx).toBe(99);
    expect(server.hits, ctx).toHaveLength(3);
    for (const [metric, expr] of [
      ['unused_things', 'count>=0'],
      ['unused_ratio', 'rate>=0'],
      ['http_reqs{name:nothing}', 'count>=0'],
      ['http_req_duration{name:nothing}', 'p(95)>=0'],
      ['used_things{kind:none}', 'count>=0'],
    ] as const) {
      expect(threshold(r, metric, expr), `${metric}\n${ctx}`).toMatchObject({ ok: false, actual: null });
    }
    expect(threshold(r, 'used_things', 'count==3'), ctx).toMatchObject({ ok: true, actual: 3 });
    expect(threshold(r, 'http_reqs{name:fast}', 'count==3'), ctx).toMatchObject({ ok: true, actual: 3 });
    expect(threshold(r, 'dropped_iterations', 'count==0'), ctx).toMatchObject({ ok: true, actual: 0 });
  });
});
