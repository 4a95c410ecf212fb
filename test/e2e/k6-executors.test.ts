import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Hit,
  peakInFlight,
  type RouteServer,
  relativeTo,
  startRouteServer,
} from '../helpers/route-server.js';
import { requireBuiltCli, runCli, tempDir } from '../helpers/run-cli.js';
import { runFile, runFileOk, writeTestFile } from '../helpers/run-file.js';

/**
 * k6's executor contract (issue 11, items 5–7), checked through the CLI against a counting
 * server: per-second arrivals as the server saw them, dropped_iterations, vus_max and the exit
 * code, compared with what k6 documents. Tolerances are counts (±1–2, "never above the rate + 1"),
 * never times, so a busy two-core machine passes.
 */

const dir = tempDir('squall-k6-exec-');
let server: RouteServer | undefined;

beforeAll(requireBuiltCli);
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

/** Requests to `path` per whole second of the run (second 0 = [0, 1 s) after startedAt). */
function perSecond(hits: readonly Hit[], startedAt: string, seconds: number): number[] {
  const out = new Array<number>(seconds).fill(0);
  for (const h of relativeTo(hits, Date.parse(startedAt))) {
    const i = Math.min(seconds - 1, Math.max(0, Math.floor(h.t / 1000)));
    out[i]!++;
  }
  return out;
}

/** `delay` on the query sets the server's answer time; the default is at once. */
const handler = (h: Hit) => (h.query.delay ? { delayMs: Number(h.query.delay) } : undefined);

describe('one scenario per executor, as k6 documents it', () => {
  it('per-second arrivals, dropped_iterations, vus_max and the exit code', async () => {
    server = await startRouteServer({ handler });
    const file = writeTestFile(
      dir.path,
      'table.yaml',
      `scenarios:
  cv:
    executor: constant-vus
    vus: 2
    duration: 2s
    users: [{ name: U, flow: [{ get: '/cv?delay=100' }] }]
  rv:
    executor: ramping-vus
    startVUs: 0
    stages: [{ duration: 1s, target: 2 }, { duration: 1s, target: 2 }]
    gracefulRampDown: 0s
    users: [{ name: U, flow: [{ get: '/rv?delay=100' }] }]
  car:
    executor: constant-arrival-rate
    rate: 10
    duration: 2s
    preAllocatedVUs: 1
    maxVUs: 1
    users: [{ name: U, flow: [{ get: '/car?delay=300' }] }]
  rar:
    executor: ramping-arrival-rate
    startRate: 0
    stages: [{ duration: 2s, target: 20 }]
    preAllocatedVUs: 2
    maxVUs: 2
    users: [{ name: U, flow: [{ get: /rar }] }]
  pvi:
    executor: per-vu-iterations
    vus: 2
    iterations: 3
    users: [{ name: U, flow: [{ get: /pvi }] }]
  si:
    executor: shared-iterations
    vus: 2
    iterations: 7
    users: [{ name: U, flow: [{ get: /si }] }]
thresholds:
  dropped_iterations: ['count==0']
`,
    );
    const { run, result: r, why } = await runFile(file, ['--host', server.url]);
    // k6: a threshold crossed → exit 99 (ThresholdsHaveFailed); car must drop.
    expect(run.code, why).toBe(99);
    expect(r, why).toBeDefined();
    const res = r!;
    const ctx = `${why}\nscenarios ${JSON.stringify(res.scenarios)}`;
    const sc = res.scenarios;

    // Closed model: the VUs the server sees at once, nothing dropped.
    expect(peakInFlight(relativeTo(server.on('/cv'), 0), -Infinity, Infinity), ctx).toBe(2);
    expect(peakInFlight(relativeTo(server.on('/rv'), 0), -Infinity, Infinity), ctx).toBeLessThanOrEqual(2);
    expect(sc.cv!.dropped + sc.rv!.dropped, ctx).toBe(0);

    // constant-arrival-rate, one VU at 300 ms an iteration, 10/s for 2 s: every arrival either
    // started or was dropped (20 in all), the server never above the rate, one request at a time.
    const car = server.on('/car');
    for (const n of perSecond(car, res.startedAt, 3)) expect(n, ctx).toBeLessThanOrEqual(10 + 1);
    expect(sc.car!.iterations, ctx).toBe(car.length);
    expect(sc.car!.dropped, ctx).toBeGreaterThan(0);
    expect(sc.car!.iterations + sc.car!.dropped + sc.car!.interrupted, ctx).toBe(20);
    expect(peakInFlight(relativeTo(car, 0), -Infinity, Infinity), ctx).toBe(1);

    // ramping-arrival-rate 0 → 20/s over 2 s: the area under the line, 20 iterations (5 in the
    // first second, 15 in the second), the first one once an iteration's worth has accumulated.
    const rar = server.on('/rar');
    expect(sc.rar!.iterations + sc.rar!.dropped, ctx).toBe(20);
    const [first, second] = perSecond(rar, res.startedAt, 3);
    expect(Math.abs(first! - 5), ctx).toBeLessThanOrEqual(2);
    expect(Math.abs(second! - 15), ctx).toBeLessThanOrEqual(2);
    // ∫ 10t dt = 1 at t = 0.447 s: nothing at t = 0 (squall cannot send early; late is fine).
    expect(Math.min(...relativeTo(rar, Date.parse(res.startedAt)).map((h) => h.t)), ctx).toBeGreaterThan(300);

    // Iteration executors: exact counts.
    expect(server.on('/pvi').length, ctx).toBe(6);
    expect(server.on('/si').length, ctx).toBe(7);

    // dropped_iterations is the sum of the scenarios' drops.
    expect(res.metrics.dropped_iterations, ctx).toMatchObject({ count: sc.car!.dropped + sc.rar!.dropped });
    // vus_max: k6 pre-allocates every planned VU (2 + 2 + 1 + 2 + 2 + 2, all overlapping), so it
    // is the maximum from the start: its minimum equals its value.
    expect(res.metrics.vus_max, ctx).toMatchObject({ value: 11, min: 11, max: 11 });
  });
});

