import { describe, expect, it } from 'vitest';
import type { MonitorSample } from '../result/schema.js';
import { MIN_JUDGED_SAMPLES } from './resource-verdict.js';
import {
  buildMonitorResult,
  defaultMemoryBudget,
  MIN_MEMORY_BUDGET_MB_PER_HOUR,
  type MonitorContext,
} from './verdict.js';

/**
 * The monitor block around the verdicts: what it says when there is little or nothing to judge,
 * a process that died, platforms without descriptor counts, a given warm-up and the budget.
 * The verdicts on known shapes are in verdict-shapes.test.ts.
 */

function series(
  seconds: number,
  rss: (t: number) => number,
  extra: Partial<MonitorSample> = {},
): MonitorSample[] {
  return Array.from({ length: seconds }, (_, i) => ({
    t: i + 1,
    rssMb: rss(i + 1),
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
  it('keeps the figures of a leak in the fields older readers know', () => {
    const samples = series(120, (t) => 100 + t / 6); // 10 MiB/min
    const r = buildMonitorResult(context(samples));
    expect(r.verdict).toBe('leak');
    expect(r.leakSuspected).toBe(true);
    expect(r.leaks).toEqual(['memory']);
    expect(r.rssGrowthMbPerMin).toBe(r.resources!.memory.slopePerMin);
    expect(r.rssGrowthMbPerMin).toBeCloseTo(10, 6);
    expect(r.rssGrowthCiMbPerMin).toEqual(r.resources!.memory.ciPerMin);
    expect(r.settled).toBe(false);
    expect(r.rssStartMb).toBe(samples[0]!.rssMb);
    expect(r.rssEndMb).toBe(samples[samples.length - 1]!.rssMb);
    expect(r.rssPeakMb).toBe(Math.max(...samples.map((s) => s.rssMb)));
    expect(r.reasons).toHaveLength(3);
    expect(r.reasons[0]).toMatch(/^memory \(RSS\) grows 10\.0 MiB\/min/);
  });

  it('uses a given warm-up instead of looking for one', () => {
    const samples = series(60, (t) => 40 + Math.min(t, 40) * 3);
    const given = buildMonitorResult(context(samples), { warmupMs: 45_000 });
    expect(given.resources!.memory.warmupSource).toBe('given');
    expect(given.warmupSec).toBe(45);
    expect(given.verdict).toBe('healthy');
    // Judged from the start, the same series grew and then levelled off: settled, not a leak.
    const none = buildMonitorResult(context(samples), { warmupMs: 0 });
    expect(none.resources!.memory.slopePerMin!).toBeGreaterThan(1);
    expect(none.resources!.memory.tailSlopePerMin).toBe(0);
    expect(none.resources!.memory.settled).toBe(true);
    expect(none.verdict).not.toBe('leak');
  });

  it('scales the memory budget with the process and takes --leak-budget as given', () => {
    expect(defaultMemoryBudget(100)).toBe(MIN_MEMORY_BUDGET_MB_PER_HOUR);
    expect(defaultMemoryBudget(4000)).toBeGreaterThan(MIN_MEMORY_BUDGET_MB_PER_HOUR);
    // 1 MiB/min for two minutes: a leak against 32 MiB/h, not against 100 MiB/h.
    const samples = series(120, (t) => 100 + t / 60);
    expect(buildMonitorResult(context(samples)).verdict).toBe('leak');
    const lenient = buildMonitorResult(context(samples), { leakBudgetMbPerHour: 100 });
    expect(lenient.verdict).toBe('healthy');
    expect(lenient.leakBudgetMbPerHour).toBe(100);
    expect(lenient.resources!.memory.sentence).toMatch(/within the 100 MiB\/h budget/);
  });

  it('will not judge too few samples', () => {
    const samples = series(MIN_JUDGED_SAMPLES - 1, (t) => 100 + t * 5);
    const r = buildMonitorResult(context(samples));
    expect(r.verdict).toBe('inconclusive');
    expect(r.leakSuspected).toBe(false);
    expect(r.rssGrowthCiMbPerMin).toBeNull();
    expect(r.reasons[0]).toMatch(/too few to judge/);
  });

  it('never calls a process that died healthy, and says when it died', () => {
    const samples = series(30, () => 90);
    const exit = { atSec: 30.4, code: 3, signal: null, tail: ['fatal: out of luck'] };
    const r = buildMonitorResult(context(samples, { cmd: 'node app.js', exit }));
    expect(r.resources!.memory.verdict).toBe('healthy');
    expect(r.verdict).toBe('inconclusive');
    expect(r.exit).toEqual(exit);
    expect(r.reasons).toContain(
      'the service exited with code 3 30.4 s into monitoring, before it ended; the verdict covers the samples up to then',
    );
  });

  it('keeps threads and fds null where the platform does not report them', () => {
    const samples = series(40, () => 70, { threads: null, fds: null, vszMb: null });
    const r = buildMonitorResult(context(samples, { source: 'pidusage' }));
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
    expect(r.resources!.fds).toBeNull();
    expect(r.resources!.threads).toBeNull();
  });

  it('carries the warnings about what was watched', () => {
    const r = buildMonitorResult(
      context(
        series(10, () => 50),
        { warnings: ['pid 1 is a wrapper'] },
      ),
    );
    expect(r.warnings).toEqual(['pid 1 is a wrapper']);
  });

  it('renders an empty series without inventing figures', () => {
    const r = buildMonitorResult(context([]));
    expect(r).toMatchObject({ rssStartMb: 0, rssPeakMb: 0, rssGrowthMbPerMin: 0, verdict: 'inconclusive' });
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toMatch(/no samples/);
  });
});
