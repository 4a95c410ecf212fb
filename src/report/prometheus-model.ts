import { TARGET_METRICS, targetMetricValues } from '../result/monitor-metrics.js';
import type { ResultDocument, TrendSummary } from '../result/schema.js';
import { round } from '../util/units.js';
import { isNum } from './format.js';
import { classicBuckets, type HistogramData, PLAIN_BOUNDS, SECONDS_BOUNDS } from './prometheus-histogram.js';

/**
 * The metric families squall exports to Prometheus (`-o prometheus` scraped, `-o prometheus-rw`
 * pushed), independent of the wire format. Two naming schemes:
 *
 * `squall` (default) follows Prometheus practice: units in names (`_seconds`, `_bytes`), counts
 * rather than rates (`squall_http_req_failed_total`; a rate is one PromQL division away), latency
 * as histograms (classic `le` buckets and, in the protobuf exposition, native buckets) derived
 * from the HDR data.
 *
 * `k6` matches k6's Prometheus remote-write output so that its Grafana dashboards work:
 * counters `k6_<name>_total`, gauges `k6_<name>`, rates `k6_<name>_rate` (a ratio), trends as one
 * gauge per statistic `k6_<name>_<stat>` (p99, p95, p90, med, avg, min, max; seconds for
 * durations) and the native histogram `k6_<name>_seconds`; labels are k6's tags (`name`,
 * `method`, `status`, `check`) and `testid`, set to the run id.
 *
 * Every series carries `run_id`, so that runs stored in one Prometheus can be told apart.
 *
 * A request that got no response counts under `status="0"`, as k6 tags such requests. Without
 * HDR data (a document alone), latency is a summary of the document's percentiles, whose `_sum`
 * is mean × count.
 */

export type PrometheusNames = 'squall' | 'k6';
export type MetricType = 'counter' | 'gauge' | 'summary' | 'histogram';
export type Labels = ReadonlyArray<readonly [string, string]>;

/** A user's own metric (Counter, Gauge, Rate, Trend) with its tagged series. */
export interface CustomMetricData {
  name: string;
  kind: 'counter' | 'gauge' | 'rate' | 'trend';
  /** Trend: the values are milliseconds (exported in seconds). */
  isTime: boolean;
  series: Array<{
    tags: Readonly<Record<string, string>>;
    samples: number;
    /** Counter: the sum; Rate: the true samples; Gauge: the last value. */
    value: number;
    /** Trend: the distribution, in the exported unit (seconds when isTime), and its statistics (ms when isTime). */
    histogram?: HistogramData;
    summary?: TrendSummary;
  }>;
}

/** What the exporters know beyond the document: the HDR data and the custom metrics' tags. */
export interface PrometheusExtras {
  names?: PrometheusNames;
  /** Endpoint durations by histogramKey(method, name), and run-wide trends by metric name, in seconds. */
  histograms?: {
    endpoints: ReadonlyMap<string, HistogramData>;
    run: Readonly<Partial<Record<string, HistogramData>>>;
  };
  custom?: readonly CustomMetricData[];
}

/** Endpoints are keyed by (method, name): one name used with two methods is two series. */
export function histogramKey(method: string, name: string): string {
  return `${method} ${name}`;
}

export interface Sample {
  /** `_sum` or `_count` of a summary; empty otherwise. */
  suffix: string;
  labels: Labels;
  value: number;
}

/** One metric family: its samples (or histograms), grouped as every format requires. */
export class Family {
  readonly samples: Sample[] = [];
  readonly histograms: Array<{ labels: Labels; data: HistogramData; bounds: readonly number[] }> = [];
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

  addHistogram(labels: Labels, data: HistogramData, bounds: readonly number[] = SECONDS_BOUNDS): void {
    this.histograms.push({ labels, data, bounds });
  }

  get isEmpty(): boolean {
    return this.samples.length === 0 && this.histograms.length === 0;
  }
}

export interface PrometheusModel {
  families: Family[];
  /** Labels every series carries (`run_id`; `testid` in k6 naming). */
  common: Labels;
}

