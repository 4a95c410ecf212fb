import { describe, expect, it } from 'vitest';
import type { TimelinePoint } from '../result/schema.js';
import { breakingPointAt, crossedStopCondition, measuredRateAt } from './breaking-point.js';

const point = (t: number, requests: number, errors = 0, seconds = 1): TimelinePoint => ({
  t,
  rps: requests / seconds,
  requests,
  errors,
  p50: 1,
  p95: 1,
  p99: 1,
  vus: 1,
});

const c = { maxErrorRate: 0.1, maxP99Ms: 1000, windowMs: 1000 };

describe('breaking point', () => {
  it('is the throughput measured at the moment, skipping empty and sliver seconds', () => {
    const timeline = [point(1, 40), point(2, 80), point(3, 0), point(3.1, 9, 0, 0.1)];
    expect(measuredRateAt(timeline, 3.1)).toBe(80);
    expect(measuredRateAt(timeline, 1.5)).toBe(40);
    expect(measuredRateAt([point(1, 0)], 1)).toBe(0);
  });

  it('reports the measured rate where it broke and that of the last healthy second', () => {
    const timeline = [point(1, 30), point(2, 60, 1), point(3, 90, 30)];
    const crossed = crossedStopCondition(timeline, c);
    expect(crossed).toMatchObject({ atSec: 3 });
    expect(breakingPointAt(timeline, c, crossed!, 4)).toEqual({
      rate: 90,
      vus: 4,
      atSec: 3,
      reason: crossed!.reason,
      lastHealthyRate: 60,
    });
  });
});
