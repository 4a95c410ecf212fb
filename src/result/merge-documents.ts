import { SquallError } from '../errors/index.js';
import {
  abortedResult,
  evaluateThresholds,
  formatMetricKey,
  type ParsedThreshold,
  parseThreshold,
  type SourceLookup,
  type ThresholdSource,
} from '../thresholds/index.js';
import { metricKind } from '../util/figures.js';
import { encodeTrend } from '../util/hdr.js';
import { type ExactParts, TrendHistogram } from '../util/trend-histogram.js';
import { round } from '../util/units.js';
import {
  counterSummary,
  ENDPOINT_TIMELINES,
  latencyOf,
  rateSeconds,
  rateSource,
  trendSource,
  trendSummary,
  valueSource,
} from './common.js';
import type {
  CheckResult,
  EndpointResult,
  EndpointTimelinePoint,
  EndReason,
  ErrorGroup,
  MetricSummary,
  Metrics,
  ResultDocument,
  ScenarioResult,
  Stat,
  ThresholdResult,
  TimelinePoint,
} from './schema.js';
import { exactKey, type ShardSection, type ShardSource } from './shard-schema.js';
import { VERSION } from './version.js';

/**
 * `squall merge`: shard documents (`--shard I/N`) of one test into the document of the whole
 * run, exactly. Histograms are added bucket by bucket (with their exact sums and extremes),
 * counts summed, rates counted again over the merged duration, and thresholds evaluated again on
 * the merged raw data (`shard.sources`), so that a threshold that passes on every shard but
 * fails on the whole run fails. The result equals, field by field, what one process recording
 * the same samples writes (merge-documents.test.ts builds both).
 */

export interface MergeOptions {
  /** What to call each document in messages (its file name); `document 1`… otherwise. */
  names?: readonly string[];
  /** Notes for a person (missing shards): the CLI prints them on stderr. */
  onWarning?: (message: string) => void;
}

interface Shard {
  doc: ResultDocument;
  section: ShardSection;
  name: string;
  /** Timeline point by bucket key (see bucketKey). */
  points: Map<number, { point: TimelinePoint; index: number }>;
}

function mismatch(message: string): SquallError {
  return new SquallError('SQ_MERGE_MISMATCH', message);
}

/**
 * The second a timeline point stands for: its `t` is about a whole second from the shard's own
 * start; a last part under 0.25 s is merged into the second before (t = 10.1), a longer one is a
 * bucket of its own (t = 10.3 is the 11th). Shards started together (--start-at) line up.
 */
export function bucketKey(t: number): number {
  return Math.max(1, Math.ceil(t - 0.25 - 1e-9));
}

