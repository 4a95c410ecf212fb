import { breakingPointAt, crossedStopCondition } from '../../analysis/breaking-point.js';
import type { TestPlan } from '../../engine/plan.js';
import type { LiveConsumer, LiveDecision } from '../../live/live.js';
import { STOP_ON_ERRORS_MIN_REQUESTS } from '../../live/stop-rules.js';
import type { BreakingPoint, ResultDocument } from '../../result/schema.js';
import { abortedResult, formatAggregation, isTimeAggregation } from '../../thresholds/index.js';

/** The stop rules of `--workers`, judged on the merged document and applied to the final one. */
export interface MergedRules {
  readonly list: LiveConsumer[];
  /** The decision the run stopped on (sent to every worker). */
  decided(d: LiveDecision): void;
  readonly reason: string | undefined;
  /** Marks the final merged document as the run in one process would: the breaking point, the aborting threshold. */
  finish(doc: ResultDocument): void;
}

/**
 * abortOnFail, breakpoint's stop conditions and `--stop-on-errors` as a run in one process has
 * them (live/stop-rules.ts), but read from the merged document of every worker's figures so far:
 * each worker sees only its share, which would cross a threshold late, or never, or alone.
 */
export function mergedRules(
  plan: Pick<TestPlan, 'thresholds' | 'stopConditions'>,
  stopOnErrors: number | undefined,
  current: () => ResultDocument | null,
): MergedRules {
  let reason: string | undefined;
  let breakingPoint: BreakingPoint | null = null;
  let aborted: { index: number; atSec: number; actual: number } | undefined;
  const abortable = plan.thresholds.flatMap((t, index) => (t.abortOnFail ? [{ t, index }] : []));
  const abortOnFail: LiveConsumer = {
    name: 'abortOnFail',
    rule: true,
    start() {},
    stop() {},
    snapshot({ elapsedMs }) {
      const doc = current();
      if (doc === null || aborted !== undefined) return undefined;
      for (const { t, index } of abortable) {
        if (elapsedMs < (t.delayAbortEvalMs ?? 0)) continue;
        const r = doc.thresholds[index];
        if (r === undefined || r.actual === null || r.ok) continue;
        aborted = { index, atSec: elapsedMs / 1000, actual: r.actual };
        const value = `${formatAggregation(t.aggregation)}=${+r.actual.toFixed(3)}${isTimeAggregation(t.aggregation) ? 'ms' : ''}`;
        return {
          reason: `threshold ${r.metric} '${r.expr}' crossed at ${(elapsedMs / 1000).toFixed(1)}s with ${value} (abortOnFail)`,
        };
      }
      return undefined;
    },
  };
  const c = plan.stopConditions;
  const breakpoint: LiveConsumer = {
    name: 'breakpoint',
    rule: true,
    start() {},
    stop() {},
    snapshot() {
      const doc = current();
      if (!c || doc === null || breakingPoint !== null) return undefined;
      const crossed = crossedStopCondition(doc.timeline, c);
      if (!crossed) return undefined;
      const vus = doc.metrics.vus;
      breakingPoint = breakingPointAt(doc.timeline, c, crossed, vus && 'value' in vus ? vus.value : 0);
      return { reason: `breaking point: ${crossed.reason}`, graceful: true };
    },
  };
  const stopOnErrorsRule: LiveConsumer = {
    name: 'stopOnErrors',
    rule: true,
    start() {},
    stop() {},
    snapshot({ elapsedMs }) {
      const doc = current();
      if (stopOnErrors === undefined || doc === null) return undefined;
      const f = doc.metrics.http_req_failed;
      const requests = f?.total ?? 0;
      if (requests < STOP_ON_ERRORS_MIN_REQUESTS) return undefined;
      const actual = f.fails / requests;
      if (actual < stopOnErrors) return undefined;
      const index = plan.thresholds.findIndex((t) => t.where?.flag === '--stop-on-errors');
      if (index >= 0) aborted = { index, atSec: elapsedMs / 1000, actual };
      return {
        reason: `--stop-on-errors ${+(stopOnErrors * 100).toFixed(2)}%: ${f.fails} of ${requests} requests failed (${+(actual * 100).toFixed(1)}%) by ${(elapsedMs / 1000).toFixed(1)}s`,
      };
    },
  };
  return {
    list: [abortOnFail, breakpoint, stopOnErrorsRule],
    decided(d) {
      reason ??= d.reason;
    },
    get reason() {
      return reason;
    },
    finish(doc) {
      if (breakingPoint !== null) {
        doc.breakingPoint = breakingPoint;
        if (doc.endReason === 'threshold-abort') doc.endReason = 'breaking-point';
      }
      const r = aborted === undefined ? undefined : doc.thresholds[aborted.index];
      if (aborted !== undefined && r !== undefined) {
        // The threshold that stopped the run fails, whatever the final figures say (as in one process).
        doc.thresholds[aborted.index] = abortedResult(r, aborted);
        doc.passed = false;
      }
    },
  };
}
