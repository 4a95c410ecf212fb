import type { ResultDocument } from '../result/schema.js';
import { type ExportSubject, exportSubjects, sig } from './metric-export.js';

/**
 * Bencher Metric Format (BMF) JSON, what `bencher run --adapter json --file F` reads: one
 * benchmark per subject of metric-export.ts, each with its measures by slug. `latency` and
 * `throughput` are Bencher's built-in measures, in its units: nanoseconds and operations per
 * second. The other slugs are created on first upload (docs/reports.md lists their units):
 * `latency-p50`, `latency-p95`, `latency-p99` (ns; a bench's `latency-median`) and `error-rate`
 * (per cent). A bench's `latency` carries its 95 % margin of error as `lower_value` and
 * `upper_value`; a load test's has no interval, since its latencies are not independent
 * samples. A monitor-only document gives `{}`.
 */

interface Metric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

const ns = (ms: number) => sig(ms * 1e6);

function measures(s: ExportSubject, bench: boolean): Record<string, Metric> {
  const m: Record<string, Metric> = {};
  if (s.mean !== null) {
    m.latency =
      s.moe === null
        ? { value: ns(s.mean) }
        : {
            value: ns(s.mean),
            lower_value: ns(Math.max(0, s.mean - s.moe)),
            upper_value: ns(s.mean + s.moe),
          };
  }
  if (s.median !== null) m[bench ? 'latency-median' : 'latency-p50'] = { value: ns(s.median) };
  if (s.p95 !== null) m['latency-p95'] = { value: ns(s.p95) };
  if (s.p99 !== null) m['latency-p99'] = { value: ns(s.p99) };
  if (s.throughput !== null) m.throughput = { value: sig(s.throughput) };
  if (s.errorRate !== null) m['error-rate'] = { value: sig(s.errorRate * 100) };
  return m;
}

export function renderBencher(doc: ResultDocument): string {
  const bench = doc.kind === 'bench';
  const out: Record<string, Record<string, Metric>> = {};
  for (const s of exportSubjects(doc)) out[s.name] = measures(s, bench);
  return `${JSON.stringify(out, null, 2)}\n`;
}
