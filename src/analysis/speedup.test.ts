import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { formatSpeedup, speedup } from './speedup.js';

/** n sample times around `ms`, each off by a uniform relative error of up to ±`noise`. */
function samples(seed: number, n: number, ms: number, noise: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => ms * (1 + noise * (2 * rng.next() - 1)));
}

describe('speedup', () => {
  it('is the ratio of the medians', () => {
    expect(speedup([10, 20, 30, 1000], [1, 2, 3, 2]).factor).toBe(25 / 2);
    const flat = speedup([4, 4, 4], [2, 2, 2]);
    expect(flat).toMatchObject({ factor: 2, low: 2, high: 2, confidence: 0.95, resamples: 2000, seed: 1 });
    // B slower than A reads below 1.
    expect(speedup([1, 1], [4, 4]).factor).toBe(0.25);
  });

  it('covers a known ratio of 10 with a narrow interval for quiet samples', () => {
    const s = speedup(samples(1, 50, 10, 0.01), samples(2, 50, 1, 0.01));
    expect(s.factor).toBeCloseTo(10, 1);
    expect(s.low).toBeLessThanOrEqual(10);
    expect(s.high).toBeGreaterThanOrEqual(10);
    expect(s.low).toBeLessThanOrEqual(s.factor);
    expect(s.high).toBeGreaterThanOrEqual(s.factor);
    expect((s.high - s.low) / s.factor).toBeLessThan(0.02);
  });

  it('widens the interval for noisy samples, still covering the ratio', () => {
    const quiet = speedup(samples(1, 50, 10, 0.01), samples(2, 50, 1, 0.01));
    const noisy = speedup(samples(3, 50, 10, 0.4), samples(4, 50, 1, 0.4));
    expect(noisy.low).toBeLessThanOrEqual(10);
    expect(noisy.high).toBeGreaterThanOrEqual(10);
    expect(noisy.high - noisy.low).toBeGreaterThan(10 * (quiet.high - quiet.low));
  });

  it('is deterministic for a seed and draws anew for another', () => {
    const a = samples(5, 30, 3, 0.2);
    const b = samples(6, 30, 1, 0.2);
    expect(speedup(a, b, { seed: 42 })).toEqual(speedup(a, b, { seed: 42 }));
    const other = speedup(a, b, { seed: 43 });
    expect(other.factor).toBe(speedup(a, b, { seed: 42 }).factor);
    expect([other.low, other.high]).not.toEqual([
      speedup(a, b, { seed: 42 }).low,
      speedup(a, b, { seed: 42 }).high,
    ]);
  });

  it('narrows with a lower confidence', () => {
    const a = samples(7, 40, 5, 0.3);
    const b = samples(8, 40, 1, 0.3);
    const c95 = speedup(a, b);
    const c80 = speedup(a, b, { confidence: 0.8 });
    expect(c80.high - c80.low).toBeLessThan(c95.high - c95.low);
  });

  it('refuses empty sets and bad options', () => {
    expect(() => speedup([], [1])).toThrow(/samples of both/);
    expect(() => speedup([1], [1], { confidence: 1 })).toThrow(/confidence/);
    expect(() => speedup([1], [1], { resamples: 0 })).toThrow(/resamples/);
  });

  it('prints as a factor with its interval', () => {
    const base = { confidence: 0.95, resamples: 2000, seed: 1 };
    expect(formatSpeedup({ ...base, factor: 12.4, low: 11.93, high: 12.87 })).toBe(
      '12.4× (95 % CI 11.9–12.9×)',
    );
    expect(formatSpeedup({ ...base, factor: 0.87, low: 0.8512, high: 1.234 })).toBe(
      '0.870× (95 % CI 0.851–1.23×)',
    );
    expect(formatSpeedup({ ...base, confidence: 0.9, factor: 1234.4, low: 1100, high: 1500 })).toBe(
      '1234× (90 % CI 1100–1500×)',
    );
  });
});
