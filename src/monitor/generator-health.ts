import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { round } from '../util/units.js';
import { takeSendLag } from './send-lag.js';
import type { GeneratorHealth } from './types.js';

/**
 * squall's own health during a run. A Node load generator is CPU-bound long before most targets
 * are, and when it is, every figure it takes includes its own delay: a response that sits in the
 * socket while the event loop is busy is timed late. So the run samples its own CPU
 * (process.cpuUsage) and event-loop delay (perf_hooks.monitorEventLoopDelay) and says when the
 * figures measure squall rather than the target.
 *
 * The bounds:
 * - CPU at or above 90% of the cores it may use (Locust warns at the same 90%) for a sustained
 *   part of the run: at least a quarter of the sampled seconds, and at least 2 of them, so that
 *   the start-up second (compiling the test, opening connections) alone never trips it;
 * - event-loop delay p99 above 50 ms: each timing taken by the main thread may then be late by
 *   that much for one request in a hundred, the size of the budgets people set on p95/p99
 *   (100–300 ms), while a healthy loop, even loaded, stays within a few milliseconds;
 * - per second, the main signal: requests sent more than 50 ms after their scheduled time (the
 *   engines report it, see send-lag.ts), or an event-loop delay over the same bound, in a second
 *   when squall was busy (at least half a core: else the delay is the machine's other processes
 *   taking the CPU, and fewer connections would not help), or over 250 ms whatever the CPU. Such
 *   a second is generator-limited (`limitedSeconds`, and the timeline point's flag), and one is
 *   enough to flag the run: a single stall of seconds hides in a run-wide p99 but not here.
 */

export const CPU_BOUND_PCT = 90;
export const SUSTAINED_SHARE = 0.25;
export const MIN_SUSTAINED_SEC = 2;
export const LOOP_DELAY_BOUND_MS = 50;
/** A second whose worst send lag or event-loop delay exceeds this is generator-limited. */
export const SEND_LAG_BOUND_MS = 50;
/** ...when squall used at least this much of a core in that second... */
export const BUSY_CPU_PCT = 50;
/** ...or whatever the CPU when the lag exceeds this. */
export const SEVERE_LAG_MS = 250;
/** Timer resolution of the delay histogram: 10 ms is Node's default, cheap and fine enough. */
const LOOP_RESOLUTION_MS = 10;
const MIB = 1024 * 1024;

export interface GeneratorHealthOptions {
  /** Cores the load runs on (worker threads): CPU is judged against cores × 100%. Default 1. */
  cores?: number;
  /** Default 1 s. */
  intervalMs?: number;
  cpuBoundPct?: number;
  loopDelayBoundMs?: number;
  sendLagBoundMs?: number;
}

export interface GeneratorHealthMonitor {
  /** Stops sampling and judges the run. */
  stop(): GeneratorHealth;
}

/**
 * The histogram records the time between two of its timer's ticks, so an idle loop reads the
 * resolution itself (10 ms); the delay is what comes on top of it.
 */
const delayMs = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);

/**
 * The process's RSS, or 0 when it cannot be read: on Linux it opens /proc/self/stat, which fails
 * with EMFILE once the load has used every file descriptor, and a timer that throws would end the
 * whole run (issue 10, item 1).
 */
function rssNow(): number {
  try {
    return process.memoryUsage.rss();
  } catch {
    return 0;
  }
}

