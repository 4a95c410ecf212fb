import { describe, expect, it } from 'vitest';
import { arrivalTimes, countByMs, rateAtMs } from '../arrivals.js';
import { EXECUTOR_NAMES, type ExecutorPlan } from '../plan.js';
import type { Share } from '../share.js';
import { createArrivalSource, peakRatePerSec } from './arrival-loop.js';
import { constantArrivalRate } from './constant-arrival-rate.js';
import { constantVus } from './constant-vus.js';
import { EXECUTORS, executorFor, type PlanOf, planExecutor } from './index.js';
import { perVuIterations } from './per-vu-iterations.js';
import { rampingArrivalRate } from './ramping-arrival-rate.js';
import { rampingVus, rampSteps, vusAt } from './ramping-vus.js';
import { sharedIterations } from './shared-iterations.js';

const shards = (count: number): Share[] => Array.from({ length: count }, (_, index) => ({ index, count }));

describe('registry', () => {
  it('has one executor per k6 name, under its own name', () => {
    expect(Object.keys(EXECUTORS).sort()).toEqual([...EXECUTOR_NAMES].sort());
    for (const [name, ex] of Object.entries(EXECUTORS)) expect(ex.type).toBe(name);
  });

  it('finds the module of a plan', () => {
    const e: ExecutorPlan = { type: 'constant-vus', vus: 2, durationMs: 1000 };
    expect(executorFor(e)).toBe(constantVus);
    expect(planExecutor(e).kind).toBe('vus');
  });
});

describe('constant-vus', () => {
  const e: PlanOf<'constant-vus'> = { type: 'constant-vus', vus: 10, durationMs: 30_000 };

  it('holds vus for the duration, then 0', () => {
    const s = constantVus.plan(e);
    expect(s.steps).toEqual([
      { atMs: 0, vus: 10 },
      { atMs: 30_000, vus: 0 },
    ]);
    expect(vusAt(s.steps, 29_999)).toBe(10);
    expect(vusAt(s.steps, 30_000)).toBe(0);
    expect(constantVus.maxVUs(e)).toBe(10);
    expect(constantVus.durationMs(e)).toBe(30_000);
    expect(constantVus.totalDurationMs(e, 5000)).toBe(35_000);
  });

  it('splits VUs over shards without losing one', () => {
    expect(shards(3).map((sh) => constantVus.maxVUs(e, sh))).toEqual([4, 3, 3]);
    expect(shards(20).reduce((n, sh) => n + constantVus.maxVUs(e, sh), 0)).toBe(10);
  });
});

describe('ramping-vus', () => {
  const e: PlanOf<'ramping-vus'> = {
    type: 'ramping-vus',
    startVUs: 0,
    stages: [
      { durationMs: 10_000, target: 10 },
      { durationMs: 5000, target: 10 },
      { durationMs: 10_000, target: 0 },
    ],
    gracefulRampDownMs: 30_000,
  };

  it('ramps linearly, one VU per step: up when the line reaches v, down when it reaches v', () => {
    const s = rampingVus.plan(e);
    expect(s.steps).toHaveLength(21);
    const at = (ms: number) => vusAt(s.steps, ms);
    expect([at(0), at(999), at(1000), at(5000), at(9999), at(10_000)]).toEqual([0, 0, 1, 5, 9, 10]);
    expect([at(14_999), at(15_999), at(16_000), at(20_000), at(24_999), at(25_000)]).toEqual([
      10, 10, 9, 5, 1, 0,
    ]);
    expect(s.maxVUs).toBe(10);
    expect(s.gracefulRampDownMs).toBe(30_000);
    expect(rampingVus.durationMs(e)).toBe(25_000);
    expect(rampingVus.totalDurationMs(e, 30_000)).toBe(55_000);
  });

  it('starts at startVUs and jumps on zero-length stages', () => {
    const steps = rampSteps(5, [
      { durationMs: 1000, target: 5 },
      { durationMs: 0, target: 2 },
      { durationMs: 1000, target: 2 },
    ]);
    expect(steps).toEqual([
      { atMs: 0, vus: 5 },
      { atMs: 1000, vus: 2 },
      { atMs: 2000, vus: 0 },
    ]);
  });

  it('counts startVUs and every target in maxVUs', () => {
    expect(rampingVus.maxVUs({ ...e, startVUs: 12 })).toBe(12);
    expect(rampingVus.maxVUs(e)).toBe(10);
  });

  it('splits the ramp over shards so that they add up to the whole at every moment', () => {
    const whole = rampingVus.plan(e).steps;
    const parts = shards(3).map((sh) => rampingVus.plan(e, sh).steps);
    for (let t = 0; t <= 26_000; t += 250) {
      expect(parts.reduce((n, steps) => n + vusAt(steps, t), 0)).toBe(vusAt(whole, t));
    }
  });
});

