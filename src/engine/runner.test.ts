import { performance } from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import { SquallError } from '../errors/index.js';
import type { FlowFn, VuContext, VuInfo } from '../script-api/vu-context.js';
import type { ExecutorPlan, ScenarioPlan, TestPlan, ThinkPlan, UserTypePlan } from './plan.js';
import { type RunDeps, type RunOutcome, runTest } from './runner.js';
import { ScriptError } from './script-error.js';

// Runs with fake flows (no HTTP): short durations, counts and generous bounds, no tight timing.
// Where time is not the subject, the runs go on a fake clock (onFakeClock): the engine's timers
// and performance.now() jump ahead, so a 10 s plan takes milliseconds and its durations are exact.

// The engine reads performance from node:perf_hooks, which fake timers do not replace: route it
// to the global one, which they do.
vi.mock('node:perf_hooks', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:perf_hooks')>()),
  performance: { now: () => globalThis.performance.now() },
}));

/**
 * Runs `start` with fake timers and performance.now(), advancing the clock a millisecond at a
 * time until its promise settles. setImmediate stays real: the engine yields to it each turn.
 */
async function onFakeClock<T>(start: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'],
  });
  try {
    const p = start();
    let settled = false;
    p.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    while (!settled) {
      await vi.advanceTimersByTimeAsync(1);
      await new Promise((r) => setImmediate(r));
    }
    return await p;
  } finally {
    vi.useRealTimers();
  }
}

/** Sleeps `ms`, or until `signal` aborts. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

function user(name: string, run: FlowFn, weight = 1, think: ThinkPlan = { kind: 'none' }): UserTypePlan {
  return { name, weight, think, tasks: [{ name: 'default', weight: 1, run }] };
}

function scenario(
  name: string,
  executor: ExecutorPlan,
  users: UserTypePlan[],
  extra: Partial<ScenarioPlan> = {},
): ScenarioPlan {
  return { name, executor, startTimeMs: 0, gracefulStopMs: 1000, users, tags: {}, ...extra };
}

function testPlan(scenarios: ScenarioPlan[], extra: Partial<TestPlan> = {}): TestPlan {
  return {
    file: 'test.ts',
    target: undefined,
    env: { MODE: 'test' },
    defaults: { headers: {}, timeoutMs: 10_000 },
    tls: { insecure: false },
    scenarios,
    thresholds: [],
    preset: undefined,
    stopConditions: undefined,
    setup: undefined,
    teardown: undefined,
    config: {},
    ...extra,
  };
}

interface Seen {
  iterations: { scenario: string; user: string; durationMs: number; ok: boolean; error?: unknown }[];
  dropped: number;
  vus: [active: number, max: number][];
  ticks: number;
  contexts: VuContext[];
}

function recorder(extra: Partial<RunDeps> = {}): { seen: Seen; deps: RunDeps } {
  const seen: Seen = { iterations: [], dropped: 0, vus: [], ticks: 0, contexts: [] };
  const deps: RunDeps = {
    makeContext(info: VuInfo, signal: AbortSignal, data: unknown): VuContext {
      const ctx = {
        http: undefined as never,
        ws: undefined as never,
        check: (() => true) as never,
        sleep: (d: string | number) => sleep(typeof d === 'number' ? d * 1000 : 0, signal),
        env: {},
        data,
        vu: info,
        signal,
      };
      seen.contexts.push(ctx);
      return ctx;
    },
    onIteration: (e) => seen.iterations.push({ ...e }),
    onDropped: (_s, n) => {
      seen.dropped += n;
    },
    onVus: (active, max) => seen.vus.push([active, max]),
    onTick: () => seen.ticks++,
    ...extra,
  };
  return { seen, deps };
}

/** A flow that sleeps `ms` and tracks how many run at once. */
function counted(ms: number) {
  const c = { running: 0, maxRunning: 0, started: 0, startTimes: [] as number[] };
  const t0 = performance.now();
  const run: FlowFn = async (ctx) => {
    c.started++;
    c.startTimes.push(performance.now() - t0);
    c.running++;
    c.maxRunning = Math.max(c.maxRunning, c.running);
    try {
      await sleep(ms, ctx.signal);
    } finally {
      c.running--;
    }
  };
  return { c, run };
}

const only = (o: RunOutcome) => Object.values(o.perScenario)[0]!;

