import { type ErrorLocation, SquallError } from '../errors/index.js';
import type { BenchStats } from '../result/bench-schema.js';
import { compare, THRESHOLD_OPS, type ThresholdOp } from '../thresholds/index.js';
import { type ComplexityClass, growsFasterThan } from './complexity-fit.js';
import { type Speedup, type SpeedupOptions, speedup } from './speedup.js';

/**
 * The verdicts of `squall bench`: a bench's budgets (`mean<5ms`, `ops>500`, `heap<1kB`), a
 * speedup's `atLeast` and a complexity expectation. Budgets use the threshold syntax
 * (`<aggregation> <operator> <value>`) with the statistics a bench reports instead of a metric's.
 */

/** What a budget measures, and the unit its value and its `actual` are in. */
export type BudgetStat = 'mean' | 'median' | 'p75' | 'p99' | 'min' | 'max' | 'ops' | 'rme' | 'heap';

export interface BenchBudget {
  /** The expression as written (trimmed), kept for reports. */
  expr: string;
  stat: BudgetStat;
  op: ThresholdOp;
  /** ms for durations, ops/s for `ops`, percent for `rme`, bytes per op for `heap`. */
  value: number;
}

/** The statistics a budget reads: `BenchEntry.stats` of the bench document (durations in ms). */
export type BudgetStats = Pick<
  BenchStats,
  'mean' | 'median' | 'p75' | 'p99' | 'min' | 'max' | 'rme' | 'opsPerSec'
>;

export interface BudgetVerdict {
  expr: string;
  ok: boolean;
  /** The measured figure in the budget's unit; null when it could not be measured. */
  actual: number | null;
}

type Kind = 'time' | 'rate' | 'percent' | 'bytes';

/** Names as people write them; `avg`/`med` are k6's, `p(50)` is the median. */
const NAMES: Readonly<Record<string, { stat: BudgetStat; kind: Kind }>> = {
  mean: { stat: 'mean', kind: 'time' },
  avg: { stat: 'mean', kind: 'time' },
  median: { stat: 'median', kind: 'time' },
  med: { stat: 'median', kind: 'time' },
  min: { stat: 'min', kind: 'time' },
  max: { stat: 'max', kind: 'time' },
  ops: { stat: 'ops', kind: 'rate' },
  rme: { stat: 'rme', kind: 'percent' },
  heap: { stat: 'heap', kind: 'bytes' },
};
/** The percentiles a bench reports (BenchEntry.stats): others cannot be checked. */
const PERCENTILES: Readonly<Record<string, BudgetStat>> = { '50': 'median', '75': 'p75', '99': 'p99' };

const TIME_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000 };
const BYTES: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1000,
  KB: 1000,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};
const UNITS: Readonly<Record<Kind, Readonly<Record<string, number>>>> = {
  time: TIME_MS,
  rate: { '/s': 1 },
  percent: { '%': 1 },
  bytes: BYTES,
};
const UNIT_TEXT: Readonly<Record<Kind, string>> = {
  time: 'a duration: ns, µs (or us), ms, s; a plain number is ms',
  rate: 'operations per second, a plain number (or N/s)',
  percent: 'a percentage, e.g. 5 or 5%',
  bytes: 'bytes per operation: B, kB, MB, GB, KiB, MiB, GiB; a plain number is bytes',
};

export const BUDGET_FORMS =
  "mean, median, p(50), p(75), p(99), min, max (durations: ns, µs, ms, s), ops (per second), rme (%), heap (bytes per op), each as '<stat> <operator> <value>', e.g. 'mean<5ms', 'p(99)<20ms', 'ops>500', 'rme<5%', 'heap<1kB'";

const OP_CHARS = /[<>=!]+/;
const PERCENTILE = /^p\s*\(\s*([^)]*?)\s*\)$/;
const NUMBER_THEN_UNIT = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*)$/su;

function budgetError(bench: string, expr: string, problem: string, where?: ErrorLocation): SquallError {
  return new SquallError(
    'SQ_THRESHOLD_SYNTAX',
    `the budget "${expr}" of bench '${bench}' ${problem}; accepted: ${BUDGET_FORMS}`,
    where ? { where } : {},
  );
}

