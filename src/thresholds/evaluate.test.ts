import { describe, expect, it } from 'vitest';
import { type ErrorCode, SquallError } from '../errors/index.js';
import {
  abortedResult,
  aggregationApplies,
  compare,
  evaluateThresholds,
  type MetricKind,
  type SourceLookup,
  type ThresholdSource,
  validateThresholds,
} from './evaluate.js';
import { type Aggregation, formatAggregation, parseThreshold, type ThresholdOp } from './expression.js';

/** A source answering from a table keyed by `formatAggregation`, e.g. `{ 'p(95)': 120 }`. */
function source(kind: MetricKind, values: Record<string, number>): ThresholdSource {
  return { kind, aggregate: (agg: Aggregation) => values[formatAggregation(agg)] };
}

/** Looks sources up by canonical key, `metric` or `metric{k:v,…}`. */
function lookupFrom(sources: Record<string, ThresholdSource>): SourceLookup {
  return (metric, tags) => {
    const pairs = Object.entries(tags).map(([k, v]) => `${k}:${v}`);
    return sources[pairs.length === 0 ? metric : `${metric}{${pairs.join(',')}}`];
  };
}

const KNOWN = new Map<string, MetricKind>([
  ['http_reqs', 'counter'],
  ['http_req_duration', 'trend'],
  ['http_req_failed', 'rate'],
  ['checks', 'rate'],
  ['vus', 'gauge'],
  ['iterations', 'counter'],
]);

function caught(fn: () => unknown): SquallError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SquallError);
    return e as SquallError;
  }
  throw new Error('expected a SquallError, nothing was thrown');
}

describe('aggregationApplies', () => {
  const cases: [MetricKind, Aggregation, boolean][] = [
    ['trend', { method: 'p', p: 95 }, true],
    ['trend', { method: 'avg' }, true],
    ['trend', { method: 'med' }, true],
    ['trend', { method: 'count' }, false],
    ['trend', { method: 'rate' }, false],
    ['counter', { method: 'count' }, true],
    ['counter', { method: 'rate' }, true],
    ['counter', { method: 'avg' }, false],
    ['rate', { method: 'rate' }, true],
    ['rate', { method: 'count' }, false],
    ['gauge', { method: 'value' }, true],
    ['gauge', { method: 'max' }, false],
  ];
  it.each(cases)('%s %j -> %s', (kind, agg, expected) => {
    expect(aggregationApplies(kind, agg)).toBe(expected);
  });
});

describe('compare', () => {
  const cases: [number, ThresholdOp, number, boolean][] = [
    [1, '<', 2, true],
    [2, '<', 2, false],
    [2, '<=', 2, true],
    [3, '<=', 2, false],
    [3, '>', 2, true],
    [2, '>', 2, false],
    [2, '>=', 2, true],
    [1, '>=', 2, false],
    [2, '==', 2, true],
    [2, '===', 2, true],
    [2, '==', 3, false],
    [2, '!=', 3, true],
    [2, '!=', 2, false],
  ];
  it.each(cases)('%d %s %d -> %s', (a, op, b, expected) => {
    expect(compare(a, op, b)).toBe(expected);
  });
});

describe('validateThresholds', () => {
  it('accepts thresholds whose metric and aggregation fit', () => {
    const list = [
      parseThreshold('http_req_duration', 'p(95)<300'),
      parseThreshold('http_req_duration{name:GET /health}', 'avg<100'),
      parseThreshold('http_reqs', 'rate>100'),
      parseThreshold('http_reqs', 'count>=1000'),
      parseThreshold('http_req_failed', 'rate<0.01'),
      parseThreshold('vus', 'value<=50'),
    ];
    expect(() => validateThresholds(list, KNOWN)).not.toThrow();
  });

  const unknown: [string, string | undefined][] = [
    ['http_req_duraton', 'http_req_duration'],
    ['HTTP_REQS', 'http_reqs'],
    ['check', 'checks'],
    ['latency', undefined],
  ];
  it.each(unknown)('unknown metric %s', (metric, suggestion) => {
    const where = { file: 'load.yaml', path: `thresholds.${metric}` };
    const err = caught(() => validateThresholds([parseThreshold(metric, 'p(95)<300', { where })], KNOWN));
    expect(err.code).toBe<ErrorCode>('SQ_THRESHOLD_UNKNOWN_METRIC');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`unknown metric '${metric}'`);
    expect(err.message).toContain('known metrics: checks, http_req_duration, http_req_failed, http_reqs');
    if (suggestion) expect(err.message).toContain(`did you mean '${suggestion}'?`);
    else expect(err.message).not.toContain('did you mean');
    expect(err.where).toEqual(where);
  });

  const misfits: [string, string, string, string][] = [
    ['http_req_duration', 'count<10', "'count'", 'a trend takes avg, min, max, med, p(N)'],
    ['http_req_duration', 'rate<0.1', "'rate'", 'a trend takes avg, min, max, med, p(N)'],
    ['http_reqs', 'p(95)<10', "'p(95)'", 'a counter takes count, rate'],
    ['http_req_failed', 'count<10', "'count'", 'a rate takes rate'],
    ['checks', 'avg>0.9', "'avg'", 'a rate takes rate'],
    ['vus', 'max<10', "'max'", 'a gauge takes value'],
    ['iterations', 'value>1', "'value'", 'a counter takes count, rate'],
  ];
  it.each(misfits)('%s: %s does not apply', (metric, expr, badPart, accepted) => {
    const err = caught(() => validateThresholds([parseThreshold(metric, expr)], KNOWN));
    expect(err.code).toBe<ErrorCode>('SQ_THRESHOLD_SYNTAX');
    expect(err.message).toContain(`aggregation ${badPart}`);
    expect(err.message).toContain(`'${metric}'`);
    expect(err.message).toContain(accepted);
  });

  it('says so when no metric is known', () => {
    const err = caught(() => validateThresholds([parseThreshold('x', 'avg<1')], new Map()));
    expect(err.message).toContain('known metrics: (none)');
  });
});