describe('runTest: closed executors', () => {
  it('constant-vus keeps N VUs looping for the duration', async () => {
    const { c, run } = counted(10);
    const { seen, deps } = recorder();
    const out = await onFakeClock(() =>
      runTest(
        testPlan([scenario('steady', { type: 'constant-vus', vus: 5, durationMs: 400 }, [user('U', run)])]),
        deps,
      ),
    );
    expect(out.endReason).toBe('completed');
    expect(c.maxRunning).toBe(5);
    const s = only(out);
    expect(s.vusMax).toBe(5);
    expect(s.iterations).toBeGreaterThan(5 * 10);
    expect(s.iterations).toBeLessThanOrEqual(5 * 41);
    expect(s.interrupted).toBe(0);
    expect(seen.iterations).toHaveLength(s.iterations);
    expect(seen.iterations.every((e) => e.ok && e.scenario === 'steady' && e.user === 'U')).toBe(true);
    expect(seen.vus).toContainEqual([5, 5]);
    expect(seen.vus.at(-1)).toEqual([0, 5]);
    // On the fake clock the run lasts its duration, plus at most the last 10 ms iteration.
    expect(out.durationMs).toBeGreaterThanOrEqual(400);
    expect(out.durationMs).toBeLessThanOrEqual(412);
  });

  it('ramping-vus reaches its target, then ramps down', async () => {
    const { c, run } = counted(10);
    const { seen, deps } = recorder();
    const executor: ExecutorPlan = {
      type: 'ramping-vus',
      startVUs: 0,
      stages: [
        { durationMs: 300, target: 4 },
        { durationMs: 300, target: 4 },
        { durationMs: 300, target: 0 },
      ],
      gracefulRampDownMs: 1000,
    };
    const out = await runTest(testPlan([scenario('ramp', executor, [user('U', run)])]), deps);
    expect(c.maxRunning).toBe(4);
    expect(only(out).vusMax).toBe(4);
    const actives = seen.vus.map(([a]) => a);
    const peak = actives.indexOf(4);
    expect(peak).toBeGreaterThan(0);
    // Up one VU at a time, then down again before the end.
    expect(actives.slice(0, peak)).toEqual(expect.arrayContaining([1, 2, 3]));
    expect(actives.slice(peak)).toEqual(expect.arrayContaining([3, 2, 1, 0]));
    expect(out.durationMs).toBeLessThan(2000);
  });

  it('ramping-vus cuts a ramped-down VU short after gracefulRampDown', async () => {
    const { seen, deps } = recorder();
    // VU 2 hangs (ignoring its signal); VU 1 is quick.
    const run: FlowFn = async (ctx) => {
      await sleep(ctx.vu.id === 2 ? 5000 : 10);
    };
    const executor: ExecutorPlan = {
      type: 'ramping-vus',
      startVUs: 2,
      stages: [
        { durationMs: 200, target: 2 },
        { durationMs: 0, target: 1 },
        { durationMs: 500, target: 1 },
      ],
      gracefulRampDownMs: 100,
    };
    const out = await onFakeClock(() =>
      runTest(testPlan([scenario('rd', executor, [user('U', run)], { gracefulStopMs: 300 })]), deps),
    );
    // Not the hung VU's 5 s: it was abandoned 100 ms after the ramp-down left it out.
    expect(out.durationMs).toBeLessThan(1500);
    const s = only(out);
    expect(s.interrupted).toBe(1);
    expect(s.iterations).toBeGreaterThan(10);
    // The hung VU's signal was aborted; the quick one's was not.
    const [first, second] = seen.contexts;
    expect(first!.vu.id).toBe(1);
    expect(second!.signal.aborted).toBe(true);
    expect(seen.vus.map(([a]) => a)).toContain(1);
  });

  it('per-vu-iterations runs exactly vus × iterations, each VU its share', async () => {
    const perVu = new Map<number, number>();
    const { deps } = recorder();
    const run: FlowFn = async (ctx) => {
      perVu.set(ctx.vu.id, (perVu.get(ctx.vu.id) ?? 0) + 1);
      await sleep(2);
    };
    const out = await runTest(
      testPlan([
        scenario('pv', { type: 'per-vu-iterations', vus: 3, iterations: 4, maxDurationMs: 5000 }, [
          user('U', run),
        ]),
      ]),
      deps,
    );
    expect(only(out).iterations).toBe(12);
    expect([...perVu.values()]).toEqual([4, 4, 4]);
    expect(out.durationMs).toBeLessThan(1000);
  });

  it('slices of a run (shards, workers) number their VUs apart: together the ids of the whole run', async () => {
    const ids: number[][] = [];
    for (const index of [0, 1]) {
      const seen = new Set<number>();
      const { deps } = recorder();
      await runTest(
        testPlan([
          scenario('a', { type: 'per-vu-iterations', vus: 5, iterations: 1, maxDurationMs: 5000 }, [
            user('U', (ctx) => void seen.add(ctx.vu.id)),
          ]),
          scenario('b', { type: 'per-vu-iterations', vus: 2, iterations: 1, maxDurationMs: 5000 }, [
            user('U', (ctx) => void seen.add(ctx.vu.id)),
          ]),
        ]),
        { ...deps, share: { index, count: 2 } },
      );
      ids.push([...seen].sort((x, y) => x - y));
    }
    // 7 VUs over two slices: 4 + 3, no id twice, the ids 1…7 of the run in one process.
    expect(ids[0]).toEqual([1, 3, 5, 6]);
    expect(ids[1]).toEqual([2, 4, 7]);
  });

  it('shared-iterations runs exactly the shared total', async () => {
    const { c, run } = counted(3);
    const { deps } = recorder();
    const out = await runTest(
      testPlan([
        scenario('sh', { type: 'shared-iterations', vus: 3, iterations: 10, maxDurationMs: 5000 }, [
          user('U', run),
        ]),
      ]),
      deps,
    );
    expect(only(out).iterations).toBe(10);
    expect(c.started).toBe(10);
    expect(c.maxRunning).toBe(3);
  });

  it('stops iteration executors at maxDuration', async () => {
    const { run } = counted(20);
    const { deps } = recorder();
    const out = await runTest(
      testPlan([
        scenario('slow', { type: 'shared-iterations', vus: 1, iterations: 1000, maxDurationMs: 200 }, [
          user('U', run),
        ]),
      ]),
      deps,
    );
    expect(only(out).iterations).toBeGreaterThan(2);
    expect(only(out).iterations).toBeLessThan(15);
  });

  it('counts the iterations maxDuration left unstarted as dropped (k6), not the interrupted ones', async () => {
    for (const executor of [
      { type: 'shared-iterations', vus: 2, iterations: 100, maxDurationMs: 250 },
      { type: 'per-vu-iterations', vus: 2, iterations: 50, maxDurationMs: 250 },
    ] as const) {
      const { c, run } = counted(100);
      const { seen, deps } = recorder();
      const out = await runTest(
        testPlan([scenario('s', executor, [user('U', run)], { gracefulStopMs: 0 })]),
        deps,
      );
      expect(c.started, executor.type).toBeLessThan(100);
      expect(only(out).iterations + only(out).interrupted, executor.type).toBe(c.started);
      expect(only(out).dropped, executor.type).toBe(100 - c.started);
      expect(seen.dropped, executor.type).toBe(100 - c.started);
    }
  });
});

