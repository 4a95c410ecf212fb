import * as hdr from 'hdr-histogram-js';
import type { TrendHistogram } from './trend-histogram.js';

/**
 * The HDR histogram every trend records into, and its standard compressed base64 codec: pure
 * helpers that metrics/ (recording) and result/ (the document) both use.
 */

/**
 * Trends are recorded in integer microseconds: 1 µs resolution, 3 significant digits
 * (0.1% relative error), up to one hour. Values outside are clamped, never thrown on.
 */
export const LOWEST_US = 1;
export const HIGHEST_US = 3_600_000_000;
const SIGNIFICANT_DIGITS = 3;
/**
 * A histogram starts as small as HDR allows and grows to the largest value it meets (at most
 * HIGHEST_US): sized for an hour from the start, each one took 95 kB where latencies under
 * 25 ms need 26 kB, and a run keeps a few per endpoint and status. Precision is the same.
 */
const INITIAL_HIGHEST_US = 2 * LOWEST_US;

export function createHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: INITIAL_HIGHEST_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  });
}

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