/** The shard documents, checked: one test, one shard count, each shard once, of one kind. */
function checkShards(docs: readonly ResultDocument[], opts: MergeOptions): Shard[] {
  if (docs.length === 0) throw mismatch('squall merge needs at least one shard document');
  const nameOf = (i: number) => opts.names?.[i] ?? `document ${i + 1}`;
  const shards: Shard[] = docs.map((doc, i) => {
    const section = doc.shard;
    if (section === undefined)
      throw mismatch(
        `${nameOf(i)} has no shard section: it was not written with --shard I/N, so it cannot be merged exactly`,
      );
    if (section.index === null)
      throw mismatch(
        `${nameOf(i)} is already a merged document (shards ${section.merged.map((x) => x + 1).join(', ')} of ${section.count}); merge the shard documents themselves`,
      );
    const points = new Map<number, { point: TimelinePoint; index: number }>();
    doc.timeline.forEach((point, index) => {
      points.set(bucketKey(point.t), { point, index });
    });
    return { doc, section, name: nameOf(i), points };
  });
  const first = shards[0]!;
  for (const s of shards.slice(1)) {
    if (s.section.test !== first.section.test)
      throw mismatch(
        `${s.name} is of a different test than ${first.name} (test ${s.section.test} against ${first.section.test}): ` +
          'their configs differ; merge the shards of one test, run with the same file and flags',
      );
    if (s.section.count !== first.section.count)
      throw mismatch(
        `${s.name} is shard ${s.section.index! + 1}/${s.section.count} and ${first.name} is shard ${first.section.index! + 1}/${first.section.count}: one test split two ways`,
      );
    if ((s.doc.kind ?? 'load') !== (first.doc.kind ?? 'load'))
      throw mismatch(
        `${s.name} is a ${s.doc.kind ?? 'load'} result and ${first.name} a ${first.doc.kind ?? 'load'} one`,
      );
  }
  const seen = new Map<number, string>();
  for (const s of shards) {
    const other = seen.get(s.section.index!);
    if (other !== undefined)
      throw mismatch(
        `${s.name} and ${other} are both shard ${s.section.index! + 1}/${s.section.count}: each shard is merged once`,
      );
    seen.set(s.section.index!, s.name);
  }
  const missing: number[] = [];
  for (let i = 0; i < first.section.count; i++) if (!seen.has(i)) missing.push(i + 1);
  if (missing.length > 0)
    opts.onWarning?.(
      `warning: shard${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${first.section.count} ` +
        `${missing.length === 1 ? 'is' : 'are'} missing: the merged result covers ${shards.length} of ${first.section.count} shards of the load`,
    );
  return shards.sort((a, b) => a.section.index! - b.section.index!);
}

/** A histogram of a shard document with its exact parts (when the shard section has them). */
function trendOf(s: Shard, histogram: string, key: string): TrendHistogram {
  const exact: ExactParts | undefined = s.section.exact?.[key];
  return TrendHistogram.decode(histogram, exact);
}

