/**
 * The HDR recorder behind every trend is a pure data structure (util/trend-histogram.ts), so that
 * result/, below metrics, can sum and summarise trends too; metrics keeps its name for it here.
 */

export { createHistogram } from '../util/hdr.js';
export { type ReportedPercentile, TrendHistogram } from '../util/trend-histogram.js';
