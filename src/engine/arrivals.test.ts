import { describe, expect, it } from 'vitest';
import { ArrivalSource, arrivalTimes, countByMs, rateAtMs, rateSegments } from './arrivals.js';

const constant = (perSec: number, durationMs: number) => [
  { startMs: 0, durationMs, fromPerSec: perSec, toPerSec: perSec },
];

describe('rate segments', () => {
  it('turns stages into linear segments, skipping zero-length jumps', () => {
    const segs = rateSegments(
      0,
      [
        { durationMs: 1000, target: 100 },
        { durationMs: 0, target: 50 },
        { durationMs: 2000, target: 50 },
      ],
      1000,
    );
    expect(segs).toEqual([
      { startMs: 0, durationMs: 1000, fromPerSec: 0, toPerSec: 100 },
      { startMs: 1000, durationMs: 2000, fromPerSec: 50, toPerSec: 50 },
    ]);
    expect(rateAtMs(segs, 500)).toBe(50);
    expect(rateAtMs(segs, 1500)).toBe(50);
    expect(rateAtMs(segs, 3000)).toBe(0);
  });

  it('converts targets per timeUnit to per second', () => {
    const segs = rateSegments(60, [{ durationMs: 60_000, target: 120 }], 60_000);
    expect(segs[0]).toMatchObject({ fromPerSec: 1, toPerSec: 2 });
  });

  it('integrates the rate (area under the line)', () => {
    const segs = rateSegments(
      0,
      [
        { durationMs: 1000, target: 100 },
        { durationMs: 1000, target: 100 },
        { durationMs: 1000, target: 0 },
      ],
      1000,
    );
    expect(countByMs(segs, 1000)).toBeCloseTo(50, 9);
    expect(countByMs(segs, 2000)).toBeCloseTo(150, 9);
    expect(countByMs(segs, 3000)).toBeCloseTo(200, 9);
    expect(countByMs(segs, 500)).toBeCloseTo(12.5, 9);
  });
});

describe('ArrivalSource, even spacing', () => {
  it('spaces a constant rate evenly from t=0: 10/s for 1s is every 100 ms', () => {
    const times = arrivalTimes(new ArrivalSource(constant(10, 1000), 1000, 'even', 1, undefined));
    expect(times).toHaveLength(10);
    for (const [i, t] of times.entries()) expect(t).toBeCloseTo(i * 100, 6);
  });

  it('follows a ramp: arrival k where the integral reaches k', () => {
    const segs = rateSegments(0, [{ durationMs: 1000, target: 100 }], 1000);
    const times = arrivalTimes(new ArrivalSource(segs, 1000, 'even', 1, undefined));
    expect(times).toHaveLength(50);
    // integral of 0→100/s over 1 s is 50·t², so arrival k is at 1000·√(k/50) ms.
    for (const [k, t] of times.entries()) expect(t).toBeCloseTo(1000 * Math.sqrt(k / 50), 6);
  });

  it('gives each second of a ramp up, plateau and ramp down its integral', () => {
    const segs = rateSegments(
      0,
      [
        { durationMs: 1000, target: 100 },
        { durationMs: 1000, target: 100 },
        { durationMs: 1000, target: 0 },
      ],
      1000,
    );
    const times = arrivalTimes(new ArrivalSource(segs, 3000, 'even', 1, undefined));
    const perSecond = [0, 0, 0];
    for (const t of times) perSecond[Math.floor(t / 1000)]!++;
    expect(perSecond).toEqual([50, 100, 50]);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
  });

  it('skips a zero-rate gap and resumes after it', () => {
    const segs = rateSegments(
      10,
      [
        { durationMs: 1000, target: 10 },
        { durationMs: 0, target: 0 },
        { durationMs: 1000, target: 0 },
        { durationMs: 0, target: 10 },
        { durationMs: 1000, target: 10 },
      ],
      1000,
    );
    const times = arrivalTimes(new ArrivalSource(segs, 3000, 'even', 1, undefined));
    expect(times.filter((t) => t >= 1000 && t < 2000)).toEqual([]);
    expect(times).toHaveLength(20);
  });

  it('stripes arrivals over shards: disjoint, and together the whole', () => {
    const whole = arrivalTimes(new ArrivalSource(constant(30, 1000), 1000, 'even', 1, undefined));
    const parts = [0, 1, 2].map((index) =>
      arrivalTimes(new ArrivalSource(constant(30, 1000), 1000, 'even', 1, { index, count: 3 })),
    );
    expect(parts.map((p) => p.length)).toEqual([10, 10, 10]);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(whole);
  });
});

