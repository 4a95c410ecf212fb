import { round } from '../util/units.js';
import { describeExit } from './launcher.js';
import { judgeResource, type ResourcePoint, type ResourceSpec } from './resource-verdict.js';
import { median } from './theil-sen.js';
import type {
  MonitorExit,
  MonitorResource,
  MonitorResult,
  MonitorSample,
  MonitorVerdict,
  ResourceVerdict,
} from './types.js';

/**
 * The monitor's verdict: memory, open file descriptors and threads each get the same leak test
 * (resource-verdict.ts) and their own verdict; the process leaks when any of them does. A process
 * that died before monitoring ended is never called healthy: what was seen up to then is reported,
 * and the verdict says it could not be finished.
 */

/** The memory budget's floor, MiB per hour: growth under it is not material for any process. */
export const MIN_MEMORY_BUDGET_MB_PER_HOUR = 32;
/** The memory budget scales with the process: this share of its typical RSS per hour. */
export const MEMORY_BUDGET_SHARE = 0.05;
/** Descriptors and threads: a floor per hour, or this share of their typical count per hour. */
const COUNT_BUDGET_SHARE = 0.1;
const FDS_BUDGET_PER_HOUR = 20;
const THREADS_BUDGET_PER_HOUR = 10;

export interface VerdictOptions {
  /** --monitor-warmup: samples before this are left out; by default the warm-up is found from the data. */
  warmupMs?: number;
  /** Memory growth per hour below which a trend is not material (--leak-budget). */
  leakBudgetMbPerHour?: number;
}

/** What was monitored and how: everything the result needs besides the samples' judgement. */
export interface MonitorContext {
  pid: number;
  samples: readonly MonitorSample[];
  /** Seconds monitored (the samples may stop earlier when the process went away). */
  durationSec: number;
  intervalMs: number;
  tree: boolean;
  source: 'procfs' | 'pidusage';
  cmd?: string | null;
  exit?: MonitorExit | null;
  /** Doubts about what was watched (a wrapper, a process not owning the port), for the result. */
  warnings?: readonly string[];
}

/** The default memory budget for a process of this typical RSS (MiB): MiB per hour. */
export function defaultMemoryBudget(typicalMb: number): number {
  return Math.max(MIN_MEMORY_BUDGET_MB_PER_HOUR, MEMORY_BUDGET_SHARE * typicalMb);
}

type Pick = (s: MonitorSample) => number | null | undefined;

/** The series of one figure, or undefined when a sample lacks it (not measured here). */
function seriesOf(samples: readonly MonitorSample[], pick: Pick): ResourcePoint[] | undefined {
  const out: ResourcePoint[] = [];
  for (const s of samples) {
    const y = pick(s);
    if (typeof y !== 'number' || !Number.isFinite(y)) return undefined;
    out.push(typeof s.reqs === 'number' ? { t: s.t, y, reqs: s.reqs } : { t: s.t, y });
  }
  return out;
}

function specs(
  samples: readonly MonitorSample[],
  opts: VerdictOptions,
): Record<MonitorResource, ResourceSpec> {
  const typical = (pick: Pick) => median(samples.map(pick).filter((v): v is number => typeof v === 'number'));
  const rss = typical((s) => s.rssMb);
  return {
    memory: {
      unit: 'MiB',
      name: 'memory (RSS)',
      budgetPerHour: opts.leakBudgetMbPerHour ?? defaultMemoryBudget(rss),
      minJump: Math.max(2, 0.01 * rss),
      minGrowth: 1,
    },
    fds: {
      unit: 'fds',
      name: 'open file descriptors',
      plural: true,
      budgetPerHour: Math.max(FDS_BUDGET_PER_HOUR, COUNT_BUDGET_SHARE * typical((s) => s.fds)),
      minJump: 5,
      minGrowth: 10,
      hint: 'are connections or files left open?',
    },
    threads: {
      unit: 'threads',
      name: 'threads',
      plural: true,
      budgetPerHour: Math.max(THREADS_BUDGET_PER_HOUR, COUNT_BUDGET_SHARE * typical((s) => s.threads)),
      minJump: 3,
      minGrowth: 5,
      hint: 'is a thread started per request or job and never ended?',
    },
  };
}

function peakOf(samples: readonly MonitorSample[], pick: Pick): number | null {
  const values = samples.map(pick).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return values.length === 0 ? null : Math.max(...values);
}

const secs = (s: number) => `${Number.isInteger(s) ? s : s.toFixed(1)} s`;

