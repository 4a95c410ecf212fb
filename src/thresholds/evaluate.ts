import { SquallError } from '../errors/index.js';
import { didYouMean } from '../util/suggest.js';
import {
  type Aggregation,
  type AggregationMethod,
  formatAggregation,
  type ParsedThreshold,
  type ThresholdOp,
} from './expression.js';
import type { ThresholdResult } from './types.js';

export type MetricKind = 'trend' | 'counter' | 'rate' | 'gauge';

/** What the metrics layer offers per metric (or sub-metric) for thresholds to read. */
export interface ThresholdSource {
  kind: MetricKind;
  /**
   * The value of an aggregation; undefined when it does not apply or there is no data.
   * trend: avg/min/max/med/p(N) in ms; counter: count, rate (per second); rate: rate (0..1);
   * gauge: value.
   */
  aggregate(agg: Aggregation): number | undefined;
}

/** Finds a metric, or the sub-metric selected by `tags`; undefined when it saw no data. */
export type SourceLookup = (metric: string, tags: Record<string, string>) => ThresholdSource | undefined;

/** Which aggregations each kind of metric answers (k6's table, CONVENTIONS.md 3.1). */
export const AGGREGATIONS_BY_KIND: Readonly<Record<MetricKind, readonly AggregationMethod[]>> = {
  trend: ['avg', 'min', 'max', 'med', 'p'],
  counter: ['count', 'rate'],
  rate: ['rate'],
  gauge: ['value'],
};

export function aggregationApplies(kind: MetricKind, agg: Aggregation): boolean {
  return AGGREGATIONS_BY_KIND[kind].includes(agg.method);
}

function listAggregations(kind: MetricKind): string {
  return AGGREGATIONS_BY_KIND[kind].map((m) => (m === 'p' ? 'p(N)' : m)).join(', ');
}

function checkOne(t: ParsedThreshold, known: ReadonlyMap<string, MetricKind>): void {
  const kind = known.get(t.metric);
  if (kind === undefined) {
    const names = [...known.keys()].sort();
    const suggestion = didYouMean(t.metric, names);
    throw new SquallError(
      'SQ_THRESHOLD_UNKNOWN_METRIC',
      `threshold "${t.key}: ${t.expr}" names an unknown metric '${t.metric}'` +
        `${suggestion ? ` (${suggestion})` : ''}; known metrics: ${names.join(', ') || '(none)'}`,
      {
        where: t.where,
        hint: "a custom metric takes a threshold when the test creates it with its name written out, e.g. new Trend('verify_ms')",
      },
    );
  }
  if (!aggregationApplies(kind, t.aggregation)) {
    throw new SquallError(
      'SQ_THRESHOLD_SYNTAX',
      `threshold "${t.key}: ${t.expr}" uses the aggregation '${formatAggregation(t.aggregation)}', ` +
        `which does not apply to '${t.metric}', a ${kind} metric; a ${kind} takes ${listAggregations(kind)}`,
      { where: t.where },
    );
  }
}

/**
 * Checks, before the load starts, that every threshold names a known metric and an aggregation
 * that metric's kind supports. Throws on the first bad one, pointing at where it was written.
 */
export function validateThresholds(
  list: readonly ParsedThreshold[],
  known: ReadonlyMap<string, MetricKind>,
): void {
  for (const t of list) checkOne(t, known);
}

/** `actual op value`; `==` and `===` are the same test on numbers. */
export function compare(actual: number, op: ThresholdOp, value: number): boolean {
  switch (op) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
    case '==':
    case '===':
      return actual === value;
    case '!=':
      return actual !== value;
  }
}

/**
 * Evaluates one threshold over the whole run. A (sub-)metric with no data fails with
 * `actual: null`. This is stricter than k6, which evaluates an empty metric as zeros, so that
 * `p(95)<300` on a tag filter that matched nothing passes silently (k6#1346, #2540, #4283):
 * a budget that nothing measured has not been met, and a mistyped tag value must show.
 */
export function evaluateThreshold(t: ParsedThreshold, lookup: SourceLookup): ThresholdResult {
  const raw = lookup(t.metric, t.tags)?.aggregate(t.aggregation);
  // NaN (e.g. a rate of 0/0) is no data too, and JSON could not carry it.
  const actual = raw === undefined || Number.isNaN(raw) ? null : raw;
  return {
    metric: t.key,
    expr: t.expr,
    ok: actual !== null && compare(actual, t.op, t.value),
    actual,
    aggregation: formatAggregation(t.aggregation),
  };
}

/** When an abortOnFail threshold was seen crossed (seconds since the load started), and its value. */
export interface ThresholdCrossing {
  atSec: number;
  actual: number;
}

/**
 * The answer of the threshold that aborted the run: failed, whatever the final data say (k6 ends
 * such a run with ThresholdsHaveFailed, exit 99), with when and at what value it crossed.
 */
export function abortedResult(r: ThresholdResult, c: ThresholdCrossing): ThresholdResult {
  return { ...r, ok: false, abortedAtSec: Math.round(c.atSec * 1000) / 1000, actualAtAbort: c.actual };
}

export function evaluateThresholds(
  list: readonly ParsedThreshold[],
  lookup: SourceLookup,
): ThresholdResult[] {
  return list.map((t) => evaluateThreshold(t, lookup));
}
