import { describe, expect, it } from 'vitest';
import { HttpMetrics } from '../metrics/http-metrics.js';
import { renderPrometheus } from '../report/prometheus-text.js';
import { buildHttpResult } from '../result/build.js';
import { httpLiveTrends, prometheusExtras } from './prometheus-extras.js';

describe('Prometheus series of one name used with two methods', () => {
  it('are two series, each with its own histogram and method label', () => {
    const m = new HttpMetrics(false);
    const get = m.endpoint('items', 'GET');
    const post = m.endpoint('items', 'POST');
    for (let i = 0; i < 3; i++) m.recordResponse(get, 200, 2, 1, 2, 10);
    for (let i = 0; i < 5; i++) m.recordResponse(post, 201, 40, 30, 40, 10);
    const doc = buildHttpResult({
      metrics: m,
      startedAt: new Date(0),
      endedAt: new Date(1000),
      durationMs: 1000,
      endReason: 'completed',
      vusMax: 1,
      config: {},
      thresholds: [],
    });
    const text = renderPrometheus(doc, prometheusExtras(httpLiveTrends(m), 'squall'));
    const count = (method: string) =>
      new RegExp(
        `^squall_http_req_duration_seconds_count\\{[^}]*name="items"[^}]*method="${method}"[^}]*\\} (\\d+)$`,
        'm',
      ).exec(text)?.[1];
    expect(count('GET')).toBe('3');
    expect(count('POST')).toBe('5');
    // The GET series' histogram is GET's: all of it under 10 ms, where every POST took 40 ms.
    const le = (method: string) =>
      new RegExp(
        `^squall_http_req_duration_seconds_bucket\\{[^}]*le="0.01"[^}]*name="items"[^}]*method="${method}"[^}]*\\} (\\d+)$`,
        'm',
      ).exec(text)?.[1] ??
      new RegExp(
        `^squall_http_req_duration_seconds_bucket\\{[^}]*name="items"[^}]*method="${method}"[^}]*le="0.01"[^}]*\\} (\\d+)$`,
        'm',
      ).exec(text)?.[1];
    expect(le('GET')).toBe('3');
    expect(le('POST')).toBe('0');
  });
});
