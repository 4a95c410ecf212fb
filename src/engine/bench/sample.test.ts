import { describe, expect, it } from 'vitest';
import type { TimerInfo } from './raw.js';
import { sampleFunction } from './sample.js';
import { sink } from './timer.js';

/** A clock that only moves when told: the arithmetic can be checked exactly. */
function fakeClock() {
  let t = 0n;
  return { read: () => t, advance: (ns: number) => (t += BigInt(ns)) };
}
const freeTimer: TimerInfo = { resolutionNs: 1, readCostNs: 0, loopOverheadNs: 0, asyncLoopOverheadNs: 0 };
const short = { time: 20, warmup: { time: 5 }, memory: false } as const;

describe('sampleFunction', () => {
  it('batches a trivial function: several calls per sample, all counted', async () => {
    const raw = await sampleFunction(() => 1, short);
    expect(raw.error).toBeNull();
    expect(raw.async).toBe(false);
    expect(raw.iterationsPerSample).toBeGreaterThan(1);
    expect(raw.samples.length).toBeGreaterThanOrEqual(5);
    expect(raw.totalIterations).toBe(raw.samples.length * raw.iterationsPerSample);
    expect(raw.warmupIterations).toBeGreaterThan(0);
    expect(raw.samples.every((s) => Number.isFinite(s) && s >= 0)).toBe(true);
  });

  it('keeps the function result alive in the sink', async () => {
    const value = { kept: true };
    await sampleFunction(() => value, { ...short, time: 5 });
    expect(sink.value).toBe(value);
  });

  it('sizes batches by the rule and leaves setup and teardown out of the timed region', async () => {
    // Each call costs 1000 ns of fake time; setup and teardown each cost a fake second.
    const clock = fakeClock();
    const raw = await sampleFunction(() => clock.advance(1000), {
      clock: clock.read,
      timer: freeTimer,
      iterations: 10_000,
      warmup: { iterations: 5000 },
      memory: false,
      setup: () => clock.advance(1e9),
      teardown: () => clock.advance(1e9),
    });
    expect(raw.error).toBeNull();
    // Target 1 ms / 1000 ns per call = 1000 calls per sample, 10 samples of 0.001 ms per call.
    expect(raw.iterationsPerSample).toBe(1000);
    expect(raw.samples).toEqual(Array(10).fill(0.001));
    expect(raw.totalIterations).toBe(10_000);
  });

  it('stops a time-bounded run when the time is used, with at least minSamples samples', async () => {
    const clock = fakeClock();
    const raw = await sampleFunction(() => clock.advance(400_000), {
      clock: clock.read,
      timer: freeTimer,
      time: 100,
      minSamples: 5,
      warmup: false,
      memory: false,
    });
    // 400 µs per call: 3 calls per 1 ms sample = 1.2 ms of fake time each; 100 ms -> 84 samples.
    expect(raw.iterationsPerSample).toBe(3);
    expect(raw.samples.length).toBe(84);
    const slow = await sampleFunction(() => clock.advance(5e8), {
      clock: clock.read,
      timer: freeTimer,
      time: 100,
      warmup: false,
      memory: false,
    });
    expect(slow.iterationsPerSample).toBe(1);
    expect(slow.samples.length).toBe(5);
  });

  it('awaits an async function: one call at a time, the result of the await kept', async () => {
    let active = 0;
    let most = 0;
    let calls = 0;
    const raw = await sampleFunction(
      async () => {
        most = Math.max(most, ++active);
        calls++;
        await new Promise((r) => setImmediate(r));
        active--;
        return 'done';
      },
      { iterations: 20, warmup: false, memory: false },
    );
    expect(raw.error).toBeNull();
    expect(raw.async).toBe(true);
    expect(most).toBe(1);
    expect(calls).toBe(raw.warmupIterations + raw.totalIterations);
    expect(raw.totalIterations).toBeGreaterThanOrEqual(20);
    expect(sink.value).toBe('done');
  });

  it("passes setup's value to every call, setup first and once, teardown last with the same value", async () => {
    const events: string[] = [];
    const state = { id: 'state' };
    const seen = new Set<unknown>();
    await sampleFunction(
      (s) => {
        if (events.at(-1) !== 'fn') events.push('fn');
        seen.add(s);
      },
      {
        ...short,
        time: 5,
        setup: async () => {
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

  it('returns what the function throws as an error result and still runs teardown', async () => {
    let calls = 0;
    let tornDown = false;
    const raw = await sampleFunction(
      () => {
        if (++calls === 50) throw new Error('boom');
      },
      { ...short, teardown: () => (tornDown = true) },
    );
    expect(raw.error?.message).toBe('Error: boom');
    expect(raw.error?.phase).toBe('warmup');
    expect(tornDown).toBe(true);

    const rejected = await sampleFunction(() => Promise.reject(new TypeError('nope')), short);
    expect(rejected.error).toMatchObject({ phase: 'warmup', message: 'TypeError: nope' });
  });

  it('reports an error while sampling with the samples taken before it', async () => {
    const clock = fakeClock();
    let calls = 0;
    const raw = await sampleFunction(
      () => {
        clock.advance(1e6);
        if (++calls === 8) throw new Error('late');
      },
      { clock: clock.read, timer: freeTimer, iterations: 100, warmup: false, memory: false },
    );
    // Call 1 tells sync from async, call 2 picks k = 1, calls 3..7 are samples, call 8 throws.
    expect(raw.error).toMatchObject({ phase: 'sample', message: 'Error: late' });
    expect(raw.samples.length).toBe(5);
    expect(raw.warmupIterations).toBe(2);
  });

  it('reports a setup error without calling the function or teardown', async () => {
    let calls = 0;
    let tornDown = false;
    const raw = await sampleFunction(() => calls++, {
      ...short,
      setup: () => {
        throw new Error('no db');
      },
      teardown: () => (tornDown = true),
    });
    expect(raw.error).toMatchObject({ phase: 'setup', message: 'Error: no db' });
    expect(calls).toBe(0);
    expect(tornDown).toBe(false);
  });

  it('estimates heap bytes per operation as a non-negative number or null, and says whether gc was exposed', async () => {
    const raw = await sampleFunction(() => new Array(64).fill(0), { time: 10, warmup: { time: 5 } });
    expect(raw.gcExposed).toBe(typeof globalThis.gc === 'function');
    expect(raw.heapBytesPerOp === null || raw.heapBytesPerOp >= 0).toBe(true);
  });
});
