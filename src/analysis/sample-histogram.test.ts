import { describe, expect, it } from 'vitest';
import { sampleHistogram } from './sample-histogram.js';

describe('sampleHistogram', () => {
  it('counts every sample once, in bins between the fences', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 1 + (i % 10) / 10);
    const h = sampleHistogram(samples, 10)!;
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(100);
    expect(h.fromMs).toBe(1);
    expect(h.toMs).toBeCloseTo(1.9);
    // Ten values, ten of each: one bin per value but the last two share the top bin.
    expect(h.counts.slice(0, 8)).toEqual([10, 10, 10, 10, 10, 10, 10, 10]);
  });

  it('keeps a far outlier from squeezing the rest into one bin', () => {
    const samples = [...Array.from({ length: 99 }, (_, i) => 1 + (i % 9) / 100), 1000];
    const h = sampleHistogram(samples, 9)!;
    expect(h.toMs).toBeLessThan(2);
    expect(h.counts.filter((c) => c > 0).length).toBeGreaterThan(5);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('puts identical samples in one bin and has nothing for no samples', () => {
    expect(sampleHistogram([2, 2, 2], 4)).toEqual({ fromMs: 2, toMs: 2, counts: [3, 0, 0, 0] });
    expect(sampleHistogram([])).toBeNull();
  });
});
