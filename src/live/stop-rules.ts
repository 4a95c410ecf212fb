import { breakingPointAt, crossedStopCondition } from '../analysis/breaking-point.js';
import type { StopConditions } from '../engine/plan.js';
import type { RunMetrics } from '../metrics/run-metrics.js';
import { type RunParts, runMetricsLookup } from '../result/build-run.js';
import type { BreakingPoint } from '../result/schema.js';
import {
  evaluateThreshold,
  formatAggregation,
  isTimeAggregation,
  type ParsedThreshold,
} from '../thresholds/index.js';
import type { LiveConsumer } from './live.js';

/** abortOnFail: ends the run when one of these thresholds fails at a snapshot (after its delay). */
export interface AbortOnFail extends LiveConsumer {
  /** The threshold that aborted the run: it fails, whatever the final data say. */
  readonly abortedBy: RunParts['abortedBy'];
}

export function abortOnFailConsumer(
  thresholds: readonly ParsedThreshold[],
  metrics: RunMetrics,
): AbortOnFail {
  const abortable = thresholds.filter((t) => t.abortOnFail);
  let abortedBy: RunParts['abortedBy'];
  return {
    name: 'abortOnFail',
    rule: true,
    get abortedBy() {
      return abortedBy;
    },
    start() {},
    snapshot({ elapsedMs: loadMs }) {
      if (abortedBy !== undefined) return undefined;
      const elapsed = metrics.elapsedMs();
      for (const t of abortable) {
        if (elapsed < (t.delayAbortEvalMs ?? 0)) continue;
        const r = evaluateThreshold(t, runMetricsLookup(metrics, elapsed));
        if (r.actual !== null && !r.ok) {
          abortedBy = { threshold: t, atSec: loadMs / 1000, actual: r.actual };
          const value = `${formatAggregation(t.aggregation)}=${+r.actual.toFixed(3)}${isTimeAggregation(t.aggregation) ? 'ms' : ''}`;
          return {
            reason: `threshold ${r.metric} '${r.expr}' crossed at ${(loadMs / 1000).toFixed(1)}s with ${value} (abortOnFail)`,
          };
        }
      }
      return undefined;
    },
    stop() {},
  };
}

/** A breakpoint test's stop conditions: the run ends where the target breaks, which is its result. */
export interface BreakpointRule extends LiveConsumer {
  readonly breakingPoint: BreakingPoint | null;
}

export function breakpointConsumer(c: StopConditions | undefined, metrics: RunMetrics): BreakpointRule {
  let breakingPoint: BreakingPoint | null = null;
  return {
    name: 'breakpoint',
    rule: true,
    get breakingPoint() {
      return breakingPoint;
    },
    start() {},
    snapshot() {
      if (!c || breakingPoint !== null) return undefined;
      const crossed = crossedStopCondition(metrics.http.timeline, c);
      if (!crossed) return undefined;
      breakingPoint = breakingPointAt(metrics.http.timeline, c, crossed, metrics.vus.value);
      // The iterations running at the limit finish: their latencies are the evidence.
      return { reason: `breaking point: ${crossed.reason}`, graceful: true };
    },
    stop() {},
  };
}

/** Requests the run must have ended before `--stop-on-errors` judges its error rate. */
export const STOP_ON_ERRORS_MIN_REQUESTS = 20;

/**
 * `--stop-on-errors R`: ends the run at the first snapshot where, after at least 20 requests,
 * the share of failed requests so far is R or more. Its threshold (http_req_failed rate<R, which
 * run.ts adds) then fails, so the exit is 99 and `abortedBy` names it, as abortOnFail's does.
 */
export function stopOnErrorsConsumer(
  rate: number,
  threshold: ParsedThreshold | undefined,
  metrics: RunMetrics,
): AbortOnFail {
  let abortedBy: RunParts['abortedBy'];
  return {
    name: 'stopOnErrors',
    rule: true,
    get abortedBy() {
      return abortedBy;
    },
    start() {},
    snapshot({ elapsedMs }) {
      if (abortedBy !== undefined) return undefined;
      const requests = metrics.http.requests;
      if (requests < STOP_ON_ERRORS_MIN_REQUESTS) return undefined;
      const failed = metrics.http.failures;
      const actual = failed / requests;
      if (actual < rate) return undefined;
      if (threshold !== undefined) abortedBy = { threshold, atSec: elapsedMs / 1000, actual };
      return {
        reason: `--stop-on-errors ${+(rate * 100).toFixed(2)}%: ${failed} of ${requests} requests failed (${+(actual * 100).toFixed(1)}%) by ${(elapsedMs / 1000).toFixed(1)}s`,
      };
    },
    stop() {},
  };
}
