import type { ResultDocument, TrendSummary } from '../result/schema.js';
import { round } from '../util/units.js';
import { isNum } from './format.js';

/**
 * A result document as Prometheus text exposition (format 0.0.4), for `-o prometheus=HOST:PORT`.
 *
 * Naming follows Prometheus practice and, where it can, k6's Prometheus remote-write output
 * (`k6_http_reqs_total`, `k6_vus`, `k6_iterations_total`, labels `name`, `method`, `status`,
 * `check`), with our `squall_` prefix. Where we differ, on purpose:
 * - k6 sends each trend as gauges per statistic (`k6_http_req_duration_p99`, in seconds); we
 *   expose a summary, `squall_http_req_duration_seconds{quantile=…}` with `_sum` and `_count`,
 *   so the unit is in the name and `rate(_sum)/rate(_count)` gives a mean.
 * - k6 names bytes `k6_data_received_total`; we add the unit: `squall_data_received_bytes_total`.
 * - k6 exposes rates (`k6_http_req_failed_rate`, `k6_checks_rate`) as gauges; we expose the counts
 *   they come from (`squall_http_req_failed_total`, `squall_checks_total{result}`), which sum
 *   across endpoints and runs; a rate is one PromQL division away.
 *
 * A request that got no response (refused, reset, timeout, malformed) counts in
 * `squall_http_reqs_total` under `status="0"`, as k6 tags such requests with status 0; why it got
 * none is in `squall_http_req_errors_total{error=…}`, from the endpoint's error kinds.
 *
 * The document holds no raw samples, so `_sum` is mean × count, exact to the document's
 * rounding of the mean (half a microsecond per request). Fields an older document lacks leave
 * their samples out.
 */

/** What a summary reads, from an endpoint's latency or a run-wide trend (ms; any may be missing). */
type Stats = Partial<Pick<TrendSummary, 'p50' | 'p90' | 'p95' | 'p99' | 'mean'>>;
type MetricType = 'counter' | 'gauge' | 'summary';
type Labels = ReadonlyArray<readonly [string, string]>;

interface Sample {
  /** `_sum` or `_count` of a summary; empty otherwise. */
  suffix: string;
  labels: Labels;
  value: number;
}

/** One metric family: its HELP and TYPE lines and its samples, grouped as the format requires. */
class Family {
  readonly samples: Sample[] = [];
  private readonly byKey = new Map<string, Sample>();

  constructor(
    readonly name: string,
    readonly type: MetricType,
    readonly help: string,
  ) {}

  /**
   * Adds a sample. One whose series is already there (two checks of the same name in a merged
   * document) is combined into it, since a scrape must never repeat a series: counts add up, a
   * threshold holds only if both do, a quantile keeps the worse.
   */
  add(labels: Labels, value: number, suffix = ''): void {
    const key = JSON.stringify([suffix, labels]);
    const known = this.byKey.get(key);
    if (known) {
      const adds = this.type === 'counter' || suffix !== '';
      known.value = adds
        ? known.value + value
        : this.type === 'gauge'
          ? Math.min(known.value, value)
          : Math.max(known.value, value);
      return;
    }
    const s: Sample = { suffix, labels, value };
    this.byKey.set(key, s);
    this.samples.push(s);
  }
}

const QUANTILES = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.95', 'p95'],
  ['0.99', 'p99'],
] as const;

