import type { DecodedHistogram } from './hdr-decode.js';

/** Points per decade of 1/(1−q): a smooth curve for a few hundred points at most. */
const PER_DECADE = 20;

/** `0%`, `90%`, `99.9%`: the percentile at 1/(1−q) = x, with the decimals its decade needs. */
export function percentileAt(x: number): string {
  const digits = Math.max(0, Math.ceil(Math.log10(x) - 1e-9) - 2);
  return `${(100 * (1 - 1 / x)).toFixed(digits)}%`;
}

/**
 * The spectrum's points, as HdrHistogram's plotter draws it: x = 1/(1−q) from 1 (0 %) while
 * fewer than one value lies beyond, then the maximum at x = the count. y in the metric's unit
 * (the histogram holds it x 1000). Labels name each point's percentile, for the legend.
 */
export function spectrumPoints(h: DecodedHistogram): { x: number[]; y: number[]; labels: string[] } {
  const x: number[] = [];
  const y: number[] = [];
  const labels: string[] = [];
  for (let i = 0; 10 ** (i / PER_DECADE) < h.totalCount; i++) {
    const at = 10 ** (i / PER_DECADE);
    x.push(at);
    y.push(h.valueAtPercentile(100 * (1 - 1 / at)) / 1000);
    labels.push(percentileAt(at));
  }
  // One value alone sits at 0 %: its maximum goes a hair to the right, where a log axis can draw it.
  x.push(Math.max(h.totalCount, 1 + 1e-9));
  y.push(h.max / 1000);
  labels.push('100% (max)');
  return { x, y, labels };
}
