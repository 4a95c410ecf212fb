import { describe, expect, it } from 'vitest';
import { type ErrorCode, SquallError } from '../errors/index.js';
import {
  type Aggregation,
  formatAggregation,
  formatMetricKey,
  parseMetricKey,
  parseThreshold,
  parseThresholdExpr,
  parseThresholdFlag,
  type ThresholdOp,
} from './expression.js';

/** Runs `fn`, expecting a SquallError; returns it for further checks. */
function caught(fn: () => unknown): SquallError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SquallError);
    return e as SquallError;
  }
  throw new Error('expected a SquallError, nothing was thrown');
}

describe('parseThresholdExpr: valid', () => {
  const cases: [string, Aggregation, ThresholdOp, number][] = [
    ['p(95)<300', { method: 'p', p: 95 }, '<', 300],
    ['p(90) < 400', { method: 'p', p: 90 }, '<', 400],
    ['p(99.9) < 2000', { method: 'p', p: 99.9 }, '<', 2000],
    ['p(99.99)<=1.5s', { method: 'p', p: 99.99 }, '<=', 1500],
    ['p(0)>=0', { method: 'p', p: 0 }, '>=', 0],
    ['p(100)<1m', { method: 'p', p: 100 }, '<', 60_000],
    ['p( 50 ) < 10', { method: 'p', p: 50 }, '<', 10],
    ['avg<200', { method: 'avg' }, '<', 200],
    ['  avg < 200  ', { method: 'avg' }, '<', 200],
    ['min>500us', { method: 'min' }, '>', 0.5],
    ['max<250µs', { method: 'max' }, '<', 0.25],
    ['med <= 300 ms', { method: 'med' }, '<=', 300],
    ['max<2h', { method: 'max' }, '<', 7_200_000],
    ['count>500', { method: 'count' }, '>', 500],
    ['count==0', { method: 'count' }, '==', 0],
    ['count===0', { method: 'count' }, '===', 0],
    ['rate<0.01', { method: 'rate' }, '<', 0.01],
    ['rate>.99', { method: 'rate' }, '>', 0.99],
    ['rate!=1', { method: 'rate' }, '!=', 1],
    ['value>=-5', { method: 'value' }, '>=', -5],
    ['value<1e3', { method: 'value' }, '<', 1000],
  ];
  it.each(cases)('%s', (text, aggregation, op, value) => {
    const parsed = parseThresholdExpr(text);
    expect(parsed.aggregation).toEqual(aggregation);
    expect(parsed.op).toBe(op);
    expect(parsed.value).toBeCloseTo(value, 9);
    expect(parsed.expr).toBe(text.trim());
  });
});

