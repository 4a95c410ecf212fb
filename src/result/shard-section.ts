import type { ParsedThreshold, SourceLookup, ThresholdSource } from '../thresholds/index.js';
import { encodeTrend } from '../util/hdr.js';
import type { ExactParts, TrendHistogram } from '../util/trend-histogram.js';
import type { RawSource } from './common.js';
import type { HttpMetricsView } from './metrics-view.js';
import type { ResultDocument } from './schema.js';
import { testIdentity } from './shard-identity.js';
import { exactKey, type ShardSection, type ShardSource } from './shard-schema.js';

/** Which slice of the test a run is (`--shard I/N`: index I-1 of N), and when it was told to start. */
export interface ShardParts {
  /** 0-based. */
  index: number;
  count: number;
  /** `--start-at` as ISO text, null when not given. */
  startAt: string | null;
}

/** The raw data behind one threshold's answer, as a shard document carries it. */
export function shardSource(src: (ThresholdSource & RawSource) | undefined): ShardSource | undefined {
  if (src === undefined) return undefined;
  switch (src.kind) {
    case 'trend':
      return src.trend === undefined ? undefined : { kind: 'trend', histogram: encodeTrend(src.trend) };
    case 'counter': {
      const count = src.aggregate({ method: 'count' } as never);
      return count === undefined ? undefined : { kind: 'counter', count };
    }
    case 'rate':
      return src.trues === undefined || src.total === undefined
        ? undefined
        : { kind: 'rate', trues: src.trues, total: src.total };
    case 'gauge': {
      const value = src.aggregate({ method: 'value' } as never);
      return value === undefined ? undefined : { kind: 'gauge', value };
    }
  }
}

/**
 * The shard section of a document just built: the test's identity, the raw data of every
 * threshold (looked up as the document's own answers were) and the exact parts of every
 * histogram the document carries.
 */
export function shardSection(
  shard: ShardParts,
  doc: ResultDocument,
  thresholds: readonly ParsedThreshold[],
  lookup: SourceLookup,
  http: HttpMetricsView,
  trends: Readonly<Record<string, TrendHistogram>>,
): ShardSection {
  const exact: Record<string, ExactParts> = {};
  const sources: Record<string, ShardSource> = {};
  for (const t of thresholds) {
    if (t.key in sources) continue;
    const src = lookup(t.metric, t.tags) as (ThresholdSource & RawSource) | undefined;
    const s = shardSource(src);
    if (s === undefined) continue;
    sources[t.key] = s;
    if (s.kind === 'trend' && src?.trend !== undefined)
      exact[exactKey.source(t.key)] = src.trend.exactParts();
  }
  for (const [name, t] of Object.entries(trends)) {
    if (doc.metrics[name] !== undefined) exact[exactKey.metric(name)] = t.exactParts();
  }
  for (const ep of http.endpoints) {
    exact[exactKey.endpoint(ep.method, ep.name)] = ep.duration().exactParts();
    for (const b of ep.timeline.closedBuckets()) {
      if (b.exact !== undefined) exact[exactKey.endpointBucket(ep.method, ep.name, b.index)] = b.exact;
    }
  }
  (http.bucketExact ?? []).forEach((parts, i) => {
    exact[exactKey.bucket(i)] = parts;
  });
  return {
    index: shard.index,
    count: shard.count,
    merged: [shard.index],
    test: testIdentity(doc.config),
    startAt: shard.startAt,
    sources,
    exact,
  };
}
