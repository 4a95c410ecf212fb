import { badFlag } from '../errors/index.js';
import { type Aggregation, parseMetricKey } from '../thresholds/index.js';
import type { BenchEntry, EndpointResult, ResultDocument } from './schema.js';

/**
 * One figure of a saved result, named as thresholds name them: `http_req_duration:p(95)`,
 * `http_reqs:rate`, `http_req_failed:rate`, `http_req_duration{name:GET /items}:med`, a custom
 * metric's `checkout_ms:avg`, or a bench's `warm:med` (its `group › name` or name). What
 * `squall history trend`, `changes` and `compare --metric` read.
 */
export interface MetricReading {
  /** As written, for tables. */
  text: string;
  metric: string;
  tags: Record<string, string>;
  aggregation: Aggregation;
}

const AGG = /^(avg|min|max|med|count|rate|value|p\(\s*(\d+(?:\.\d+)?)\s*\))$/;
const FORMS =
  "'http_req_duration:p(95)', 'http_reqs:rate', 'http_req_failed:rate', 'NAME{name:GET /x}:med', a bench's 'NAME:med'";

/** Parses `METRIC[{tags}]:AGGREGATION`; bad input names the flag (exit 2). */
export function parseMetricReading(text: string, flag = '--metric'): MetricReading {
  const cut = text.lastIndexOf(':');
  const aggText = cut > 0 ? text.slice(cut + 1).trim() : '';
  const m = AGG.exec(aggText);
  if (cut <= 0 || !m) {
    throw badFlag(
      flag,
      `${flag} "${text}" is not METRIC:AGGREGATION (avg, min, max, med, p(N), count, rate, value); for example ${FORMS}`,
    );
  }
  const name = text.slice(0, cut).trim();
  // A bench's name is free text; a metric's is an identifier with optional {tags}.
  const key = /^[A-Za-z_]\w*(\{.*\})?$/.test(name) ? parseMetricKey(name) : { metric: name, tags: {} };
  const aggregation: Aggregation =
    m[2] !== undefined
      ? { method: 'p', p: Number(m[2]) }
      : { method: m[1] as Exclude<Aggregation['method'], 'p'> };
  return { text, metric: key.metric, tags: key.tags, aggregation };
}

type Obj = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The field of a trend summary (or an endpoint's latency) an aggregation reads. */
function trendField(agg: Aggregation): string | null {
  switch (agg.method) {
    case 'avg':
      return 'mean';
    case 'med':
      return 'p50';
    case 'min':
    case 'max':
      return agg.method;
    case 'p':
      return `p${String(agg.p).replace('.', '')}`;
    default:
      return null;
  }
}

function fromEndpoint(e: EndpointResult, r: MetricReading): number | null {
  if (r.metric === 'http_req_duration') {
    const f = trendField(r.aggregation);
    return f === null ? null : num((e.latency as unknown as Obj)[f]);
  }
  if (r.metric === 'http_reqs') return num(r.aggregation.method === 'count' ? e.count : e.rps);
  if (r.metric === 'http_req_failed' && r.aggregation.method === 'rate')
    return e.count > 0 ? e.failures / e.count : null;
  return null;
}

function fromBench(b: BenchEntry, agg: Aggregation): number | null {
  const s = b.stats;
  if (!s) return null;
  if (agg.method === 'rate') return num(b.concurrent?.opsPerSec ?? s.opsPerSec);
  const f = trendField(agg);
  const field = f === 'p50' ? 'median' : f;
  return field === null ? null : num((s as unknown as Obj)[field]);
}

/** The figure a reading names in a document, or null when the document does not have it. */
export function readMetric(doc: ResultDocument, r: MetricReading): number | null {
  if (doc.kind === 'bench') {
    const benches = doc.bench?.benches ?? [];
    const b =
      benches.find((x) => (x.group === null ? x.name : `${x.group} › ${x.name}`) === r.metric) ??
      benches.find((x) => x.name === r.metric);
    return b ? fromBench(b, r.aggregation) : null;
  }
  if (r.tags.name !== undefined) {
    const e = (doc.endpoints ?? []).find(
      (x) => x.name === r.tags.name && (r.tags.method === undefined || x.method === r.tags.method),
    );
    return e ? fromEndpoint(e, r) : null;
  }
  const summary = (doc.metrics as unknown as Record<string, Obj | undefined>)[r.metric];
  if (!summary) return null;
  const a = r.aggregation;
  if (a.method === 'count' || a.method === 'value') return num(summary[a.method]);
  if (a.method === 'rate') return num(summary.rate);
  const f = trendField(a);
  return f === null ? null : num(summary[f]);
}