function sumTrends(parts: Iterable<TrendHistogram>): TrendHistogram {
  const t = new TrendHistogram();
  for (const p of parts) t.add(p);
  return t;
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** `vus` and `vus_max` add up over shards (each ran its part of the VUs); other gauges: the largest. */
const SUMMED_GAUGES: ReadonlySet<string> = new Set(['vus', 'vus_max']);

function mergeMetric(name: string, shards: readonly Shard[], sec: number): MetricSummary {
  const all = shards
    .map((s) => ({ s, m: s.doc.metrics[name] as MetricSummary | undefined }))
    .filter((x): x is { s: Shard; m: MetricSummary } => x.m !== undefined);
  const first = all[0]!.m;
  const kind = first.kind ?? metricKind(first);
  const meta = {
    ...(first.kind === undefined ? {} : { kind: first.kind }),
    ...(first.unit === undefined ? {} : { unit: first.unit }),
  };
  switch (kind) {
    case 'trend': {
      const parts = all.map(({ s, m }) => {
        const h = (m as { histogram?: string }).histogram;
        if (h === undefined)
          throw mismatch(`${s.name} has no histogram for '${name}': it cannot be merged exactly`);
        return trendOf(s, h, exactKey.metric(name));
      });
      const t = sumTrends(parts);
      const out: Record<string, unknown> = { ...meta, ...trendSummary(t) };
      // http_req_duration carries Locust's percentile columns too (common.ts).
      if ('p66' in first) {
        const p = t.percentiles();
        Object.assign(out, { p66: p.p66, p75: p.p75, p80: p.p80, p98: p.p98, p9999: p.p9999 });
      }
      return out as unknown as MetricSummary;
    }
    case 'counter': {
      const count = all.reduce((n, { m }) => n + (m as { count: number }).count, 0);
      return { ...meta, ...counterSummary(count, sec) };
    }
    case 'rate': {
      const fails = all.reduce((n, { m }) => n + (m as { fails: number }).fails, 0);
      const total = all.reduce((n, { m }) => n + (m as { total: number }).total, 0);
      // http_req_failed counts failures; every other rate (checks, custom) counts passes.
      const trues = name === 'http_req_failed' ? fails : total - fails;
      return { ...meta, rate: total === 0 ? 0 : round(trues / total, 6), fails, total };
    }
    case 'gauge': {
      const gs = all.map(({ m }) => m as { value: number; min: number; max: number });
      if (SUMMED_GAUGES.has(name)) {
        const sum = (k: 'value' | 'min' | 'max') => gs.reduce((n, g) => n + g[k], 0);
        return { ...meta, value: sum('value'), min: sum('min'), max: sum('max') };
      }
      return {
        ...meta,
        value: Math.max(...gs.map((g) => g.value)),
        min: Math.min(...gs.map((g) => g.min)),
        max: Math.max(...gs.map((g) => g.max)),
      };
    }
    default:
      return first;
  }
}

function mergeMetrics(shards: readonly Shard[], sec: number): Metrics {
  const names: string[] = [];
  for (const s of shards) for (const n of Object.keys(s.doc.metrics)) if (!names.includes(n)) names.push(n);
  const out: Record<string, MetricSummary> = {};
  for (const n of names) out[n] = mergeMetric(n, shards, sec);
  return out as Metrics;
}

const endpointKey = (e: { method?: string; name: string }) => `${e.method ?? ''} ${e.name}`;

/** The merged run's timeline, bucket keys in order, and each key's merged point. */
interface MergedTimeline {
  keys: number[];
  points: TimelinePoint[];
}

function mergeTimeline(shards: readonly Shard[]): MergedTimeline {
  const keys = [...new Set(shards.flatMap((s) => [...s.points.keys()]))].sort((a, b) => a - b);
  const sofar = new TrendHistogram();
  let totalRequests = 0;
  let totalFailures = 0;
  let totalBytes = 0;
  const points = keys.map((key) => {
    const here = shards.flatMap((s) => {
      const p = s.points.get(key);
      return p === undefined ? [] : [{ s, ...p }];
    });
    const d = sumTrends(
      here.map(({ s, point, index }) => {
        if (point.histogram === undefined)
          throw mismatch(
            `${s.name} has no histogram in its timeline at t=${point.t}: it cannot be merged exactly`,
          );
        return trendOf(s, point.histogram, exactKey.bucket(index));
      }),
    );
    const sum = (f: (p: TimelinePoint) => number | undefined) =>
      here.reduce((n, { point }) => n + (f(point) ?? 0), 0);
    const requests = sum((p) => p.requests);
    const errors = sum((p) => p.errors);
    const bytes = sum((p) => p.bytes);
    const length = Math.max(...here.map(({ point }) => point.lengthSec ?? 1));
    sofar.add(d);
    totalRequests += requests;
    totalFailures += errors;
    totalBytes += bytes;
    const x = d.extremes();
    const empty = sofar.count === 0;
    const stat = (v: number): Stat => (empty ? null : r3(v));
    const point: TimelinePoint = {
      t: Math.max(...here.map(({ point }) => point.t)),
      rps: r3(length > 0 ? requests / length : 0),
      ...d.percentiles(),
      errors,
      vus: sum((p) => p.vus),
      requests,
      lengthSec: length,
      min: x.min,
      mean: x.mean,
      max: x.max,
      bytes,
      totalRequests,
      totalFailures,
      totalBytes,
      totalP50: stat(sofar.percentileMs(50)),
      totalMean: stat(sofar.meanMs()),
      totalMin: stat(sofar.minMs()),
      totalMax: stat(sofar.maxMs()),
    };
    if (here.some(({ point }) => point.generatorLimited === true)) point.generatorLimited = true;
    return point;
  });
  return { keys, points };
}

/** An endpoint's own timeline over the merged buckets, from the shards' per-bucket histograms. */
function endpointTimeline(
  list: ReadonlyArray<{ s: Shard; e: EndpointResult }>,
  timeline: MergedTimeline,
): EndpointTimelinePoint[] {
  return timeline.keys.map((bucket, i) => {
    const length = timeline.points[i]!.lengthSec ?? 1;
    let requests = 0;
    let errors = 0;
    const parts: TrendHistogram[] = [];
    for (const { s, e: ep } of list) {
      const at = s.points.get(bucket);
      if (at === undefined) continue;
      const p = ep.timeline?.[at.index];
      if (p === undefined) continue;
      requests += p.requests;
      errors += p.errors;
      if (p.histogram !== undefined) {
        parts.push(trendOf(s, p.histogram, exactKey.endpointBucket(ep.method, ep.name, at.index)));
      }
    }
    const d = sumTrends(parts);
    const pc = d.percentiles();
    return {
      t: timeline.points[i]!.t,
      rps: length > 0 ? Math.round((requests / length) * 1000) / 1000 : 0,
      p50: pc.p50,
      p95: pc.p95,
      p99: pc.p99,
      errors,
      requests,
    };
  });
}

function addCounts(into: Record<string, number>, from: Record<string, number> | undefined): void {
  for (const [k, n] of Object.entries(from ?? {})) into[k] = (into[k] ?? 0) + n;
}

function mergeEndpoints(shards: readonly Shard[], sec: number, timeline: MergedTimeline): EndpointResult[] {
  const byKey = new Map<string, Array<{ s: Shard; e: EndpointResult }>>();
  for (const s of shards) {
    for (const e of s.doc.endpoints) {
      const k = endpointKey(e);
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [{ s, e }]);
      else list.push({ s, e });
    }
  }
  const rows = [...byKey.entries()].map(([key, list]) => {
    const first = list[0]!.e;
    const t = sumTrends(
      list.map(({ s, e }) => {
        if (e.histogram === undefined)
          throw mismatch(
            `${s.name} has no histogram for the endpoint '${e.name}': it cannot be merged exactly`,
          );
        return trendOf(s, e.histogram, exactKey.endpoint(e.method, e.name));
      }),
    );
    const count = list.reduce((n, { e }) => n + e.count, 0);
    const statusCodes: Record<string, number> = {};
    for (const { e } of list) addCounts(statusCodes, e.statusCodes);
    const errors: Record<string, number> = {};
    for (const { e } of list) addCounts(errors, e.errors);
    const grouped = list.map(({ e }) => e.grouped).filter((g): g is number => g !== undefined);
    const row: EndpointResult = {
      name: first.name,
      count,
      failures: list.reduce((n, { e }) => n + e.failures, 0),
      rps: round(count / sec),
      statusCodes: Object.fromEntries(Object.entries(statusCodes).sort(([a], [b]) => Number(a) - Number(b))),
      latency: latencyOf(t),
      ...(first.method === undefined ? {} : { method: first.method }),
      ...(first.protocol === undefined ? {} : { protocol: first.protocol }),
      bytesReceived: list.reduce((n, { e }) => n + (e.bytesReceived ?? 0), 0),
      errors,
      // Names grouped under a template on different shards may overlap: the largest is a floor.
      ...(grouped.length === 0 ? {} : { grouped: Math.max(...grouped) }),
      histogram: encodeTrend(t),
    };
    // Its timeline can be merged when every shard that had its requests kept one (a shard keeps
    // its busiest SHARD_ENDPOINT_TIMELINES).
    const complete = list.every(({ e }) => e.count === 0 || e.timeline !== undefined);
    return { key, row, list, complete };
  });
  // The busiest endpoints get their own timeline, as in one process's document.
  const busiest = new Set(
    rows
      .filter((r) => r.complete)
      .sort((a, b) => b.row.count - a.row.count)
      .slice(0, ENDPOINT_TIMELINES)
      .filter((r) => r.row.count > 0)
      .map((r) => r.key),
  );
  return rows.map(({ key, row, list }) =>
    busiest.has(key) ? { ...row, timeline: endpointTimeline(list, timeline) } : row,
  );
}

