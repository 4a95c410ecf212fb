import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { decodeHistogram } from './hdr-decode.js';

/** A histogram of microsecond latencies as the writer records them, with a long tail. */
function recorded(values: number[]) {
  const h = build({ numberOfSignificantValueDigits: 3 });
  for (const v of values) h.recordValue(v);
  return h;
}

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100];

describe('decodeHistogram', () => {
  it('answers every percentile as hdr-histogram-js does, for the same encoded histogram', async () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // Sub-millisecond to tens of seconds, so every bucket size and empty runs of counts occur.
    const values = Array.from({ length: 5000 }, () => Math.round(50 * Math.exp(rand() * 14)));
    const h = recorded(values);
    const mine = await decodeHistogram(encodeIntoCompressedBase64(h));
    expect(mine.totalCount).toBe(values.length);
    for (const p of PERCENTILES) expect(mine.valueAtPercentile(p), `p${p}`).toBe(h.getValueAtPercentile(p));
    expect(mine.max).toBe(h.getValueAtPercentile(100));
    expect(mine.min).toBe(h.getValueAtPercentile(0));
  });

  it('reads a single value and an empty histogram', async () => {
    const one = await decodeHistogram(encodeIntoCompressedBase64(recorded([1234])));
    expect(one.totalCount).toBe(1);
    expect(one.valueAtPercentile(50)).toBe(recorded([1234]).getValueAtPercentile(50));
    const none = await decodeHistogram(encodeIntoCompressedBase64(recorded([])));
    expect(none.totalCount).toBe(0);
  });

  it('refuses text that is not an HDR histogram', async () => {
    await expect(decodeHistogram(btoa('not a histogram at all'))).rejects.toThrow(/HdrHistogram/);
  });
});
