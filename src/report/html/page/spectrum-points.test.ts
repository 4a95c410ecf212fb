import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { decodeHistogram } from './hdr-decode.js';
import { percentileAt, spectrumPoints } from './spectrum-points.js';

describe('percentileAt', () => {
  it('labels the decades of 1/(1−q) as HdrHistogram plots them', () => {
    expect([1, 10, 100, 1000, 10_000, 100_000].map(percentileAt)).toEqual([
      '0%',
      '90%',
      '99%',
      '99.9%',
      '99.99%',
      '99.999%',
    ]);
  });
});

describe('spectrumPoints', () => {
  it('runs from 0 % to the maximum, rising, at the histogram’s own percentiles', async () => {
    const h = build({ numberOfSignificantValueDigits: 3 });
    for (let i = 1; i <= 2000; i++) h.recordValue(i * i);
    const s = spectrumPoints(await decodeHistogram(encodeIntoCompressedBase64(h)));
    expect(s.labels[0]).toBe('0%');
    expect(s.labels.at(-1)).toBe('100% (max)');
    expect(s.y.at(-1)).toBe(h.getValueAtPercentile(100) / 1000);
    const at99 = s.x.indexOf(100);
    expect(s.y[at99]).toBe(h.getValueAtPercentile(99) / 1000);
    for (let i = 1; i < s.x.length; i++) {
      expect(s.x[i]!).toBeGreaterThan(s.x[i - 1]!);
      expect(s.y[i]!).toBeGreaterThanOrEqual(s.y[i - 1]!);
    }
  });

  it('draws one value as a point at 0 % and its maximum', async () => {
    const h = build({ numberOfSignificantValueDigits: 3 });
    h.recordValue(5000);
    const s = spectrumPoints(await decodeHistogram(encodeIntoCompressedBase64(h)));
    expect(s.x).toHaveLength(1);
    expect(s.y[0]).toBe(h.getValueAtPercentile(100) / 1000);
  });
});
