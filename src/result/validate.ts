import { z } from 'zod';

/**
 * The shape of a result document, schema 1 or 2, as a reader needs it (`squall report`, and every
 * later reader): every field a renderer reads has the type schema.ts gives it, so a corrupted or
 * hand-edited file is refused with the path of its first bad field instead of crashing a
 * renderer. Objects are loose (unknown keys kept) and added fields optional, so documents of
 * older and newer squall 0.x versions still read. Enumerations (endReason, verdict, a metric's
 * kind and unit) are checked as strings only, so a value added later does not make a document
 * unreadable. The package publishes this schema as JSON Schema (json-schema.ts).
 */

const num = z.number();
const count = z.number().min(0);
const optNum = num.optional();
const nullableNum = num.nullable();

// Latency figures are null when their trend has no samples (no response, no iteration ended).
const stat = num.nullable();
// Schema 2: HdrHistogram's compressed base64 form (docs/result-schema.md).
const histogram = z.string().optional();
// Schema 2 on every metric (and on many schema-1 documents already).
const meta = { kind: z.string().optional(), unit: z.string().optional() };
const trend = z.looseObject({
  ...meta,
  count: count,
  min: stat,
  mean: stat,
  stdev: stat,
  p50: stat,
  p90: stat,
  p95: stat,
  p99: stat,
  p999: stat,
  max: stat,
  histogram,
});
const counter = z.looseObject({ ...meta, count: num, rate: num });
const rate = z.looseObject({ ...meta, rate: num, fails: num, total: num });
// Other metrics (custom ones, those added later) need only be objects: renderers print what they find.
const metrics = z
  .looseObject({ http_reqs: counter, http_req_duration: trend, http_req_failed: rate })
  .catchall(z.looseObject({ ...meta, histogram }));

const endpoint = z.looseObject({
  name: z.string(),
  count: count,
  failures: count,
  rps: num,
  statusCodes: z.record(z.string(), num),
  latency: z.looseObject({ p50: stat, p95: stat, p99: stat, max: stat, mean: stat }).catchall(stat),
  method: z.string().optional(),
  protocol: z.string().optional(),
  bytesReceived: optNum,
  errors: z.record(z.string(), num).optional(),
  histogram,
  timeline: z
    .array(z.looseObject({ t: num, rps: num, p50: stat, p95: stat, p99: stat, errors: num, requests: num }))
    .optional(),
});

const errorGroup = z.looseObject({ kind: z.string(), count: count, example: z.string() });

const timelinePoint = z
  .looseObject({
    t: num,
    rps: num,
    p50: stat,
    p95: stat,
    p99: stat,
    errors: num,
    vus: num,
    // The one flag among the point's figures (common.ts, markLimitedSeconds).
    generatorLimited: z.boolean().optional(),
    histogram,
  })
  .catchall(num.nullable());

// `--shard I/N` documents and `squall merge`'s (shard-schema.ts).
const shardSource = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('trend'), histogram: z.string() }),
  z.looseObject({ kind: z.literal('counter'), count: num }),
  z.looseObject({ kind: z.literal('rate'), trues: num, total: num }),
  z.looseObject({ kind: z.literal('gauge'), value: num }),
]);
const shard = z.looseObject({
  index: num.int().nonnegative().nullable(),
  count: num.int().positive(),
  merged: z.array(num.int().nonnegative()),
  test: z.string(),
  startAt: z.string().nullable(),
  sources: z.record(z.string(), shardSource),
  exact: z.record(z.string(), z.tuple([num, num, num])).optional(),
});

const threshold = z.looseObject({
  metric: z.string(),
  expr: z.string(),
  ok: z.boolean(),
  actual: nullableNum,
  aggregation: z.string().optional(),
});

const monitor = z.looseObject({
  pid: num,
  samples: z.array(
    z.looseObject({ t: num, rssMb: num, cpuPct: num, threads: nullableNum, fds: nullableNum }),
  ),
  rssStartMb: num,
  rssPeakMb: num,
  rssEndMb: num,
  rssGrowthMbPerMin: num,
  leakSuspected: z.boolean(),
  reasons: z.array(z.string()),
  verdict: z.string().optional(),
});

const generator = z.looseObject({
  cpuAvgPct: num,
  cpuPeakPct: num,
  saturated: z.boolean(),
  reasons: z.array(z.string()),
});

const breakingPoint = z.looseObject({ rate: num, vus: num, atSec: num, reason: z.string() });

const scenario = z.looseObject({
  iterations: num,
  users: z.record(z.string(), z.looseObject({ vus: num, iterations: num })),
});

