import { describe, expect, it } from 'vitest';
import { SquallError } from '../errors/index.js';
import { buildRunResult, runMetricKinds, runMetricsLookup } from '../result/build-run.js';
import type { TrendSummary } from '../result/schema.js';
import { evaluateThresholds, parseThreshold, validateThresholds } from '../thresholds/index.js';
import { decodeHistogram } from '../util/hdr.js';
import { TrendHistogram } from '../util/trend-histogram.js';
import { Counter, customMetricRegistry, Gauge, Rate, Trend } from './custom.js';
import { RunMetrics } from './run-metrics.js';

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, nothing was thrown');
}

describe('custom metrics: declaring', () => {
  it.each(['1st', 'with-dash', 'with space', '', 'é'])('rejects the name %j with a clear message', (name) => {
    const err = caught(() => new Counter(name));
    expect(err).toBeInstanceOf(SquallError);
    expect(err.message).toContain('a metric name must start with a letter or');
    expect(err.message).toContain(JSON.stringify(name));
  });

  it('rejects a built-in name', () => {
    expect(caught(() => new Trend('http_req_duration', true)).message).toBe(
      "new Trend('http_req_duration'): 'http_req_duration' is a built-in metric; choose another name for your own metric",
    );
    expect(caught(() => new Rate('checks')).message).toContain('is a built-in metric');
  });

  it('shares the data of a name declared twice with the same kind, and refuses another kind', () => {
    const a = new Counter('decl_twice');
    const b = new Counter('decl_twice');
    const m = new RunMetrics();
    a.add(2);
    b.add(3);
    const [r] = evaluateThresholds([parseThreshold('decl_twice', 'count==5')], runMetricsLookup(m, 1000));
    expect(r).toMatchObject({ ok: true, actual: 5 });
    expect(caught(() => new Gauge('decl_twice')).message).toBe(
      "new Gauge('decl_twice'): 'decl_twice' is already declared as a counter, so it cannot also be a gauge",
    );
    new Trend('decl_time', true);
    expect(caught(() => new Trend('decl_time')).message).toContain('already declared as a time trend');
  });

  it('keeps its registry on globalThis, so a second copy of the module feeds the same run', async () => {
    // A query string makes the module loader evaluate a second, separate copy of custom.ts.
    const specifier = './custom.js?second-copy';
    const copy = (await import(specifier)) as typeof import('./custom.js');
    expect(copy.Counter).not.toBe(Counter);
    expect(copy.customMetricRegistry()).toBe(customMetricRegistry());
    const m = new RunMetrics();
    new copy.Counter('from_copy').add(4);
    new Counter('from_copy').add(1);
    const [r] = evaluateThresholds([parseThreshold('from_copy', 'count==5')], runMetricsLookup(m, 1000));
    expect(r!.actual).toBe(5);
  });

  it('rejects values that are not numbers', () => {
    const t = new Trend('bad_values');
    expect(caught(() => t.add(Number.NaN)).message).toBe(
      'bad_values.add(NaN): the value must be a finite number',
    );
    expect(caught(() => t.add('12' as unknown as number))).toBeInstanceOf(TypeError);
    expect(() => new Rate('bad_rate').add(true)).not.toThrow();
  });
});

describe('custom metrics in a run', () => {
  it('answer thresholds by kind, with tag filters, and show in the result document', () => {
    const errors = new Counter('run_errors');
    const ok = new Rate('run_ok');
    const queue = new Gauge('run_queue');
    const verify = new Trend('run_verify_ms', true);
    const size = new Trend('run_size');
    const m = new RunMetrics(); // a new run starts from zero, declarations kept
    errors.add(1);
    errors.add(2, { kind: 'timeout' });
    errors.add(3, { kind: 'reset', region: 'eu' });
    for (let i = 0; i < 10; i++) ok.add(i < 7, { step: i < 5 ? 'a' : 'b' });
    ok.add(0);
    queue.add(5);
    queue.add(9);
    queue.add(2);
    queue.add(40, { pool: 'db' });
    queue.add(4); // the gauge's value is the last one set, whatever its tags
    const expectVerify = new TrendHistogram();
    const expectLong = new TrendHistogram();
    for (let i = 1; i <= 200; i++) {
      const kind = i % 4 === 0 ? 'long' : 'short';
      verify.add(i * 1.5, { kind });
      expectVerify.recordMs(i * 1.5);
      if (kind === 'long') expectLong.recordMs(i * 1.5);
    }
    size.add(1234);

    const kinds = runMetricKinds(m);
    expect(kinds.get('run_errors')).toBe('counter');
    expect(kinds.get('run_ok')).toBe('rate');
    expect(kinds.get('run_queue')).toBe('gauge');
    expect(kinds.get('run_verify_ms')).toBe('trend');
    expect(kinds.get('http_req_duration')).toBe('trend');
    const list = [
      parseThreshold('run_errors', 'count<10'),
      parseThreshold('run_errors', 'rate<1'),
      parseThreshold('run_errors{kind:reset}', 'count<3'),
      parseThreshold('run_errors{region:eu}', 'count==3'),
      parseThreshold('run_ok', 'rate>0.5'),
      parseThreshold('run_ok{step:b}', 'rate>0.5'),
      parseThreshold('run_queue', 'value<5'),
      parseThreshold('run_queue{pool:db}', 'value<50'),
      parseThreshold('run_verify_ms', 'p(95)<300'),
      parseThreshold('run_verify_ms{kind:long}', 'avg<200'),
      parseThreshold('run_verify_ms{kind:none}', 'avg<200'),
      parseThreshold('run_size', 'max<2000'),
    ];
    expect(() => validateThresholds(list, kinds)).not.toThrow();
    const results = evaluateThresholds(list, runMetricsLookup(m, 2000));
    expect(results.map((r) => [r.ok, r.actual])).toEqual([
      [true, 6],
      [false, 3],
      [false, 3],
      [true, 3],
      [true, 7 / 11],
      [false, 2 / 5],
      [true, 4],
      [true, 40],
      [true, expectVerify.percentileMs(95)],
      [true, expectLong.meanMs()],
      [false, null],
      [true, 1234],
    ]);

    const doc = buildRunResult({
      metrics: m,
      startedAt: new Date(0),
      endedAt: new Date(2000),
      durationMs: 2000,
      endReason: 'completed',
      config: {},
      thresholds: [],
      perScenario: {},
    });
    expect(doc.metrics.run_errors).toEqual({ kind: 'counter', unit: 'count', count: 6, rate: 3 });
    expect(doc.metrics.run_ok).toEqual({ kind: 'rate', unit: 'ratio', rate: 0.636364, fails: 4, total: 11 });
    expect(doc.metrics.run_queue).toEqual({ kind: 'gauge', unit: 'count', value: 4, min: 2, max: 40 });
    // isTime decides the unit, never the name: run_verify_ms is a time trend, run_size a count.
    expect(doc.metrics.run_verify_ms).toEqual({
      kind: 'trend',
      unit: 'ms',
      ...expectVerify.summary(),
      histogram: expect.any(String),
    });
    // The histogram holds every recorded value: decoded, it answers as the trend does.
    const decoded = decodeHistogram((doc.metrics.run_verify_ms as TrendSummary).histogram!);
    expect(decoded.totalCount).toBe(expectVerify.count);
    expect(decoded.getValueAtPercentile(50)).toBe(expectVerify.histogram.getValueAtPercentile(50));
    expect(doc.metrics.run_size).toMatchObject({ kind: 'trend', unit: 'count' });
  });
});
