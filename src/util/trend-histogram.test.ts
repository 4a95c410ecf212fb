import { describe, expect, it } from 'vitest';
import { TrendHistogram } from './trend-histogram.js';

describe('Trend percentiles', () => {
  it('stay within the exact min and max and never decrease', () => {
    const t = new TrendHistogram();
    // Odd microsecond values, so HDR's bucket tops differ from the values recorded.
    const values = Array.from({ length: 5000 }, (_, i) => 0.0137 * ((i * 7919) % 5003) + 1.0009);
    for (const v of values) t.recordMs(v);
    const max = Math.max(...values);
    const min = Math.min(...values);
    let last = -1;
    for (const p of [0, 1, 50, 66, 90, 99, 99.9, 99.99, 99.999, 100]) {
      const v = t.percentileMs(p);
      expect(v, `p${p}`).toBeGreaterThanOrEqual(last);
      expect(v, `p${p}`).toBeLessThanOrEqual(t.maxMs());
      expect(v, `p${p}`).toBeGreaterThanOrEqual(t.minMs());
      last = v;
    }
    expect(t.maxMs()).toBeCloseTo(max, 3);
    expect(t.minMs()).toBeCloseTo(min, 3);
  });
});
