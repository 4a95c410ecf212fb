import { describe, expect, it } from 'vitest';
import { peakVus } from './peak-vus.js';
import type { ScenarioPlan } from './plan.js';

const scenario = (startTimeMs: number, executor: ScenarioPlan['executor']): ScenarioPlan =>
  ({
    name: `s${startTimeMs}`,
    startTimeMs,
    gracefulStopMs: 0,
    executor,
    users: [],
    tags: {},
  }) as unknown as ScenarioPlan;

describe('peakVus', () => {
  const vus = (n: number) =>
    ({ type: 'constant-vus', vus: n, durationMs: 10_000 }) as ScenarioPlan['executor'];
  const rate = (pre: number, max: number) =>
    ({
      type: 'constant-arrival-rate',
      rate: 10,
      timeUnitMs: 1000,
      durationMs: 10_000,
      preAllocatedVUs: pre,
      maxVUs: max,
      arrival: 'even',
    }) as ScenarioPlan['executor'];

  it('adds scenarios that overlap; arrival rates count their maxVUs', () => {
    expect(peakVus([scenario(0, vus(100)), scenario(5000, rate(5, 300))])).toBe(400);
  });

  it('counts scenarios one after the other as the larger of them', () => {
    expect(peakVus([scenario(0, vus(100)), scenario(10_000, vus(300))])).toBe(300);
  });
});