export function prometheusModel(doc: ResultDocument, extras: PrometheusExtras = {}): PrometheusModel {
  const runId = typeof doc.runId === 'string' ? doc.runId : undefined;
  const k6 = extras.names === 'k6';
  const common: Labels =
    runId === undefined
      ? []
      : k6
        ? [
            ['run_id', runId],
            ['testid', runId],
          ]
        : [['run_id', runId]];
  const families = k6 ? k6Families(doc, extras) : squallFamilies(doc, extras);
  // A custom metric whose exported name another family already has is left out: a scrape must
  // not repeat a family.
  const seen = new Set<string>();
  return {
    families: families.filter((f) => {
      if (f.isEmpty || seen.has(f.name)) return false;
      seen.add(f.name);
      return true;
    }),
    common,
  };
}

/**
 * The watched process's figures, the gauges thresholds name (`target_rss_peak_mb`,
 * `target_leak_suspected`, `target_fds_leak_suspected`, …), as `<prefix>_<name>`: a figure the
 * monitor did not measure or judge is left out, as it has no data for thresholds either. During
 * a run they are the figures so far; the final push carries the verdict's.
 */
function targetFamilies(doc: ResultDocument, prefix: 'squall' | 'k6'): Family[] {
  const values = targetMetricValues(doc.monitor);
  return [...TARGET_METRICS.keys()].map((name) => {
    const f = new Family(
      `${prefix}_${name}`,
      'gauge',
      `The watched process: ${name} (see docs/monitoring.md).`,
    );
    const v = values[name];
    if (v !== undefined) f.add([], v);
    return f;
  });
}

/** Milliseconds to seconds, Prometheus's base unit; the document's ms carry three decimals. */
const seconds = (ms: number) => round(ms / 1000, 9);
const count = (x: unknown) => (isNum(x) && x >= 0 ? x : 0);

/** Tag names made valid label names: other characters become `_`; `__` is reserved. */
function labelName(tag: string): string {
  const s = tag.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^(?=\d)/, '_');
  return s.startsWith('__') ? `tag${s}` : s;
}
const tagLabels = (tags: Readonly<Record<string, string>>): Labels =>
  Object.keys(tags)
    .sort()
    .map((k) => [labelName(k), String(tags[k])] as const);

interface EndpointRow {
  name: string;
  method: string;
  base: Labels;
  statuses: Array<[string, number]>;
  responses: number;
  noResponse: number;
  failures: number | undefined;
  errors: Array<[string, number]>;
  latency: Partial<TrendSummary> | undefined;
}