describe('runTest: open executors', () => {
  it('constant-arrival-rate starts ≈ rate × duration iterations', async () => {
    const { run } = counted(5);
    const { seen, deps } = recorder();
    const executor: ExecutorPlan = {
      type: 'constant-arrival-rate',
      rate: 100,
      timeUnitMs: 1000,
      durationMs: 1000,
      preAllocatedVUs: 5,
      maxVUs: 10,
      arrival: 'even',
    };
    const out = await runTest(testPlan([scenario('open', executor, [user('U', run)])]), deps);
    const s = only(out);
    expect(s.iterations + s.dropped).toBe(100);
    expect(s.iterations).toBeGreaterThanOrEqual(90);
    expect(seen.dropped).toBe(s.dropped);
    // Allocated VUs count as active in the open model.
    expect(seen.vus.some(([a, m]) => a >= 5 && m >= 5)).toBe(true);
  });

  it('counts dropped iterations when maxVUs cannot keep up', async () => {
    const { c, run } = counted(50);
    const { seen, deps } = recorder();
    const executor: ExecutorPlan = {
      type: 'constant-arrival-rate',
      rate: 200,
      timeUnitMs: 1000,
      durationMs: 600,
      preAllocatedVUs: 1,
      maxVUs: 2,
      arrival: 'even',
    };
    const out = await runTest(testPlan([scenario('slow', executor, [user('U', run)])]), deps);
    const s = only(out);
    expect(c.maxRunning).toBe(2);
    expect(s.vusMax).toBe(2);
    // Every planned arrival either ran or was dropped: 200/s × 0.6 s.
    expect(s.iterations + s.dropped + s.interrupted).toBe(120);
    expect(s.iterations).toBeLessThan(40);
    expect(s.dropped).toBeGreaterThan(70);
    expect(seen.dropped).toBe(s.dropped);
  });

  it('queue: true keeps arrivals waiting for a VU, measured from their planned start', async () => {
    const { c, run } = counted(50);
    const { seen, deps } = recorder();
    const executor: ExecutorPlan = {
      type: 'constant-arrival-rate',
      rate: 200,
      timeUnitMs: 1000,
      durationMs: 600,
      preAllocatedVUs: 1,
      maxVUs: 2,
      arrival: 'even',
      queue: true,
    };
    const out = await runTest(testPlan([scenario('slow', executor, [user('U', run)])]), deps);
    const s = only(out);
    expect(c.maxRunning).toBe(2);
    expect(s.iterations + s.dropped + s.interrupted).toBe(120);
    // Iterations that waited for a VU are measured from their planned start.
    const longest = Math.max(...seen.iterations.map((e) => e.durationMs));
    expect(longest).toBeGreaterThan(200);
  });

  it('ramping-arrival-rate follows the integral of its ramp', async () => {
    const { run } = counted(2);
    const { deps } = recorder();
    const executor: ExecutorPlan = {
      type: 'ramping-arrival-rate',
      startRate: 0,
      timeUnitMs: 1000,
      stages: [{ durationMs: 1000, target: 200 }],
      preAllocatedVUs: 5,
      maxVUs: 20,
      arrival: 'poisson',
    };
    const out = await runTest(testPlan([scenario('ramp', executor, [user('U', run)])]), deps);
    const s = only(out);
    // ∫ 0→200/s over 1 s = 100 (Poisson: ± a few standard deviations of √100).
    expect(s.iterations + s.dropped).toBeGreaterThan(70);
    expect(s.iterations + s.dropped).toBeLessThan(130);
  });
});