function mergeErrors(shards: readonly Shard[]): ErrorGroup[] {
  const byKind = new Map<string, ErrorGroup>();
  for (const s of shards) {
    for (const g of s.doc.errors) {
      const have = byKind.get(g.kind);
      if (have === undefined) byKind.set(g.kind, { ...g });
      else have.count += g.count;
    }
  }
  return [...byKind.values()].sort((a, b) => b.count - a.count);
}

function mergeChecks(shards: readonly Shard[]): CheckResult[] | undefined {
  if (shards.every((s) => s.doc.checks === undefined)) return undefined;
  const byName = new Map<string, CheckResult>();
  for (const s of shards) {
    for (const c of s.doc.checks ?? []) {
      const have = byName.get(c.name);
      if (have === undefined) byName.set(c.name, { ...c });
      else {
        have.passes += c.passes;
        have.fails += c.fails;
      }
    }
  }
  return [...byName.values()];
}

function mergeScenarios(shards: readonly Shard[]): Record<string, ScenarioResult> | undefined {
  if (shards.every((s) => s.doc.scenarios === undefined)) return undefined;
  const out: Record<string, ScenarioResult> = {};
  for (const s of shards) {
    for (const [name, sc] of Object.entries(s.doc.scenarios ?? {})) {
      const have = out[name];
      if (have === undefined) {
        out[name] = {
          ...sc,
          users: Object.fromEntries(Object.entries(sc.users).map(([u, x]) => [u, { ...x }])),
        };
        continue;
      }
      have.iterations += sc.iterations;
      have.failedIterations += sc.failedIterations;
      have.dropped += sc.dropped;
      have.interrupted += sc.interrupted;
      have.vusMax += sc.vusMax;
      for (const [u, x] of Object.entries(sc.users)) {
        const hu = have.users[u];
        if (hu === undefined) have.users[u] = { ...x };
        else {
          hu.vus += x.vus;
          hu.iterations += x.iterations;
        }
      }
    }
  }
  return out;
}

