import { describe, expect, it } from 'vitest';
import type { MonitorResult, MonitorSample } from '../result/schema.js';
import { Rng } from '../util/rng.js';
import { buildMonitorResult } from './verdict.js';

/**
 * The verdict on synthetic soaks of 10 and 60 minutes, sampled every second, whose shapes are
 * known: the same shapes the end-to-end test runs for real in two minutes. The noise is
 * autocorrelated (AR(1), ρ = 0.9, as RSS read a second apart is), so an interval that ignored
 * the correlation would be far too narrow and some of these would be judged wrongly.
 */

/** Roughly normal noise with standard deviation 1 (the sum of 12 uniforms, Irwin–Hall). */
function normal(rng: Rng): number {
  let s = 0;
  for (let i = 0; i < 12; i++) s += rng.next();
  return s - 6;
}

/** AR(1) noise of standard deviation `sd` and lag-1 correlation `rho`. */
function arNoise(rng: Rng, n: number, sd: number, rho = 0.9): number[] {
  const out: number[] = [];
  let e = normal(rng) * sd;
  const innovation = sd * Math.sqrt(1 - rho * rho);
  for (let i = 0; i < n; i++) {
    out.push(e);
    e = rho * e + innovation * normal(rng);
  }
  return out;
}

interface Shape {
  /** MiB at second t of a run of `total` seconds. */
  rss?: (t: number, total: number) => number;
  fds?: (t: number) => number;
  threads?: (t: number) => number;
  /** Requests per second at second t (a load beside the monitor), for the per-request shape. */
  reqRate?: (t: number, total: number) => number;
  /** Memory kept per request answered. */
  kibPerRequest?: number;
}

const BASE_MB = 120;
const NOISE_MB = 0.6;

function soak(minutes: number, shape: Shape, seed: number): MonitorSample[] {
  const total = minutes * 60;
  const rng = new Rng(seed);
  const noise = arNoise(rng, total, NOISE_MB);
  const samples: MonitorSample[] = [];
  let reqs = 0;
  for (let i = 0; i < total; i++) {
    const t = i + 1;
    if (shape.reqRate) reqs += shape.reqRate(t, total);
    const kept = ((shape.kibPerRequest ?? 0) * reqs) / 1024;
    const rss = (shape.rss ? shape.rss(t, total) : BASE_MB) + kept + noise[i]!;
    // Descriptors churn by one now and then (a connection opened and closed between readings).
    const churn = rng.next() < 0.1 ? 1 : 0;
    samples.push({
      t,
      rssMb: Math.round(rss * 100) / 100,
      cpuPct: 30,
      threads: Math.round(shape.threads ? shape.threads(t) : 11),
      fds: Math.round(shape.fds ? shape.fds(t) : 24) + churn,
      ...(shape.reqRate ? { reqs: Math.round(reqs) } : {}),
    });
  }
  return samples;
}

function judge(samples: MonitorSample[]): MonitorResult {
  return buildMonitorResult({
    pid: 1,
    samples,
    durationSec: samples[samples.length - 1]!.t,
    intervalMs: 1000,
    tree: true,
    source: 'procfs',
  });
}

const perMin = (mb: number) => (t: number) => BASE_MB + (mb * t) / 60;

/** A GC-like sawtooth: grows for `period` seconds by `amp` MiB, then drops back at once. */
const sawtooth =
  (period: number, amp: number, phase = 0, floorPerMin = 0) =>
  (t: number) =>
    BASE_MB + amp * (((t / period + phase) % 1) as number) + (floorPerMin * t) / 60;

interface Case {
  name: string;
  shape: (minutes: number) => Shape;
  expect: (r: MonitorResult, minutes: number) => void;
}

const memoryOf = (r: MonitorResult) => r.resources!.memory;

