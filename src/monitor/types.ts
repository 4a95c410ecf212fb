/**
 * The monitor's shapes, as the result document carries them (`monitor`, `generator`): declared
 * here, below result/, which re-exports them (result/schema.ts).
 */

/**
 * One reading of the monitored process (or of its process tree, summed). MB are mebibytes, as
 * `ps` and `top` count them; CPU is % of one core (200 = two cores busy).
 */
export interface MonitorSample {
  /** Seconds since monitoring started. */
  t: number;
  rssMb: number;
  cpuPct: number;
  /** null where the platform does not report it (pidusage outside Linux). */
  threads: number | null;
  /** null where the platform does not report it, or /proc/PID/fd is another user's. */
  fds: number | null;
  // Added fields (older documents may lack them).
  /** Virtual memory size; null outside Linux. */
  vszMb?: number | null;
  /** Processes summed into this sample (tree mode: the process and its descendants). */
  processes?: number;
  /**
   * Requests answered so far by the load squall ran beside the monitor (absent without load):
   * RSS fitted against it tells a leak per request from a leak per minute.
   */
  reqs?: number;
}

/**
 * healthy: flat after the warm-up (or growth confidently under the budget); leak: growth that
 * continues, is not slowing, and would exceed the budget per hour; inconclusive: the run cannot
 * tell yet (too short, too noisy, too few GC cycles), or the process died before it could.
 */
export type MonitorVerdict = 'healthy' | 'leak' | 'inconclusive';

/** The resources judged for leaks, each with the same test. */
export type MonitorResource = 'memory' | 'fds' | 'threads';

/**
 * What the series after the warm-up looked like. flat; growing (a steady trend); settling (grew,
 * then levelled off); step (one jump, flat around it); staircase (repeated jumps up); sawtooth
 * (growth with repeated drops, GC-like); shrinking; unknown (too few samples).
 */
export type MonitorShape =
  | 'flat'
  | 'growing'
  | 'settling'
  | 'step'
  | 'staircase'
  | 'sawtooth'
  | 'shrinking'
  | 'unknown';

/** A sudden jump of a resource between two samples: seconds since monitoring started, and size. */
export interface MonitorStep {
  atSec: number;
  /** In the resource's unit (MiB, descriptors, threads); negative for a drop. */
  size: number;
}

/** The leak test of one resource (added field, under `monitor.resources`). */
export interface ResourceVerdict {
  verdict: MonitorVerdict;
  /** MiB for memory; a count for fds and threads. */
  unit: 'MiB' | 'fds' | 'threads';
  /** One sentence: the verdict and the figures it rests on. */
  sentence: string;
  shape: MonitorShape;
  /** Where the judged part starts, seconds since monitoring started. */
  warmupSec: number;
  /** given: --monitor-warmup; found: a breakpoint in the data; none: no warm-up found. */
  warmupSource: 'given' | 'found' | 'none';
  /** Growth during the warm-up, in the unit (null when none was found). */
  warmupGrowth: number | null;
  start: number | null;
  end: number | null;
  peak: number | null;
  /** Theil–Sen slope after the warm-up, per minute. */
  slopePerMin: number | null;
  /** Its 95% interval, widened for autocorrelated samples (effective sample size). */
  ciPerMin: [number, number] | null;
  /** The same over the last third of the judged part: "settled" when its interval holds zero. */
  tailSlopePerMin: number | null;
  tailCiPerMin: [number, number] | null;
  settled: boolean | null;
  /** slopePerMin × 60. */
  projectedPerHour: number | null;
  /** Growth per hour below which a trend is not material (the leak budget). */
  budgetPerHour: number;
  /** Jumps (and drops) found after the warm-up. */
  steps: MonitorStep[];
  /** Drops counted as GC cycles (sawtooth); the trend is judged over whole cycles only. */
  cycles: number;
  /** Independent samples the judged series is worth, after its lag-1 autocorrelation. */
  effectiveSamples: number | null;
  /** Inconclusive only: about how many more minutes would decide, from the noise seen. */
  moreMinutes: number | null;
  /**
   * Memory under load only: growth per request (KiB), when the request count explains the growth
   * better than time does, and what it comes to per hour at the tested rate.
   */
  perRequest: { kibPerRequest: number; reqsPerSec: number; projectedPerHour: number } | null;
}

