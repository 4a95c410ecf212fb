import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { sampleConcurrent } from './concurrency.js';

/** An async function that counts its calls in flight and the most seen at once. */
function counted(ms = 1) {
  const c = { active: 0, most: 0, started: 0 };
  const fn = async (): Promise<void> => {
    c.started++;
    c.most = Math.max(c.most, ++c.active);
    await sleep(ms);
    c.active--;
  };
  return { c, fn };
}

describe('sampleConcurrent', () => {
  it('keeps exactly N calls in flight, never more, and counts what completed', async () => {
    const { c, fn } = counted();
    const raw = await sampleConcurrent(fn, { concurrency: 5, time: 30, warmup: { time: 10 } });
    expect(raw.error).toBeNull();
    expect(c.most).toBe(5);
    expect(raw.peakInFlight).toBe(5);
    expect(c.active).toBe(0);
    expect(raw.completed).toBe(raw.latencies.length);
    expect(raw.completed).toBeGreaterThan(0);
    expect(c.started).toBe(raw.completed + raw.warmupIterations);
    expect(raw.opsPerSecond).toBeCloseTo((raw.completed * 1000) / raw.windowMs, 9);
    expect(raw.latencies.every((l) => Number.isFinite(l) && l >= 0)).toBe(true);
  });

  it('starts exactly the calls asked for in iterations mode', async () => {
    const { c, fn } = counted();
    const raw = await sampleConcurrent(fn, { concurrency: 4, iterations: 23, warmup: false });
    expect(c.started).toBe(23);
    expect(raw.completed).toBe(23);
    expect(c.most).toBe(4);
  });

  it('never exceeds N even when N is larger than the calls asked for', async () => {
    const { c, fn } = counted();
    const raw = await sampleConcurrent(fn, { concurrency: 50, iterations: 7, warmup: false });
    expect(c.most).toBe(7);
    expect(raw.peakInFlight).toBe(7);
  });

  it('runs a sync function too, one call at a time in effect', async () => {
    let calls = 0;
    const raw = await sampleConcurrent(() => calls++, { concurrency: 3, iterations: 12, warmup: false });
    expect(raw.error).toBeNull();
    expect(calls).toBe(12);
    expect(raw.completed).toBe(12);
  });

  it("passes setup's value to every call and tears down last", async () => {
    const events: string[] = [];
    const state = { id: 1 };
    const seen = new Set<unknown>();
    await sampleConcurrent(
      async (s) => {
        if (events.at(-1) !== 'fn') events.push('fn');
        seen.add(s);
        await sleep(1);
      },
      {
        concurrency: 3,
        iterations: 9,
        warmup: { iterations: 3 },
        setup: () => {
          events.push('setup');
          return state;
        },
        teardown: (s) => {
          events.push(s === state ? 'teardown(state)' : 'teardown(?)');
        },
      },
    );
    expect(events).toEqual(['setup', 'fn', 'teardown(state)']);
    expect([...seen]).toEqual([state]);
  });

  it('returns an error result on the first throw, starts no call after it, keeps what was recorded', async () => {
    let calls = 0;
    let failedAt = -1;
    let startedAfter = 0;
    let tornDown = false;
    const raw = await sampleConcurrent(
      async () => {
        if (failedAt >= 0) startedAfter++;
        const me = ++calls;
        await sleep(1);
        if (me === 10) {
          failedAt = me;
          throw new Error('pool exhausted');
        }
      },
      { concurrency: 4, iterations: 100, warmup: false, teardown: () => (tornDown = true) },
    );
    expect(raw.error).toMatchObject({ phase: 'sample', message: 'Error: pool exhausted' });
    expect(startedAfter).toBe(0);
    expect(raw.completed).toBe(raw.latencies.length);
    expect(raw.completed).toBeLessThan(calls);
    expect(tornDown).toBe(true);
  });

  it('rejects a concurrency that is not a whole number of at least 1', async () => {
    await expect(sampleConcurrent(() => 0, { concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(sampleConcurrent(() => 0, { concurrency: 2.5 })).rejects.toThrow(/concurrency/);
  });
});