describe('runTest: stopping', () => {
  it('gracefulStop aborts a flow that ignores the end, and counts it interrupted', async () => {
    const { deps } = recorder();
    let returned = 0;
    const hang: FlowFn = async () => {
      await sleep(3000);
      returned++;
    };
    const out = await onFakeClock(() =>
      runTest(
        testPlan([
          scenario('hang', { type: 'constant-vus', vus: 2, durationMs: 200 }, [user('U', hang)], {
            gracefulStopMs: 200,
          }),
        ]),
        deps,
      ),
    );
    // duration + gracefulStop, not the flow's 3 s.
    expect(out.durationMs).toBeGreaterThanOrEqual(400);
    expect(out.durationMs).toBeLessThan(1000);
    expect(out.endReason).toBe('completed');
    expect(only(out)).toMatchObject({ iterations: 0, interrupted: 2 });
    expect(returned).toBe(0);
  });

  it('ends on time with a flow that never waits for I/O (the event loop still turns)', async () => {
    const { deps } = recorder();
    let n = 0;
    const ac = new AbortController();
    const out = await runTest(
      testPlan([
        scenario('sync', { type: 'constant-vus', vus: 4, durationMs: 200 }, [
          user('U', () => {
            if (++n % 3 === 0) throw new Error('sync');
          }),
        ]),
      ]),
      deps,
      ac.signal,
    );
    expect(out.endReason).toBe('completed');
    expect(out.durationMs).toBeLessThan(1500);
    expect(only(out).iterations).toBeGreaterThan(1000);
  });

  it('lets a running iteration finish within gracefulStop', async () => {
    const { deps } = recorder();
    const slow: FlowFn = () => sleep(300);
    const out = await runTest(
      testPlan([
        scenario('s', { type: 'constant-vus', vus: 1, durationMs: 100 }, [user('U', slow)], {
          gracefulStopMs: 2000,
        }),
      ]),
      deps,
    );
    expect(only(out)).toMatchObject({ iterations: 1, interrupted: 0 });
  });

  it('ends think time early when the scenario stops', async () => {
    const { run } = counted(1);
    const { deps } = recorder();
    const out = await onFakeClock(() =>
      runTest(
        testPlan([
          scenario('thinker', { type: 'constant-vus', vus: 2, durationMs: 200 }, [
            user('U', run, 1, { kind: 'constant', ms: 10_000 }),
          ]),
        ]),
        deps,
      ),
    );
    // Not the 10 s think time.
    expect(out.durationMs).toBeLessThan(1000);
    expect(only(out).iterations).toBe(2);
  });

  it('shouldAbort ends the run with threshold-abort', async () => {
    const { run } = counted(10);
    const { seen, deps } = recorder({ shouldAbort: () => ({ reason: 'http_req_failed rate<0.01' }) });
    const out = await onFakeClock(() =>
      runTest(
        testPlan([scenario('long', { type: 'constant-vus', vus: 2, durationMs: 10_000 }, [user('U', run)])]),
        deps,
      ),
    );
    expect(out.endReason).toBe('threshold-abort');
    expect(out.abortReason).toBe('http_req_failed rate<0.01');
    expect(out.durationMs).toBeLessThan(3000);
    expect(seen.ticks).toBeGreaterThanOrEqual(1);
  });

  it('shouldAbort interrupts running iterations at once (k6 cancels the run), unless graceful', async () => {
    const plan = () =>
      testPlan([
        scenario(
          'long',
          { type: 'constant-vus', vus: 2, durationMs: 10_000 },
          [user('U', counted(1500).run)],
          {
            gracefulStopMs: 30_000,
          },
        ),
      ]);
    const now = await onFakeClock(() =>
      runTest(plan(), recorder({ shouldAbort: () => ({ reason: 'crossed' }) }).deps),
    );
    expect(now.endReason).toBe('threshold-abort');
    expect(only(now)).toMatchObject({ iterations: 0, interrupted: 2 });
    const graceful = await onFakeClock(() =>
      runTest(plan(), recorder({ shouldAbort: () => ({ reason: 'crossed', graceful: true }) }).deps),
    );
    expect(only(graceful)).toMatchObject({ iterations: 2, interrupted: 0 });
  });

  it('the outer signal interrupts everything at once', async () => {
    const { run } = counted(10_000);
    const { deps } = recorder();
    const ac = new AbortController();
    const later = testPlan([
      scenario('now', { type: 'constant-vus', vus: 3, durationMs: 10_000 }, [user('U', run)], {
        gracefulStopMs: 30_000,
      }),
      scenario('later', { type: 'constant-vus', vus: 1, durationMs: 1000 }, [user('U', run)], {
        startTimeMs: 5000,
      }),
    ]);
    const out = await onFakeClock(() => {
      setTimeout(() => ac.abort(), 200);
      return runTest(later, deps, ac.signal);
    });
    expect(out.endReason).toBe('interrupted');
    // At once: not after the 30 s gracefulStop, nor the later scenario's 5 s start.
    expect(out.durationMs).toBeLessThan(1000);
    expect(out.perScenario.now).toMatchObject({ iterations: 0, interrupted: 3 });
    expect(out.perScenario.later).toMatchObject({ iterations: 0, vusMax: 0 });
  });
});