describe('parseThresholdExpr: invalid', () => {
  // [input, text the message must contain (the bad part, quoted), text naming what is accepted]
  const cases: [string, string, string][] = [
    ['', 'is empty', '<aggregation> <operator> <value>'],
    ['   ', 'is empty', '<aggregation> <operator> <value>'],
    ['p(95) 300', 'has no operator', '< <= > >= == === !='],
    ['p(95)=<300', "unknown operator '=<'", '< <= > >= == === !='],
    ['p(95)<>300', "unknown operator '<>'", '< <= > >= == === !='],
    ['p(95)=300', "unknown operator '='", '< <= > >= == === !='],
    ['p(95)!300', "unknown operator '!'", '< <= > >= == === !='],
    ['<300', 'no aggregation', 'avg, min, max, med, p(N), count, rate, value'],
    ['mean<300', "unknown aggregation 'mean'", 'avg, min, max, med, p(N), count, rate, value'],
    ['p95<300', "unknown aggregation 'p95'", 'avg, min, max, med, p(N), count, rate, value'],
    ['AVG<300', "unknown aggregation 'AVG'", 'avg, min, max, med, p(N), count, rate, value'],
    ['p(95<300', "unknown aggregation 'p(95'", 'p(N)'],
    ['p(101)<300', "percentile 'p(101)' out of range", 'from 0 to 100'],
    ['p(-1)<300', "percentile 'p(-1)' out of range", 'from 0 to 100'],
    ['p(x)<300', "N 'x' is not a number", 'from 0 to 100'],
    ['p()<300', "N '' is not a number", 'from 0 to 100'],
    ['p(95)<', "no value after '<'", 'expected a number'],
    ['p(95)<fast', "value 'fast' that is not a number", 'us, µs, ms, s, m, h'],
    ['p(95)<300<400', "value '300<400' that is not a number", 'us, µs, ms, s, m, h'],
    ['p(95)<300sec', "unknown unit 'sec'", 'us, µs, ms, s, m, h'],
    ['rate<0.01s', "unit in the value '0.01s'", 'avg, min, max, med and p(N)'],
    ['count<5ms', "unit in the value '5ms'", 'plain number'],
  ];
  it.each(cases)('%j', (text, badPart, accepted) => {
    const err = caught(() => parseThresholdExpr(text));
    expect(err.code).toBe<ErrorCode>('SQ_THRESHOLD_SYNTAX');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(badPart);
    expect(err.message).toContain(accepted);
    if (text.trim() !== '') expect(err.message).toContain(`"${text.trim()}"`);
  });

  it('hints at the right spelling for near misses', () => {
    expect(caught(() => parseThresholdExpr('p95<300')).hint).toContain('p(95)');
    expect(caught(() => parseThresholdExpr('AVG<300')).hint).toContain("'avg'");
    expect(caught(() => parseThresholdExpr('p(95<300')).hint).toContain('parenthesis');
  });

  it('carries the location it is given', () => {
    const where = { file: 'load.yaml', path: 'thresholds.http_req_duration[0]' };
    expect(caught(() => parseThresholdExpr('p(95)', where)).where).toEqual(where);
  });
});

describe('parseMetricKey: valid', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['http_req_duration', 'http_req_duration', {}],
    ['  http_reqs  ', 'http_reqs', {}],
    ['_custom9', '_custom9', {}],
    ['http_req_duration{name:GET /health}', 'http_req_duration', { name: 'GET /health' }],
    [
      'http_req_duration{name:GET /health,status:200}',
      'http_req_duration',
      { name: 'GET /health', status: '200' },
    ],
    [
      'http_req_duration{ name : GET /health , status: 200 }',
      'http_req_duration',
      { name: 'GET /health', status: '200' },
    ],
    ['http_req_duration{type:API}', 'http_req_duration', { type: 'API' }],
    ['group_duration{group:::individualRequests}', 'group_duration', { group: '::individualRequests' }],
    ['http_req_duration{name:GET /users/{id}}', 'http_req_duration', { name: 'GET /users/{id}' }],
    ["http_req_duration{name:'POST /verify'}", 'http_req_duration', { name: 'POST /verify' }],
    ['http_req_duration{"scenario":"steady"}', 'http_req_duration', { scenario: 'steady' }],
  ];
  it.each(cases)('%s', (key, metric, tags) => {
    expect(parseMetricKey(key)).toEqual({ metric, tags });
  });
});

describe('parseMetricKey: invalid', () => {
  const cases: [string, string][] = [
    ['', 'is empty'],
    ['http-req-duration', "invalid metric name 'http-req-duration'"],
    ['9lives', "invalid metric name '9lives'"],
    ['http req', "invalid metric name 'http req'"],
    ['{name:x}', "invalid metric name ''"],
    ['http_req_duration{name:x', "unclosed '{'"],
    ['http_req_duration}', "'}' with no '{'"],
    ['http_req_duration{name:x}y', "text 'y' after the closing '}'"],
    ['http_req_duration{}', "empty tag filters '{}'"],
    ['http_req_duration{name}', "tag filter 'name' without ':'"],
    ['http_req_duration{:x}', "tag filter ':x' with no tag name"],
    ['http_req_duration{name:}', "tag filter 'name:' with no value"],
    ['http_req_duration{name:a,}', "tag filter '' without ':'"],
    ['http_req_duration{name:a,name:b}', "tag 'name' twice"],
  ];
  it.each(cases)('%j', (key, badPart) => {
    const err = caught(() => parseMetricKey(key));
    expect(err.code).toBe<ErrorCode>('SQ_THRESHOLD_SYNTAX');
    expect(err.message).toContain(badPart);
    if (key !== '') expect(err.message).toContain(`"${key}"`);
  });
});

