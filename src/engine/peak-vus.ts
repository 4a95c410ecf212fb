import { executorFor } from './executors/index.js';
import type { ScenarioPlan } from './plan.js';
import type { Share } from './share.js';

/**
 * The most VUs a plan can hold at once: scenarios count together while their time spans
 * (startTime to the end of gracefulStop) overlap, so two scenarios one after the other need only
 * the larger of the two. Each VU may hold a connection, so this sizes the open-file check.
 * `planned`: count what is allocated up front (k6's max planned VUs, where vus_max starts), the
 * pre-allocated VUs of an arrival-rate scenario rather than its maxVUs.
 */
export function peakVus(scenarios: readonly ScenarioPlan[], share?: Share, planned = false): number {
  const spans = scenarios.map((s) => {
    const e = executorFor(s.executor);
    return {
      from: s.startTimeMs,
      to: s.startTimeMs + e.totalDurationMs(s.executor, s.gracefulStopMs),
      vus: planned ? plannedVus(s, share) : e.maxVUs(s.executor, share),
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

/** The VUs a scenario allocates before the load (see Executor.plannedVUs). */
export function plannedVus(s: ScenarioPlan, share?: Share): number {
  const e = executorFor(s.executor);
  return e.plannedVUs?.(s.executor, share) ?? e.maxVUs(s.executor, share);
}