describe('runTest: scenarios, users, lifecycle', () => {
  it('startTime delays a scenario', async () => {
    const { c, run } = counted(5);
    const { deps } = recorder();
    await runTest(
      testPlan([
        scenario(
          'late',
          { type: 'per-vu-iterations', vus: 1, iterations: 1, maxDurationMs: 5000 },
          [user('U', run)],
          {
            startTimeMs: 300,
          },
        ),
      ]),
      deps,
    );
    expect(c.startTimes[0]!).toBeGreaterThanOrEqual(280);
  });

  it('runs two scenarios side by side, with their own counts and distinct VU ids', async () => {
    const a = counted(10);
    const b = counted(10);
    const { seen, deps } = recorder();
    const out = await runTest(
      testPlan([
        scenario('a', { type: 'constant-vus', vus: 2, durationMs: 400 }, [user('A', a.run)]),
        scenario(
          'b',
          { type: 'per-vu-iterations', vus: 3, iterations: 5, maxDurationMs: 5000 },
          [user('B', b.run)],
          {
            startTimeMs: 100,
          },
        ),
      ]),
      deps,
    );
    expect(out.perScenario.b!.iterations).toBe(15);
    expect(out.perScenario.a!.iterations).toBeGreaterThan(10);
    // b ran inside a's window.
    expect(b.c.startTimes[0]!).toBeLessThan(400);
    expect(seen.vus.some(([active]) => active === 5)).toBe(true);
    const ids = seen.contexts.map((x) => x.vu.id);
    expect(new Set(ids).size).toBe(5);
    expect(seen.iterations.filter((e) => e.scenario === 'b').every((e) => e.user === 'B')).toBe(true);
  });

  it('splits VUs 70/30 among user types and counts per user type', async () => {
    const { run } = counted(5);
    const { deps } = recorder();
    const out = await runTest(
      testPlan([
        scenario('mix', { type: 'per-vu-iterations', vus: 10, iterations: 2, maxDurationMs: 5000 }, [
          user('Auditor', run, 70),
          user('Heavy', run, 30),
        ]),
      ]),
      deps,
    );
    expect(only(out).users).toEqual({
      Auditor: { vus: 7, iterations: 14 },
      Heavy: { vus: 3, iterations: 6 },
    });
  });

  it('picks tasks by weight, one task per iteration', async () => {
    const picks = { read: 0, write: 0 };
    const { deps } = recorder();
    const u: UserTypePlan = {
      name: 'U',
      weight: 1,
      think: { kind: 'none' },
      tasks: [
        { name: 'read', weight: 3, run: () => void picks.read++ },
        { name: 'write', weight: 1, run: () => void picks.write++ },
      ],
    };
    await runTest(
      testPlan([
        scenario('t', { type: 'shared-iterations', vus: 4, iterations: 2000, maxDurationMs: 5000 }, [u]),
      ]),
      deps,
    );
    expect(picks.read + picks.write).toBe(2000);
    expect(picks.read / 2000).toBeGreaterThan(0.7);
    expect(picks.read / 2000).toBeLessThan(0.8);
  });

  it('keeps per-VU state and iteration numbers across iterations', async () => {
    const seenIterations: number[] = [];
    const { deps } = recorder();
    const run: FlowFn = (ctx) => {
      ctx.vu.state.n = ((ctx.vu.state.n as number | undefined) ?? 0) + 1;
      seenIterations.push(ctx.vu.iteration);
      expect(ctx.vu.state.n).toBe(ctx.vu.iteration + 1);
    };
    const out = await runTest(
      testPlan([
        scenario('st', { type: 'per-vu-iterations', vus: 1, iterations: 5, maxDurationMs: 5000 }, [
          user('U', run),
        ]),
      ]),
      deps,
    );
    expect(seenIterations).toEqual([0, 1, 2, 3, 4]);
    expect(only(out).iterations).toBe(5);
  });

  it('passes setup data to every VU and to teardown', async () => {
    const { seen, deps } = recorder();
    const dataSeen = new Set<unknown>();
    let teardownData: unknown;
    const token = { token: 'abc' };
    const out = await runTest(
      testPlan(
        [
          scenario('d', { type: 'per-vu-iterations', vus: 3, iterations: 2, maxDurationMs: 5000 }, [
            user('U', (ctx) => void dataSeen.add(ctx.data)),
          ]),
        ],
        {
          setup: ({ env }) => ({ ...token, mode: env.MODE }),
          teardown: ({ data }) => {
            teardownData = data;
          },
        },
      ),
      deps,
    );
    expect(only(out).iterations).toBe(6);
    expect([...dataSeen]).toEqual([{ token: 'abc', mode: 'test' }]);
    // The VUs' contexts (setup's and teardown's are id 0).
    expect(seen.contexts.filter((c) => c.vu.id > 0).every((c) => c.data === teardownData)).toBe(true);
    expect(teardownData).toEqual({ token: 'abc', mode: 'test' });
  });

  it('reports a throwing flow per iteration and keeps running', async () => {
    const { seen, deps } = recorder();
    let n = 0;
    const flaky: FlowFn = async () => {
      await sleep(1);
      if (n++ % 2 === 0) throw new Error('boom');
    };
    const out = await runTest(
      testPlan([
        scenario('f', { type: 'shared-iterations', vus: 2, iterations: 20, maxDurationMs: 5000 }, [
          user('U', flaky),
        ]),
      ]),
      deps,
    );
    expect(out.endReason).toBe('completed');
    expect(only(out).iterations).toBe(20);
    const failed = seen.iterations.filter((e) => !e.ok);
    expect(failed).toHaveLength(10);
    expect((failed[0]!.error as Error).message).toBe('boom');
    expect(seen.iterations.filter((e) => e.ok).every((e) => e.error === undefined)).toBe(true);
  });

  it('rejects with SQ_SCRIPT_ERROR (exit 1) when setup throws, before any load', async () => {
    const { c, run } = counted(1);
    const { deps } = recorder();
    const err = await runTest(
      testPlan([scenario('x', { type: 'constant-vus', vus: 1, durationMs: 100 }, [user('U', run)])], {
        setup: () => {
          throw new Error('no token');
        },
      }),
      deps,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SquallError);
    expect((err as SquallError).code).toBe('SQ_SCRIPT_ERROR');
    expect((err as SquallError).exitCode).toBe(1);
    expect((err as SquallError).message).toContain('setup() threw: Error: no token');
    expect(c.started).toBe(0);
  });

  it('rejects when teardown throws, carrying the outcome of the load', async () => {
    const { run } = counted(1);
    const { deps } = recorder();
    const err = await runTest(
      testPlan(
        [
          scenario('x', { type: 'per-vu-iterations', vus: 1, iterations: 3, maxDurationMs: 5000 }, [
            user('U', run),
          ]),
        ],
        {
          teardown: () => Promise.reject(new Error('cleanup failed')),
        },
      ),
      deps,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptError);
    const outcome = (err as ScriptError<RunOutcome>).outcome;
    expect(outcome?.perScenario.x?.iterations).toBe(3);
  });

  it("waits a think function's time between iterations, and rejects when it throws", async () => {
    const { run } = counted(1);
    const { deps } = recorder();
    const thinks: number[] = [];
    const out = await runTest(
      testPlan([
        scenario('t', { type: 'per-vu-iterations', vus: 1, iterations: 3, maxDurationMs: 5000 }, [
          user('U', run, 1, {
            kind: 'function',
            fn: (vu) => {
              thinks.push(vu.iteration);
              return 20;
            },
          }),
        ]),
      ]),
      deps,
    );
    expect(only(out).iterations).toBe(3);
    // No think after the last iteration: the VU leaves at once.
    expect(thinks).toEqual([1, 2]);

    const err = await runTest(
      testPlan([
        scenario('t', { type: 'constant-vus', vus: 2, durationMs: 5000 }, [
          user('U', run, 1, {
            kind: 'function',
            fn: () => {
              throw new Error('bad think');
            },
          }),
        ]),
      ]),
      deps,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptError);
    expect((err as ScriptError).phase).toBe('think');
    expect((err as ScriptError).message).toContain('bad think');
  });

  it('after a think function threw: teardown still runs, and the error carries what ran', async () => {
    const { run } = counted(1);
    const { deps } = recorder();
    let tornDown = false;
    const err = await runTest(
      testPlan(
        [
          scenario('t', { type: 'per-vu-iterations', vus: 1, iterations: 5, maxDurationMs: 5000 }, [
            user('U', run, 1, {
              kind: 'function',
              fn: (vu) => {
                if (vu.iteration === 2) throw new Error('bad think');
                return 1;
              },
            }),
          ]),
        ],
        {
          teardown: () => {
            tornDown = true;
          },
        },
      ),
      deps,
    ).catch((e: unknown) => e);
    expect(tornDown).toBe(true);
    expect(err).toBeInstanceOf(ScriptError);
    const outcome = (err as ScriptError<RunOutcome>).outcome;
    expect(outcome?.endReason).toBe('script-error');
    expect(outcome?.perScenario.t?.iterations).toBe(2);
  });

  it('rejects a plan the config should have refused, before setup', async () => {
    let setupRan = false;
    const { deps } = recorder();
    const err = await runTest(
      testPlan([scenario('empty', { type: 'constant-vus', vus: 1, durationMs: 100 }, [])], {
        setup: () => {
          setupRan = true;
        },
      }),
      deps,
    ).catch((e: unknown) => e);
    expect((err as SquallError).code).toBe('SQ_INTERNAL');
    expect(setupRan).toBe(false);
  });
});

