import { describe, expect, it } from 'vitest';
import { HttpMetrics } from './http-metrics.js';

describe('per-endpoint timeline', () => {
  it('puts every request of an endpoint in the bucket of the run it ended in, short last part merged', () => {
    const m = new HttpMetrics(false);
    const a = m.endpoint('GET /a', 'GET');
    const b = m.endpoint('GET /b', 'GET');
    // Second 1: a twice (one 500), b once refused; second 2: only b; a 0.1 s tail: a once.
    m.recordResponse(a, 200, 10, 5, 10, 100);
    m.recordResponse(a, 500, 30, 5, 30, 100);
    m.recordError(b, 'ECONNREFUSED', 'refused');
    m.closeInterval(1, 1, 1);
    m.recordResponse(b, 200, 7, 3, 7, 50);
    m.closeInterval(2, 1, 1);
    m.recordResponse(a, 200, 90, 3, 90, 50);
    m.closeInterval(2.1, 0.1, 1);

    expect(m.timeline).toHaveLength(2);
    expect(a.timeline.closedBuckets()).toEqual([
      { index: 0, requests: 2, errors: 1, p50: expect.closeTo(10, 1), p95: 30, p99: 30 },
      { index: 1, requests: 1, errors: 0, p50: 90, p95: 90, p99: 90 },
    ]);
    // A refused request has no duration: counted, with no percentiles.
    expect(b.timeline.closedBuckets()).toEqual([
      { index: 0, requests: 1, errors: 1, p50: null, p95: null, p99: null },
      { index: 1, requests: 1, errors: 0, p50: 7, p95: 7, p99: 7 },
    ]);
    const perEndpoint = [a, b]
      .flatMap((ep) => ep.timeline.closedBuckets())
      .reduce((n, x) => n + x.requests, 0);
    expect(perEndpoint).toBe(m.timeline.reduce((n, p) => n + (p.requests ?? 0), 0));
  });
});
