import type { ScenarioPlan } from '../config/plan.js';
import { executorFor } from './executors/index.js';
import type { Share } from './share.js';

/**
 * The most VUs a plan can hold at once: scenarios count together while their time spans
 * (startTime to the end of gracefulStop) overlap, so two scenarios one after the other need only
 * the larger of the two. Each VU may hold a connection, so this sizes the open-file check.
 */
export function peakVus(scenarios: readonly ScenarioPlan[], share?: Share): number {
  const spans = scenarios.map((s) => {
    const e = executorFor(s.executor);
    return {
      from: s.startTimeMs,
      to: s.startTimeMs + e.totalDurationMs(s.executor, s.gracefulStopMs),
      vus: e.maxVUs(s.executor, share),
    };
  });
  // The sum is highest at some scenario's start.
  return spans.reduce((peak, at) => {
    const sum = spans.reduce(
      (n, s) => (s === at || (s.from <= at.from && at.from < s.to) ? n + s.vus : n),
      0,
    );
    return Math.max(peak, sum);
  }, 0);
}