function exitSentence(exit: MonitorExit, cmd: string | null | undefined): string {
  const what = cmd ? 'the service' : 'the process';
  return (
    `${what} ${describeExit(exit)} ${secs(round(exit.atSec, 1))} into monitoring, before it ended; ` +
    'the verdict covers the samples up to then'
  );
}

/** The `monitor` block of the result document. */
export function buildMonitorResult(ctx: MonitorContext, opts: VerdictOptions = {}): MonitorResult {
  const samples = ctx.samples;
  const spec = specs(samples, opts);
  const judge = { warmupSec: opts.warmupMs === undefined ? undefined : round(opts.warmupMs / 1000, 3) };
  const rss = (s: MonitorSample) => s.rssMb;
  const fds = (s: MonitorSample) => s.fds;
  const threads = (s: MonitorSample) => s.threads;
  const memory = judgeResource(seriesOf(samples, rss) ?? [], spec.memory, judge);
  const fdSeries = samples.length > 0 ? seriesOf(samples, fds) : undefined;
  const threadSeries = samples.length > 0 ? seriesOf(samples, threads) : undefined;
  const resources = {
    memory,
    fds: fdSeries ? judgeResource(fdSeries, spec.fds, judge) : null,
    threads: threadSeries ? judgeResource(threadSeries, spec.threads, judge) : null,
  };
  const judged: Array<[MonitorResource, ResourceVerdict | null]> = [
    ['memory', resources.memory],
    ['fds', resources.fds],
    ['threads', resources.threads],
  ];
  const leaks = judged.filter(([, r]) => r?.verdict === 'leak').map(([name]) => name);
  const present = judged.map(([, r]) => r).filter((r): r is ResourceVerdict => r !== null);
  let verdict: MonitorVerdict =
    leaks.length > 0 ? 'leak' : present.every((r) => r.verdict === 'healthy') ? 'healthy' : 'inconclusive';
  // A process that died was not watched to the end: whatever it looked like, it is not healthy.
  if (ctx.exit && verdict === 'healthy') verdict = 'inconclusive';

  const reasons = present.map((r) => r.sentence);
  if (ctx.exit) reasons.push(exitSentence(ctx.exit, ctx.cmd));
  if (samples.length === 0) {
    reasons.splice(
      0,
      reasons.length,
      ctx.exit
        ? 'no samples were taken: the process ended within the first interval'
        : `no samples were taken: monitoring ended within the first interval (${ctx.intervalMs} ms); monitor for longer or sample more often`,
    );
  }

  const cpu = samples.map((s) => s.cpuPct);
  const vszPeak = peakOf(samples, (s) => s.vszMb);
  // The run-wide figures are the resources' own: one reading of each series.
  const t = resources.threads;
  const f = resources.fds;
  return {
    pid: ctx.pid,
    samples: [...samples],
    rssStartMb: memory.start ?? 0,
    rssPeakMb: memory.peak ?? 0,
    rssEndMb: memory.end ?? 0,
    rssGrowthMbPerMin: memory.slopePerMin ?? 0,
    leakSuspected: leaks.length > 0,
    reasons,
    verdict,
    rssGrowthCiMbPerMin: memory.ciPerMin,
    rssTailGrowthMbPerMin: memory.tailSlopePerMin,
    settled: memory.settled,
    warmupSec: memory.warmupSec,
    cpuAvgPct: cpu.length > 0 ? round(cpu.reduce((a, b) => a + b, 0) / cpu.length, 1) : 0,
    cpuPeakPct: cpu.length > 0 ? Math.max(...cpu) : 0,
    vszPeakMb: vszPeak,
    threadsStart: t?.start ?? null,
    threadsEnd: t?.end ?? null,
    threadsPeak: t?.peak ?? null,
    threadsGrowthPerMin: resources.threads?.slopePerMin ?? null,
    fdsStart: f?.start ?? null,
    fdsEnd: f?.end ?? null,
    fdsPeak: f?.peak ?? null,
    fdsGrowthPerMin: resources.fds?.slopePerMin ?? null,
    intervalMs: ctx.intervalMs,
    tree: ctx.tree,
    source: ctx.source,
    cmd: ctx.cmd ?? null,
    exit: ctx.exit ?? null,
    resources,
    leaks,
    leakBudgetMbPerHour: round(spec.memory.budgetPerHour, 2),
    warnings: [...(ctx.warnings ?? [])],
  };
}
