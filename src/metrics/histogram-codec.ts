import * as hdr from 'hdr-histogram-js';
import { createHistogram, type TrendHistogram } from './trend.js';

/**
 * A trend's histogram in HdrHistogram's standard compressed base64 form (V2 encoding, deflated):
 * what the result document carries (`histogram`), readable by any HDR tool. The values are the
 * metric's value × 1000 as TrendHistogram records them (microseconds for a millisecond trend).
 */
export function encodeTrend(t: TrendHistogram): string {
  return hdr.encodeIntoCompressedBase64(t.histogram);
}

/**
 * Decodes a compressed base64 histogram into one that grows as values are added (a decoded
 * histogram keeps the range it was written with, and adding a wider one into it goes wrong).
 * Throws on a string that is not such a histogram.
 */
export function decodeHistogram(base64: string): hdr.Histogram {
  const decoded = hdr.decodeFromCompressedBase64(base64, 32, false);
  const out = createHistogram();
  out.add(decoded);
  return out;
}

/** Adds encoded histograms exactly (every count of every bucket) and encodes the sum. */
export function addEncodedHistograms(parts: readonly string[]): string {
  const sum = createHistogram();
  for (const p of parts) sum.add(decodeHistogram(p));
  return hdr.encodeIntoCompressedBase64(sum);
}
