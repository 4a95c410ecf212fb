import type { ResultDocument } from '../result/schema.js';
import { benchSection } from './bench-format.js';
import { endpointLabeller } from './endpoint-label.js';
import { asObj, isMonitorOnly, isNum, type Obj } from './format.js';

/**
 * What the exports for benchmark trackers (Bencher's BMF, github-action-benchmark) read from a
 * result document: one subject per thing a tracker plots, with the figures both formats draw
 * from. A load test gives the run as a whole (named after the test) and each endpoint
 * (`TEST › GET /path`); a bench document each bench (`group › name`) and each size of each
 * complexity check (`name › n=1000`). A monitor-only document gives none: it measured a process,
 * not a service's speed. Figures the document lacks are null and left out by the formats.
 */
export interface ExportSubject {
  name: string;
  /** Latencies, ms. */
  mean: number | null;
  /** The 95 % margin of error of the mean, ms (benches only). */
  moe: number | null;
  median: number | null;
  p95: number | null;
  p99: number | null;
  /** Requests (load) or operations (bench) per second. */
  throughput: number | null;
  /** Failed requests over all requests, 0..1 (load only). */
  errorRate: number | null;
  /** One line of context for the formats' free-text fields (`172 requests`, `120 samples`). */
  note: string;
}

const num = (v: unknown): number | null => (isNum(v) ? v : null);

const blank = (name: string): ExportSubject => ({
  name,
  mean: null,
  moe: null,
  median: null,
  p95: null,
  p99: null,
  throughput: null,
  errorRate: null,
  note: '',
});

/** Whether a subject carries any figure (a subject without one is not exported). */
const measured = (s: ExportSubject): boolean =>
  [s.mean, s.median, s.p95, s.p99, s.throughput, s.errorRate].some((v) => v !== null);

/**
 * The test's name, which names the run-wide subject: the history's `run.name` when the document
 * has one, else the test file's name without its extension (`run`), `METHOD URL` (`quick`).
 */
export function exportTestName(doc: ResultDocument): string {
  const run = asObj((doc as { run?: unknown }).run);
  if (typeof run?.name === 'string' && run.name !== '') return run.name;
  const config = asObj(doc.config) ?? {};
  if (typeof config.file === 'string' && config.file !== '') {
    return config.file.replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, '') || config.file;
  }
  if (typeof config.url === 'string') {
    return typeof config.method === 'string' ? `${config.method} ${config.url}` : config.url;
  }
  return 'squall';
}

function loadSubjects(doc: ResultDocument): ExportSubject[] {
  const test = exportTestName(doc);
  const metrics = asObj(doc.metrics) ?? {};
  const duration = asObj(metrics.http_req_duration) ?? {};
  const reqs = asObj(metrics.http_reqs) ?? {};
  const failed = asObj(metrics.http_req_failed) ?? {};
  const whole: ExportSubject = {
    ...blank(test),
    mean: num(duration.mean),
    median: num(duration.p50),
    p95: num(duration.p95),
    p99: num(duration.p99),
    throughput: num(reqs.rate),
    errorRate: num(failed.rate),
    note: isNum(reqs.count) ? `${reqs.count} requests` : '',
  };
  const endpoints = (Array.isArray(doc.endpoints) ? doc.endpoints : []).filter(
    (e): e is Obj & ResultDocument['endpoints'][number] => asObj(e) !== undefined,
  );
  const label = endpointLabeller(endpoints);
  const each = endpoints.map((e): ExportSubject => {
    const lat = asObj(e.latency) ?? {};
    const count = num(e.count);
    const failures = num(e.failures);
    return {
      ...blank(`${test} › ${label(e)}`),
      mean: num(lat.mean),
      median: num(lat.p50),
      p95: num(lat.p95),
      p99: num(lat.p99),
      throughput: num(e.rps),
      errorRate: count !== null && count > 0 && failures !== null ? failures / count : null,
      note: count !== null ? `${count} requests` : '',
    };
  });
  return [whole, ...each];
}

function benchSubjects(doc: ResultDocument): ExportSubject[] {
  const b = benchSection(doc);
  if (!b) return [];
  const seen = new Set<string>();
  // Two files may hold the same group and name: the file keeps their series apart.
  const unique = (name: string, file: unknown): string => {
    const n = seen.has(name) ? `${name} [${String(file)}]` : name;
    seen.add(n);
    return n;
  };
  const benches = b.benches.filter(asObj).map((e): ExportSubject => {
    const s = asObj(e.stats) ?? {};
    const concurrent = asObj(e.concurrent);
    const name = e.group ? `${e.group} › ${e.name}` : String(e.name);
    return {
      ...blank(unique(name, e.file)),
      mean: num(s.mean),
      moe: num(s.moe),
      median: num(s.median),
      p99: num(s.p99),
      // A concurrency bench's throughput is its calls completed per second, not 1000 / mean.
      throughput: num(concurrent?.opsPerSec) ?? num(s.opsPerSec),
      note: isNum(s.samples) ? `${s.samples} samples` : '',
    };
  });
  const sizes = b.complexity.filter(asObj).flatMap((c) => {
    const times = Array.isArray(c.timesMs) ? c.timesMs : [];
    return (Array.isArray(c.sizes) ? c.sizes : []).map(
      (n, i): ExportSubject => ({
        ...blank(unique(`${c.name} › n=${n}`, c.file)),
        mean: num(times[i]),
        note: `complexity check, size ${n}`,
      }),
    );
  });
  return [...benches, ...sizes];
}

/** The document's subjects that carry at least one figure, in the document's order. */
export function exportSubjects(doc: ResultDocument): ExportSubject[] {
  if (isMonitorOnly(doc)) return [];
  const subjects = doc.kind === 'bench' ? benchSubjects(doc) : loadSubjects(doc);
  return subjects.filter(measured);
}

/** A figure to `digits` significant digits: no float noise (2200.0000000000005) in the files. */
export function sig(n: number, digits = 6): number {
  return n === 0 ? 0 : Number(n.toPrecision(digits));
}
