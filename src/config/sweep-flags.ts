import { badFlag } from '../errors/index.js';
import { type MetricReading, parseMetricReading } from '../result/metric-reading.js';
import { parseThreshold, parseThresholdFlag, type ThresholdOp } from '../thresholds/index.js';

/** `squall sweep`'s own flags: the levels and the stop condition. */

/** A sweep of more levels than this is a typo (`1..1000x1.001`), not a plan. */
const MAX_LEVELS = 64;

/**
 * `--levels`: a list (`1,2,4,8`) or a geometric series `FROM..TOxFACTOR` (`5..50x2` is 5, 10,
 * 20, 40, and 50 as the last level when the series does not land on it). Levels are whole
 * numbers ≥ 1 for concurrency; with `--rate` any positive rate. Strictly increasing.
 */
export function parseLevels(text: string, rate: boolean): number[] {
  const what = rate ? 'arrival rates per second' : 'whole numbers of concurrent connections';
  const form = 'a list such as 1,2,4,8,16,32 or a geometric series FROM..TOxFACTOR such as 5..50x2';
  const bad = (why: string) => badFlag('--levels', `--levels "${text}" ${why}; expected ${form}`);
  const s = text.trim();
  const series = /^(\d+(?:\.\d+)?)\s*\.\.\s*(\d+(?:\.\d+)?)\s*x\s*(\d+(?:\.\d+)?)$/.exec(s);
  let levels: number[];
  if (series) {
    const [from, to, factor] = [Number(series[1]), Number(series[2]), Number(series[3])];
    if (!(factor > 1)) throw bad(`has a factor of ${series[3]}, which must be above 1`);
    if (!(to > from)) throw bad(`runs from ${series[1]} to ${series[2]}, which must go up`);
    levels = [];
    for (let v = from; v < to * (1 - 1e-9) && levels.length <= MAX_LEVELS; v *= factor)
      levels.push(rate ? Number(v.toPrecision(6)) : Math.round(v));
    levels.push(to);
    levels = [...new Set(levels)];
  } else {
    const parts = s.split(',').map((p) => p.trim());
    if (parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) throw bad('is not a list of numbers');
    levels = parts.map(Number);
  }
  if (levels.length < 1) throw bad('has no level');
  if (levels.length > MAX_LEVELS)
    throw bad(`has ${levels.length} levels, more than the ${MAX_LEVELS} a sweep runs`);
  for (const v of levels) {
    if (!(v > 0) || (!rate && !Number.isInteger(v)))
      throw bad(`has the level ${v}; levels are ${what}, from 1`);
  }
  for (let i = 1; i < levels.length; i++)
    if (!(levels[i]! > levels[i - 1]!)) throw bad(`is not increasing (${levels[i - 1]} then ${levels[i]})`);
  return levels;
}

/** `--until`: a condition on one level's figures that stops the sweep once it holds. */
export interface UntilCondition {
  expr: string;
  reading: MetricReading;
  op: ThresholdOp;
  value: number;
}

/**
 * `--until 'http_req_duration:p(95)>300ms'` or `'http_req_failed:rate>1%'`: a threshold's
 * syntax, read the other way round (the sweep stops at the first level where it is true).
 * A percentage is a rate's share (`1%` = 0.01).
 */
export function parseUntil(text: string): UntilCondition {
  const where = { flag: '--until' };
  const { key, expr } = parseThresholdFlag(text, where);
  const pct = /^(.*?[<>=!]=?=?\s*)(\d+(?:\.\d+)?)\s*%$/.exec(expr);
  const plain = pct ? `${pct[1]}${Number(pct[2]) / 100}` : expr;
  const t = parseThreshold(key, plain, { where });
  const agg = t.aggregation.method === 'p' ? `p(${t.aggregation.p})` : t.aggregation.method;
  const reading = parseMetricReading(`${t.key}:${agg}`, '--until');
  return { expr: `${key}:${expr}`, reading, op: t.op, value: t.value };
}