describe('arrival-rate executors drop what finds no free VU (issue 11, item 5)', () => {
  // The first iteration takes 1.5 s (the one VU is stalled), the others are instant: 2 s hold the
  // stall and the arrivals after it.
  const plan = (queue: boolean) => `export const options = {
  scenarios: {
    a: { executor: 'constant-arrival-rate', rate: 10, duration: '2s', preAllocatedVUs: 1, maxVUs: 1${queue ? ', queue: true' : ''} },
  },
};
let first = true;
export default async function (ctx) {
  const delay = first ? 1500 : 0;
  first = false;
  await ctx.http.get('/x?delay=' + delay);
}
`;

  it('a stalled VU: the server never sees more than the rate, the rest is dropped and said', async () => {
    server = await startRouteServer({ handler });
    const file = writeTestFile(dir.path, 'stall.mjs', plan(false));
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url], { quiet: false });
    expect(run.code, why).toBe(0);
    const hits = server.on('/x');
    const counts = perSecond(hits, r.startedAt, 4);
    const ctx = `${why}\nper second ${JSON.stringify(counts)}; scenarios ${JSON.stringify(r.scenarios)}`;
    for (const n of counts) expect(n, ctx).toBeLessThanOrEqual(10 + 1);
    const s = r.scenarios.a!;
    expect(s.dropped, ctx).toBeGreaterThan(0);
    expect(s.iterations + s.dropped + s.interrupted, ctx).toBe(20);
    expect(r.metrics.dropped_iterations, ctx).toMatchObject({ count: s.dropped });
    // http_req_duration is the request's own (k6): the send-to-end view says the same.
    const service = r.metrics.http_req_service_duration as { max: number; count: number } | undefined;
    if (service !== undefined) expect(service, ctx).toMatchObject({ max: r.metrics.http_req_duration.max });
    expect(run.stdout + run.stderr, ctx).toContain(
      `${s.dropped} iterations dropped: no free VU (maxVUs 1 reached)`,
    );
  });

  it('queue: true keeps the old queue: nothing dropped early, a burst above the rate after the stall', async () => {
    server = await startRouteServer({ handler });
    const file = writeTestFile(dir.path, 'stall-queue.mjs', plan(true));
    const { run, result: r, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    const counts = perSecond(server.on('/x'), r.startedAt, 4);
    const ctx = `${why}\nper second ${JSON.stringify(counts)}`;
    // The arrivals due during the 1.5 s stall all go out as soon as the VU is free.
    expect(Math.max(...counts), ctx).toBeGreaterThan(10 + 1);
  });
});

