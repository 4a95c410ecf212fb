import { describe, expect, it } from 'vitest';
import { firstResultProblem, formatResultPath } from './validate.js';

// biome-ignore lint/suspicious/noExplicitAny: documents are corrupted on purpose
type Loose = any;

const minimal = () => ({
  schema: 1,
  tool: 'squall',
  version: '0.1.0',
  startedAt: '2025-01-01T00:00:00.000Z',
  endedAt: '2025-01-01T00:00:01.000Z',
  durationSec: 1,
  endReason: 'completed',
  config: {},
  metrics: {
    http_reqs: { count: 1, rate: 1 },
    http_req_duration: {
      count: 1,
      min: 1,
      mean: 1,
      stdev: 0,
      p50: 1,
      p90: 1,
      p95: 1,
      p99: 1,
      p999: 1,
      max: 1,
    },
    http_req_failed: { rate: 0, fails: 0, total: 1 },
    my_metric: { count: 2, rate: 2 },
  },
  endpoints: [
    {
      name: 'GET /',
      count: 1,
      failures: 0,
      rps: 1,
      statusCodes: { 200: 1 },
      latency: { p50: 1, p95: 1, p99: 1, max: 1, mean: 1 },
    },
  ],
  errors: [],
  timeline: [{ t: 1, rps: 1, p50: 1, p95: 1, p99: 1, errors: 0, vus: 1 }],
  thresholds: [{ metric: 'http_req_duration', expr: 'p(95)<5', ok: true, actual: null }],
  passed: true,
  monitor: null,
  breakingPoint: null,
});

describe('firstResultProblem', () => {
  it('accepts a schema-1 document with only the original fields, and keeps unknown ones', () => {
    expect(firstResultProblem(minimal())).toBeUndefined();
    expect(firstResultProblem({ ...minimal(), somethingNew: { a: 1 } })).toBeUndefined();
  });

  it('accepts null latency figures: a trend, endpoint or second with no response', () => {
    const d: Loose = minimal();
    for (const k of ['min', 'mean', 'stdev', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'])
      d.metrics.http_req_duration[k] = null;
    d.metrics.http_req_duration.count = 0;
    d.endpoints[0].latency = { p50: null, p95: null, p99: null, max: null, mean: null, min: null, p66: null };
    d.timeline[0] = { ...d.timeline[0], p50: null, p95: null, p99: null, max: null, lengthSec: 0.4 };
    expect(firstResultProblem(d)).toBeUndefined();
  });

  it.each([
    ['endpoints[0]: expected an object, got null', (d: Loose) => (d.endpoints = [null])],
    [
      'metrics.http_reqs.count: expected a number, got the string "1"',
      (d: Loose) => (d.metrics.http_reqs.count = '1'),
    ],
    ['passed: expected true or false, got nothing (the field is missing)', (d: Loose) => delete d.passed],
    ['schema: expected 1 or 2, got the number 3', (d: Loose) => (d.schema = 3)],
    [
      'metrics.http_req_duration.histogram: expected a string',
      (d: Loose) => (d.metrics.http_req_duration.histogram = 5),
    ],
    [
      'endpoints[0].timeline[0].requests: expected a number',
      (d: Loose) =>
        (d.endpoints[0].timeline = [{ t: 1, rps: 1, p50: null, p95: null, p99: null, errors: 0 }]),
    ],
    ['thresholds[0].aggregation: expected a string', (d: Loose) => (d.thresholds[0].aggregation = null)],
    ['metrics.my_metric: expected an object, got null', (d: Loose) => (d.metrics.my_metric = null)],
    [
      'endpoints[0].statusCodes["200"]: expected a number',
      (d: Loose) => (d.endpoints[0].statusCodes['200'] = 'x'),
    ],
  ])('names the first bad field: %s', (message, corrupt) => {
    const d = minimal();
    corrupt(d);
    expect(firstResultProblem(d)).toContain(message);
  });

  it('formats paths as the user reads them', () => {
    expect(formatResultPath(['endpoints', 0, 'latency'])).toBe('endpoints[0].latency');
    expect(formatResultPath(['metrics', 'a-b'])).toBe('metrics["a-b"]');
    expect(formatResultPath([])).toBe('the document');
  });
});
