import type { MonitorResult, ResourceVerdict } from '../../src/result/schema.js';

/**
 * Monitor results written by hand as the schema describes them (per-resource verdicts, leaks,
 * warnings, an exit), for the tests of the reports that show them: the real verdict code's
 * sentences change, these do not.
 */

/** One resource's verdict: a steady trend unless `over` says otherwise. */
export function resourceVerdict(
  verdict: ResourceVerdict['verdict'],
  unit: ResourceVerdict['unit'],
  sentence: string,
  over: Partial<ResourceVerdict> = {},
): ResourceVerdict {
  return {
    verdict,
    unit,
    sentence,
    shape: verdict === 'leak' ? 'growing' : 'flat',
    warmupSec: 10,
    warmupSource: 'found',
    warmupGrowth: null,
    start: 42,
    end: 202,
    peak: 202,
    slopePerMin: verdict === 'leak' ? 120 : 0,
    ciPerMin: verdict === 'leak' ? [100, 140] : [-1, 1],
    tailSlopePerMin: null,
    tailCiPerMin: null,
    settled: verdict !== 'leak',
    projectedPerHour: verdict === 'leak' ? 7200 : 0,
    budgetPerHour: 100,
    steps: [],
    cycles: 0,
    effectiveSamples: 30,
    moreMinutes: null,
    perRequest: null,
    ...over,
  };
}

export const MEMORY_SENTENCE = 'Memory grows +5.0 MiB/min after a warm-up of +80 MiB in the first 10 s.';
export const FDS_SENTENCE = 'Open file descriptors grow +120/min from 42 to 202.';
export const THREADS_SENTENCE = 'Threads stay at 12.';
export const WRAPPER_WARNING =
  'pid 4242 is a wrapper whose 1 child process holds 300.0 MiB: watch the tree with --monitor-tree.';

/** A process leaking memory and descriptors, with a warning about what was watched. */
export function leakingMonitor(): MonitorResult {
  return {
    pid: 4242,
    samples: [
      { t: 0, rssMb: 100, cpuPct: 10, threads: 12, fds: 21 },
      { t: 30, rssMb: 180, cpuPct: 12, threads: 12, fds: 42 },
      { t: 60, rssMb: 185, cpuPct: 11, threads: 12, fds: 102 },
      { t: 90, rssMb: 190, cpuPct: 12, threads: 12, fds: 202 },
    ],
    rssStartMb: 100,
    rssPeakMb: 190,
    rssEndMb: 190,
    rssGrowthMbPerMin: 5,
    rssGrowthCiMbPerMin: [4.5, 5.5],
    settled: false,
    warmupSec: 10,
    leakSuspected: true,
    verdict: 'leak',
    reasons: [MEMORY_SENTENCE, FDS_SENTENCE, THREADS_SENTENCE],
    cpuAvgPct: 11.3,
    cpuPeakPct: 12,
    threadsStart: 12,
    threadsEnd: 12,
    threadsPeak: 12,
    threadsGrowthPerMin: 0,
    fdsStart: 21,
    fdsEnd: 202,
    fdsPeak: 202,
    fdsGrowthPerMin: 120,
    intervalMs: 30_000,
    tree: false,
    source: 'procfs',
    cmd: null,
    exit: null,
    resources: {
      memory: resourceVerdict('leak', 'MiB', MEMORY_SENTENCE, { slopePerMin: 5, start: 180, end: 190 }),
      fds: resourceVerdict('leak', 'fds', FDS_SENTENCE),
      threads: resourceVerdict('healthy', 'threads', THREADS_SENTENCE, { start: 12, end: 12, peak: 12 }),
    },
    leaks: ['memory', 'fds'],
    leakBudgetMbPerHour: 100,
    warnings: [WRAPPER_WARNING],
  };
}

/** A process flat in every resource that went away 42.5 s in (`--monitor-pid`: no cmd, no code). */
export function diedMonitor(): MonitorResult {
  const m = leakingMonitor();
  return {
    ...m,
    rssGrowthMbPerMin: 0,
    rssGrowthCiMbPerMin: [-0.5, 0.5],
    settled: true,
    leakSuspected: false,
    verdict: 'inconclusive',
    reasons: ['Memory stays at 100 MiB.', THREADS_SENTENCE, 'The process went away 42.5 s into monitoring.'],
    fdsEnd: 21,
    fdsPeak: 21,
    fdsGrowthPerMin: 0,
    resources: {
      memory: resourceVerdict('healthy', 'MiB', 'Memory stays at 100 MiB.'),
      fds: resourceVerdict('healthy', 'fds', 'Open file descriptors stay at 21.'),
      threads: resourceVerdict('healthy', 'threads', THREADS_SENTENCE),
    },
    leaks: [],
    warnings: [],
    exit: { atSec: 42.5, code: null, signal: null, tail: [] },
  };
}