describe('--iterations with --rate (issue 11, item 6)', () => {
  const files: Record<string, string> = {
    'constant-vus': 'executor: constant-vus\n    vus: 1\n    duration: 5s',
    'ramping-vus':
      'executor: ramping-vus\n    stages: [{ duration: 2s, target: 4 }, { duration: 2s, target: 4 }]',
    'constant-arrival-rate':
      'executor: constant-arrival-rate\n    rate: 5\n    duration: 5s\n    preAllocatedVUs: 2',
    'ramping-arrival-rate':
      'executor: ramping-arrival-rate\n    stages: [{ duration: 2s, target: 8 }, { duration: 2s, target: 8 }]\n    preAllocatedVUs: 2',
  };

  // 12 at 20/s: 0.6 s each, with the executor's own length (4–5 s) far from it.
  it.each(Object.keys(files))('%s: --iterations 12 --rate 20 runs 12 iterations', async (executor) => {
    server = await startRouteServer();
    const file = writeTestFile(
      dir.path,
      `iters-${executor}.yaml`,
      `scenarios:\n  s:\n    ${files[executor]}\n    users: [{ name: U, flow: [{ get: /i }] }]\n`,
    );
    const {
      run,
      result: r,
      why,
    } = await runFileOk(file, ['--host', server.url, '--iterations', '12', '--rate', '20']);
    expect(run.code, why).toBe(0);
    const s = r.scenarios.s!;
    const ctx = `${why}\n${JSON.stringify(r.scenarios)}`;
    expect(s.iterations + s.dropped, ctx).toBe(12);
    expect(server.on('/i').length, ctx).toBe(s.iterations);
  });

  it('--iterations, --rate and --duration together are refused (exit 2), not one of them ignored', async () => {
    const file = writeTestFile(
      dir.path,
      'iters-conflict.yaml',
      'target: http://127.0.0.1:9\nscenarios:\n  s:\n    executor: constant-vus\n    duration: 5s\n    users: [{ name: U, flow: [{ get: /i }] }]\n',
    );
    const run = await runCli(['run', file, '--iterations', '30', '--rate', '20', '--duration', '3s']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('--duration');
    expect(run.stderr).toContain('--iterations 30 at 20/s already sets the length');
  });
});

describe('smaller differences from k6 (issue 11, item 7)', () => {
  it('scenario tags filter iterations: iterations{team:red} counts the red scenario only', async () => {
    server = await startRouteServer();
    const file = writeTestFile(
      dir.path,
      'iter-tags.yaml',
      `scenarios:
  red:
    executor: shared-iterations
    iterations: 3
    tags: { team: red }
    users: [{ name: U, flow: [{ get: /r }] }]
  blue:
    executor: shared-iterations
    iterations: 5
    tags: { team: blue }
    users: [{ name: U, flow: [{ get: /b }] }]
thresholds:
  'iterations{team:red}': ['count==3']
  'iterations{team:blue}': ['count<5']
`,
    );
    const { run, result: r, why } = await runFile(file, ['--host', server.url]);
    expect(run.code, why).toBe(99);
    const th = r!.thresholds;
    expect(
      th.find((t) => t.metric === 'iterations{team:red}'),
      why,
    ).toMatchObject({ ok: true, actual: 3 });
    expect(
      th.find((t) => t.metric === 'iterations{team:blue}'),
      why,
    ).toMatchObject({ ok: false, actual: 5 });
  });

  it("k6's exec: the named export becomes the scenario's function", async () => {
    server = await startRouteServer();
    const file = writeTestFile(
      dir.path,
      'exec.mjs',
      `export const options = {
  scenarios: {
    browse: { executor: 'shared-iterations', iterations: 2, exec: 'browse' },
    buy: { executor: 'shared-iterations', iterations: 3, exec: 'buy' },
  },
};
export async function browse(ctx) { await ctx.http.get('/browse'); }
export async function buy(ctx) { await ctx.http.get('/buy'); }
`,
    );
    const { run, why } = await runFileOk(file, ['--host', server.url]);
    expect(run.code, why).toBe(0);
    expect(server.on('/browse').length, why).toBe(2);
    expect(server.on('/buy').length, why).toBe(3);
  });

  it('exec naming no export is bad input that lists the exports (exit 2)', async () => {
    const file = writeTestFile(
      dir.path,
      'exec-bad.mjs',
      `export const options = { scenarios: { s: { executor: 'shared-iterations', exec: 'bruwse' } } };
export async function browse(ctx) { await ctx.http.get('/browse'); }
`,
    );
    const run = await runCli(['run', file, '--host', 'http://127.0.0.1:9']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('exec: "bruwse"');
    expect(run.stderr).toContain("'browse'");
  });
});
