import { describe, expect, it } from 'vitest';
import { isSquallError } from '../errors/index.js';
import { Counter, Rate, Trend } from '../metrics/custom.js';
import { HttpMetrics } from '../metrics/http-metrics.js';
import { RunMetrics } from '../metrics/run-metrics.js';
import { emptyRequestRecord } from '../metrics/sink.js';
import { parseThreshold } from '../thresholds/index.js';
import { Rng } from '../util/rng.js';
import { buildHttpResult } from './build.js';
import { buildRunResult } from './build-run.js';
import { mergeDocuments } from './merge-documents.js';
import type { EndpointResult, ResultDocument } from './schema.js';
import type { ShardParts } from './shard-section.js';

/**
 * The merge of shard documents equals, field by field, the document of one process that
 * recorded the same samples: both are built here from one list of random samples, once into one
 * recorder and once spread over four "shards".
 */

const ENDPOINTS = [
  { name: 'GET /a', method: 'GET' },
  { name: 'POST /b', method: 'POST' },
  { name: 'GET /c', method: 'GET' },
] as const;

interface Sample {
  second: number;
  endpoint: number;
  user: 'Reader' | 'Writer';
  status: number;
  durationMs: number;
  waitingMs: number;
  connectingMs: number;
  bytes: number;
  iterationMs: number;
  check: boolean;
  custom: number;
}

function samples(n: number, seed: number): Sample[] {
  const rng = new Rng(seed);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    const status = u < 0.03 ? 0 : u < 0.1 ? 503 : 200;
    // Long-tailed durations with fractions of a microsecond: the sums are not round.
    const durationMs = Math.exp(rng.next() * 5) * (1 + rng.next() / 7);
    out.push({
      second: Math.floor(rng.next() * 5),
      endpoint: Math.floor(rng.next() * ENDPOINTS.length),
      user: rng.next() < 0.7 ? 'Reader' : 'Writer',
      status,
      durationMs,
      waitingMs: durationMs * rng.next(),
      connectingMs: rng.next() < 0.05 ? rng.next() * 3 : 0,
      bytes: 100 + Math.floor(rng.next() * 900),
      iterationMs: durationMs + rng.next() * 20,
      check: rng.next() < 0.9,
      custom: rng.next() * 1000,
    });
  }
  return out;
}

const THRESHOLDS = [
  ['http_req_duration', 'p(95)<60'],
  ['http_req_duration', 'avg<40'],
  ['http_req_duration{name:GET /a}', 'max<100'],
  ['http_req_duration{status:200}', 'p(99)<150'],
  ['http_req_failed', 'rate<0.08'],
  ['http_reqs', 'count>100'],
  ['http_reqs{name:POST /b}', 'rate>10'],
  ['checks', 'rate>0.85'],
  ['iterations', 'count>10'],
  ['iteration_duration{user:Writer}', 'p(90)<80'],
  ['vus', 'value<=8'],
  ['shard_custom_ms', 'med<600'],
  ['shard_custom_count', 'count>0'],
  ['shard_custom_rate', 'rate>0.4'],
].map(([k, e]) => parseThreshold(k!, e!));

const CONFIG = { command: 'run', file: '/somewhere/test.yaml', thresholds: THRESHOLDS.map((t) => t.key) };
const STARTED = new Date('2026-01-01T00:00:00.000Z');
const DURATION_MS = 5100;

/**
 * One recorder's document: its samples recorded second by second (the last part, 0.1 s, merged
 * into the second before, as at the end of a real run). Custom metrics live in a process-wide
 * registry, so documents are built one after the other.
 */