describe('ArrivalSource, poisson', () => {
  it('keeps the mean rate with a fixed seed', () => {
    const times = arrivalTimes(new ArrivalSource(constant(200, 10_000), 10_000, 'poisson', 12345, undefined));
    expect(times.length).toBeGreaterThan(1880);
    expect(times.length).toBeLessThan(2120);
    // Exponential gaps: their standard deviation equals their mean (5 ms).
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeGreaterThan(4.5);
    expect(mean).toBeLessThan(5.5);
    expect(sd / mean).toBeGreaterThan(0.85);
    expect(sd / mean).toBeLessThan(1.15);
  });

  it('is the same for the same seed, different for another', () => {
    const draw = (seed: number) =>
      arrivalTimes(new ArrivalSource(constant(50, 1000), 1000, 'poisson', seed, undefined));
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('follows a ramp: more arrivals where the rate is higher', () => {
    const segs = rateSegments(0, [{ durationMs: 10_000, target: 200 }], 1000);
    const times = arrivalTimes(new ArrivalSource(segs, 10_000, 'poisson', 9, undefined));
    const firstHalf = times.filter((t) => t < 5000).length;
    // Expected 250 in the first half, 750 in the second.
    expect(firstHalf).toBeGreaterThan(200);
    expect(firstHalf).toBeLessThan(300);
    expect(times.length - firstHalf).toBeGreaterThan(680);
    expect(times.length - firstHalf).toBeLessThan(820);
  });
});

describe('ArrivalSource.skipBefore', () => {
  it('skips exactly the even arrivals before a time, and the next one follows on', () => {
    const all = arrivalTimes(new ArrivalSource(constant(1000, 1000), 1000, 'even', 1, undefined));
    const s = new ArrivalSource(constant(1000, 1000), 1000, 'even', 1, undefined);
    s.next();
    const skipped = s.skipBefore(250.5);
    expect(skipped).toBe(all.filter((t) => t < 250.5).length - 1);
    expect(s.next()).toBe(all.find((t) => t >= 250.5));
  });

  it('counts only this shard’s arrivals, and shards add up', () => {
    const seg = constant(1_000_000, 1000);
    let total = 0;
    for (let index = 0; index < 3; index++) {
      total += new ArrivalSource(seg, 1000, 'even', 1, { index, count: 3 }).skipBefore(500);
    }
    expect(total).toBe(new ArrivalSource(seg, 1000, 'even', 1, undefined).skipBefore(500));
  });

  it('skips a Poisson backlog of millions in one step, near its expected size', () => {
    const s = new ArrivalSource(constant(1e9, 10_000), 10_000, 'poisson', 7, undefined);
    const n = s.skipBefore(5);
    // Mean 5,000,000, standard deviation ~2,236: ten deviations either side.
    expect(Math.abs(n - 5_000_000)).toBeLessThan(25_000);
    expect(s.next()).toBeGreaterThanOrEqual(5);
  });

  it('skips nothing before the next arrival or past the end', () => {
    const s = new ArrivalSource(constant(10, 1000), 1000, 'even', 1, undefined);
    expect(s.next()).toBe(0);
    expect(s.skipBefore(50)).toBe(0);
    expect(s.next()).toBe(100);
    expect(s.skipBefore(5000)).toBe(8);
    expect(s.next()).toBe(Number.POSITIVE_INFINITY);
  });
});