function endpointRows(doc: ResultDocument): EndpointRow[] {
  const rows: EndpointRow[] = [];
  for (const ep of Array.isArray(doc.endpoints) ? doc.endpoints : []) {
    if (typeof ep?.name !== 'string') continue;
    const statuses = Object.entries(ep.statusCodes ?? {}).filter((e): e is [string, number] => isNum(e[1]));
    const responses = statuses.reduce((n, [, c]) => n + c, 0);
    const method = typeof ep.method === 'string' ? ep.method : '';
    rows.push({
      name: ep.name,
      method,
      base: [
        ['name', ep.name],
        ['method', method],
      ],
      statuses,
      responses,
      noResponse: Math.max(0, count(ep.count) - responses),
      failures: isNum(ep.failures) ? ep.failures : undefined,
      errors: Object.entries(ep.errors ?? {}).filter((e): e is [string, number] => isNum(e[1])),
      latency: ep.latency as Partial<TrendSummary> | undefined,
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// squall's names

const QUANTILES = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.95', 'p95'],
  ['0.99', 'p99'],
] as const;

/** Run-wide trends: [document metric, exported name, help]. */
const RUN_TRENDS = [
  [
    'http_req_duration',
    'squall_http_req_duration_overall_seconds',
    'HTTP request duration over every request name (the whole run, not an average of endpoints).',
  ],
  ['http_req_waiting', 'squall_http_req_waiting_seconds', 'Time to the first byte of the response.'],
  ['http_req_connecting', 'squall_http_req_connecting_seconds', 'Time to open a TCP connection.'],
  [
    'http_req_tls_handshaking',
    'squall_http_req_tls_handshaking_seconds',
    'Time of the TLS handshake of a new https connection.',
  ],
  [
    'http_req_service_duration',
    'squall_http_req_service_duration_seconds',
    'HTTP request duration from the actual send (open model), without the wait for a free connection.',
  ],
  ['iteration_duration', 'squall_iteration_duration_seconds', 'Duration of one whole iteration of a flow.'],
] as const;

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
  [
    'http_req_retries',
    'count',
    'squall_http_req_retries_total',
    'counter',
    'Requests sent again once after a reused connection closed before answering (keep-alive race).',
  ],
] as const;

function squallFamilies(doc: ResultDocument, extras: PrometheusExtras): Family[] {
  const hdr = extras.histograms;
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
    hdr ? 'histogram' : 'summary',
    'HTTP request duration (send to last byte of the response) by request name and method; responses only.',
  );
  for (const ep of endpointRows(doc)) {
    for (const [status, n] of ep.statuses) reqs.add([...ep.base, ['status', status]], n);
    if (ep.noResponse > 0) reqs.add([...ep.base, ['status', '0']], ep.noResponse);
    if (ep.failures !== undefined) failed.add(ep.base, ep.failures);
    for (const [kind, n] of ep.errors) errors.add([...ep.base, ['error', kind]], n);
    const h = hdr?.endpoints.get(histogramKey(ep.method, ep.name));
    if (hdr) {
      if (h) duration.addHistogram(ep.base, h);
    } else addSummary(duration, ep.base, ep.latency, ep.responses);
  }
  const trends = RUN_TRENDS.map(([metric, name, help]) => {
    const h = hdr?.run[metric];
    const f = new Family(name, h ? 'histogram' : 'summary', help);
    const t = doc.metrics?.[metric] as Partial<TrendSummary> | undefined;
    if (h) f.addHistogram([], h);
    else if (!hdr && t && isNum(t.count)) addSummary(f, [], t, t.count);
    return f;
  });
  const scalars = RUN_SCALARS.map(([metric, field, name, type, help]) => {
    const f = new Family(name, type, help);
    const v = (doc.metrics?.[metric] as Record<string, unknown> | undefined)?.[field];
    if (isNum(v)) f.add([], v);
    return f;
  });
  const elapsed = new Family('squall_elapsed_seconds', 'gauge', 'Time since the load started.');
  if (isNum(doc.durationSec)) elapsed.add([], doc.durationSec);
  const checks = new Family('squall_checks_total', 'counter', 'Checks evaluated, by check name and result.');
  for (const c of Array.isArray(doc.checks) ? doc.checks : []) {
    if (typeof c?.name !== 'string') continue;
    if (isNum(c.passes))
      checks.add(
        [
          ['check', c.name],
          ['result', 'pass'],
        ],
        c.passes,
      );
    if (isNum(c.fails))
      checks.add(
        [
          ['check', c.name],
          ['result', 'fail'],
        ],
        c.fails,
      );
  }
  const thresholds = new Family(
    'squall_threshold_ok',
    'gauge',
    'Whether a threshold holds on the run so far (1) or fails (0).',
  );
  for (const t of Array.isArray(doc.thresholds) ? doc.thresholds : []) {
    if (typeof t?.metric !== 'string' || typeof t.expr !== 'string' || typeof t.ok !== 'boolean') continue;
    thresholds.add(
      [
        ['metric', t.metric],
        ['expr', t.expr],
      ],
      t.ok ? 1 : 0,
    );
  }
  return [
    reqs,
    failed,
    errors,
    duration,
    ...trends,
    ...scalars,
    elapsed,
    checks,
    thresholds,
    ...targetFamilies(doc, 'squall'),
    ...(extras.custom ?? []).map(squallCustom),
  ];
}

/**
 * Quantiles, `_sum` and `_count` of one series. With no observations the document's figures are
 * null and the quantile series are left out; an older document's zeros for "none" become NaN,
 * as Prometheus's own clients report them.
 */
function addSummary(f: Family, labels: Labels, t: Partial<TrendSummary> | undefined, n: number): void {
  for (const [q, key] of QUANTILES) {
    const v = t?.[key];
    if (isNum(v)) f.add([...labels, ['quantile', q]], n === 0 ? Number.NaN : seconds(v));
  }
  f.add(labels, isNum(t?.mean) ? seconds(t.mean * n) : 0, '_sum');
  f.add(labels, n, '_count');
}

function squallCustom(m: CustomMetricData): Family {
  const help = `Custom ${m.kind} ${m.name}, from the test script.`;
  switch (m.kind) {
    case 'counter': {
      const f = new Family(`squall_${m.name}_total`, 'counter', help);
      for (const s of m.series) if (s.samples > 0) f.add(tagLabels(s.tags), s.value);
      return f;
    }
    case 'gauge': {
      const f = new Family(`squall_${m.name}`, 'gauge', help);
      for (const s of m.series) if (s.samples > 0) f.add(tagLabels(s.tags), s.value);
      return f;
    }
    case 'rate': {
      const f = new Family(
        `squall_${m.name}_total`,
        'counter',
        `${help} Samples by result: true (non-zero) or false.`,
      );
      for (const s of m.series) {
        if (s.samples === 0) continue;
        f.add([...tagLabels(s.tags), ['result', 'true']], s.value);
        f.add([...tagLabels(s.tags), ['result', 'false']], s.samples - s.value);
      }
      return f;
    }
    case 'trend': {
      const f = new Family(m.isTime ? `squall_${m.name}_seconds` : `squall_${m.name}`, 'histogram', help);
      for (const s of m.series)
        if (s.samples > 0 && s.histogram)
          f.addHistogram(tagLabels(s.tags), s.histogram, m.isTime ? SECONDS_BOUNDS : PLAIN_BOUNDS);
      return f;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// k6's names (its Prometheus remote-write output)

/** k6's trend statistics, as its output names them: [suffix, document field]. */
const K6_STATS = [
  ['p99', 'p99'],
  ['p95', 'p95'],
  ['p90', 'p90'],
  ['med', 'p50'],
  ['avg', 'mean'],
  ['min', 'min'],
  ['max', 'max'],
] as const;

const K6_RUN_TRENDS = [
  'http_req_duration',
  'http_req_waiting',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'iteration_duration',
] as const;

const K6_RUN_SCALARS = [
  ['vus', 'value', 'k6_vus', 'gauge'],
  ['vus_max', 'value', 'k6_vus_max', 'gauge'],
  ['iterations', 'count', 'k6_iterations_total', 'counter'],
  ['dropped_iterations', 'count', 'k6_dropped_iterations_total', 'counter'],
  ['data_received', 'count', 'k6_data_received_total', 'counter'],
  ['data_sent', 'count', 'k6_data_sent_total', 'counter'],
  ['http_req_retries', 'count', 'k6_http_req_retries_total', 'counter'],
] as const;

/** One gauge family per statistic of a trend: `k6_http_req_duration_p99`, … */
function k6StatFamilies(metric: string, isTime: boolean): Map<string, Family> {
  return new Map(
    K6_STATS.map(([stat]) => [
      stat,
      new Family(
        `k6_${metric}_${stat}`,
        'gauge',
        `${metric}: ${stat}${isTime ? ' (seconds)' : ''}, as k6 names it.`,
      ),
    ]),
  );
}

function addStats(
  fams: Map<string, Family>,
  labels: Labels,
  t: Partial<TrendSummary> | undefined,
  isTime: boolean,
) {
  for (const [stat, key] of K6_STATS) {
    const v = t?.[key];
    if (isNum(v)) fams.get(stat)!.add(labels, isTime ? seconds(v) : v);
  }
}

function k6Families(doc: ResultDocument, extras: PrometheusExtras): Family[] {
  const hdr = extras.histograms;
  const reqs = new Family(
    'k6_http_reqs_total',
    'counter',
    'HTTP requests by name, method and status (0: no response).',
  );
  const failed = new Family(
    'k6_http_req_failed_rate',
    'gauge',
    'Share of HTTP requests that failed, by name and method.',
  );
  const durationStats = k6StatFamilies('http_req_duration', true);
  const native = new Family(
    'k6_http_req_duration_seconds',
    'histogram',
    'HTTP request duration by name and method.',
  );
  for (const ep of endpointRows(doc)) {
    for (const [status, n] of ep.statuses) reqs.add([...ep.base, ['status', status]], n);
    if (ep.noResponse > 0) reqs.add([...ep.base, ['status', '0']], ep.noResponse);
    const total = ep.responses + ep.noResponse;
    if (ep.failures !== undefined && total > 0) failed.add(ep.base, round(ep.failures / total, 6));
    if (ep.responses > 0) addStats(durationStats, ep.base, ep.latency, true);
    const h = hdr?.endpoints.get(histogramKey(ep.method, ep.name));
    if (h) native.addHistogram(ep.base, h);
  }
  const trends = K6_RUN_TRENDS.filter((m) => m !== 'http_req_duration').flatMap((metric) => {
    const fams = k6StatFamilies(metric, true);
    const t = doc.metrics?.[metric] as Partial<TrendSummary> | undefined;
    if (t && count(t.count) > 0) addStats(fams, [], t, true);
    const f = new Family(`k6_${metric}_seconds`, 'histogram', `${metric}, as k6's native histogram.`);
    const h = hdr?.run[metric];
    if (h) f.addHistogram([], h);
    return [...fams.values(), f];
  });
  const scalars = K6_RUN_SCALARS.map(([metric, field, name, type]) => {
    const f = new Family(name, type, `${metric}, as k6 names it.`);
    const v = (doc.metrics?.[metric] as Record<string, unknown> | undefined)?.[field];
    if (isNum(v)) f.add([], v);
    return f;
  });
  const checks = new Family('k6_checks_rate', 'gauge', 'Share of checks that passed, by check name.');
  for (const c of Array.isArray(doc.checks) ? doc.checks : []) {
    if (typeof c?.name !== 'string' || !isNum(c.passes) || !isNum(c.fails) || c.passes + c.fails === 0)
      continue;
    checks.add([['check', c.name]], round(c.passes / (c.passes + c.fails), 6));
  }
  return [
    reqs,
    failed,
    ...durationStats.values(),
    native,
    ...trends,
    ...scalars,
    checks,
    ...targetFamilies(doc, 'k6'),
    ...(extras.custom ?? []).flatMap(k6Custom),
  ];
}

function k6Custom(m: CustomMetricData): Family[] {
  const help = `Custom ${m.kind} ${m.name}, from the test script.`;
  const live = m.series.filter((s) => s.samples > 0);
  switch (m.kind) {
    case 'counter': {
      const f = new Family(`k6_${m.name}_total`, 'counter', help);
      for (const s of live) f.add(tagLabels(s.tags), s.value);
      return [f];
    }
    case 'gauge': {
      const f = new Family(`k6_${m.name}`, 'gauge', help);
      for (const s of live) f.add(tagLabels(s.tags), s.value);
      return [f];
    }
    case 'rate': {
      const f = new Family(`k6_${m.name}_rate`, 'gauge', help);
      for (const s of live) f.add(tagLabels(s.tags), round(s.value / s.samples, 6));
      return [f];
    }
    case 'trend': {
      const stats = k6StatFamilies(m.name, m.isTime);
      for (const s of live) addStats(stats, tagLabels(s.tags), s.summary, m.isTime);
      const out = [...stats.values()];
      if (m.isTime) {
        const f = new Family(`k6_${m.name}_seconds`, 'histogram', help);
        for (const s of live) if (s.histogram) f.addHistogram(tagLabels(s.tags), s.histogram);
        out.push(f);
      }
      return out;
    }
  }
}

/** A family's series as flat samples (a histogram as `_bucket`, `_sum`, `_count`), common labels added. */
export function flatSamples(
  f: Family,
  common: Labels,
): Array<{ name: string; labels: Labels; value: number }> {
  const out = f.samples.map((s) => ({
    name: f.name + s.suffix,
    labels: [...s.labels, ...common],
    value: s.value,
  }));
  for (const h of f.histograms) {
    const labels = [...h.labels, ...common];
    for (const [le, n] of classicBuckets(h.data, h.bounds))
      out.push({ name: `${f.name}_bucket`, labels: [...labels, ['le', formatValue(le)]], value: n });
    out.push({ name: `${f.name}_sum`, labels, value: h.data.sum });
    out.push({ name: `${f.name}_count`, labels, value: h.data.count });
  }
  return out;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}
