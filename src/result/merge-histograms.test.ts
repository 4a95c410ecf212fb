import { describe, expect, it } from 'vitest';
import { decodeHistogram, encodeTrend } from '../util/hdr.js';
import { TrendHistogram } from '../util/trend-histogram.js';
import { addDocumentHistograms } from './merge-histograms.js';
import type { ResultDocument } from './schema.js';

/** A document holding only what the sum reads: trend histograms and endpoints. */
function doc(
  duration: TrendHistogram,
  endpoint: TrendHistogram,
  extra: Record<string, unknown> = {},
): ResultDocument {
  return {
    metrics: {
      http_reqs: { count: duration.count, rate: 1 },
      http_req_duration: { ...duration.summary(), histogram: encodeTrend(duration) },
      ...extra,
    },
    endpoints: [
      { name: 'GET /a', method: 'GET', histogram: encodeTrend(endpoint) },
      { name: 'GET /only-here', method: 'GET', histogram: encodeTrend(endpoint) },
    ],
  } as unknown as ResultDocument;
}

function trendOf(values: number[]): TrendHistogram {
  const t = new TrendHistogram();
  for (const v of values) t.recordMs(v);
  return t;
}

describe('addDocumentHistograms', () => {
  it('sums two documents exactly: the same as one histogram that saw every value', () => {
    // Two shards with different ranges (the second reaches seconds), so the sum must grow.
    const a = Array.from({ length: 500 }, (_, i) => 0.2 + i * 0.037);
    const b = Array.from({ length: 300 }, (_, i) => 40 + i * 13.1);
    const both = trendOf([...a, ...b]);
    const sum = addDocumentHistograms(doc(trendOf(a), trendOf(a)), doc(trendOf(b), trendOf(b)));

    for (const encoded of [sum.metrics.http_req_duration!, sum.endpoints[0]!.histogram]) {
      const h = decodeHistogram(encoded);
      expect(h.totalCount).toBe(both.count);
      for (const p of [0.1, 1, 10, 50, 75, 90, 95, 99, 99.9, 100]) {
        expect(h.getValueAtPercentile(p), `p${p}`).toBe(both.histogram.getValueAtPercentile(p));
      }
    }
    expect(sum.endpoints.map((e) => e.name)).toEqual(['GET /a', 'GET /only-here']);
    expect(Object.keys(sum.metrics)).toEqual(['http_req_duration']);
    expect(sum.missing).toEqual([]);
  });

  it('lists what only one document has a histogram for, and sums nothing it cannot', () => {
    const t = trendOf([1, 2, 3]);
    const a = doc(t, t, { iteration_duration: { ...t.summary(), histogram: encodeTrend(t) } });
    const b = doc(t, t);
    b.endpoints = [
      b.endpoints[0]!,
      { name: 'POST /b', method: 'POST' } as ResultDocument['endpoints'][number],
    ];
    const sum = addDocumentHistograms(a, b);
    expect(sum.missing).toEqual([
      'metrics.iteration_duration',
      'endpoints[GET /only-here]',
      'endpoints[POST /b]',
    ]);
    expect(decodeHistogram(sum.metrics.http_req_duration!).totalCount).toBe(6);
  });

  it('refuses a string that is not an encoded histogram', () => {
    const t = trendOf([1]);
    const bad = doc(t, t);
    (bad.metrics.http_req_duration as { histogram?: string }).histogram = 'not a histogram';
    expect(() => addDocumentHistograms(bad, doc(t, t))).toThrow();
  });
});