describe('constant-arrival-rate', () => {
  const e: PlanOf<'constant-arrival-rate'> = {
    type: 'constant-arrival-rate',
    rate: 50,
    timeUnitMs: 1000,
    durationMs: 2000,
    preAllocatedVUs: 5,
    maxVUs: 20,
    arrival: 'even',
  };

  it('plans rate × duration iterations, evenly spaced', () => {
    const s = constantArrivalRate.plan(e);
    expect(rateAtMs(s.segments, 1000)).toBe(50);
    expect(countByMs(s.segments, 2000)).toBeCloseTo(100, 9);
    const times = arrivalTimes(createArrivalSource(s, 1));
    expect(times).toHaveLength(100);
    expect(times[1]! - times[0]!).toBeCloseTo(20, 9);
    expect([s.preAllocatedVUs, s.maxVUs]).toEqual([5, 20]);
    expect(constantArrivalRate.totalDurationMs(e, 30_000)).toBe(32_000);
  });

  it('reads the rate per timeUnit', () => {
    const s = constantArrivalRate.plan({ ...e, rate: 120, timeUnitMs: 60_000 });
    expect(rateAtMs(s.segments, 0)).toBe(2);
  });

  it('gives each shard part of the rate and at least one VU', () => {
    const parts = shards(8).map((sh) => constantArrivalRate.plan(e, sh));
    expect(parts.map((p) => p.preAllocatedVUs)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(parts.reduce((n, p) => n + p.maxVUs, 0)).toBeGreaterThanOrEqual(20);
    expect(peakRatePerSec(parts[0]!)).toBeCloseTo(50 / 8, 9);
    const counts = parts.map((p) => arrivalTimes(createArrivalSource(p, 1)).length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(100);
  });
});

describe('ramping-arrival-rate', () => {
  const e: PlanOf<'ramping-arrival-rate'> = {
    type: 'ramping-arrival-rate',
    startRate: 0,
    timeUnitMs: 1000,
    stages: [
      { durationMs: 2000, target: 100 },
      { durationMs: 2000, target: 100 },
      { durationMs: 1000, target: 0 },
    ],
    preAllocatedVUs: 10,
    maxVUs: 50,
    arrival: 'even',
  };

  it('plans the rate over the stages and its integral in iterations', () => {
    const s = rampingArrivalRate.plan(e);
    expect(s.durationMs).toBe(5000);
    expect([rateAtMs(s.segments, 1000), rateAtMs(s.segments, 3000), rateAtMs(s.segments, 4500)]).toEqual([
      50, 100, 50,
    ]);
    expect(countByMs(s.segments, 5000)).toBeCloseTo(100 + 200 + 50, 9);
    const times = arrivalTimes(createArrivalSource(s, 1));
    expect(times).toHaveLength(350);
    expect(peakRatePerSec(s)).toBe(100);
    expect(rampingArrivalRate.maxVUs(e)).toBe(50);
    expect(rampingArrivalRate.totalDurationMs(e, 10_000)).toBe(15_000);
  });
});

describe('per-vu-iterations', () => {
  const e: PlanOf<'per-vu-iterations'> = {
    type: 'per-vu-iterations',
    vus: 4,
    iterations: 25,
    maxDurationMs: 600_000,
  };

  it('plans vus × iterations, bounded by maxDuration', () => {
    expect(perVuIterations.plan(e)).toEqual({
      kind: 'iterations',
      vus: 4,
      iterationsPerVu: 25,
      totalIterations: 100,
      maxDurationMs: 600_000,
    });
    expect(perVuIterations.totalDurationMs(e, 30_000)).toBe(630_000);
  });

  it('splits VUs over shards, each keeping its count', () => {
    const parts = shards(3).map((sh) => perVuIterations.plan(e, sh));
    expect(parts.map((p) => p.vus)).toEqual([2, 1, 1]);
    expect(parts.reduce((n, p) => n + p.totalIterations, 0)).toBe(100);
  });
});

describe('shared-iterations', () => {
  const e: PlanOf<'shared-iterations'> = {
    type: 'shared-iterations',
    vus: 10,
    iterations: 4,
    maxDurationMs: 60_000,
  };

  it('never plans more VUs than iterations (k6)', () => {
    expect(sharedIterations.plan(e)).toMatchObject({
      vus: 4,
      totalIterations: 4,
      iterationsPerVu: undefined,
    });
    expect(sharedIterations.maxVUs(e)).toBe(4);
    expect(sharedIterations.plan({ ...e, iterations: 100 }).vus).toBe(10);
  });

  it('splits the iterations over shards without losing one', () => {
    const parts = shards(3).map((sh) => sharedIterations.plan({ ...e, iterations: 100 }, sh));
    expect(parts.map((p) => p.totalIterations)).toEqual([34, 33, 33]);
  });

  it('gives a slice with iterations but no VU of its share one VU, so none are lost', () => {
    const parts = shards(4).map((sh) => sharedIterations.plan({ ...e, vus: 2, iterations: 40 }, sh));
    expect(parts.reduce((n, p) => n + p.totalIterations, 0)).toBe(40);
    expect(parts.every((p) => p.vus >= 1)).toBe(true);
    const few = shards(4).map((sh) => sharedIterations.plan({ ...e, vus: 2, iterations: 2 }, sh));
    expect(few.map((p) => [p.vus, p.totalIterations])).toEqual([
      [1, 1],
      [1, 1],
      [0, 0],
      [0, 0],
    ]);
  });
});
