import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { GeneratorHealth } from '../result/schema.js';
import { round } from '../util/units.js';

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
 *   (100–300 ms), while a healthy loop, even loaded, stays within a few milliseconds.
 */

export const CPU_BOUND_PCT = 90;
export const SUSTAINED_SHARE = 0.25;
export const MIN_SUSTAINED_SEC = 2;
export const LOOP_DELAY_BOUND_MS = 50;
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

  const sample = () => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const wallUs = (now - lastAt) * 1000;
    lastCpu = process.cpuUsage();
    lastAt = now;
    rssPeak = Math.max(rssPeak, rssNow());
    if (wallUs <= 0) return;
    samples.push({
      t: round((now - t0) / 1000, 3),
      cpuPct: round(((cpu.user + cpu.system) / wallUs) * 100, 1),
      loopDelayMaxMs: round(perSecond.count > 0 ? delayMs(perSecond.max) : 0, 1),
    });
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
        saturated: false,
        reasons: [],
        samples,
      };
      const cores1 = cores === 1 ? 'one core' : `${cores} cores`;
      if (saturatedSec >= Math.max(MIN_SUSTAINED_SEC, SUSTAINED_SHARE * sampledSec)) {
        health.reasons.push(
          `squall used at least ${cpuBound}% of ${cores1} for ${saturatedSec} of ${sampledSec} s ` +
            `(peak ${health.cpuPeakPct}%): the load generator was CPU-bound, so the figures measure squall, ` +
            'not the target; use fewer connections or VUs, or a bigger machine or a second one',
        );
      }
      if (health.eventLoopDelayP99Ms > loopBound) {
        health.reasons.push(
          `squall's event loop lagged (p99 ${health.eventLoopDelayP99Ms} ms, max ${health.eventLoopDelayMaxMs} ms, ` +
            `bound ${loopBound} ms): timings include up to that much of squall's own delay, so the figures ` +
            'measure squall, not the target',
        );
      }
      health.saturated = health.reasons.length > 0;
      return health;
    },
  };
}
