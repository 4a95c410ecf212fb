import { describe, expect, it } from 'vitest';
import type { MonitorSample } from '../result/schema.js';
import {
  buildMonitorResult,
  defaultWarmupMs,
  HEALTHY_MB_PER_MIN,
  LEAK_MB_PER_MIN,
  MIN_JUDGED_SAMPLES,
  type MonitorContext,
} from './verdict.js';

/**
 * The verdict on series whose shape is constructed: a steady leak, a flat sawtooth, growth that
 * settles, growth between the bounds, and a warm-up that must be ignored.
 */

/** A GC-like sawtooth of ±`amp` MB with a 7-sample period, so the noise is not monotone. */
const sawtooth = (i: number, amp: number) => ((i % 7) / 6 - 0.5) * 2 * amp;

function series(
  seconds: number,
  rss: (t: number, i: number) => number,
  extra: Partial<MonitorSample> = {},
): MonitorSample[] {
  return Array.from({ length: seconds }, (_, i) => ({
    t: i + 1,
    rssMb: rss(i + 1, i),
    cpuPct: 10,
    threads: 11,
    fds: 20,
    ...extra,
  }));
}

function context(samples: MonitorSample[], over: Partial<MonitorContext> = {}): MonitorContext {
  return {
    pid: 1234,
    samples,
    durationSec: samples.length > 0 ? samples[samples.length - 1]!.t : 0,
    intervalMs: 1000,
    tree: false,
    source: 'procfs',
    ...over,
  };
}