describe('evaluateThresholds', () => {
  const lookup = lookupFrom({
    http_req_duration: source('trend', { avg: 80, min: 2, max: 900, med: 60, 'p(95)': 250, 'p(99.9)': 800 }),
    'http_req_duration{name:GET /health}': source('trend', { 'p(95)': 40 }),
    'http_req_duration{name:POST /verify,status:200}': source('trend', { 'p(95)': 450 }),
    http_reqs: source('counter', { count: 3000, rate: 100 }),
    http_req_failed: source('rate', { rate: 0.02 }),
    checks: source('rate', { rate: Number.NaN }),
    vus: source('gauge', { value: 20 }),
  });

  const cases: [string, string, boolean, number | null][] = [
    ['http_req_duration', 'p(95)<300', true, 250],
    ['http_req_duration', 'p(95)<250', false, 250],
    ['http_req_duration', 'p(95)<=250', true, 250],
    ['http_req_duration', 'p(99.9)<0.5s', false, 800],
    ['http_req_duration', 'avg<100', true, 80],
    ['http_req_duration', 'min>=2', true, 2],
    ['http_req_duration', 'max<1s', true, 900],
    ['http_req_duration', 'med==60', true, 60],
    ['http_req_duration{name:GET /health}', 'p(95)<100', true, 40],
    ['http_req_duration{name:POST /verify,status:200}', 'p(95)<300', false, 450],
    ['http_reqs', 'count>1000', true, 3000],
    ['http_reqs', 'rate>=200', false, 100],
    ['http_req_failed', 'rate<0.01', false, 0.02],
    ['http_req_failed', 'rate<0.05', true, 0.02],
    ['vus', 'value!=20', false, 20],
    ['vus', 'value===20', true, 20],
    // No data fails: a sub-metric that matched nothing, a metric never recorded, an aggregation the
    // source cannot answer, and NaN (0/0) all give actual null.
    ['http_req_duration{name:GET /missing}', 'p(95)<100', false, null],
    ['never_recorded', 'count<10', false, null],
    ['http_req_duration', 'p(50)<100', false, null],
    ['checks', 'rate>0.9', false, null],
  ];
  it.each(cases)('%s %s -> ok=%s actual=%s', (key, expr, ok, actual) => {
    const t = parseThreshold(key, expr);
    const aggregation = formatAggregation(t.aggregation);
    expect(evaluateThresholds([t], lookup)).toEqual([
      { metric: t.key, expr: t.expr, ok, actual, aggregation },
    ]);
  });

  it('keeps the order and the text as written', () => {
    const list = [
      parseThreshold('http_req_duration{ name : GET /health }', ' p(95) < 100 '),
      parseThreshold('http_req_failed', 'rate<0.01'),
    ];
    expect(evaluateThresholds(list, lookup)).toEqual([
      {
        metric: 'http_req_duration{name:GET /health}',
        expr: 'p(95) < 100',
        ok: true,
        actual: 40,
        aggregation: 'p(95)',
      },
      { metric: 'http_req_failed', expr: 'rate<0.01', ok: false, actual: 0.02, aggregation: 'rate' },
    ]);
  });

  it('passes the parsed aggregation and tags to the source', () => {
    const seen: unknown[] = [];
    const spy: SourceLookup = (metric, tags) => {
      seen.push({ metric, tags });
      return {
        kind: 'trend',
        aggregate: (agg) => {
          seen.push(agg);
          return 1;
        },
      };
    };
    evaluateThresholds([parseThreshold('http_req_duration{status:200}', 'p(99.9)<5')], spy);
    expect(seen).toEqual([
      { metric: 'http_req_duration', tags: { status: '200' } },
      { method: 'p', p: 99.9 },
    ]);
  });

  it('returns nothing for no thresholds', () => {
    expect(evaluateThresholds([], lookup)).toEqual([]);
  });
});

describe('abortedResult', () => {
  it('fails the threshold that aborted the run, keeps the final value, adds when and the value then', () => {
    const final = { metric: 'http_req_duration', expr: 'avg<10', ok: true, actual: 7.74 };
    expect(abortedResult(final, { atSec: 1.00049, actual: 312.5 })).toEqual({
      ...final,
      ok: false,
      abortedAtSec: 1,
      actualAtAbort: 312.5,
    });
  });
});
