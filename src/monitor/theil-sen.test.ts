import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.js';
import { MAX_POINTS, type Point, theilSen, thin } from './theil-sen.js';

/** Ordinary least squares, to show that the outliers of a case do move a non-robust fit. */
function olsSlope(points: readonly Point[]): number {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  return sxy / sxx;
}

/** Roughly normal noise with standard deviation `sd` (the sum of 12 uniforms, Irwin–Hall). */
function noise(rng: Rng, sd: number): number {
  let s = 0;
  for (let i = 0; i < 12; i++) s += rng.next();
  return (s - 6) * sd;
}

describe('theilSen', () => {
  it('finds the exact slope and intercept of a line despite gross outliers', () => {
    const slope = 2.5;
    const intercept = 3;
    const points: Point[] = Array.from({ length: 30 }, (_, x) => ({ x, y: intercept + slope * x }));
    // A GC spike, a compaction dip and two late spikes: 4 of 30 points, well under 29%.
    for (const [i, dy] of [
      [5, 400],
      [12, -300],
      [25, 500],
      [28, 450],
    ] as const) {
      points[i] = { x: i, y: points[i]!.y + dy };
    }
    expect(Math.abs(olsSlope(points) - slope)).toBeGreaterThan(1);

    const est = theilSen(points)!;
    expect(est.slope).toBeCloseTo(slope, 10);
    expect(est.intercept).toBeCloseTo(intercept, 10);
    expect(est.low).toBeLessThanOrEqual(slope);
    expect(est.high).toBeGreaterThanOrEqual(slope);
    expect(est.n).toBe(points.length);
  });

  it('gives a zero slope and a zero-width interval for a constant series (all y tied)', () => {
    const points = Array.from({ length: 20 }, (_, x) => ({ x, y: 42.5 }));
    expect(theilSen(points)).toMatchObject({ slope: 0, low: 0, high: 0, intercept: 42.5 });
  });

  it('is unbiased on noisy lines with outliers, and its 95% interval covers the true slope about 95% of the time', () => {
    const rng = new Rng(20240611);
    const trials = 200;
    let covered = 0;
    let tsError = 0;
    let olsError = 0;
    for (let trial = 0; trial < trials; trial++) {
      const slope = (rng.next() - 0.5) * 40;
      const sd = 1 + rng.next() * 4;
      const points = Array.from({ length: 40 }, (_, x) => {
        // One point in ten is a spike, as a GC pause or a burst of buffers makes.
        const spike = rng.next() < 0.1 ? 20 * sd * (1 + rng.next()) : 0;
        return { x, y: 100 + slope * x + noise(rng, sd) + spike };
      });
      const est = theilSen(points)!;
      if (est.low <= slope && slope <= est.high) covered++;
      tsError += Math.abs(est.slope - slope);
      olsError += Math.abs(olsSlope(points) - slope);
    }
    // Sen's interval is exact for i.i.d. errors; 200 trials put ±3 points of noise on 95%.
    expect(covered / trials).toBeGreaterThanOrEqual(0.9);
    // …and is no wider than it must be: a uselessly wide interval would cover every time.
    expect(covered / trials).toBeLessThan(0.99);
    // The robust slope is closer to the truth than least squares on the same data.
    expect(tsError).toBeLessThan(olsError);
  });

  it('thins a long series to evenly spaced points and still finds its slope', () => {
    const points = Array.from({ length: 5000 }, (_, i) => ({ x: i / 60, y: 50 + 12 * (i / 60) }));
    const thinned = thin(points);
    expect(thinned).toHaveLength(MAX_POINTS);
    expect(thinned[0]).toEqual(points[0]);
    expect(thinned[thinned.length - 1]).toEqual(points[points.length - 1]);
    const est = theilSen(points)!;
    expect(est.n).toBe(MAX_POINTS);
    expect(est.slope).toBeCloseTo(12, 9);
  });

  it('has no slope with fewer than two distinct x', () => {
    expect(theilSen([])).toBeUndefined();
    expect(theilSen([{ x: 1, y: 2 }])).toBeUndefined();
    expect(
      theilSen([
        { x: 1, y: 2 },
        { x: 1, y: 5 },
      ]),
    ).toBeUndefined();
  });

  it('widens the interval to every slope seen when there are too few points for Sen ranks', () => {
    const est = theilSen([
      { x: 0, y: 0 },
      { x: 1, y: 1 },
      { x: 2, y: 4 },
    ])!;
    expect(est.slope).toBe(2);
    expect(est.low).toBe(1);
    expect(est.high).toBe(3);
  });
});
