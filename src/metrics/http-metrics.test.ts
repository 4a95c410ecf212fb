import { describe, expect, it } from 'vitest';
import { HttpMetrics } from './http-metrics.js';

/**
 * The timeline's running totals (what Locust's stats history carries) must agree with the
 * run-wide figures at every point, whatever mix of responses, errors and short last buckets.
 */
describe('HttpMetrics timeline', () => {
  // A deterministic spread of durations, statuses and sizes; the figures below are computed
  // from what was recorded, not written down.
  function record(m: HttpMetrics, second: number, n: number): void {
    const ok = m.endpoint('GET /a', 'GET');
    const bad = m.endpoint('POST /b', 'POST');
    for (let i = 0; i < n; i++) {
      const ms = 1 + ((i * 7 + second * 13) % 50);
      if (i % 10 === 3) m.recordError(bad, 'ECONNRESET', 'POST /b: reset', 5);
      else if (i % 5 === 0) m.recordResponse(bad, 503, ms, ms, ms, 120);
      else m.recordResponse(ok, 200, ms, ms, ms, 200 + i);
    }
  }

  it('keeps running totals equal to the run-wide figures at each second', () => {
    const m = new HttpMetrics(false);
    const counts = [40, 0, 75, 12];
    counts.forEach((n, s) => {
      record(m, s, n);
      const point = m.closeInterval(s + 1, 1, 2);
      const total = m.totalDuration();
      expect(point.requests).toBe(n);
      expect(point.totalRequests).toBe(m.requests);
      expect(point.totalFailures).toBe(m.failures);
      expect(point.totalBytes).toBe(m.bytesReceived);
      expect(point.totalP50).toBeCloseTo(total.percentileMs(50), 3);
      expect(point.totalMax).toBeCloseTo(total.maxMs(), 3);
      expect(point.totalMin).toBeCloseTo(total.minMs(), 3);
    });
    expect(m.timeline.reduce((n, p) => n + (p.requests ?? 0), 0)).toBe(m.requests);
  });

  it('folds a short last bucket into the one before, totals included', () => {
    const m = new HttpMetrics(false);
    record(m, 0, 30);
    m.closeInterval(1, 1, 1);
    record(m, 1, 9);
    const last = m.closeInterval(1.1, 0.1, 1);
    expect(m.timeline).toHaveLength(1);
    expect(last.requests).toBe(39);
    expect(last.totalRequests).toBe(m.requests);
    expect(last.totalFailures).toBe(m.failures);
    expect(last.errors).toBe(m.failures);
    // Its durations too: the run's extremes are in the merged point, and its rate is over 1.1 s.
    expect(last.lengthSec).toBeCloseTo(1.1, 3);
    expect(last.max).toBeCloseTo(m.totalDuration().maxMs(), 3);
    expect(last.min).toBeCloseTo(m.totalDuration().minMs(), 3);
    expect(last.rps).toBeCloseTo(39 / 1.1, 3);
  });

  it('keeps a longer last part as a point of its own, with its length', () => {
    const m = new HttpMetrics(false);
    record(m, 0, 30);
    m.closeInterval(1, 1, 1);
    record(m, 1, 8);
    const last = m.closeInterval(1.4, 0.4, 1);
    expect(m.timeline.map((p) => p.t)).toEqual([1, 1.4]);
    expect(last.lengthSec).toBeCloseTo(0.4, 3);
    expect(last.rps).toBeCloseTo(8 / 0.4, 3);
    expect(Math.max(...m.timeline.map((p) => p.max ?? 0))).toBeCloseTo(m.totalDuration().maxMs(), 3);
  });

  it('says null, not 0, for the latency of a second without a response', () => {
    const m = new HttpMetrics(false);
    const ep = m.endpoint('GET /down', 'GET');
    m.recordError(ep, 'ECONNREFUSED', 'GET /down: refused');
    const p = m.closeInterval(1, 1, 1);
    expect(p.requests).toBe(1);
    for (const k of [
      'p50',
      'p95',
      'p99',
      'min',
      'mean',
      'max',
      'p9999',
      'totalP50',
      'totalMin',
      'totalMax',
    ] as const)
      expect(p[k], k).toBeNull();
  });

  it('keys endpoints by method and name', () => {
    const m = new HttpMetrics(false);
    const get = m.endpoint('items', 'GET');
    const post = m.endpoint('items', 'POST');
    expect(get).not.toBe(post);
    expect(m.endpoint('items', 'GET')).toBe(get);
    expect(m.endpoints.map((e) => [e.method, e.name])).toEqual([
      ['GET', 'items'],
      ['POST', 'items'],
    ]);
  });

  it("counts each endpoint's failures by kind, and its bytes", () => {
    const m = new HttpMetrics(false);
    record(m, 0, 100);
    const b = m.endpoint('POST /b', 'POST');
    const kinds = Object.fromEntries(b.failureKinds);
    expect(Object.values(kinds).reduce((x, y) => x + y, 0)).toBe(b.failures);
    expect(Object.keys(kinds).sort()).toEqual(['ECONNRESET', 'status 503']);
    expect(b.method).toBe('POST');
    const a = m.endpoint('GET /a', 'GET');
    expect(a.bytesReceived + b.bytesReceived).toBe(m.bytesReceived);
  });
});