function parseStat(text: string, bench: string, expr: string, where?: ErrorLocation) {
  const named = NAMES[text];
  if (named) return named;
  const pm = PERCENTILE.exec(text);
  if (pm) {
    const stat = PERCENTILES[String(Number(pm[1]))];
    if (stat && pm[1] !== '') return { stat, kind: 'time' as const };
    throw budgetError(bench, expr, `asks for '${text}', a percentile a bench does not report`, where);
  }
  const what = text === '' ? 'has no statistic before the operator' : `has an unknown statistic '${text}'`;
  throw budgetError(bench, expr, what, where);
}

/**
 * Parses one budget of bench `bench` (named in errors with `where`). Throws SQ_THRESHOLD_SYNTAX
 * (exit 2) quoting the expression and listing what is accepted.
 */
export function parseBudget(expr: unknown, bench: string, where?: ErrorLocation): BenchBudget {
  if (typeof expr !== 'string') {
    throw budgetError(bench, String(expr), `is a ${typeof expr}, not a string`, where);
  }
  const text = expr.trim();
  if (text === '') throw budgetError(bench, expr, 'is empty', where);
  const om = OP_CHARS.exec(text);
  if (!om) throw budgetError(bench, text, `has no operator (${THRESHOLD_OPS.join(' ')})`, where);
  const opText = om[0];
  if (!(THRESHOLD_OPS as readonly string[]).includes(opText)) {
    throw budgetError(bench, text, `has an unknown operator '${opText}'`, where);
  }
  const { stat, kind } = parseStat(text.slice(0, om.index).trim(), bench, text, where);
  const valueText = text.slice(om.index + opText.length).trim();
  const m = NUMBER_THEN_UNIT.exec(valueText);
  if (!m) {
    throw budgetError(
      bench,
      text,
      `has a value '${valueText}' that is not a number (${UNIT_TEXT[kind]})`,
      where,
    );
  }
  const unit = m[2]!.trim();
  const factor = unit === '' ? 1 : UNITS[kind][unit];
  if (factor === undefined) {
    throw budgetError(
      bench,
      text,
      `has a unit '${unit}' that does not fit '${stat}': expected ${UNIT_TEXT[kind]}`,
      where,
    );
  }
  return { expr: text, stat, op: opText as ThresholdOp, value: Number(m[1]) * factor };
}

/** A bench's `budget` option: one string or an array of them. */
export function parseBudgets(budget: unknown, bench: string, where?: ErrorLocation): BenchBudget[] {
  if (budget === undefined) return [];
  const list = Array.isArray(budget) ? budget : [budget];
  return list.map((e) => parseBudget(e, bench, where));
}

/** The measured figure a budget reads, in its unit; null when the bench has none. */
function actualOf(stat: BudgetStat, stats: BudgetStats, heapBytesPerOp: number | null): number | null {
  switch (stat) {
    case 'ops':
      return stats.opsPerSec;
    case 'rme':
      return stats.rme === null ? null : stats.rme * 100;
    case 'heap':
      return heapBytesPerOp;
    default:
      return stats[stat];
  }
}

/**
 * Checks a budget against a bench's statistics. A figure that was not measured (the bench threw,
 * one sample has no margin of error, heap could not be read) fails: a budget that cannot be
 * checked is not met.
 */
export function evaluateBudget(
  budget: BenchBudget,
  stats: BudgetStats | null,
  heapBytesPerOp: number | null = null,
): BudgetVerdict {
  const actual = stats === null ? null : actualOf(budget.stat, stats, heapBytesPerOp);
  return {
    expr: budget.expr,
    ok: actual !== null && Number.isFinite(actual) && compare(actual, budget.op, budget.value),
    actual,
  };
}

export interface SpeedupVerdict extends Speedup {
  atLeast: number | null;
  /** null when no `atLeast` was asked. */
  ok: boolean | null;
}

/**
 * The speedup of `fast` over `over` (sample times in ms per op) and its verdict. It passes only
 * when the LOWER bound of the 95 % interval reaches `atLeast`: a noisy run whose point estimate
 * happens to clear the bar does not pass by luck, and a wide interval fails until the
 * measurement is tight enough to support the claim.
 */
export function speedupVerdict(
  overSamples: readonly number[],
  fastSamples: readonly number[],
  atLeast: number | null,
  options: SpeedupOptions = {},
): SpeedupVerdict {
  const s = speedup(overSamples, fastSamples, options);
  return { ...s, atLeast, ok: atLeast === null ? null : s.low >= atLeast };
}

/** A complexity expectation fails when the best fit grows strictly faster than the class declared. */
export function complexityVerdict(best: ComplexityClass, expect: ComplexityClass | null): boolean | null {
  return expect === null ? null : !growsFasterThan(best, expect);
}