function recordDocument(list: readonly Sample[], vus: number, shard?: ShardParts): ResultDocument {
  const metrics = new RunMetrics({ keepBucketHistograms: shard !== undefined });
  const customTrend = new Trend('shard_custom_ms', true);
  const customCount = new Counter('shard_custom_count');
  const customRate = new Rate('shard_custom_rate');
  metrics.setVus(vus, vus);
  const rec = emptyRequestRecord();
  for (let second = 0; second <= 5; second++) {
    for (const s of list) {
      if (s.second !== second) continue;
      const ep = ENDPOINTS[s.endpoint]!;
      const tags = { scenario: 'steady', user: s.user };
      const series = metrics.httpSeries(tags, ep.name, ep.method);
      rec.status = s.status;
      rec.failed = s.status === 0 || s.status >= 400;
      rec.durationMs = s.durationMs;
      rec.serviceMs = s.durationMs;
      rec.waitingMs = s.waitingMs;
      rec.connectingMs = s.connectingMs;
      rec.bytesSent = 50;
      rec.bytesReceived = s.status === 0 ? 0 : s.bytes;
      rec.errorKind = s.status === 0 ? 'ECONNRESET' : undefined;
      rec.errorMessage = s.status === 0 ? 'socket hang up' : undefined;
      metrics.record(series, rec);
      metrics.recordIteration(s.iterationMs, tags, s.status !== 0);
      metrics.recordCheck('status is 200', s.check && s.status === 200, tags);
      customTrend.add(s.custom);
      customCount.add(1);
      customRate.add(s.check);
    }
    if (second < 5) metrics.closeSecond(second + 1, 1);
  }
  // A last part of 0.1 s (no samples in it here) is merged into the fifth second.
  metrics.closeSecond(5.1, 0.1);
  return buildRunResult({
    metrics,
    startedAt: STARTED,
    endedAt: new Date(STARTED.getTime() + DURATION_MS),
    durationMs: DURATION_MS,
    endReason: 'completed',
    config: CONFIG,
    thresholds: THRESHOLDS,
    perScenario: {
      steady: { interrupted: 0, vusMax: vus, users: { Reader: { vus: vus / 2 }, Writer: { vus: vus / 2 } } },
    },
    ...(shard === undefined ? {} : { shard }),
  });
}

const byName = (eps: EndpointResult[]) => Object.fromEntries(eps.map((e) => [`${e.method} ${e.name}`, e]));