describe('parseThresholdFlag', () => {
  const valid: [string, string, string][] = [
    ['http_req_duration:p(95)<300', 'http_req_duration', 'p(95)<300'],
    ['http_req_failed: rate<0.01', 'http_req_failed', 'rate<0.01'],
    ['http_req_duration{name:GET /health}:p(95)<100', 'http_req_duration{name:GET /health}', 'p(95)<100'],
    [
      'http_req_duration{name:GET /health} : p(95) < 100',
      'http_req_duration{name:GET /health}',
      'p(95) < 100',
    ],
    ['group_duration{group:::checkout}:avg<400', 'group_duration{group:::checkout}', 'avg<400'],
    [
      'http_req_duration{name:GET /users/{id}}:p(99)<1s',
      'http_req_duration{name:GET /users/{id}}',
      'p(99)<1s',
    ],
  ];
  it.each(valid)('%s', (text, key, expr) => {
    expect(parseThresholdFlag(text)).toEqual({ key, expr });
  });

  const invalid: [string, string][] = [
    ['http_req_duration p(95)<300', "no ':' between the metric and the expression"],
    ['http_req_duration{name:GET /health p(95)<100', "unclosed '{'"],
    ['http_req_duration{name:GET /health} p(95)<100', "no ':' after the metric's closing '}'"],
    [':p(95)<300', "no metric before ':'"],
    ['http_req_duration:', "no expression after ':'"],
    ['http_req_duration{name:x}:', "no expression after ':'"],
  ];
  it.each(invalid)('%j', (text, badPart) => {
    const err = caught(() => parseThresholdFlag(text));
    expect(err.code).toBe<ErrorCode>('SQ_THRESHOLD_SYNTAX');
    expect(err.message).toContain(badPart);
    expect(err.message).toContain('METRIC:EXPR');
    expect(err.where).toEqual({ flag: '--threshold' });
  });
});

describe('parseThreshold', () => {
  it('combines key and expression with a canonical key', () => {
    const t = parseThreshold('http_req_duration{ name : GET /health }', ' p(95) < 100 ', {
      abortOnFail: true,
      delayAbortEvalMs: 10_000,
      where: { flag: '--threshold' },
    });
    expect(t).toEqual({
      key: 'http_req_duration{name:GET /health}',
      metric: 'http_req_duration',
      tags: { name: 'GET /health' },
      expr: 'p(95) < 100',
      aggregation: { method: 'p', p: 95 },
      op: '<',
      value: 100,
      abortOnFail: true,
      delayAbortEvalMs: 10_000,
      where: { flag: '--threshold' },
    });
  });

  it('leaves the optional fields out when not given', () => {
    expect(Object.keys(parseThreshold('checks', 'rate>0.99')).sort()).toEqual(
      ['aggregation', 'expr', 'key', 'metric', 'op', 'tags', 'value'].sort(),
    );
  });

  it('reports a bad key before a bad expression, at the given location', () => {
    const where = { file: 't.yaml', path: 'thresholds' };
    const err = caught(() => parseThreshold('bad-name', 'nope', { where }));
    expect(err.message).toContain("'bad-name'");
    expect(err.where).toEqual(where);
  });
});

describe('formatting', () => {
  it('formats aggregations and keys as k6 writes them', () => {
    expect(formatAggregation({ method: 'p', p: 99.9 })).toBe('p(99.9)');
    expect(formatAggregation({ method: 'avg' })).toBe('avg');
    expect(formatMetricKey('http_reqs', {})).toBe('http_reqs');
    expect(formatMetricKey('http_reqs', { name: 'GET /', status: '200' })).toBe(
      'http_reqs{name:GET /,status:200}',
    );
  });
});