// `squall bench` (kind "bench"): its section as a renderer reads it (bench-schema.ts).
const failure = z.looseObject({ phase: z.string(), message: z.string() }).nullable();
const benchEntry = z.looseObject({
  file: z.string(),
  group: z.string().nullable(),
  name: z.string(),
  concurrency: num,
  stats: z
    .looseObject({
      samples: num,
      mean: num,
      median: num,
      p75: num,
      p99: num,
      min: num,
      max: num,
      sd: nullableNum,
      moe: nullableNum,
      rme: nullableNum,
      opsPerSec: num,
    })
    .nullable(),
  heapBytesPerOp: nullableNum.optional(),
  forks: z.array(z.looseObject({ samples: num, mean: num, median: num })).optional(),
  concurrent: z
    .looseObject({
      latency: z.looseObject({ mean: num, p50: num, p95: num, p99: num, max: num }),
      opsPerSec: num,
    })
    .nullable()
    .optional(),
  budgets: z.array(z.looseObject({ expr: z.string(), ok: z.boolean(), actual: nullableNum })),
  warnings: z.array(z.string()).optional(),
  error: failure.optional(),
});
const bench = z.looseObject({
  environment: z.looseObject({}).optional(),
  benches: z.array(benchEntry),
  speedups: z.array(
    z.looseObject({
      group: z.string().nullable(),
      name: z.string(),
      over: z.string(),
      factor: nullableNum,
      low: nullableNum,
      high: nullableNum,
      atLeast: nullableNum,
      ok: z.boolean().nullable(),
    }),
  ),
  complexity: z.array(
    z.looseObject({
      name: z.string(),
      sizes: z.array(num),
      timesMs: z.array(num),
      best: z.string().nullable(),
      fits: z.array(z.looseObject({ class: z.string(), coefficient: num, rms: num })),
      expect: z.string().nullable(),
      ok: z.boolean().nullable(),
      error: failure.optional(),
    }),
  ),
});

// `--baseline NAME`: the run judged against a baseline (comparison-schema.ts).
const comparison = z.looseObject({
  a: z.string(),
  b: z.string(),
  kind: z.string(),
  budget: num,
  noise: num,
  rows: z.array(
    z.looseObject({
      metric: z.string(),
      direction: z.string(),
      a: nullableNum,
      b: nullableNum,
      change: nullableNum,
      scale: z.string(),
      low: nullableNum,
      high: nullableNum,
      budget: num,
      verdict: z.string(),
      runsNeeded: nullableNum,
    }),
  ),
  verdict: z.string(),
});

export const resultDocumentSchema = z.looseObject({
  schema: z.literal([1, 2]),
  tool: z.literal('squall'),
  version: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  durationSec: num,
  endReason: z.string().optional(),
  config: z.record(z.string(), z.unknown()),
  metrics,
  endpoints: z.array(endpoint),
  errors: z.array(errorGroup),
  timeline: z.array(timelinePoint),
  thresholds: z.array(threshold),
  passed: z.boolean(),
  monitor: monitor.nullable().optional(),
  breakingPoint: breakingPoint.nullable().optional(),
  generator: generator.nullable().optional(),
  checks: z.array(z.looseObject({ name: z.string(), passes: num, fails: num })).optional(),
  scenarios: z.record(z.string(), scenario).optional(),
  spike: z.looseObject({ startSec: num, endSec: num, recoverySec: nullableNum }).optional(),
  kind: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  bench: bench.optional(),
  comparison: comparison.optional(),
  shard: shard.optional(),
});

/** `endpoints[0].latency`, `metrics["http_req_duration"]`-style paths for messages. */
export function formatResultPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(seg)))
      out += out === '' ? String(seg) : `.${String(seg)}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out === '' ? 'the document' : out;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `the ${typeof v} ${String(v)}`;
}

const EXPECTED: Readonly<Record<string, string>> = {
  object: 'an object',
  array: 'a list',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  record: 'an object',
};

/** Walks the document to the value at `path`, to say what was there. */
function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v = doc;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** One zod issue as `endpoints[0]: expected an object, got null`. */
function issueText(doc: unknown, iss: z.core.$ZodIssue): string {
  // A union's issue: the branch that got furthest says the most.
  if (iss.code === 'invalid_union' && iss.errors.length > 0) {
    const deepest = iss.errors
      .map((branch) => branch[0])
      .filter((b): b is z.core.$ZodIssue => b !== undefined)
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (deepest !== undefined && deepest.path.length > 0) {
      return issueText(doc, { ...deepest, path: [...iss.path, ...deepest.path] });
    }
  }
  const at = formatResultPath(iss.path);
  const got = describe(valueAt(doc, iss.path));
  switch (iss.code) {
    case 'invalid_type':
      return `${at}: expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${got}`;
    case 'invalid_value':
      return `${at}: expected ${iss.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${got}`;
    case 'too_small':
      return `${at}: expected at least ${String(iss.minimum)}, got ${got}`;
    default:
      return `${at}: ${iss.message}, got ${got}`;
  }
}

/** The first problem of a document that claims to be a squall result, or undefined if none. */
export function firstResultProblem(doc: unknown): string | undefined {
  const r = resultDocumentSchema.safeParse(doc);
  if (r.success) return undefined;
  // zod reports in schema order; the first issue is the first bad field of the document's shape.
  return issueText(doc, r.error.issues[0]!);
}