describe('mergeDocuments', () => {
  const list = samples(4000, 19);
  // Samples go to shards at random, not striped: any split must merge to the same run.
  const pick = new Rng(7);
  const parts: Sample[][] = [[], [], [], []];
  for (const s of list) parts[Math.floor(pick.next() * 4)]!.push(s);
  const single = recordDocument(list, 8);
  const shards = parts.map((p, index) => recordDocument(p, 2, { index, count: 4, startAt: null }));
  const merged = mergeDocuments(shards);

  it('equals one process recording the same samples, field by field', () => {
    expect(merged.metrics).toEqual(single.metrics);
    expect(byName(merged.endpoints)).toEqual(byName(single.endpoints));
    expect(merged.timeline).toEqual(single.timeline);
    expect(merged.thresholds).toEqual(single.thresholds);
    expect(merged.passed).toBe(single.passed);
    expect(merged.checks).toEqual(single.checks);
    expect(merged.scenarios).toEqual(single.scenarios);
    expect([...merged.errors].sort((a, b) => a.kind.localeCompare(b.kind))).toEqual(
      [...single.errors].sort((a, b) => a.kind.localeCompare(b.kind)),
    );
    expect(merged.durationSec).toBe(single.durationSec);
    expect(merged.startedAt).toBe(single.startedAt);
    expect(merged.endedAt).toBe(single.endedAt);
  });

  it('differs from every shard: the merge is not one shard read four times', () => {
    for (const s of shards) expect(s.metrics.http_reqs.count).toBeLessThan(merged.metrics.http_reqs.count);
    expect(merged.metrics.http_reqs.count).toBe(list.length);
  });

  it('says which shards it holds and carries the merged threshold data', () => {
    expect(merged.shard).toMatchObject({
      index: null,
      count: 4,
      merged: [0, 1, 2, 3],
      test: shards[0]!.shard!.test,
    });
    expect(Object.keys(merged.shard!.sources).sort()).toEqual(
      [...new Set(THRESHOLDS.map((t) => t.key))].sort(),
    );
  });

  it('merges shards given in any order', () => {
    const reversed = mergeDocuments([...shards].reverse());
    expect(reversed.metrics).toEqual(merged.metrics);
    expect(reversed.timeline).toEqual(merged.timeline);
  });

  it('merges three of four shards with a warning that names the missing one', () => {
    const warnings: string[] = [];
    const doc = mergeDocuments([shards[0]!, shards[1]!, shards[3]!], { onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/shard 3 of 4 is missing/);
    expect(doc.metrics.http_reqs.count).toBe(parts[0]!.length + parts[1]!.length + parts[3]!.length);
  });
});

const QUICK_THRESHOLDS = [
  ['http_req_duration', 'p(99)<100'],
  ['http_req_duration{status:200}', 'med<20'],
  ['http_req_duration{name:GET /a}', 'min<1'],
  ['http_req_failed', 'rate<0.05'],
  ['http_reqs{status:503}', 'count<100'],
  ['http_req_waiting', 'avg<30'],
  ['vus', 'value==8'],
].map(([k, e]) => parseThreshold(k!, e!));

/** `squall quick`'s recorder and document (build.ts), as the quick engine fills them. */
function recordQuick(list: readonly Sample[], vus: number, shard?: ShardParts): ResultDocument {
  const m = new HttpMetrics(true, undefined, shard !== undefined);
  const rec = emptyRequestRecord();
  for (let second = 0; second < 5; second++) {
    for (const s of list) {
      if (s.second !== second) continue;
      const ep = ENDPOINTS[s.endpoint]!;
      rec.status = s.status;
      rec.failed = s.status === 0 || s.status >= 400;
      rec.durationMs = s.durationMs;
      rec.serviceMs = s.waitingMs + 0.5;
      rec.waitingMs = s.waitingMs;
      rec.connectingMs = s.connectingMs;
      rec.bytesSent = 40;
      rec.bytesReceived = s.status === 0 ? 0 : s.bytes;
      rec.errorKind = s.status === 0 ? 'ECONNREFUSED' : undefined;
      rec.errorMessage = s.status === 0 ? 'connect ECONNREFUSED' : undefined;
      m.record(m.endpoint(ep.name, ep.method), rec);
    }
    m.closeInterval(second + 1, 1, vus);
  }
  // The drain after the last second, a part of its own (0.3 s).
  m.closeInterval(5.3, 0.3, vus);
  return buildHttpResult({
    metrics: m,
    startedAt: STARTED,
    endedAt: new Date(STARTED.getTime() + 5300),
    durationMs: 5300,
    endReason: 'completed',
    vusMax: vus,
    config: { command: 'quick', url: 'http://127.0.0.1/', connections: 8 },
    thresholds: QUICK_THRESHOLDS,
    ...(shard === undefined ? {} : { shard }),
  });
}

describe('mergeDocuments of squall quick documents', () => {
  it('equals one process recording the same samples, field by field (open model, tag filters)', () => {
    const list = samples(3000, 23);
    const parts: Sample[][] = [[], [], [], []];
    for (const [k, s] of list.entries()) parts[k % 4]!.push(s);
    const single = recordQuick(list, 8);
    const merged = mergeDocuments(
      parts.map((p, index) => recordQuick(p, 2, { index, count: 4, startAt: null })),
    );
    expect(merged.metrics).toEqual(single.metrics);
    expect(byName(merged.endpoints)).toEqual(byName(single.endpoints));
    expect(merged.timeline).toEqual(single.timeline);
    expect(merged.thresholds).toEqual(single.thresholds);
    expect(merged.passed).toBe(single.passed);
  });
});

function mergeError(docs: ResultDocument[], names?: string[]): { code: string; message: string } {
  try {
    mergeDocuments(docs, names === undefined ? {} : { names });
  } catch (e) {
    if (isSquallError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('mergeDocuments did not refuse');
}

describe('mergeDocuments refuses what is not shards of one test', () => {
  const list = samples(200, 3);
  const a = recordDocument(list.slice(0, 100), 2, { index: 0, count: 2, startAt: null });
  const b = recordDocument(list.slice(100), 2, { index: 1, count: 2, startAt: null });

  it('a document without a shard section', () => {
    const plain = recordDocument(list, 2);
    const e = mergeError([a, plain], ['a.json', 'plain.json']);
    expect(e.code).toBe('SQ_MERGE_MISMATCH');
    expect(e.message).toMatch(/plain\.json has no shard section/);
  });

  it('documents of different tests', () => {
    const other = { ...b, shard: { ...b.shard!, test: 'ffffffffffffffff' } };
    const e = mergeError([a, other], ['a.json', 'other.json']);
    expect(e.code).toBe('SQ_MERGE_MISMATCH');
    expect(e.message).toMatch(/other\.json is of a different test than a\.json/);
  });

  it('the same shard twice', () => {
    const e = mergeError([a, b, a], ['a.json', 'b.json', 'a-again.json']);
    expect(e.code).toBe('SQ_MERGE_MISMATCH');
    expect(e.message).toMatch(
      /a\.json and a-again\.json are both shard 1\/2|a-again\.json and a\.json are both shard 1\/2/,
    );
  });

  it('one test split two ways', () => {
    const other = { ...b, shard: { ...b.shard!, count: 3 } };
    const e = mergeError([a, other], ['a.json', 'b.json']);
    expect(e.code).toBe('SQ_MERGE_MISMATCH');
    expect(e.message).toMatch(/one test split two ways/);
  });
});
