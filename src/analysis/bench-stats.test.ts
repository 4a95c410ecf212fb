import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import {
  BIMODAL_THRESHOLD,
  benchStats,
  bimodalityCoefficient,
  hasTwoModes,
  tCritical95,
  tukeyOutliers,
} from './bench-stats.js';
import { quantileSorted, sortedCopy } from './quantile.js';

/** Roughly normal around `mean` with SD `sd`: the sum of 12 uniforms less 6 (Irwin–Hall). */
function normalish(rng: Rng, n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, () => {
    let s = -6;
    for (let i = 0; i < 12; i++) s += rng.next();
    return mean + sd * s;
  });
}

describe('quantiles (type 7, as R and NumPy)', () => {
  it('interpolates between ranks', () => {
    const s = sortedCopy([9, 2, 4, 4, 5, 5, 7, 4]);
    expect([...s]).toEqual([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(quantileSorted(s, 0.5)).toBe(4.5);
    expect(quantileSorted(s, 0.75)).toBeCloseTo(5.5, 12); // h = 5.25
    expect(quantileSorted(s, 0.99)).toBeCloseTo(8.86, 12); // h = 6.93
    expect(quantileSorted(s, 0)).toBe(2);
    expect(quantileSorted(s, 1)).toBe(9);
    expect(() => quantileSorted([], 0.5)).toThrow(/no values/);
  });
});

describe("Student's t, two-sided 95 %", () => {
  it('reads the table and interpolates in 1/df towards 1.96', () => {
    expect(tCritical95(1)).toBe(12.7062);
    expect(tCritical95(7)).toBe(2.3646);
    expect(tCritical95(30)).toBe(2.0423);
    // Exact values: t(0.975, 50) = 2.00856, t(0.975, 1000) = 1.96234.
    expect(tCritical95(50)).toBeCloseTo(2.0086, 3);
    expect(tCritical95(1000)).toBeCloseTo(1.9623, 3);
    expect(tCritical95(Number.POSITIVE_INFINITY)).toBe(1.96);
    expect(() => tCritical95(0)).toThrow(/at least 1 degree/);
  });
});

describe('bench statistics', () => {
  it('matches the hand-computed figures of a small sample set', () => {
    const s = benchStats([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s).toMatchObject({ samples: 8, mean: 5, median: 4.5, min: 2, max: 9, opsPerSec: 200 });
    expect(s.p75).toBeCloseTo(5.5, 12);
    expect(s.p99).toBeCloseTo(8.86, 12);
    // Σ(x − 5)² = 32, so SD = √(32/7); MOE = t(7) · SD / √8 = 2.3646 · 2.13809 / 2.82843.
    expect(s.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(s.moe).toBeCloseTo(1.78747, 4);
    expect(s.rme).toBeCloseTo(0.357494, 4);
    expect(s.noisy).toBe(true);
    expect(s.bimodality).toBeUndefined(); // too few samples to say
    expect(s.bimodal).toBe(false);
  });

  it('has no spread, margin or noise verdict to give from one sample', () => {
    const s = benchStats([3]);
    expect(s).toMatchObject({ samples: 1, mean: 3, median: 3, p99: 3, sd: null, moe: null, rme: null });
    expect(s.noisy).toBe(true);
  });

  it('refuses no samples and impossible times', () => {
    expect(() => benchStats([])).toThrow(/at least one sample/);
    expect(() => benchStats([1, Number.NaN])).toThrow(/finite number/);
    expect(() => benchStats([1, -1])).toThrow(/≥ 0 ms/);
  });

  it('flags a wide margin of error as noisy, at the threshold given', () => {
    const quiet = benchStats(normalish(new Rng(1), 100, 1, 0.01));
    expect(quiet.rme!).toBeLessThan(0.05);
    expect(quiet.noisy).toBe(false);
    const loud = benchStats(normalish(new Rng(2), 10, 1, 0.3));
    expect(loud.rme!).toBeGreaterThan(0.05);
    expect(loud.noisy).toBe(true);
    expect(benchStats(normalish(new Rng(1), 100, 1, 0.01), { noisyRme: quiet.rme! / 2 }).noisy).toBe(true);
  });
});

describe("Tukey's fences", () => {
  it('counts mild and severe outliers on each side', () => {
    const s = sortedCopy([1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 35, 60]);
    // Q1 = 12.25, Q3 = 18.75, IQR = 6.5: mild fences 2.5 and 28.5, severe −7.25 and 38.25.
    expect(tukeyOutliers(s)).toEqual({
      q1: 12.25,
      q3: 18.75,
      iqr: 6.5,
      low: 1,
      high: 2,
      lowSevere: 0,
      highSevere: 1,
    });
  });
});

describe('bimodality', () => {
  it("is Sarle's coefficient from bias-corrected skewness and kurtosis", () => {
    // [1,2,3,4]: skew 0, excess kurtosis −1.2 (Excel KURT), so BC = 1 / (−1.2 + 13.5).
    expect(bimodalityCoefficient([1, 2, 3, 4])).toBeCloseTo(1 / 12.3, 10);
    // [1,2,3,10]: skew 1.763633 (Excel SKEW), excess kurtosis 3.228.
    expect(bimodalityCoefficient([1, 2, 3, 10])).toBeCloseTo((1.763633 ** 2 + 1) / (3.228 + 13.5), 5);
    expect(bimodalityCoefficient([1, 2, 3])).toBeUndefined();
    expect(bimodalityCoefficient([5, 5, 5, 5, 5])).toBeUndefined();
  });

  it('flags two populations and not one', () => {
    const rng = new Rng(7);
    const two = [...normalish(rng, 40, 1, 0.02), ...normalish(rng, 40, 2, 0.02)];
    const s = benchStats(two);
    expect(s.bimodality!).toBeGreaterThan(BIMODAL_THRESHOLD);
    expect(s.bimodal).toBe(true);
    const one = benchStats(normalish(new Rng(8), 200, 1, 0.05));
    expect(one.bimodality!).toBeLessThan(0.45); // about 1/3 for a normal distribution
    expect(one.bimodal).toBe(false);
  });

  it('does not read a couple of stray GC pauses as a second mode', () => {
    const samples = [...normalish(new Rng(9), 100, 1, 0.02), 40, 45];
    expect(bimodalityCoefficient(samples)!).toBeGreaterThan(BIMODAL_THRESHOLD);
    const s = benchStats(samples);
    expect(s.outliers.highSevere).toBe(2);
    expect(s.bimodal).toBe(false);
  });

  it('does not read one skewed peak (the right tail of timings) as two', () => {
    const rng = new Rng(12);
    // Log-normal: one peak and a long right tail; Sarle's coefficient alone calls it bimodal.
    const skewed = Array.from({ length: 400 }, () => Math.exp(0.6 * normalish(rng, 1, 0, 1)[0]!));
    expect(bimodalityCoefficient(skewed)!).toBeGreaterThan(BIMODAL_THRESHOLD);
    expect(hasTwoModes(Float64Array.from(skewed).sort())).toBe(false);
    expect(benchStats(skewed).bimodal).toBe(false);
  });

  it('does not flag two levels closer than 2 % of the median (a clock step, not a second result)', () => {
    const samples = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 2 : 2.01));
    expect(bimodalityCoefficient(samples)!).toBeGreaterThan(BIMODAL_THRESHOLD);
    expect(benchStats(samples).bimodal).toBe(false);
  });

  it('claims no shape for a function that reads 0 (faster than squall can time)', () => {
    const samples = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 1e-7 : 0));
    expect(hasTwoModes(Float64Array.from(samples).sort())).toBe(false);
  });

  it('does not call a few per cent of disturbed samples a second mode', () => {
    // 8 % slowed by another process: more than strays, less than a population.
    const samples = [...normalish(new Rng(13), 92, 1, 0.02), ...normalish(new Rng(14), 8, 3, 0.02)];
    expect(benchStats(samples).bimodality!).toBeGreaterThan(BIMODAL_THRESHOLD);
    expect(benchStats(samples).bimodal).toBe(false);
  });

  it('keeps a cluster that is more than strays, and flags it', () => {
    const samples = [...normalish(new Rng(10), 80, 1, 0.02), ...normalish(new Rng(11), 20, 5, 0.02)];
    const s = benchStats(samples);
    expect(s.outliers.highSevere).toBe(20);
    expect(s.bimodal).toBe(true);
  });
});
