import type { ResultDocument } from '../result/schema.js';
import { type ExportSubject, exportSubjects, sig } from './metric-export.js';

/**
 * github-action-benchmark's custom JSON for `tool: 'customSmallerIsBetter'`: an array of
 * `{ name, unit, value, range?, extra? }`, every entry one where smaller is better. Per subject of
 * metric-export.ts: its mean latency in ms named after it (a bench's `range` is its 95 % margin
 * of error, `± 0.0123`), then `NAME (p95)` (load tests) and `NAME (p99)` in ms, and
 * `NAME (error rate)` in % (load tests). Throughput, where bigger is better, is left out: that
 * tool reads one direction per file. A monitor-only document gives `[]`.
 */

interface Entry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

function entries(s: ExportSubject): Entry[] {
  const extra = [s.note, s.throughput === null ? '' : `${sig(s.throughput, 4)}/s`].filter(Boolean).join(', ');
  const more = extra === '' ? {} : { extra };
  const out: Entry[] = [];
  if (s.mean !== null) {
    out.push({
      name: s.name,
      unit: 'ms',
      value: sig(s.mean),
      ...(s.moe === null ? {} : { range: `± ${sig(s.moe, 3)}` }),
      ...more,
    });
  }
  if (s.p95 !== null) out.push({ name: `${s.name} (p95)`, unit: 'ms', value: sig(s.p95), ...more });
  if (s.p99 !== null) out.push({ name: `${s.name} (p99)`, unit: 'ms', value: sig(s.p99), ...more });
  if (s.errorRate !== null) {
    out.push({ name: `${s.name} (error rate)`, unit: '%', value: sig(s.errorRate * 100), ...more });
  }
  return out;
}

export function renderGithubBenchmark(doc: ResultDocument): string {
  return `${JSON.stringify(exportSubjects(doc).flatMap(entries), null, 2)}\n`;
}