/** The media type of what `renderPrometheus` returns. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderPrometheus(doc: ResultDocument): string {
  const families = [
    ...endpointFamilies(doc),
    ...runTrendFamilies(doc),
    ...runCounterFamilies(doc),
    checkFamily(doc),
    thresholdFamily(doc),
  ];
  const lines: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(sampleLine(f.name + s.suffix, s.labels, s.value));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Label values escape backslash, double quote and newline (the format's three escapes). */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and newline only. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function sampleLine(name: string, labels: Labels, value: number): string {
  const l = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
  return `${name}${l ? `{${l}}` : ''} ${formatValue(value)}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** Milliseconds to seconds, Prometheus's base unit; the document's ms carry three decimals. */
const seconds = (ms: number) => round(ms / 1000, 9);

const count = (x: unknown) => (isNum(x) && x >= 0 ? x : 0);

function endpointFamilies(doc: ResultDocument): Family[] {
  const reqs = new Family(
    'squall_http_reqs_total',
    'counter',
    'HTTP requests that ended, by request name, method and response status (0: no response).',
  );
  const failed = new Family(
    'squall_http_req_failed_total',
    'counter',
    'HTTP requests that failed (no response, or a status the test does not expect), by request name and method.',
  );
  const errors = new Family(
    'squall_http_req_errors_total',
    'counter',
    'Failed HTTP requests by request name, method and error kind (ECONNREFUSED, timeout, status 503, ...).',
  );
  const duration = new Family(
    'squall_http_req_duration_seconds',
    'summary',
    'HTTP request duration (send to last byte of the response) by request name and method; responses only.',
  );
  for (const ep of Array.isArray(doc.endpoints) ? doc.endpoints : []) {
    if (typeof ep?.name !== 'string') continue;
    const base: Labels = [
      ['name', ep.name],
      ['method', typeof ep.method === 'string' ? ep.method : ''],
    ];
    let responses = 0;
    for (const [status, n] of Object.entries(ep.statusCodes ?? {})) {
      if (!isNum(n)) continue;
      responses += n;
      reqs.add([...base, ['status', status]], n);
    }
    const noResponse = count(ep.count) - responses;
    if (noResponse > 0) reqs.add([...base, ['status', '0']], noResponse);
    if (isNum(ep.failures)) failed.add(base, ep.failures);
    for (const [kind, n] of Object.entries(ep.errors ?? {})) {
      if (isNum(n)) errors.add([...base, ['error', kind]], n);
    }
    addSummary(duration, base, ep.latency, responses);
  }
  return [reqs, failed, errors, duration];
}

/**
 * Quantiles, `_sum` and `_count` of one series. With no observations the quantiles are NaN, as
 * Prometheus's own clients report them, rather than the zeros a document holds for "none".
 */
function addSummary(f: Family, labels: Labels, t: Stats | undefined, n: number): void {
  for (const [q, key] of QUANTILES) {
    const v = t?.[key];
    if (isNum(v)) f.add([...labels, ['quantile', q]], n === 0 ? Number.NaN : seconds(v));
  }
  f.add(labels, isNum(t?.mean) ? seconds(t.mean * n) : 0, '_sum');
  f.add(labels, n, '_count');
}

/** Run-wide trends, in milliseconds in the document. */
const RUN_TRENDS = [
  [
    'http_req_duration',
    'squall_http_req_duration_overall_seconds',
    'HTTP request duration over every request name (percentiles of the whole run, not an average of endpoints).',
  ],
  ['http_req_waiting', 'squall_http_req_waiting_seconds', 'Time to the first byte of the response.'],
  ['http_req_connecting', 'squall_http_req_connecting_seconds', 'Time to open a TCP connection.'],
  [
    'http_req_service_duration',
    'squall_http_req_service_duration_seconds',
    'HTTP request duration from the actual send (open model), without the wait for a free connection.',
  ],
  ['iteration_duration', 'squall_iteration_duration_seconds', 'Duration of one whole iteration of a flow.'],
] as const;

function runTrendFamilies(doc: ResultDocument): Family[] {
  return RUN_TRENDS.map(([metric, name, help]) => {
    const f = new Family(name, 'summary', help);
    const t = doc.metrics?.[metric] as Partial<TrendSummary> | undefined;
    if (t && isNum(t.count)) addSummary(f, [], t, t.count);
    return f;
  });
}

/** Counters and gauges of the run, without labels: [metric, field, name, type, help]. */
const RUN_SCALARS = [
  ['vus', 'value', 'squall_vus', 'gauge', 'Virtual users (or connections) active.'],
  ['vus_max', 'value', 'squall_vus_max', 'gauge', 'Virtual users (or connections) allocated.'],
  ['iterations', 'count', 'squall_iterations_total', 'counter', 'Iterations of a flow completed.'],
  [
    'dropped_iterations',
    'count',
    'squall_dropped_iterations_total',
    'counter',
    'Iterations or requests not started because every VU or connection stayed busy (open model).',
  ],
  ['data_received', 'count', 'squall_data_received_bytes_total', 'counter', 'Bytes received.'],
  ['data_sent', 'count', 'squall_data_sent_bytes_total', 'counter', 'Bytes sent.'],
] as const;

function runCounterFamilies(doc: ResultDocument): Family[] {
  const families = RUN_SCALARS.map(([metric, field, name, type, help]) => {
    const f = new Family(name, type, help);
    const v = (doc.metrics?.[metric] as Record<string, unknown> | undefined)?.[field];
    if (isNum(v)) f.add([], v);
    return f;
  });
  const elapsed = new Family('squall_elapsed_seconds', 'gauge', 'Time since the load started.');
  if (isNum(doc.durationSec)) elapsed.add([], doc.durationSec);
  return [...families, elapsed];
}

function checkFamily(doc: ResultDocument): Family {
  const f = new Family('squall_checks_total', 'counter', 'Checks evaluated, by check name and result.');
  for (const c of Array.isArray(doc.checks) ? doc.checks : []) {
    if (typeof c?.name !== 'string') continue;
    if (isNum(c.passes))
      f.add(
        [
          ['check', c.name],
          ['result', 'pass'],
        ],
        c.passes,
      );
    if (isNum(c.fails))
      f.add(
        [
          ['check', c.name],
          ['result', 'fail'],
        ],
        c.fails,
      );
  }
  return f;
}

function thresholdFamily(doc: ResultDocument): Family {
  const f = new Family(
    'squall_threshold_ok',
    'gauge',
    'Whether a threshold holds on the run so far (1) or fails (0).',
  );
  for (const t of Array.isArray(doc.thresholds) ? doc.thresholds : []) {
    if (typeof t?.metric !== 'string' || typeof t.expr !== 'string' || typeof t.ok !== 'boolean') continue;
    f.add(
      [
        ['metric', t.metric],
        ['expr', t.expr],
      ],
      t.ok ? 1 : 0,
    );
  }
  return f;
}
