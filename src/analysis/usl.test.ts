import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { fitUsl, uslThroughput } from './usl.js';

const LEVELS = [1, 2, 4, 8, 16, 32, 64];

describe('fitUsl', () => {
  it('recovers λ, σ and κ from exact points of a curve that peaks', () => {
    const truth = { lambda: 950, sigma: 0.03, kappa: 0.0008 };
    const fit = fitUsl(LEVELS.map((n) => ({ n, x: uslThroughput(truth, n) })));
    expect(fit.lambda).toBeCloseTo(950, 3);
    expect(fit.sigma).toBeCloseTo(0.03, 5);
    expect(fit.kappa).toBeCloseTo(0.0008, 7);
    expect(fit.r2).toBeCloseTo(1, 9);
    expect(fit.peakN).toBeCloseTo(Math.sqrt(0.97 / 0.0008), 3);
    expect(fit.peakX).toBeCloseTo(uslThroughput(truth, Math.sqrt(0.97 / 0.0008)), 3);
  });

  it('a curve that only levels off has κ = 0, no peak N, and λ/σ as its ceiling', () => {
    const truth = { lambda: 100, sigma: 0.1, kappa: 0 };
    const fit = fitUsl(LEVELS.map((n) => ({ n, x: uslThroughput(truth, n) })));
    expect(fit.kappa).toBe(0);
    expect(fit.peakN).toBeNull();
    expect(fit.peakX).toBeCloseTo(1000, 3);
  });

  it('a fixed pool of 8 workers at 10 ms (min(100N, 800)/s) fits a peak within 10 % of 800/s near 8', () => {
    const fit = fitUsl([1, 2, 4, 8, 16, 32].map((n) => ({ n, x: Math.min(100 * n, 800) })));
    expect(fit.peakX).toBeGreaterThan(720);
    expect(fit.peakX).toBeLessThan(880);
    expect(fit.r2).toBeGreaterThan(0.95);
  });

  it('noisy points: the truth is inside the intervals, and the same input gives the same fit', () => {
    const truth = { lambda: 500, sigma: 0.05, kappa: 0.002 };
    const rng = new Rng(7);
    const points = LEVELS.map((n) => ({ n, x: uslThroughput(truth, n) * (1 + (rng.next() - 0.5) * 0.04) }));
    const fit = fitUsl(points);
    const peakN = Math.sqrt(0.95 / 0.002);
    expect(fit.intervals.peakN.low!).toBeLessThan(peakN);
    expect(fit.intervals.peakN.high!).toBeGreaterThan(peakN);
    expect(fit.intervals.kappa.low!).toBeLessThan(0.002);
    expect(fit.intervals.kappa.high!).toBeGreaterThan(0.002);
    expect(fitUsl(points)).toEqual(fit);
  });

  it('a flat throughput (a serialised service, measured at 5 to 50) peaks at one, with a finite peak', () => {
    // squall sweep of serve-demo's /health on a 2-core machine: both cores busy from level 5.
    const fit = fitUsl([
      { n: 5, x: 35_565 },
      { n: 10, x: 36_444 },
      { n: 20, x: 32_563 },
      { n: 50, x: 33_872 },
    ]);
    expect(fit.peakN).not.toBeNull();
    expect(fit.peakN!).toBeGreaterThanOrEqual(1);
    expect(Number.isFinite(fit.peakX)).toBe(true);
    expect(fit.peakX!).toBeGreaterThan(30_000);
    expect(fit.peakX!).toBeLessThan(40_000);
  });

  it('three levels fit exactly and have no intervals; fewer is an error', () => {
    const fit = fitUsl([1, 2, 4].map((n) => ({ n, x: 100 * n })));
    expect(fit.lambda).toBeCloseTo(100, 6);
    expect(fit.intervals.lambda).toEqual({ low: null, high: null });
    expect(() => fitUsl([1, 2].map((n) => ({ n, x: n })))).toThrow(/at least three distinct/);
    expect(() => fitUsl([1, 2, 4].map((n) => ({ n, x: -1 })))).toThrow(/throughput ≥ 0/);
  });
});
