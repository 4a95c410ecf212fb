import { describe, expect, it } from 'vitest';
import type { TestPlan } from '../../engine/plan.js';
import type { ResultDocument, TimelinePoint } from '../../result/schema.js';
import type { VuContext } from '../../script-api/vu-context.js';
import { autoWorkers, parseWorkers } from './count.js';
import { LiveTimeline, recentFrame } from './frame.js';
import { setupOnce } from './setup-once.js';
import { markScenarios, stuckScenario, whereBuffer } from './stuck.js';

function point(t: number, requests: number): TimelinePoint {
  return { t, rps: requests, p50: 1, p95: 2, p99: 3, errors: 0, vus: 1, requests, histogram: `h${t}` };
}

/** A worker's document of `seconds` seconds, with the exact parts of each second's histogram. */
function frameDoc(seconds: number): ResultDocument {
  const timeline = Array.from({ length: seconds }, (_, i) => point(i + 1, 10 * (i + 1)));
  const exact: Record<string, [number, number, number]> = { 'metrics.http_req_duration': [1, 1, 1] };
  timeline.forEach((_, i) => {
    exact[`timeline.${i}`] = [i, i, i];
    exact[`endpoints.GET GET /a.timeline.${i}`] = [100 + i, i, i];
  });
  return {
    timeline,
    endpoints: [{ name: 'GET /a', method: 'GET', timeline: timeline.map((p) => ({ ...p })) }],
    shard: { index: 0, count: 2, merged: [0], test: 'x', startAt: null, sources: {}, exact },
  } as unknown as ResultDocument;
}

describe('recentFrame', () => {
  it('keeps the last seconds, run-wide and per endpoint, with their exact parts renumbered', () => {
    const f = recentFrame(frameDoc(5), 2);
    expect(f.timeline.map((p) => p.t)).toEqual([4, 5]);
    expect(f.endpoints[0]!.timeline!.map((p) => p.t)).toEqual([4, 5]);
    expect(f.shard!.exact).toEqual({
      'metrics.http_req_duration': [1, 1, 1],
      'timeline.0': [3, 3, 3],
      'timeline.1': [4, 4, 4],
      'endpoints.GET GET /a.timeline.0': [103, 3, 3],
      'endpoints.GET GET /a.timeline.1': [104, 4, 4],
    });
  });

  it('leaves a short document as it is', () => {
    const d = frameDoc(2);
    expect(recentFrame(d, 3)).toBe(d);
  });
});

describe('LiveTimeline', () => {
  const frame = (points: TimelinePoint[]) =>
    ({
      timeline: points,
      endpoints: [
        { name: 'GET /a', method: 'GET', timeline: points.map((p) => ({ ...p, requests: p.requests! + 1 })) },
      ],
    }) as unknown as ResultDocument;

  it('keeps every second seen, run-wide and per endpoint, the latest frame winning for a second sent twice', () => {
    const live = new LiveTimeline();
    live.update(frame([point(1, 10), point(2, 5)]));
    const doc = live.update(frame([point(2, 20), point(3, 30)]));
    expect(doc.timeline.map((p) => [p.t, p.requests])).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    expect(doc.endpoints[0]!.timeline!.map((p) => [p.t, p.requests])).toEqual([
      [1, 11],
      [2, 21],
      [3, 31],
    ]);
  });
});

describe('--workers', () => {
  it('auto: the free cores, at least one', () => {
    expect(autoWorkers(8, 0.2)).toBe(8);
    expect(autoWorkers(8, 2.6)).toBe(5);
    expect(autoWorkers(2, 4.5)).toBe(1);
  });

  it('N, auto, or a clear exit-2 message naming the flag', () => {
    expect(parseWorkers(undefined)).toBeUndefined();
    expect(parseWorkers('3')).toBe(3);
    expect(parseWorkers('auto')).toBeGreaterThanOrEqual(1);
    for (const bad of ['0', '-1', '1.5', 'two', '100000']) {
      expect(() => parseWorkers(bad)).toThrow(expect.objectContaining({ code: 'SQ_USAGE_BAD_FLAG' }));
      expect(() => parseWorkers(bad)).toThrow(`--workers "${bad}"`);
    }
  });
});

/** A plan with setup and teardown that count their calls (the rest as the runner needs none of it here). */
function hookPlan(calls: string[]): TestPlan {
  return {
    setup: async () => {
      calls.push('setup');
      return { token: 't' };
    },
    teardown: async () => {
      calls.push('teardown');
    },
    scenarios: [],
  } as unknown as TestPlan;
}

const ctx = {} as VuContext;

describe('setupOnce', () => {
  it('worker 0 runs setup and shares its data; teardown waits for every load', async () => {
    const calls: string[] = [];
    const shared: unknown[] = [];
    let release!: () => void;
    const allEnded = new Promise<void>((r) => {
      release = r;
    });
    const plan = setupOnce(hookPlan(calls), 0, {
      shareData: (d) => shared.push(d),
      data: () => Promise.reject(new Error('not for worker 0')),
      loadEnded: () => calls.push('loadEnded'),
      allLoadsEnded: () => allEnded,
    });
    expect(await plan.setup!(ctx)).toEqual({ token: 't' });
    expect(shared).toEqual([{ token: 't' }]);
    const td = plan.teardown!(ctx) as Promise<unknown>;
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(['setup', 'loadEnded']);
    release();
    await td;
    expect(calls).toEqual(['setup', 'loadEnded', 'teardown']);
  });

  it("the other workers take worker 0's data and never run setup or teardown", async () => {
    const calls: string[] = [];
    const plan = setupOnce(hookPlan(calls), 1, {
      shareData: () => calls.push('shared'),
      data: async () => ({ token: 'from worker 0' }),
      loadEnded: () => calls.push('loadEnded'),
      allLoadsEnded: async () => {},
    });
    expect(await plan.setup!(ctx)).toEqual({ token: 'from worker 0' });
    await plan.teardown!(ctx);
    expect(calls).toEqual(['loadEnded']);
  });
});

describe('stuck scenario', () => {
  it('names the scenario whose code the worker entered last', async () => {
    const where = whereBuffer();
    const user = (name: string) => ({
      name,
      weight: 1,
      think: { kind: 'none' as const },
      tasks: [{ name: 'default', weight: 1, run: async () => {} }],
    });
    const plan = markScenarios(
      {
        scenarios: [
          { name: 'a', users: [user('U')] },
          { name: 'b', users: [user('V')] },
        ],
      } as unknown as TestPlan,
      new Int32Array(where),
    );
    expect(stuckScenario(['a', 'b'], where)).toBeUndefined();
    await plan.scenarios[1]!.users[0]!.tasks[0]!.run(ctx);
    expect(stuckScenario(['a', 'b'], where)).toBe('b');
    await plan.scenarios[0]!.users[0]!.tasks[0]!.run(ctx);
    expect(stuckScenario(['a', 'b'], where)).toBe('a');
  });
});
