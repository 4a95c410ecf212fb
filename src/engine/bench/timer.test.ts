import { describe, expect, it } from 'vitest';
import { batchSize, MAX_BATCH, MIN_SAMPLE_NS, targetSampleNs } from './batch-size.js';
import { calibrateTimer, runBatch, runBatchAsync, sink } from './timer.js';

describe('bench timer', () => {
  it('calibrates once per process, with finite non-negative costs and a positive resolution', async () => {
    const a = await calibrateTimer();
    expect(await calibrateTimer()).toBe(a);
    expect(a.resolutionNs).toBeGreaterThan(0);
    for (const v of [a.readCostNs, a.loopOverheadNs, a.asyncLoopOverheadNs]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
    }
  });

  it('runs a batch of exactly k calls with the argument and keeps the last result in the sink', async () => {
    const seen: number[] = [];
    runBatch((x: number) => seen.push(x), 7, 5);
    expect(seen).toEqual([7, 7, 7, 7, 7]);
    expect(sink.value).toBe(5);
    let active = 0;
    let most = 0;
    const result = { r: 1 };
    await runBatchAsync(
      async () => {
        most = Math.max(most, ++active);
        await new Promise((r) => setImmediate(r));
        active--;
        return result;
      },
      undefined,
      4,
    );
    expect(most).toBe(1);
    expect(sink.value).toBe(result);
  });
});

describe('batching rule', () => {
  const timer = { resolutionNs: 1, readCostNs: 20, loopOverheadNs: 1, asyncLoopOverheadNs: 30 };

  it('makes a sample at least 1 ms and at least 1000 clock steps and 1000 clock reads', () => {
    expect(targetSampleNs(timer)).toBe(MIN_SAMPLE_NS);
    expect(targetSampleNs({ ...timer, resolutionNs: 10_000 })).toBe(10_000_000);
    expect(targetSampleNs({ ...timer, readCostNs: 3000 })).toBe(3_000_000);
  });

  it('batches cheap calls, runs slow ones alone, and bounds a call that costs nothing', () => {
    expect(batchSize(10, 1e6)).toBe(100_000);
    expect(batchSize(3, 1e6)).toBe(333_334);
    expect(batchSize(2e6, 1e6)).toBe(1);
    expect(batchSize(0, 1e6)).toBe(MAX_BATCH);
  });
});
