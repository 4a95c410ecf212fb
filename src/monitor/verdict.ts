import type { MonitorExit, MonitorResult, MonitorSample, MonitorVerdict } from '../result/schema.js';
import { round } from '../util/units.js';
import { describeExit } from './launcher.js';
import { type SlopeEstimate, theilSen } from './theil-sen.js';

/**
 * Judges a series of samples: is the memory of the system under test flat, leaking, or can the
 * run not tell? The slope is Theil–Sen over the samples after a warm-up (start-up allocations,
 * JIT, caches and pools filling are not leaks), with Sen's 95% interval, and "settled" is judged
 * on the last half of that window alone, so a service that grew and then levelled off is told
 * apart from one that is still growing at the end.
 */

/** Below this growth (MB/min) after the warm-up, and flat at the end, memory is healthy. */
export const HEALTHY_MB_PER_MIN = 5;
/** Above this growth, still growing at the end, memory is leaking. */
export const LEAK_MB_PER_MIN = 10;
/** Default warm-up: 10% of the monitored time, and at least this long. */
export const MIN_DEFAULT_WARMUP_MS = 10_000;
export const WARMUP_SHARE = 0.1;
/** Fewer samples than this after the warm-up say nothing reliable about a trend. */
export const MIN_JUDGED_SAMPLES = 6;
/** Growth of descriptors or threads worth a sentence: below it, pools and lazy start-up. */
const FD_GROWTH_MIN = 10;
const THREAD_GROWTH_MIN = 5;