const cases: Case[] = [
  {
    name: 'flat',
    shape: () => ({}),
    expect: (r) => {
      expect(r.verdict).toBe('healthy');
      expect(r.leaks).toEqual([]);
      expect(memoryOf(r).shape).toBe('flat');
    },
  },
  {
    name: 'a +80 MiB warm-up, then flat',
    shape: (m) => ({ rss: (t) => BASE_MB + 80 * Math.min(1, t / (m * 3)) }),
    expect: (r, m) => {
      expect(r.verdict).toBe('healthy');
      const mem = memoryOf(r);
      expect(mem.warmupSource).toBe('found');
      expect(mem.warmupGrowth!).toBeGreaterThan(70);
      expect(mem.warmupGrowth!).toBeLessThan(90);
      // The warm-up ends about when the growth did (m·3 seconds), not at a fixed share of the run.
      expect(mem.warmupSec).toBeGreaterThan(m * 3 * 0.7);
      expect(mem.warmupSec).toBeLessThan(m * 3 * 2);
      expect(mem.sentence).toMatch(/warm-up \(\+\d+\.\d MiB in the first \d+ s\)/);
    },
  },
  {
    name: 'a steady 5 MiB/min leak',
    shape: () => ({ rss: perMin(5) }),
    expect: (r) => {
      expect(r.verdict).toBe('leak');
      expect(r.leaks).toEqual(['memory']);
      const mem = memoryOf(r);
      expect(mem.ciPerMin![0]).toBeLessThanOrEqual(5);
      expect(mem.ciPerMin![1]).toBeGreaterThanOrEqual(5);
      expect(mem.shape).toBe('growing');
      expect(mem.sentence).toMatch(/grows 5\.\d MiB\/min .* not slowing/);
    },
  },
  {
    name: 'a steady 2 MiB/min leak',
    shape: () => ({ rss: perMin(2) }),
    expect: (r) => {
      expect(r.verdict).toBe('leak');
      expect(memoryOf(r).projectedPerHour!).toBeGreaterThan(100);
    },
  },
  {
    name: 'a steady 8 MiB/min leak',
    shape: () => ({ rss: perMin(8) }),
    expect: (r) => expect(r.verdict).toBe('leak'),
  },
  {
    name: 'creep under the budget (0.2 MiB/min, 12 MiB/h)',
    shape: () => ({ rss: perMin(0.2) }),
    expect: (r, m) => {
      expect(r.leaks).toEqual([]);
      // An hour pins it under the 32 MiB/h budget; ten minutes may not tell yet.
      if (m >= 60) expect(r.verdict).toBe('healthy');
      else expect(r.verdict).not.toBe('leak');
    },
  },
  {
    name: '10 KiB per request under a load that varies',
    shape: () => ({
      // 20 to 180 req/s in a square wave of 2-minute periods: time and requests disagree.
      reqRate: (t) => (Math.floor(t / 60) % 2 === 0 ? 20 : 180),
      kibPerRequest: 10,
    }),
    expect: (r) => {
      expect(r.verdict).toBe('leak');
      const per = memoryOf(r).perRequest!;
      expect(per).not.toBeNull();
      expect(per.kibPerRequest).toBeGreaterThan(9);
      expect(per.kibPerRequest).toBeLessThan(11);
      expect(memoryOf(r).sentence).toMatch(/KiB per request/);
    },
  },
  {
    name: 'descriptors +120/min with flat memory',
    shape: () => ({ fds: (t) => 24 + 2 * t }),
    expect: (r) => {
      expect(r.verdict).toBe('leak');
      expect(r.leaks).toEqual(['fds']);
      expect(r.resources!.fds!.slopePerMin).toBeCloseTo(120, -1);
      expect(r.resources!.fds!.sentence).toMatch(/connections or files left open/);
    },
  },
  {
    name: 'threads +120/min',
    shape: () => ({ threads: (t) => 11 + 2 * t }),
    expect: (r) => {
      expect(r.leaks).toEqual(['threads']);
      expect(r.leakSuspected).toBe(true);
    },
  },
  {
    name: 'one +50 MiB step',
    shape: (m) => ({ rss: (t) => BASE_MB + (t > m * 60 * 0.6 ? 50 : 0) }),
    expect: (r, m) => {
      expect(r.verdict).toBe('healthy');
      const mem = memoryOf(r);
      expect(mem.shape).toBe('step');
      expect(mem.steps).toHaveLength(1);
      expect(mem.steps[0]!.size).toBeGreaterThan(45);
      expect(mem.steps[0]!.size).toBeLessThan(55);
      expect(Math.abs(mem.steps[0]!.atSec - m * 60 * 0.6)).toBeLessThanOrEqual(2);
      expect(mem.sentence).toMatch(/one step of \+\d+\.\d MiB at \d+ s, flat before and after/);
    },
  },
  {
    name: 'a staircase of +20 MiB steps',
    // Every 5 minutes in an hour (as the audit had it); every minute in ten.
    shape: (m) => ({ rss: (t) => BASE_MB + 20 * Math.floor(t / (m >= 60 ? 300 : 60)) }),
    expect: (r) => {
      expect(r.verdict).toBe('leak');
      expect(memoryOf(r).shape).toBe('staircase');
    },
  },
  {
    name: 'a staircase that stops halfway (a pool growing with a ramp, then held)',
    shape: (m) => ({ rss: (t) => BASE_MB + 20 * Math.floor(Math.min(t, m * 30) / (m * 6)) }),
    expect: (r) => {
      expect(r.verdict).not.toBe('leak');
      expect(memoryOf(r).shape).toBe('staircase');
    },
  },
  {
    name: 'a GC sawtooth with a 30 s cycle',
    shape: () => ({ rss: sawtooth(30, 40) }),
    expect: (r) => {
      expect(r.verdict).toBe('healthy');
      expect(memoryOf(r).shape).toBe('sawtooth');
      expect(memoryOf(r).cycles).toBeGreaterThanOrEqual(2);
    },
  },
  {
    name: 'a GC sawtooth whose floor rises 5 MiB/min',
    shape: () => ({ rss: sawtooth(30, 40, 0, 5) }),
    expect: (r) => {
      expect(r.verdict).toBe('leak');
      expect(memoryOf(r).shape).toBe('sawtooth');
    },
  },
  {
    name: 'a cache filling up and levelling off',
    shape: (m) => ({ rss: (t) => BASE_MB + 60 * (1 - Math.exp(-t / (m * 6))) }),
    expect: (r) => expect(r.verdict).not.toBe('leak'),
  },
];

/** A sawtooth whose one cycle is as long as the run, at phases that put its drop inside it. */
const longCycle: Case[] = [0.2, 0.35, 0.5, 0.65, 0.8].map((phase) => ({
  name: `a GC sawtooth with a cycle as long as the run (drop at ${Math.round((1 - phase) * 100)}% of it)`,
  shape: (m) => ({ rss: sawtooth(m * 60, 100, phase) }),
  expect: (r) => {
    expect(r.verdict).not.toBe('leak');
    expect(memoryOf(r).shape).toBe('sawtooth');
    expect(memoryOf(r).sentence).toMatch(/needs at least two drops/);
  },
}));

describe.each([10, 60])('the verdict on a %i-minute soak', (minutes) => {
  it.each([...cases, ...longCycle].map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const r = judge(soak(minutes, c.shape(minutes), 1000 * minutes + i));
    c.expect(r, minutes);
    // Whatever the shape: one sentence per resource, in MiB, and a verdict that agrees with leaks.
    expect(r.leakSuspected).toBe(r.leaks!.length > 0);
    expect(r.reasons.join(' ')).not.toMatch(/\bMB\b/);
  });
});
