/**
 * The `shard` section of a result document written with `--shard I/N` (or by one worker of
 * `--workers N`): what `squall merge` (merge-documents.ts) needs to merge shards exactly. Schema
 * stays 2: an added field; documents written without --shard do not have it.
 */

import type { ExactParts } from '../util/trend-histogram.js';

export type { ExactParts } from '../util/trend-histogram.js';

export interface ShardSection {
  /** 0-based shard index; null on a merged document. The CLI flag is 1-based: --shard 1/4 = index 0. */
  index: number | null;
  count: number;
  /** merged document: the 0-based indexes it holds, sorted; a shard document: [index]. */
  merged: number[];
  /**
   * The test's identity: first 16 hex of sha256 over the canonical JSON of the document's
   * `config` without the keys shard, startAt, output/outputs and anything run-specific
   * (shard-identity.ts). Documents of different tests differ here.
   */
  test: string;
  /** --start-at as ISO text, null when not given. */
  startAt: string | null;
  /**
   * Per threshold of the test, keyed by formatMetricKey(metric, tags): the raw data that answers
   * it, so that the merge evaluates thresholds exactly (tag filters included).
   */
  sources: Record<string, ShardSource>;
  /**
   * Added: the exact sum, min and max (integer µs) of each histogram the document carries, which
   * the encoded histogram keeps only to its precision (3 significant digits). Keyed by where the
   * histogram is: `metrics.NAME`, `endpoints.METHOD NAME`, `endpoints.METHOD NAME.timeline.I`,
   * `timeline.I`, `sources.KEY`. Without it a merge still adds the histograms exactly, but
   * means, minima and maxima are the histogram's, to its precision.
   */
  exact?: Record<string, ExactParts>;
}

export type ShardSource =
  | { kind: 'trend'; histogram: string } // encoded like TrendSummary.histogram
  | { kind: 'counter'; count: number }
  | { kind: 'rate'; trues: number; total: number }
  | { kind: 'gauge'; value: number };

/** Where a histogram sits in ShardSection.exact. */
export const exactKey = {
  metric: (name: string) => `metrics.${name}`,
  endpoint: (method: string | undefined, name: string) => `endpoints.${method ?? ''} ${name}`,
  endpointBucket: (method: string | undefined, name: string, i: number) =>
    `endpoints.${method ?? ''} ${name}.timeline.${i}`,
  bucket: (i: number) => `timeline.${i}`,
  source: (key: string) => `sources.${key}`,
};