export interface VerdictOptions {
  /** Samples before this are left out of the trend. Default: 10% of the monitored time, ≥ 10 s. */
  warmupMs?: number;
  healthyMbPerMin?: number;
  leakMbPerMin?: number;
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

export function defaultWarmupMs(durationMs: number): number {
  return Math.max(MIN_DEFAULT_WARMUP_MS, WARMUP_SHARE * durationMs);
}

const f1 = (n: number) => n.toFixed(1);
const signed = (n: number) => `${n >= 0 ? '+' : ''}${f1(n)}`;
const secs = (s: number) => `${Number.isInteger(s) ? s : f1(s)} s`;

function slopeOf(samples: readonly MonitorSample[], pick: (s: MonitorSample) => number | null | undefined) {
  const points: Array<{ x: number; y: number }> = [];
  for (const s of samples) {
    const y = pick(s);
    if (typeof y === 'number' && Number.isFinite(y)) points.push({ x: s.t / 60, y });
  }
  return points.length >= 2 ? theilSen(points) : undefined;
}

function stats(samples: readonly MonitorSample[], pick: (s: MonitorSample) => number | null | undefined) {
  const values = samples.map(pick).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (values.length === 0) return { start: null, end: null, peak: null };
  return { start: values[0]!, end: values[values.length - 1]!, peak: Math.max(...values) };
}

interface MemoryJudgement {
  verdict: MonitorVerdict;
  settled: boolean | null;
  sentence: string;
}

function judgeMemory(
  overall: SlopeEstimate | undefined,
  tail: SlopeEstimate | undefined,
  judged: readonly MonitorSample[],
  tailSpanSec: number,
  warmupSec: number,
  healthy: number,
  leak: number,
): MemoryJudgement {
  const after = `after a ${secs(warmupSec)} warm-up`;
  if (judged.length < MIN_JUDGED_SAMPLES || !overall || !tail) {
    return {
      verdict: 'inconclusive',
      settled: null,
      sentence:
        `only ${judged.length} samples were taken ${after}, too few to judge the RSS trend ` +
        `(at least ${MIN_JUDGED_SAMPLES} are needed): monitor for longer or shorten the warm-up`,
    };
  }
  const verb = overall.slope >= 0 ? 'grew' : 'changed by';
  const growth = `RSS ${verb} ${f1(overall.slope)} MB/min (95% CI ${f1(overall.low)}–${f1(overall.high)}) ${after}`;
  // Settled: the last half's growth cannot be told from the healthy bound or below.
  const settled = tail.low <= healthy;
  const tailText = `${f1(tail.slope)} MB/min over the last ${secs(round(tailSpanSec, 1))}`;
  if (overall.slope > leak && overall.low > healthy && !settled) {
    return { verdict: 'leak', settled, sentence: `${growth} and had not settled (still ${tailText})` };
  }
  if (overall.slope < healthy && overall.high < leak && settled) {
    return { verdict: 'healthy', settled, sentence: `${growth}: flat, under the ${healthy} MB/min bound` };
  }
  let sentence: string;
  if (overall.slope >= healthy && settled) {
    sentence =
      `${growth} but had settled by the end (${tailText}): more likely a cache or pool filling up ` +
      'than a leak; a longer run would tell';
  } else if (overall.slope >= healthy && overall.slope <= leak) {
    sentence = `${growth}, between the ${healthy} MB/min healthy bound and the ${leak} MB/min leak bound: run longer to tell`;
  } else {
    sentence = `${growth}: too uncertain to call either way (${tailText} at the end); run longer`;
  }
  return { verdict: 'inconclusive', settled, sentence };
}

/** A sentence about descriptors or threads that kept growing after the warm-up, if they did. */
function growthSentence(
  what: string,
  judged: readonly MonitorSample[],
  pick: (s: MonitorSample) => number | null | undefined,
  slope: SlopeEstimate | undefined,
  minGrowth: number,
  hint: string,
): string | undefined {
  const s = stats(judged, pick);
  if (s.start === null || s.end === null || !slope) return undefined;
  if (s.end - s.start < minGrowth || slope.low <= 0) return undefined;
  return `${what} grew from ${s.start} to ${s.end} (${signed(slope.slope)}/min) after the warm-up: ${hint}`;
}

function exitSentence(exit: MonitorExit, cmd: string | null | undefined): string {
  const what = cmd ? 'the service' : 'the process';
  return (
    `${what} ${describeExit(exit)} ${secs(round(exit.atSec, 1))} into monitoring, before it ended; ` +
    'the verdict covers the samples up to then'
  );
}

/** The `monitor` block of the result document. */
export function buildMonitorResult(ctx: MonitorContext, opts: VerdictOptions = {}): MonitorResult {
  const healthy = opts.healthyMbPerMin ?? HEALTHY_MB_PER_MIN;
  const leak = opts.leakMbPerMin ?? LEAK_MB_PER_MIN;
  const warmupSec = round((opts.warmupMs ?? defaultWarmupMs(ctx.durationSec * 1000)) / 1000, 3);
  const samples = ctx.samples;
  const judged = samples.filter((s) => s.t >= warmupSec);
  const tailSamples = judged.slice(Math.floor(judged.length / 2));
  const tailSpanSec =
    tailSamples.length > 0
      ? tailSamples[tailSamples.length - 1]!.t - tailSamples[0]!.t + ctx.intervalMs / 1000
      : 0;

  const rss = (s: MonitorSample) => s.rssMb;
  const overall = slopeOf(judged, rss);
  const tail = tailSamples.length >= 3 ? slopeOf(tailSamples, rss) : undefined;
  const memory = judgeMemory(overall, tail, judged, tailSpanSec, warmupSec, healthy, leak);

  const threads = (s: MonitorSample) => s.threads;
  const fds = (s: MonitorSample) => s.fds;
  const threadSlope = slopeOf(judged, threads);
  const fdSlope = slopeOf(judged, fds);
  const reasons = [memory.sentence];
  const fdNote = growthSentence(
    'open file descriptors',
    judged,
    fds,
    fdSlope,
    FD_GROWTH_MIN,
    'are connections or files left open?',
  );
  const threadNote = growthSentence(
    'threads',
    judged,
    threads,
    threadSlope,
    THREAD_GROWTH_MIN,
    'is a thread started per request or job and never ended?',
  );
  if (fdNote) reasons.push(fdNote);
  if (threadNote) reasons.push(threadNote);
  if (ctx.exit) reasons.push(exitSentence(ctx.exit, ctx.cmd));
  if (samples.length === 0) {
    reasons[0] = ctx.exit
      ? 'no samples were taken: the process ended within the first interval'
      : `no samples were taken: monitoring ended within the first interval (${ctx.intervalMs} ms); monitor for longer or sample more often`;
  }

  const rssStats = stats(samples, rss);
  const cpu = samples.map((s) => s.cpuPct);
  const threadStats = stats(samples, threads);
  const fdStats = stats(samples, fds);
  const vszPeak = stats(samples, (s) => s.vszMb).peak;
  const r2 = (v: number | undefined | null) => (typeof v === 'number' ? round(v, 2) : null);
  return {
    pid: ctx.pid,
    samples: [...samples],
    rssStartMb: rssStats.start ?? 0,
    rssPeakMb: rssStats.peak ?? 0,
    rssEndMb: rssStats.end ?? 0,
    // With too few samples after the warm-up, the slope of everything is still the best figure.
    rssGrowthMbPerMin: r2(overall?.slope ?? slopeOf(samples, rss)?.slope) ?? 0,
    leakSuspected: memory.verdict === 'leak',
    reasons,
    verdict: memory.verdict,
    rssGrowthCiMbPerMin:
      overall && judged.length >= MIN_JUDGED_SAMPLES ? [r2(overall.low)!, r2(overall.high)!] : null,
    rssTailGrowthMbPerMin: r2(tail?.slope),
    settled: memory.settled,
    warmupSec,
    healthyMbPerMin: healthy,
    leakMbPerMin: leak,
    cpuAvgPct: cpu.length > 0 ? round(cpu.reduce((a, b) => a + b, 0) / cpu.length, 1) : 0,
    cpuPeakPct: cpu.length > 0 ? Math.max(...cpu) : 0,
    vszPeakMb: vszPeak,
    threadsStart: threadStats.start,
    threadsEnd: threadStats.end,
    threadsPeak: threadStats.peak,
    threadsGrowthPerMin: r2(threadSlope?.slope),
    fdsStart: fdStats.start,
    fdsEnd: fdStats.end,
    fdsPeak: fdStats.peak,
    fdsGrowthPerMin: r2(fdSlope?.slope),
    intervalMs: ctx.intervalMs,
    tree: ctx.tree,
    source: ctx.source,
    cmd: ctx.cmd ?? null,
    exit: ctx.exit ?? null,
    warnings: [...(ctx.warnings ?? [])],
  };
}
