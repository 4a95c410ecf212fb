import { describe, expect, it } from 'vitest';
import {
  classicBuckets,
  NATIVE_SCHEMA,
  nativeHistogram,
  SECONDS_BOUNDS,
} from '../report/prometheus-histogram.js';
import { TrendHistogram } from '../util/trend-histogram.js';
import { histogramOf } from './prometheus-extras.js';

/** Durations in ms into a trend, then in seconds as the exporters read it. */
function seconds(ms: number[]) {
  const t = new TrendHistogram();
  for (const v of ms) t.recordMs(v);
  return histogramOf(t, 1e6);
}

/** The native buckets back as index -> count, from spans and deltas. */
function expand(n: ReturnType<typeof nativeHistogram>): Map<number, number> {
  const out = new Map<number, number>();
  let index = 0;
  let count = 0;
  let d = 0;
  n.spans.forEach((s, i) => {
    index += i === 0 ? s.offset : s.offset + 1;
    for (let k = 0; k < s.length; k++, index++) {
      count += n.deltas[d++]!;
      out.set(index, count);
    }
    index--;
  });
  return out;
}

describe('Prometheus histograms from HDR data', () => {
  const ms = [0.2, 0.7, 3, 3, 40, 40, 40, 900, 2600, 70_000];

  it('classic buckets are cumulative counts at each bound, +Inf the total; sum and count exact', () => {
    const h = seconds(ms);
    expect(h.count).toBe(ms.length);
    expect(h.sum).toBeCloseTo(ms.reduce((a, b) => a + b, 0) / 1000, 9);
    const buckets = classicBuckets(h, SECONDS_BOUNDS);
    expect(buckets.at(-1)).toEqual([Number.POSITIVE_INFINITY, ms.length]);
    for (const [le, n] of buckets) expect(n, `le=${le}`).toBe(ms.filter((v) => v / 1000 <= le).length);
  });

  it('native buckets: each value in (2^((i-1)/8), 2^(i/8)], spans and deltas that add up', () => {
    const n = nativeHistogram(seconds(ms));
    expect(n.schema).toBe(NATIVE_SCHEMA);
    expect(n.zeroCount).toBe(0);
    const buckets = expand(n);
    expect([...buckets.values()].reduce((a, b) => a + b, 0)).toBe(ms.length);
    for (const v of new Set(ms)) {
      const i = Math.ceil(Math.log2(v / 1000) * 2 ** NATIVE_SCHEMA);
      expect(buckets.get(i), `${v} ms`).toBe(ms.filter((x) => x === v).length);
    }
    expect(n.spans.length).toBeGreaterThan(1);
  });

  it('an empty trend has no buckets but +Inf at zero', () => {
    const h = seconds([]);
    expect(classicBuckets(h, [1]).map(([, c]) => c)).toEqual([0, 0]);
    expect(nativeHistogram(h)).toMatchObject({ spans: [], deltas: [] });
  });
});
