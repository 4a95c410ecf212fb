import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RouteServer, startRouteServer } from '../helpers/route-server.js';
import { hasStackTrace, requireBuiltCli, tempDir } from '../helpers/run-cli.js';
import { runFile, runFileOk, thresholdOf, writeTestFile } from '../helpers/run-file.js';

/**
 * Thresholds of `squall run`: filtered by tags (`{name:…}`, `{scenario:…}`), on custom metrics a
 * TypeScript test declares, and abortOnFail with delayAbortEval stopping a run early with exit 99.
 * Each threshold's `actual` is checked against what the server counted or what the result's
 * own per-endpoint figures say.
 */

const dir = tempDir('squall-run-thresholds-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

const threshold = thresholdOf;

describe('tag-filtered thresholds', () => {
  const slowMs = 60;
  const TEST = `scenarios:
  fast:
    executor: per-vu-iterations
    vus: 2
    iterations: 10
    users: [{ name: F, flow: [{ get: /fast }] }]
  slow:
    executor: per-vu-iterations
    vus: 2
    iterations: 3
    users: [{ name: S, flow: [{ get: /slow, name: slow one }] }]
thresholds:
  "http_req_duration{name:GET /fast}": ["p(95)<${slowMs}"]
  "http_req_duration{scenario:slow}": ["p(95)>=${slowMs}", "min>=${slowMs}"]
  "http_reqs{scenario:fast}": ["count>0"]
  "http_reqs{name:slow one}": ["count>0"]
  "iterations{scenario:slow}": ["count>0"]
`;

  it('{name:…} and {scenario:…} select their own requests: the actual values are theirs', async () => {
    server = await startRouteServer({
      handler: (h) => (h.path === '/slow' ? { delayMs: slowMs } : undefined),
    });
    const file = writeTestFile(dir.path, 'tags.yaml', TEST);
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    const ctx = `${why}\nthresholds ${JSON.stringify(r.thresholds)}\nendpoints ${JSON.stringify(r.endpoints)}`;
    expect(run.code, ctx).toBe(0);
    expect(r.passed, ctx).toBe(true);
    const fast = server.on('/fast').length;
    const slow = server.on('/slow').length;
    const ep = (name: string) => r.endpoints.find((e) => e.name === name)!;

    expect(threshold(r, 'http_reqs{scenario:fast}', 'count>0').actual, ctx).toBe(fast);
    expect(threshold(r, 'http_reqs{name:slow one}', 'count>0').actual, ctx).toBe(slow);
    expect(threshold(r, 'iterations{scenario:slow}', 'count>0').actual, ctx).toBe(slow);
    // The filtered p95 is the endpoint's own p95, not the run's (which mixes both).
    const fastP95 = threshold(r, 'http_req_duration{name:GET /fast}', `p(95)<${slowMs}`).actual!;
    expect(fastP95, ctx).toBeCloseTo(ep('GET /fast').latency.p95!, 1);
    expect(fastP95, ctx).toBeLessThan(slowMs);
    const slowMin = threshold(r, 'http_req_duration{scenario:slow}', `min>=${slowMs}`).actual!;
    expect(slowMin, ctx).toBeGreaterThanOrEqual(slowMs);
    expect(threshold(r, 'http_req_duration{scenario:slow}', `p(95)>=${slowMs}`).actual, ctx).toBeCloseTo(
      ep('slow one').latency.p95!,
      1,
    );
  });

  it('one filtered budget missed: exit 99, only that one not ok', async () => {
    server = await startRouteServer({
      handler: (h) => (h.path === '/slow' ? { delayMs: slowMs } : undefined),
    });
    const file = writeTestFile(dir.path, 'tags-fail.yaml', TEST);
    const {
      run,
      result: r,
      why,
    } = await runFileOk(file, [
      '--host',
      server.url,
      '--threshold',
      `http_req_duration{name:slow one}:p(95)<${slowMs}`,
    ]);
    const ctx = `${why}\nthresholds ${JSON.stringify(r.thresholds)}`;
    expect(run.code, ctx).toBe(99);
    expect(r.passed, ctx).toBe(false);
    expect(
      r.thresholds.filter((t) => !t.ok),
      ctx,
    ).toEqual([
      expect.objectContaining({
        metric: 'http_req_duration{name:slow one}',
        expr: `p(95)<${slowMs}`,
        ok: false,
      }),
    ]);
    // -q prints the summary when a threshold fails: it names the missed budget.
    expect(run.stdout, ctx).toContain(`p(95)<${slowMs}`);
  });
});

describe('custom metrics', () => {
  const TEST = `import { Counter, defineTest, Rate, Trend } from 'squall';

const orders = new Counter('orders_created');
const orderTime = new Trend('order_ms', true);
const accepted = new Rate('orders_accepted');

export default defineTest({
  target: 'http://127.0.0.1:9',
  scenarios: {
    shop: {
      executor: 'per-vu-iterations',
      vus: 3,
      iterations: 4,
      users: [
        {
          name: 'Buyer',
          async run({ http, vu }) {
            const res = await http.post('/orders', { json: { vu: vu.id } });
            const kind = vu.id % 2 === 0 ? 'even' : 'odd';
            orders.add(1, { kind });
            orderTime.add(res.timings.duration, { kind });
            accepted.add(res.status === 201);
          },
        },
      ],
    },
  },
  thresholds: {
    orders_created: ['count>0'],
    'orders_created{kind:odd}': ['count>0'],
    order_ms: ['p(95)<5000', 'max>0'],
    orders_accepted: ['rate>0.5'],
  },
});
`;

  it('Counter, Trend and Rate from squall: in the result, with thresholds over them and their tags', async () => {
    // Every third order is refused, so the Rate has something to say.
    let n = 0;
    server = await startRouteServer({ handler: () => (++n % 3 === 0 ? { status: 409 } : { status: 201 }) });
    const file = writeTestFile(dir.path, 'custom.ts', TEST);
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    const ctx = `${why}\nthresholds ${JSON.stringify(r.thresholds)}\nmetrics ${JSON.stringify(r.metrics)}`;
    expect(run.code, ctx).toBe(0);
    const posts = server.on('/orders');
    const refused = posts.filter((_, i) => (i + 1) % 3 === 0).length;
    const oddPosts = posts.filter((h) => JSON.parse(h.body).vu % 2 === 1).length;

    expect(r.metrics.orders_created, ctx).toMatchObject({ count: posts.length });
    expect(r.metrics.order_ms, ctx).toMatchObject({ count: posts.length });
    expect(r.metrics.orders_accepted, ctx).toMatchObject({ total: posts.length, fails: refused });
    expect(threshold(r, 'orders_created', 'count>0').actual, ctx).toBe(posts.length);
    expect(threshold(r, 'orders_created{kind:odd}', 'count>0').actual, ctx).toBe(oddPosts);
    expect(threshold(r, 'orders_accepted', 'rate>0.5').actual, ctx).toBeCloseTo(
      1 - refused / posts.length,
      5,
    );
    expect(threshold(r, 'order_ms', 'max>0').actual, ctx).toBeGreaterThan(0);
    expect(r.thresholds.every((t) => t.ok)).toBe(true);
  });

  it('a custom-metric budget missed exits 99; one on an undeclared metric is bad input (exit 2)', async () => {
    server = await startRouteServer({ handler: () => ({ status: 201 }) });
    const file = writeTestFile(dir.path, 'custom-fail.ts', TEST);
    const {
      run,
      result: r,
      why,
    } = await runFileOk(file, ['--host', server.url, '--threshold', `orders_created:count>${10_000}`]);
    expect(run.code, why).toBe(99);
    expect(threshold(r, 'orders_created', 'count>10000'), why).toMatchObject({
      ok: false,
      actual: server.on('/orders').length,
    });

    const bad = await runFile(file, ['--host', server.url, '--threshold', 'orders_craeted:count>0']);
    expect(bad.run.code, bad.why).toBe(2);
    expect(bad.result, bad.why).toBeUndefined();
    expect(bad.run.stderr, bad.why).toMatch(/SQ_THRESHOLD_UNKNOWN_METRIC/);
    expect(bad.run.stderr, bad.why).toMatch(/'orders_craeted'[^\n]*did you mean 'orders_created'/);
    expect(hasStackTrace(bad.run.stderr), bad.why).toBe(false);
  });
});

describe('abortOnFail', () => {
  it('with delayAbortEval: judged only after the delay, then the run stops early with exit 99', async () => {
    server = await startRouteServer({ delayMs: 5, handler: () => ({ status: 500, delayMs: 5 }) });
    const delaySec = 2;
    const durationSec = 20;
    const file = writeTestFile(
      dir.path,
      'abort.yaml',
      `vus: 2
duration: ${durationSec}s
users: [{ name: U, flow: [{ get: /always-500 }] }]
thresholds:
  http_req_failed:
    - { threshold: "rate<0.1", abortOnFail: true, delayAbortEval: ${delaySec}s }
  http_req_duration: ["p(95)<5000"]
`,
    );
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url], { quiet: false });
    const ctx = `${why}\nthresholds ${JSON.stringify(r.thresholds)}\ndurationSec ${r.durationSec}`;
    expect(run.code, ctx).toBe(99);
    expect(r.endReason, ctx).toBe('threshold-abort');
    expect(r.passed, ctx).toBe(false);
    // Not before the delay (every request failed from the first second), and soon after it.
    expect(r.durationSec, ctx).toBeGreaterThanOrEqual(delaySec);
    expect(r.durationSec, ctx).toBeLessThan(delaySec + 2);
    const last = server.hits[server.hits.length - 1]!.at - server.hits[0]!.at;
    expect(last, ctx).toBeLessThan((delaySec + 2) * 1000);
    expect(threshold(r, 'http_req_failed', 'rate<0.1'), ctx).toMatchObject({ ok: false, actual: 1 });
    expect(threshold(r, 'http_req_duration', 'p(95)<5000').ok, ctx).toBe(true);
    // The abort cancels the requests in flight (one per VU at most): they are not counted, as in k6.
    expect(r.metrics.http_reqs.count, ctx).toBeLessThanOrEqual(server.hits.length);
    expect(r.metrics.http_reqs.count, ctx).toBeGreaterThanOrEqual(server.hits.length - 2);
    expect(run.stderr, ctx).toMatch(/stopped early/);
    expect(hasStackTrace(run.stdout + run.stderr), ctx).toBe(false);
  });
});
