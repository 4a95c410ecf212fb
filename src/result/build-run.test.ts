import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRecorder } from '../engine/http-recorder.js';
import { Trend as CustomTrend } from '../metrics/custom.js';
import { createCheck, RunMetrics } from '../metrics/run-metrics.js';
import { parseThreshold, validateThresholds } from '../thresholds/index.js';
import { createDispatcher, createHttpClient } from '../transports/http/client.js';
import { CookieJar } from '../transports/http/cookie-jar.js';
import { buildHttpResult } from './build.js';
import { buildRunResult, RUN_METRIC_KINDS, type RunResultDocument } from './build-run.js';

let server: http.Server;
let base: string;
let served = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    served++;
    if (req.url?.startsWith('/fail')) {
      res.writeHead(503);
      res.end('busy');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A small run driven by hand: two scenarios, weighted users, checks, a custom trend. */
async function smallRun(): Promise<{ doc: RunResultDocument; metrics: RunMetrics; sent: number }> {
  const verify = new CustomTrend('doc_verify_ms', true);
  const metrics = new RunMetrics();
  const agent = createDispatcher();
  const before = served;
  const startedAt = new Date();
  const t0 = performance.now();
  metrics.start();
  const users = [
    { scenario: 'steady', user: 'Reader', n: 6 },
    { scenario: 'steady', user: 'Writer', n: 3 },
    { scenario: 'spike', user: 'Reader', n: 4 },
  ];
  metrics.setVus(users.length, users.length);
  await Promise.all(
    users.map(async (u) => {
      const tags = { scenario: u.scenario, user: u.user };
      const httpApi = createHttpClient({
        baseUrl: base,
        defaultHeaders: {},
        defaultTimeoutMs: 5000,
        metrics,
        sink: httpRecorder(metrics),
        tags,
        cookies: new CookieJar(),
        signal: new AbortController().signal,
        dispatcher: agent,
      });
      const check = createCheck(metrics, tags);
      for (let i = 0; i < u.n; i++) {
        const started = performance.now();
        const r = await httpApi.get('/health');
        check(r, { 'status is 200': (x) => x.status === 200 });
        if (u.user === 'Writer') {
          const w = await httpApi.post('/fail', { json: { i } });
          check(w, { 'write accepted': (x) => x.status < 400 });
        }
        verify.add(r.timings.duration);
        metrics.recordIteration(performance.now() - started, tags, true);
      }
    }),
  );
  metrics.recordDropped('spike', 2);
  metrics.setVus(0, users.length);
  const durationMs = performance.now() - t0;
  metrics.closeSecond(durationMs / 1000, durationMs / 1000);
  await agent.close();
  const doc = buildRunResult({
    metrics,
    startedAt,
    endedAt: new Date(),
    durationMs,
    endReason: 'completed',
    config: { file: 'test.yaml' },
    thresholds: [
      parseThreshold('http_req_duration', 'p(95)<5000'),
      parseThreshold('http_req_duration{name:GET /health}', 'p(95)<5000'),
      parseThreshold('http_req_failed{scenario:spike}', 'rate==0'),
      parseThreshold('http_req_failed', 'rate<0.01'),
      parseThreshold('checks{check:status is 200}', 'rate==1'),
      parseThreshold('iterations{scenario:steady}', 'count==9'),
      parseThreshold('doc_verify_ms', 'max<5000'),
    ],
    perScenario: {
      steady: { interrupted: 0, vusMax: 2, users: { Reader: { vus: 1 }, Writer: { vus: 1 } } },
      spike: { interrupted: 1, vusMax: 1, users: { Reader: { vus: 1 } } },
    },
    spike: { startSec: 0, endSec: 0.5, recoverySec: 1.5 },
  });
  return { doc, metrics, sent: served - before };
}

describe('buildRunResult', () => {
  it('has every field DESIGN.md requires, and the run additions', async () => {
    const { doc, sent } = await smallRun();
    expect(sent).toBe(16);
    expect(doc).toMatchObject({
      schema: 2,
      tool: 'squall',
      endReason: 'completed',
      config: { file: 'test.yaml' },
    });
    expect(typeof doc.version).toBe('string');
    expect(Date.parse(doc.startedAt)).toBeLessThanOrEqual(Date.parse(doc.endedAt));
    expect(doc.durationSec).toBeGreaterThan(0);

    const m = doc.metrics;
    expect(m.http_reqs).toEqual({ kind: 'counter', unit: 'count', count: 16, rate: expect.any(Number) });
    // DESIGN.md's trend fields, and Locust's percentiles (added fields).
    expect(Object.keys(m.http_req_duration).sort()).toEqual(
      [
        ...['count', 'max', 'mean', 'min', 'p50', 'p90', 'p95', 'p99', 'p999', 'stdev'],
        ...['p66', 'p75', 'p80', 'p98', 'p9999'],
        ...['kind', 'unit', 'histogram'],
      ].sort(),
    );
    expect(m.http_req_duration.count).toBe(16);
    expect(m.http_req_failed).toEqual({ kind: 'rate', unit: 'ratio', rate: 0.1875, fails: 3, total: 16 });
    for (const name of [
      'http_req_waiting',
      'http_req_connecting',
      'http_req_service_duration',
      'iteration_duration',
    ])
      expect(m[name]).toHaveProperty('p95');
    expect(m.iterations).toMatchObject({ count: 13 });
    expect(m.checks).toEqual({ kind: 'rate', unit: 'ratio', rate: 0.8125, fails: 3, total: 16 });
    expect(m.dropped_iterations).toMatchObject({ count: 2 });
    expect(m.vus).toEqual({ kind: 'gauge', unit: 'count', value: 0, min: 0, max: 3 });
    expect(m.vus_max).toEqual({ kind: 'gauge', unit: 'count', value: 3, min: 3, max: 3 });
    expect(m.data_sent!).toMatchObject({ kind: 'counter', unit: 'bytes', count: expect.any(Number) });
    expect((m.data_received as { count: number }).count).toBeGreaterThan(16 * 50);
    expect(m.doc_verify_ms).toMatchObject({ count: 13 });

    expect(doc.endpoints.map((e) => e.name)).toEqual(['GET /health', 'POST /fail']);
    expect(doc.endpoints[1]).toMatchObject({
      count: 3,
      failures: 3,
      statusCodes: { '503': 3 },
      method: 'POST',
      errors: { 'status 503': 3 },
    });
    expect(doc.endpoints[0]).toMatchObject({ method: 'GET', errors: {} });
    expect(doc.endpoints[0]!.bytesReceived).toBeGreaterThan(0);
    const totalBytes = doc.endpoints.reduce((n, e) => n + e.bytesReceived!, 0);
    expect(totalBytes).toBe((m.data_received as { count: number }).count);
    expect(Object.keys(doc.endpoints[0]!.latency).sort()).toEqual(
      ['max', 'mean', 'min', 'p50', 'p66', 'p75', 'p80', 'p90', 'p95', 'p98', 'p99', 'p999', 'p9999'].sort(),
    );
    expect(doc.errors).toEqual([{ kind: 'status 503', count: 3, example: 'POST /fail answered 503' }]);
    expect(doc.timeline).toHaveLength(1);
    expect(doc.timeline[0]).toMatchObject({ vus: 3, errors: 3 });
    // The one point is the whole run: its running totals are the run's.
    const only = doc.timeline[0]!;
    expect(only.requests).toBe(16);
    expect(only.totalRequests).toBe(16);
    expect(only.totalFailures).toBe(m.http_req_failed.fails);
    expect(only.totalBytes).toBe((m.data_received as { count: number }).count);
    expect(only.totalP50).toBe(m.http_req_duration.p50);
    expect(only.totalMax).toBe(m.http_req_duration.max);

    expect(doc.thresholds.map((t) => [t.metric, t.ok])).toEqual([
      ['http_req_duration', true],
      ['http_req_duration{name:GET /health}', true],
      ['http_req_failed{scenario:spike}', true],
      ['http_req_failed', false],
      ['checks{check:status is 200}', true],
      ['iterations{scenario:steady}', true],
      ['doc_verify_ms', true],
    ]);
    expect(doc.passed).toBe(false);
    expect(doc.monitor).toBeNull();
    expect(doc.breakingPoint).toBeNull();

    expect(doc.checks).toEqual([
      { name: 'status is 200', passes: 13, fails: 0 },
      { name: 'write accepted', passes: 0, fails: 3 },
    ]);
    expect(doc.scenarios).toEqual({
      steady: {
        iterations: 9,
        failedIterations: 0,
        dropped: 0,
        interrupted: 0,
        vusMax: 2,
        users: { Reader: { vus: 1, iterations: 6 }, Writer: { vus: 1, iterations: 3 } },
      },
      spike: {
        iterations: 4,
        failedIterations: 0,
        dropped: 2,
        interrupted: 1,
        vusMax: 1,
        users: { Reader: { vus: 1, iterations: 4 } },
      },
    });
    expect(doc.spike).toEqual({ startSec: 0, endSec: 0.5, recoverySec: 1.5 });
    // Plain JSON: no NaN, Infinity or undefined slips in.
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('leaves checks out of metrics when the test has none, and keeps breakingPoint and monitor', () => {
    const metrics = new RunMetrics();
    const doc = buildRunResult({
      metrics,
      startedAt: new Date(0),
      endedAt: new Date(1000),
      durationMs: 1000,
      endReason: 'interrupted',
      config: {},
      thresholds: [parseThreshold('http_req_duration', 'p(95)<1')],
      perScenario: {},
      breakingPoint: { rate: 120, vus: 40, atSec: 31, reason: 'error rate 12% > 10%', lastHealthyRate: 110 },
    });
    expect(doc.metrics.checks).toBeUndefined();
    expect(doc.checks).toEqual([]);
    expect(doc.scenarios).toEqual({});
    expect(doc.breakingPoint).toMatchObject({ rate: 120, lastHealthyRate: 110 });
    expect(doc.thresholds).toEqual([
      { metric: 'http_req_duration', expr: 'p(95)<1', ok: false, actual: null, aggregation: 'p(95)' },
    ]);
    expect(doc.metrics.http_req_failed).toEqual({ kind: 'rate', unit: 'ratio', rate: 0, fails: 0, total: 0 });
  });
});

describe('threshold validation for run', () => {
  it('knows the run metrics and the declared custom ones', () => {
    new CustomTrend('doc_known_trend');
    const kinds = RUN_METRIC_KINDS(new RunMetrics());
    for (const [name, kind] of [
      ['iterations', 'counter'],
      ['iteration_duration', 'trend'],
      ['checks', 'rate'],
      ['http_req_failed', 'rate'],
      ['vus_max', 'gauge'],
      ['doc_known_trend', 'trend'],
    ])
      expect(kinds.get(name!)).toBe(kind);
    expect(() => validateThresholds([parseThreshold('iteration_duraton', 'p(95)<1')], kinds)).toThrow(
      /did you mean 'iteration_duration'/,
    );
  });
});

describe('build.ts after the refactor', () => {
  it('still builds the quick document from HttpMetrics', async () => {
    const { metrics } = await smallRun();
    const doc = buildHttpResult({
      metrics: metrics.http,
      startedAt: new Date(0),
      endedAt: new Date(2000),
      durationMs: 2000,
      endReason: 'completed',
      vusMax: 7,
      config: {},
      thresholds: [parseThreshold('http_req_duration{name:GET /health}', 'p(95)<5000')],
    });
    expect(Object.keys(doc)).toEqual([
      'schema',
      'tool',
      'version',
      'runId',
      'startedAt',
      'endedAt',
      'durationSec',
      'endReason',
      'config',
      'metrics',
      'endpoints',
      'errors',
      'timeline',
      'thresholds',
      'passed',
      'monitor',
      'breakingPoint',
      'generator',
    ]);
    expect(doc.generator).toBeNull();
    expect(Object.keys(doc.metrics)).toEqual([
      'http_reqs',
      'http_req_duration',
      'http_req_waiting',
      'http_req_service_duration',
      'http_req_connecting',
      'http_req_failed',
      'http_req_retries',
      'data_sent',
      'data_received',
      'dropped_iterations',
      'vus',
      'vus_max',
    ]);
    expect(doc.metrics.vus).toEqual({ kind: 'gauge', unit: 'count', value: 7, min: 7, max: 7 });
    expect(doc.metrics.http_reqs).toEqual({ kind: 'counter', unit: 'count', count: 16, rate: 8 });
    expect(doc.thresholds[0]!.ok).toBe(true);
  });
});
