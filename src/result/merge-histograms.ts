import { addEncodedHistograms } from '../util/hdr.js';
import type { ResultDocument } from './schema.js';

/**
 * The exact sum of two documents' histograms (shards, workers, repeated runs): each trend metric
 * present in both, and each endpoint (by method and name) present in both, decoded, added bucket
 * by bucket, encoded again. What only one document has, or a document of schema 1 (no
 * histograms), cannot be summed exactly: it is listed in `missing`, never guessed.
 */
export interface SummedHistograms {
  /** By metric name: the summed histogram of every trend metric both documents carry. */
  metrics: Record<string, string>;
  endpoints: Array<{ name: string; method?: string; histogram: string }>;
  /** `metrics.NAME` / `endpoints[NAME]` that one of the two lacks a histogram for. */
  missing: string[];
}

function histogramOf(m: unknown): string | undefined {
  const h = (m as { histogram?: unknown } | null | undefined)?.histogram;
  return typeof h === 'string' ? h : undefined;
}

const endpointKey = (e: { name: string; method?: string }) => `${e.method ?? ''} ${e.name}`;

/** `GET /a`, or `/a (GET)` when the name does not say its method. */
function endpointLabel(e: { name: string; method?: string }): string {
  if (e.method === undefined || e.name.startsWith(`${e.method} `)) return e.name;
  return `${e.name} (${e.method})`;
}

export function addDocumentHistograms(a: ResultDocument, b: ResultDocument): SummedHistograms {
  const out: SummedHistograms = { metrics: {}, endpoints: [], missing: [] };
  const names = new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)]);
  for (const name of names) {
    const x = histogramOf(a.metrics[name]);
    const y = histogramOf(b.metrics[name]);
    if (x !== undefined && y !== undefined) out.metrics[name] = addEncodedHistograms([x, y]);
    else if (x !== undefined || y !== undefined) out.missing.push(`metrics.${name}`);
  }
  const byKey = new Map(b.endpoints.map((e) => [endpointKey(e), e]));
  const seen = new Set<string>();
  for (const e of a.endpoints) {
    const key = endpointKey(e);
    seen.add(key);
    const other = byKey.get(key);
    const x = histogramOf(e);
    const y = histogramOf(other);
    if (x !== undefined && y !== undefined) {
      out.endpoints.push({
        name: e.name,
        ...(e.method === undefined ? {} : { method: e.method }),
        histogram: addEncodedHistograms([x, y]),
      });
    } else out.missing.push(`endpoints[${endpointLabel(e)}]`);
  }
  for (const e of b.endpoints) {
    if (!seen.has(endpointKey(e))) out.missing.push(`endpoints[${endpointLabel(e)}]`);
  }
  return out;
}
