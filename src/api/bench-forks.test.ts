import { describe, expect, it } from 'vitest';
import { forkFigure, mergeForkBenches, mergeForkComplexity } from './bench-forks.js';
import type { BenchMsg, ComplexityMsg } from './bench-section.js';

const timer = { resolutionNs: 20, readCostNs: 25, loopOverheadNs: 0.3, asyncLoopOverheadNs: 40 };

function serial(name: string, samples: number[], iterationsPerSample: number, heap: number | null): BenchMsg {
  return {
    type: 'bench',
    file: 'a.bench.ts',
    group: null,
    name,
    concurrency: 1,
    budget: [],
    speedup: null,
    raw: {
      kind: 'serial',
      samples,
      iterationsPerSample,
      totalIterations: samples.length * iterationsPerSample,
      warmupIterations: 10,
      async: false,
      heapBytesPerOp: heap,
      gcExposed: true,
      timer,
      error: null,
    },
  };
}

describe('merging what several bench processes measured', () => {
  it('pools the samples and keeps each process own mean and median, in order', () => {
    const [m] = mergeForkBenches([[serial('x', [1, 2, 6], 100, 64)], [serial('x', [4, 4], 50, 48)]]);
    expect(m!.raw.kind).toBe('serial');
    if (m!.raw.kind !== 'serial') return;
    expect(m!.raw.samples).toEqual([1, 2, 6, 4, 4]);
    expect(m!.raw.totalIterations).toBe(400);
    expect(m!.raw.iterationsPerSample).toBe(80);
    expect(m!.raw.warmupIterations).toBe(20);
    expect(m!.raw.heapBytesPerOp).toBe(48);
    expect(m!.forks).toEqual([
      { samples: 3, mean: 3, median: 2 },
      { samples: 2, mean: 4, median: 4 },
    ]);
  });

  it('keeps the order of the first process, and a bench only a later process reached', () => {
    const merged = mergeForkBenches([
      [serial('a', [1], 1, null)],
      [serial('a', [2], 1, null), serial('b', [3], 1, null)],
    ]);
    expect(merged.map((m) => [m.name, m.forks?.length])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('has no figure for a process that took no sample', () => {
    expect(forkFigure([])).toBeNull();
    const [m] = mergeForkBenches([[serial('x', [], 1, null)], [serial('x', [5], 1, null)]]);
    expect(m!.forks).toEqual([{ samples: 1, mean: 5, median: 5 }]);
  });

  it('a complexity fit keeps each size its fastest process time', () => {
    const c = (timesMs: number[]): ComplexityMsg => ({
      type: 'complexity',
      file: 'a.bench.ts',
      group: null,
      name: 'sort',
      sizes: [10, 20, 40],
      timesMs,
      expect: null,
      error: null,
    });
    const [m] = mergeForkComplexity([[c([1, 3, 8])], [c([2, 2, 9])]]);
    expect(m!.timesMs).toEqual([1, 2, 8]);
  });
});