/** One threshold's raw data over every shard, as a threshold source. */
function mergedSource(
  key: string,
  metric: string,
  shards: readonly Shard[],
  sec: number,
): { source: ThresholdSource | undefined; raw: ShardSource | undefined; exact?: ExactParts } {
  const parts = shards.flatMap((s) => {
    const src = s.section.sources[key];
    return src === undefined ? [] : [{ s, src }];
  });
  if (parts.length === 0) return { source: undefined, raw: undefined };
  const kind = parts[0]!.src.kind;
  for (const { s, src } of parts)
    if (src.kind !== kind)
      throw mismatch(`${s.name} holds '${key}' as a ${src.kind} where ${parts[0]!.s.name} holds a ${kind}`);
  switch (kind) {
    case 'trend': {
      const t = sumTrends(
        parts.map(({ s, src }) => trendOf(s, (src as { histogram: string }).histogram, exactKey.source(key))),
      );
      return {
        source: trendSource(t),
        raw: { kind: 'trend', histogram: encodeTrend(t) },
        exact: t.exactParts(),
      };
    }
    case 'counter': {
      const count = parts.reduce((n, { src }) => n + (src as { count: number }).count, 0);
      return { source: valueSource('counter', { count, rate: count / sec }), raw: { kind, count } };
    }
    case 'rate': {
      const trues = parts.reduce((n, { src }) => n + (src as { trues: number }).trues, 0);
      const total = parts.reduce((n, { src }) => n + (src as { total: number }).total, 0);
      return { source: rateSource(trues, total), raw: { kind, trues, total } };
    }
    case 'gauge': {
      const values = parts.map(({ src }) => (src as { value: number }).value);
      const value = SUMMED_GAUGES.has(metric) ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
      return { source: valueSource('gauge', { value }), raw: { kind, value } };
    }
  }
}

/** The test's thresholds, parsed again from the first shard's answers (every shard has the same). */
function thresholdsOf(doc: ResultDocument): ParsedThreshold[] {
  return doc.thresholds.map((t) => parseThreshold(t.metric, t.expr));
}

/**
 * The thresholds over the merged data. A threshold that aborted a shard (abortOnFail) failed the
 * run, whatever the merged figure says, as it does in one process.
 */