describe('buildMonitorResult', () => {
  it('judges a steady 30 MB/min growth with noise a leak, with an interval around the true slope', () => {
    const rate = 30;
    const samples = series(120, (t, i) => 100 + (rate * t) / 60 + sawtooth(i, 1.5));
    const r = buildMonitorResult(context(samples));
    expect(r.verdict).toBe('leak');
    expect(r.leakSuspected).toBe(true);
    expect(r.settled).toBe(false);
    const [low, high] = r.rssGrowthCiMbPerMin!;
    expect(low).toBeLessThanOrEqual(rate);
    expect(high).toBeGreaterThanOrEqual(rate);
    expect(r.rssGrowthMbPerMin).toBeGreaterThanOrEqual(low);
    expect(r.rssGrowthMbPerMin).toBeLessThanOrEqual(high);
    expect(r.reasons[0]).toMatch(
      /^RSS grew \d+\.\d MB\/min \(95% CI [\d.]+–[\d.]+\) after a 12 s warm-up and had not settled/,
    );
    expect(r.rssStartMb).toBe(samples[0]!.rssMb);
    expect(r.rssEndMb).toBe(samples[samples.length - 1]!.rssMb);
    expect(r.rssPeakMb).toBe(Math.max(...samples.map((s) => s.rssMb)));
  });

  it('judges a flat sawtooth healthy', () => {
    const samples = series(90, (_t, i) => 250 + sawtooth(i, 3));
    const r = buildMonitorResult(context(samples));
    expect(r.verdict).toBe('healthy');
    expect(r.leakSuspected).toBe(false);
    expect(r.settled).toBe(true);
    expect(Math.abs(r.rssGrowthMbPerMin)).toBeLessThan(HEALTHY_MB_PER_MIN);
    expect(r.reasons[0]).toMatch(/flat, under the 5 MB\/min bound/);
  });

  it('leaves the warm-up out: fast start-up growth followed by a flat line is healthy', () => {
    // 60 MB in the first 20 s (loading, JIT, pools), flat afterwards.
    const samples = series(50, (t, i) => 40 + Math.min(t, 20) * 3 + sawtooth(i, 0.5));
    const judged = buildMonitorResult(context(samples), { warmupMs: 20_000 });
    expect(judged.verdict).toBe('healthy');
    expect(judged.warmupSec).toBe(20);
    const unjudged = buildMonitorResult(context(samples), { warmupMs: 0 });
    expect(unjudged.verdict).not.toBe('healthy');
    expect(unjudged.rssGrowthMbPerMin).toBeGreaterThan(LEAK_MB_PER_MIN);
  });

  it('calls growth that settled by the end inconclusive, not a leak', () => {
    // 40 MB/min for the first 110 s, then a plateau (a cache filling up).
    const samples = series(180, (t, i) => 100 + (40 * Math.min(t, 110)) / 60 + sawtooth(i, 0.3));
    const r = buildMonitorResult(context(samples), { warmupMs: 10_000 });
    expect(r.rssGrowthMbPerMin).toBeGreaterThan(LEAK_MB_PER_MIN);
    expect(r.verdict).toBe('inconclusive');
    expect(r.settled).toBe(true);
    expect(r.leakSuspected).toBe(false);
    expect(r.reasons[0]).toMatch(/had settled by the end/);
  });

  it('calls steady growth between the healthy and the leak bound inconclusive', () => {
    const rate = (HEALTHY_MB_PER_MIN + LEAK_MB_PER_MIN) / 2;
    const samples = series(300, (t) => 100 + (rate * t) / 60);
    const r = buildMonitorResult(context(samples));
    expect(r.rssGrowthMbPerMin).toBeCloseTo(rate, 6);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reasons[0]).toMatch(/between the 5 MB\/min healthy bound and the 10 MB\/min leak bound/);
  });

  it('will not judge too few samples after the warm-up', () => {
    const samples = series(10 + MIN_JUDGED_SAMPLES - 2, (t) => 100 + t * 5);
    const r = buildMonitorResult(context(samples), { warmupMs: 10_000 });
    expect(r.verdict).toBe('inconclusive');
    expect(r.leakSuspected).toBe(false);
    expect(r.rssGrowthCiMbPerMin).toBeNull();
    expect(r.reasons[0]).toMatch(/too few to judge/);
    // The slope is still the best figure there is, from every sample.
    expect(r.rssGrowthMbPerMin).toBeCloseTo(5 * 60, 6);
  });

  it('reports descriptors that kept growing, and stays quiet about flat ones', () => {
    const samples = series(60, (_t, i) => 80 + sawtooth(i, 0.5)).map((s, i) => ({ ...s, fds: 20 + i }));
    const r = buildMonitorResult(context(samples), { warmupMs: 5000 });
    expect(r.fdsStart).toBe(20);
    expect(r.fdsEnd).toBe(20 + samples.length - 1);
    expect(r.fdsGrowthPerMin).toBeCloseTo(60, 6);
    expect(
      r.reasons.some((s) => /^open file descriptors grew from \d+ to \d+ \(\+60\.0\/min\)/.test(s)),
    ).toBe(true);
    expect(r.reasons.some((s) => s.startsWith('threads'))).toBe(false);
    expect(r.threadsGrowthPerMin).toBe(0);
  });

  it('says when the process ended before monitoring did', () => {
    const samples = series(30, () => 90);
    const exit = { atSec: 30.4, code: 3, signal: null, tail: ['fatal: out of luck'] };
    const r = buildMonitorResult(context(samples, { cmd: 'node app.js', exit }), { warmupMs: 5000 });
    expect(r.exit).toEqual(exit);
    expect(r.cmd).toBe('node app.js');
    expect(r.reasons).toContain(
      'the service exited with code 3 30.4 s into monitoring, before it ended; the verdict covers the samples up to then',
    );
  });

  it('keeps threads and fds null where the platform does not report them', () => {
    const samples = series(40, () => 70, { threads: null, fds: null, vszMb: null });
    const r = buildMonitorResult(context(samples, { source: 'pidusage' }), { warmupMs: 5000 });
    expect(r).toMatchObject({
      threadsStart: null,
      threadsPeak: null,
      threadsGrowthPerMin: null,
      fdsPeak: null,
      fdsGrowthPerMin: null,
      vszPeakMb: null,
      source: 'pidusage',
      verdict: 'healthy',
    });
  });

  it('renders an empty series without inventing figures', () => {
    const r = buildMonitorResult(context([]));
    expect(r).toMatchObject({ rssStartMb: 0, rssPeakMb: 0, rssGrowthMbPerMin: 0, verdict: 'inconclusive' });
    expect(r.reasons[0]).toMatch(/no samples/);
  });
});

describe('defaultWarmupMs', () => {
  it('is 10% of the run, and at least 10 s', () => {
    expect(defaultWarmupMs(30_000)).toBe(10_000);
    expect(defaultWarmupMs(600_000)).toBe(60_000);
  });
});