export function startGeneratorHealth(opts: GeneratorHealthOptions = {}): GeneratorHealthMonitor {
  const cores = opts.cores ?? 1;
  const intervalMs = opts.intervalMs ?? 1000;
  const cpuBound = opts.cpuBoundPct ?? CPU_BOUND_PCT;
  const loopBound = opts.loopDelayBoundMs ?? LOOP_DELAY_BOUND_MS;
  const lagBound = opts.sendLagBoundMs ?? SEND_LAG_BOUND_MS;
  // One histogram for the run, one reset every second for that second's worst delay.
  const total: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const perSecond: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  total.enable();
  perSecond.enable();
  const t0 = performance.now();
  let lastAt = t0;
  let lastCpu = process.cpuUsage();
  let rssPeak = rssNow();
  const samples: NonNullable<GeneratorHealth['samples']> = [];
  // Whole seconds of the run (k covers (k-1, k] s) in which squall, not the target, set the pace.
  const limited = new Set<number>();
  let sendLagMax = 0;
  takeSendLag();

  const sample = () => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const wallUs = (now - lastAt) * 1000;
    lastCpu = process.cpuUsage();
    lastAt = now;
    rssPeak = Math.max(rssPeak, rssNow());
    if (wallUs <= 0) return;
    const loopMax = perSecond.count > 0 ? delayMs(perSecond.max) : 0;
    const lag = takeSendLag();
    sendLagMax = Math.max(sendLagMax, lag);
    const from = samples.length > 0 ? samples[samples.length - 1]!.t : 0;
    const t = round((now - t0) / 1000, 3);
    const cpuPct = ((cpu.user + cpu.system) / wallUs) * 100;
    const worst = Math.max(lag, loopMax);
    const isLimited = worst > SEVERE_LAG_MS || (worst > lagBound && cpuPct >= BUSY_CPU_PCT);
    samples.push({
      t,
      cpuPct: round(cpuPct, 1),
      loopDelayMaxMs: round(loopMax, 1),
      sendLagMaxMs: round(lag, 1),
      limited: isLimited,
    });
    // A late sample covers a stall of several seconds: each of them was limited.
    if (isLimited) for (let k = Math.floor(from) + 1; k <= Math.ceil(t); k++) limited.add(k);
    perSecond.reset();
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();

  return {
    stop() {
      clearInterval(timer);
      // The part of a second since the last tick counts too, unless it is a sliver.
      if (performance.now() - lastAt >= intervalMs / 4) sample();
      total.disable();
      perSecond.disable();
      const cpu = samples.map((s) => s.cpuPct);
      const bound = cpuBound * cores;
      const perSample = intervalMs / 1000;
      const saturatedSec = round(cpu.filter((c) => c >= bound).length * perSample, 1);
      const sampledSec = round(cpu.length * perSample, 1);
      const p = (q: number) => (total.count > 0 ? round(delayMs(total.percentile(q)), 1) : 0);
      const health: GeneratorHealth = {
        cpuAvgPct: cpu.length > 0 ? round(cpu.reduce((a, b) => a + b, 0) / cpu.length, 1) : 0,
        cpuPeakPct: cpu.length > 0 ? Math.max(...cpu) : 0,
        cores,
        cpuSaturatedSec: saturatedSec,
        eventLoopDelayP50Ms: p(50),
        eventLoopDelayP99Ms: p(99),
        eventLoopDelayMaxMs: total.count > 0 ? round(delayMs(total.max), 1) : 0,
        rssPeakMb: round(rssPeak / MIB, 1),
        sendLagMaxMs: round(sendLagMax, 1),
        limitedSeconds: [...limited].sort((a, b) => a - b),
        saturated: false,
        reasons: [],
        samples,
      };
      const cores1 = cores === 1 ? 'one core' : `${cores} cores`;
      if (saturatedSec >= Math.max(MIN_SUSTAINED_SEC, SUSTAINED_SHARE * sampledSec)) {
        health.reasons.push(
          `squall used at least ${cpuBound}% of ${cores1} for ${saturatedSec} of ${sampledSec} s ` +
            `(peak ${health.cpuPeakPct}%): the load generator was CPU-bound, so the figures measure squall, ` +
            'not the target; use fewer connections or VUs, or a bigger machine',
        );
      }
      if (health.eventLoopDelayP99Ms > loopBound) {
        health.reasons.push(
          `squall's event loop lagged (p99 ${health.eventLoopDelayP99Ms} ms, max ${health.eventLoopDelayMaxMs} ms, ` +
            `bound ${loopBound} ms): timings include up to that much of squall's own delay, so the figures ` +
            'measure squall, not the target',
        );
      }
      const late = health.limitedSeconds!;
      if (late.length > 0) {
        const start = late[0] === 1 ? ', from the start' : '';
        health.reasons.push(
          `squall fell behind its own schedule in ${late.length} s (${describeSeconds(late)}${start}): ` +
            `requests went out up to ${health.sendLagMaxMs} ms late and the event loop stalled up to ` +
            `${health.eventLoopDelayMaxMs} ms (bound ${lagBound} ms), so those seconds measure squall, not the target`,
        );
      }
      health.saturated = health.reasons.length > 0;
      return health;
    },
  };
}

/** "second 3", "seconds 1–4, 7": runs of whole seconds, short. */
export function describeSeconds(seconds: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < seconds.length; ) {
    let j = i;
    while (j + 1 < seconds.length && seconds[j + 1] === seconds[j]! + 1) j++;
    runs.push(i === j ? `${seconds[i]}` : `${seconds[i]}–${seconds[j]}`);
    i = j + 1;
  }
  const shown = runs.length > 6 ? [...runs.slice(0, 6), '…'] : runs;
  return `${seconds.length === 1 ? 'second' : 'seconds'} ${shown.join(', ')}`;
}