/** How a monitored process ended before monitoring did (added field). */
export interface MonitorExit {
  /** Seconds since monitoring started. */
  atSec: number;
  /** Exit code and signal, when squall started it (--monitor-cmd); null for --monitor-pid. */
  code: number | null;
  signal: string | null;
  /** The last lines it printed (--monitor-cmd only). */
  tail: string[];
}

export interface MonitorResult {
  pid: number;
  samples: MonitorSample[];
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  /** Theil–Sen slope of RSS after the warm-up. */
  rssGrowthMbPerMin: number;
  leakSuspected: boolean;
  /** Plain sentences: the verdict and what it rests on. */
  reasons: string[];
  // Added fields (older documents may lack them).
  verdict?: MonitorVerdict;
  /** 95% confidence interval of rssGrowthMbPerMin (Sen's method); null with too few samples. */
  rssGrowthCiMbPerMin?: [number, number] | null;
  /** Slope over the last half of the window after the warm-up: what "settled" is judged on. */
  rssTailGrowthMbPerMin?: number | null;
  /** RSS no longer growing at the end (the tail's slope cannot be told from flat). */
  settled?: boolean | null;
  warmupSec?: number;
  /** Fixed bounds of the verdict before 0.1.0, MB/min: no longer written (see `resources`). */
  healthyMbPerMin?: number;
  leakMbPerMin?: number;
  cpuAvgPct?: number;
  cpuPeakPct?: number;
  vszPeakMb?: number | null;
  threadsStart?: number | null;
  threadsEnd?: number | null;
  threadsPeak?: number | null;
  /** Theil–Sen slope after the warm-up, per minute. */
  threadsGrowthPerMin?: number | null;
  fdsStart?: number | null;
  fdsEnd?: number | null;
  fdsPeak?: number | null;
  fdsGrowthPerMin?: number | null;
  /** Sampling settings. */
  intervalMs?: number;
  tree?: boolean;
  source?: 'procfs' | 'pidusage';
  /** The command squall started and stopped (--monitor-cmd). */
  cmd?: string | null;
  /** Set when the process ended before monitoring did. */
  exit?: MonitorExit | null;
  /** Each resource's own leak test; fds and threads are null where the platform has no figure. */
  resources?: {
    memory: ResourceVerdict;
    fds: ResourceVerdict | null;
    threads: ResourceVerdict | null;
  };
  /** The resources judged leaking: `leakSuspected` is true when this is not empty. */
  leaks?: MonitorResource[];
  /** The memory leak budget the verdict used, MiB per hour. */
  leakBudgetMbPerHour?: number;
  /**
   * Doubts about what was watched: a wrapper whose children do the work, a process that does not
   * own the socket listening on the target's port, a process idle under load.
   */
  warnings?: string[];
}

/**
 * The load generator's own health (added field): when squall itself ran out of CPU or its event
 * loop lagged, latencies include squall's delay, and the figures measure squall, not the target.
 */
export interface GeneratorHealth {
  /** CPU of the squall process, % of one core, over the run and at its busiest second. */
  cpuAvgPct: number;
  cpuPeakPct: number;
  /** Cores the load could use (worker threads); CPU is judged against cores × 100%. */
  cores: number;
  /** Seconds in which CPU was at or above the saturation bound. */
  cpuSaturatedSec: number;
  /** Event-loop delay of the main thread (perf_hooks.monitorEventLoopDelay), ms. */
  eventLoopDelayP50Ms: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Peak resident memory of the squall process, MB. */
  rssPeakMb: number;
  /** The worst lateness of a request (or iteration) behind its scheduled send time, ms (added field). */
  sendLagMaxMs?: number;
  /**
   * Whole seconds of the run (k covers (k-1, k]) in which squall fell behind its own schedule
   * (send lag or event-loop delay over the bound): the generator, not the target, set the pace
   * (added field). The timeline points of those seconds carry `generatorLimited: true`.
   */
  limitedSeconds?: number[];
  saturated: boolean;
  /** Plain sentences; empty when healthy. */
  reasons: string[];
  /**
   * Per second: CPU % of one core, the event loop's worst delay, the worst send lag (ms), and
   * whether the second was generator-limited.
   */
  samples?: Array<{
    t: number;
    cpuPct: number;
    loopDelayMaxMs: number;
    sendLagMaxMs?: number;
    limited?: boolean;
  }>;
}