function mergeThresholds(
  shards: readonly Shard[],
  sec: number,
): { results: ThresholdResult[]; sources: ShardSection['sources']; exact: Record<string, ExactParts> } {
  const parsed = thresholdsOf(shards[0]!.doc);
  const sources: ShardSection['sources'] = {};
  const exact: Record<string, ExactParts> = {};
  const cache = new Map<string, ThresholdSource | undefined>();
  const lookup: SourceLookup = (metric, tags) => {
    const key = formatMetricKey(metric, tags);
    if (!cache.has(key)) {
      const m = mergedSource(key, metric, shards, sec);
      cache.set(key, m.source);
      if (m.raw !== undefined) sources[key] = m.raw;
      if (m.exact !== undefined) exact[exactKey.source(key)] = m.exact;
    }
    return cache.get(key);
  };
  const results = evaluateThresholds(parsed, lookup).map((r, i) => {
    let aborted: ThresholdResult | undefined;
    for (const s of shards) {
      const a = s.doc.thresholds[i];
      if (a?.abortedAtSec === undefined || a.actualAtAbort === undefined) continue;
      if (aborted === undefined || a.abortedAtSec < aborted.abortedAtSec!) aborted = a;
    }
    return aborted === undefined
      ? r
      : abortedResult(r, { atSec: aborted.abortedAtSec!, actual: aborted.actualAtAbort! });
  });
  return { results, sources, exact };
}

/** The first reason that is not `completed`, in shard order. */
function endReasonOf(shards: readonly Shard[]): EndReason {
  return shards.find((s) => s.doc.endReason !== 'completed')?.doc.endReason ?? 'completed';
}

/**
 * Merges shard documents of one test into the document of the whole run. Throws
 * SQ_MERGE_MISMATCH (exit 2) for a document without a shard section, documents of different
 * tests, shard counts or kinds, and the same shard twice. Missing shards merge with a warning.
 */
export function mergeDocuments(docs: readonly ResultDocument[], opts: MergeOptions = {}): ResultDocument {
  const shards = checkShards(docs, opts);
  const first = shards[0]!;
  // Shards run side by side: the whole run lasts as long as the longest shard.
  const durationSec = Math.max(...shards.map((s) => s.doc.durationSec));
  const sec = rateSeconds(durationSec * 1000);
  const timeline = mergeTimeline(shards);
  const thresholds = mergeThresholds(shards, sec);
  const times = (k: 'startedAt' | 'endedAt') => shards.map((s) => Date.parse(s.doc[k]));
  const checks = mergeChecks(shards);
  const scenarios = mergeScenarios(shards);
  const startAt = shards.map((s) => s.section.startAt).find((x) => x !== null) ?? null;
  const doc: ResultDocument = {
    schema: 2,
    tool: 'squall',
    version: VERSION,
    ...(first.doc.kind === undefined ? {} : { kind: first.doc.kind }),
    startedAt: new Date(Math.min(...times('startedAt'))).toISOString(),
    endedAt: new Date(Math.max(...times('endedAt'))).toISOString(),
    durationSec,
    endReason: endReasonOf(shards),
    config: first.doc.config,
    metrics: mergeMetrics(shards, sec),
    endpoints: mergeEndpoints(shards, sec, timeline),
    errors: mergeErrors(shards),
    timeline: timeline.points,
    thresholds: thresholds.results,
    passed: thresholds.results.every((t) => t.ok),
    // Each shard watched its own machine: there is no one monitor or generator of the whole.
    monitor: null,
    breakingPoint: null,
    generator: null,
    ...(checks === undefined ? {} : { checks }),
    ...(scenarios === undefined ? {} : { scenarios }),
    shard: {
      index: null,
      count: first.section.count,
      merged: shards.map((s) => s.section.index!),
      test: first.section.test,
      startAt,
      sources: thresholds.sources,
      exact: thresholds.exact,
    },
  };
  return doc;
}