describe('runTest: hooks (issue 18)', () => {
  /** A recorder whose contexts remember the phase they were made for. */
  function phased() {
    const phases = new Map<VuContext, string | undefined>();
    const r = recorder();
    const base = r.deps.makeContext;
    r.deps.makeContext = (info, signal, data, phase) => {
      const ctx = base(info, signal, data);
      phases.set(ctx, phase);
      return ctx;
    };
    return { ...r, phases };
  }

  it('onStart runs once per VU before its first iteration, its state lasts; onStop once per VU at the end', async () => {
    const { deps, seen, phases } = phased();
    const log: string[] = [];
    const u: UserTypePlan = {
      ...user('U', (ctx) => {
        log.push(`run ${ctx.vu.id} ${String(ctx.vu.state.sid)} ${phases.get(ctx) ?? '-'}`);
      }),
      onStart: (ctx) => {
        ctx.vu.state.sid = `s${ctx.vu.id}`;
        log.push(`onStart ${ctx.vu.id} ${phases.get(ctx)}`);
      },
      onStop: (ctx) => {
        log.push(`onStop ${ctx.vu.id} ${String(ctx.vu.state.sid)} ${phases.get(ctx)}`);
      },
    };
    const out = await onFakeClock(() =>
      runTest(
        testPlan([
          scenario('s', { type: 'per-vu-iterations', vus: 2, iterations: 3, maxDurationMs: 5000 }, [u]),
        ]),
        deps,
      ),
    );
    expect(only(out).iterations).toBe(6);
    for (const id of [1, 2]) {
      const mine = log.filter((l) => l.split(' ')[1] === String(id));
      expect(mine).toEqual([
        `onStart ${id} onStart`,
        ...Array(3).fill(`run ${id} s${id} -`),
        `onStop ${id} s${id} onStop`,
      ]);
    }
    expect(seen.iterations.every((e) => e.ok)).toBe(true);
  });

  it('a VU that a ramp-down retires runs its onStop then, not at the end of the scenario', async () => {
    const { deps } = phased();
    const stops = new Map<number, number>();
    let t0 = 0;
    const u: UserTypePlan = {
      ...user('U', (ctx) => sleep(20, ctx.signal)),
      onStop: (ctx) => {
        stops.set(ctx.vu.id, performance.now() - t0);
      },
    };
    const executor: ExecutorPlan = {
      type: 'ramping-vus',
      startVUs: 2,
      stages: [
        { durationMs: 300, target: 2 },
        { durationMs: 10, target: 1 },
        { durationMs: 300, target: 1 },
      ],
      gracefulRampDownMs: 1000,
    };
    await onFakeClock(() => {
      t0 = performance.now();
      return runTest(testPlan([scenario('s', executor, [u])]), deps);
    });
    expect([...stops.keys()].sort()).toEqual([1, 2]);
    expect(stops.get(2)!).toBeLessThan(400);
    expect(stops.get(1)!).toBeGreaterThanOrEqual(600);
  });

  it('an onStart that throws fails that iteration (the task does not run) and runs again next time', async () => {
    const { deps, seen } = phased();
    let starts = 0;
    let runs = 0;
    const u: UserTypePlan = {
      ...user('U', () => {
        runs++;
      }),
      onStart: () => {
        if (++starts === 1) throw new Error('login refused');
      },
    };
    await onFakeClock(() =>
      runTest(
        testPlan([
          scenario('s', { type: 'per-vu-iterations', vus: 1, iterations: 3, maxDurationMs: 5000 }, [u]),
        ]),
        deps,
      ),
    );
    expect(starts).toBe(2);
    expect(runs).toBe(2);
    expect(seen.iterations.map((e) => e.ok)).toEqual([false, true, true]);
    expect(seen.iterations[0]).toMatchObject({ phase: 'onStart' });
    expect(String((seen.iterations[0]!.error as Error).message)).toBe('login refused');
  });

  it('an interrupt skips onStop; teardown still runs, with a context of its own', async () => {
    const { deps } = phased();
    const stops: number[] = [];
    let teardownSignal: AbortSignal | undefined;
    const controller = new AbortController();
    const u: UserTypePlan = {
      ...user('U', (ctx) => sleep(50, ctx.signal)),
      onStop: (ctx) => {
        stops.push(ctx.vu.id);
      },
    };
    const out = await onFakeClock(() => {
      setTimeout(() => controller.abort(), 120);
      return runTest(
        testPlan([scenario('s', { type: 'constant-vus', vus: 2, durationMs: 5000 }, [u])], {
          teardown: (ctx) => {
            teardownSignal = ctx.signal;
          },
        }),
        deps,
        controller.signal,
      );
    });
    expect(out.endReason).toBe('interrupted');
    expect(stops).toEqual([]);
    expect(teardownSignal?.aborted).toBe(false);
  });

  it('a setup that throws stops the run before any load, as a ScriptError', async () => {
    const { deps, seen } = phased();
    const plan = testPlan(
      [
        scenario('s', { type: 'per-vu-iterations', vus: 1, iterations: 1, maxDurationMs: 5000 }, [
          user('U', () => {}),
        ]),
      ],
      {
        setup: () => {
          throw new Error('no login');
        },
        hookStyle: 'flow',
      },
    );
    const e = await runTest(plan, deps).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ScriptError);
    expect((e as ScriptError).message).toBe('the before: flow failed: Error: no login');
    expect(seen.iterations).toHaveLength(0);
  });
});
