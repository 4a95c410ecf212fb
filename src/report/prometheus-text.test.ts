import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leakingMonitor } from '../../test/helpers/monitor-docs.js';
import { httpRecorder } from '../engine/http-recorder.js';
import { createCheck, RunMetrics } from '../metrics/run-metrics.js';
import { buildRunResult, type RunResultDocument } from '../result/build-run.js';
import type { ResultDocument } from '../result/schema.js';
import { parseThreshold } from '../thresholds/index.js';
import { createDispatcher, createHttpClient } from '../transports/http/client.js';
import { CookieJar } from '../transports/http/cookie-jar.js';
import { escapeLabelValue, renderPrometheus } from './prometheus-text.js';

// ---------------------------------------------------------------------------------------------
// A strict reader of the text exposition format 0.0.4, written from the format's description:
// `# HELP name text`, `# TYPE name type`, other `#` comments, and samples
// `name{label="value",...} value [timestamp]`. It throws, naming the line, on anything else.

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Family {
  name: string;
  type?: string;
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const VALUE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'summary', 'histogram', 'untyped']);

function parseExposition(text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text does not end with a newline');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | undefined;
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) {
      f = { name, samples: [] };
      families.set(name, f);
    }
    return f;
  };
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const at = `line ${i + 1} (${JSON.stringify(line)})`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`${at}: invalid metric name`);
      const f = family(name);
      if (kind === 'HELP') {
        if (f.help !== undefined) throw new Error(`${at}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${at}: bad escape in HELP`);
        f.help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      } else {
        if (f.type !== undefined) throw new Error(`${at}: second TYPE for ${name}`);
        if (f.samples.length > 0) throw new Error(`${at}: TYPE after the samples of ${name}`);
        if (!TYPES.has(rest)) throw new Error(`${at}: unknown type ${rest}`);
        f.type = rest;
      }
      return;
    }
    const s = parseSampleLine(line, at);
    // The family: the sample's own name, or for a summary/histogram the name without its suffix.
    const base = s.name.replace(/_(sum|count|bucket)$/, '');
    const f = families.get(s.name)?.type
      ? families.get(s.name)!
      : families.get(base)?.type === 'summary' || families.get(base)?.type === 'histogram'
        ? families.get(base)!
        : undefined;
    if (!f) throw new Error(`${at}: sample of a family with no TYPE`);
    if (f !== current && f.samples.length > 0) throw new Error(`${at}: samples of ${f.name} not together`);
    current = f;
    if (f.type === 'summary' && s.name === f.name && !('quantile' in s.labels)) {
      throw new Error(`${at}: summary sample without a quantile`);
    }
    const key = `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
    if (series.has(key)) throw new Error(`${at}: the series appears twice`);
    series.add(key);
    f.samples.push(s);
  });
  return families;
}

function parseSampleLine(line: string, at: string): Sample {
  const nameEnd = line.search(/[{ ]/);
  if (nameEnd <= 0) throw new Error(`${at}: no metric name`);
  const name = line.slice(0, nameEnd);
  if (!METRIC_NAME.test(name)) throw new Error(`${at}: invalid metric name`);
  const labels: Record<string, string> = {};
  let i = nameEnd;
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const eq = line.indexOf('="', i);
      if (eq < 0) throw new Error(`${at}: label without ="`);
      const label = line.slice(i, eq);
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new Error(`${at}: bad label ${label}`);
      if (label in labels) throw new Error(`${at}: label ${label} twice`);
      i = eq + 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`${at}: unterminated label value`);
        i++;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i++];
          if (e === '\\') value += '\\';
          else if (e === '"') value += '"';
          else if (e === 'n') value += '\n';
          else throw new Error(`${at}: bad escape \\${e}`);
        } else value += c;
      }
      labels[label] = value;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`${at}: expected , or } after a label`);
    }
    i++;
  }
  const rest = line.slice(i);
  const m = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!m || !VALUE.test(m[1]!)) throw new Error(`${at}: bad value`);
  return { name, labels, value: Number(m[1]!.replace(/^\+/, '')) };
}

/** The one sample of `name` whose labels include `labels`; throws when there is not exactly one. */
function sampleValue(fams: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const all = [...fams.values()].flatMap((f) => f.samples);
  const hits = all.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (hits.length !== 1) throw new Error(`${hits.length} samples of ${name} ${JSON.stringify(labels)}`);
  return hits[0]!.value;
}

// ---------------------------------------------------------------------------------------------
// A real run: requests through squall's HTTP client to a server on 127.0.0.1, recorded in
// RunMetrics and built into a result document as `squall run` does.

/** A request name and a check name with every character the format escapes. */
const HOSTILE = 'GET /say "hi" \\ C:\\dir\nsecond line';
const HOSTILE_CHECK = 'body is "ok" \\ really\nyes';

let server: http.Server;
let base: string;
let refused: string;
/** Responses the server sent, by path and status. */
const answered = new Map<string, number>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const status = req.url === '/ok' ? 200 : 404;
    const key = `${req.url} ${status}`;
    answered.set(key, (answered.get(key) ?? 0) + 1);
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  // A port nothing listens on: requests to it get no response at all.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  refused = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function realRun(): Promise<RunResultDocument> {
  const metrics = new RunMetrics();
  const dispatcher = createDispatcher();
  const startedAt = new Date();
  const t0 = performance.now();
  metrics.start();
  metrics.setVus(2, 2);
  const tags = { scenario: 'default', user: 'Reader' };
  await Promise.all(
    [0, 1].map(async () => {
      const api = createHttpClient({
        defaultHeaders: {},
        defaultTimeoutMs: 5000,
        metrics,
        sink: httpRecorder(metrics),
        tags,
        cookies: new CookieJar(),
        signal: new AbortController().signal,
        dispatcher,
      });
      const check = createCheck(metrics, tags);
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const ok = await api.get(`${base}/ok`, { name: HOSTILE });
        check(ok, { [HOSTILE_CHECK]: (r) => r.status === 200 });
        const missing = await api.get(`${base}/missing`);
        check(missing, { 'status is 200': (r) => r.status === 200 });
        if (i === 0) await api.get(`${refused}/gone`);
        metrics.recordIteration(performance.now() - started, tags, true);
      }
    }),
  );
  const durationMs = performance.now() - t0;
  metrics.closeSecond(durationMs / 1000, durationMs / 1000);
  await dispatcher.close();
  return buildRunResult({
    metrics,
    startedAt,
    endedAt: new Date(),
    durationMs,
    endReason: 'completed',
    config: {},
    thresholds: [
      parseThreshold('http_req_duration', 'p(95)<60000'),
      parseThreshold('http_req_failed', 'rate<0.01'),
    ],
    perScenario: { default: { interrupted: 0, vusMax: 2, users: { Reader: { vus: 2 } } } },
  });
}

describe('renderPrometheus', () => {
  let doc: RunResultDocument;
  let text: string;
  let fams: Map<string, Family>;

  beforeAll(async () => {
    doc = await realRun();
    text = renderPrometheus(doc);
    fams = parseExposition(text);
  });

  it("renders a real run's document in the exposition format, every family with HELP and TYPE", () => {
    expect(fams.size).toBeGreaterThan(0);
    for (const f of fams.values()) {
      expect(f.type, `TYPE of ${f.name}`).toBeDefined();
      expect(f.help, `HELP of ${f.name}`).toMatch(/\S/);
      expect(f.samples.length, `samples of ${f.name}`).toBeGreaterThan(0);
      expect(f.name).toMatch(/^squall_[a-z_]+$/);
      if (f.type === 'counter') expect(f.name).toMatch(/_total$/);
    }
    for (const name of [
      'squall_http_reqs_total',
      'squall_http_req_failed_total',
      'squall_http_req_errors_total',
      'squall_http_req_duration_seconds',
      'squall_vus',
      'squall_vus_max',
      'squall_iterations_total',
      'squall_dropped_iterations_total',
      'squall_data_received_bytes_total',
      'squall_data_sent_bytes_total',
      'squall_checks_total',
      'squall_threshold_ok',
    ]) {
      expect(fams.has(name), name).toBe(true);
    }
    expect(fams.get('squall_http_req_duration_seconds')!.type).toBe('summary');
    expect(fams.get('squall_vus')!.type).toBe('gauge');
  });

  it('counts requests per name and status as the document and the server do; no response is status 0', () => {
    expect(doc.endpoints.length).toBe(3);
    for (const ep of doc.endpoints) {
      const labels = { name: ep.name, method: ep.method! };
      let responses = 0;
      for (const [status, n] of Object.entries(ep.statusCodes)) {
        responses += n;
        expect(sampleValue(fams, 'squall_http_reqs_total', { ...labels, status })).toBe(n);
      }
      const noResponse = ep.count - responses;
      if (noResponse > 0)
        expect(sampleValue(fams, 'squall_http_reqs_total', { ...labels, status: '0' })).toBe(noResponse);
      expect(sampleValue(fams, 'squall_http_req_failed_total', labels)).toBe(ep.failures);
      for (const [kind, n] of Object.entries(ep.errors ?? {})) {
        expect(sampleValue(fams, 'squall_http_req_errors_total', { ...labels, error: kind })).toBe(n);
      }
    }
    // The server's own view: every response it sent is counted under its path's name and status.
    const reqs = fams.get('squall_http_reqs_total')!.samples;
    expect(sampleValue(fams, 'squall_http_reqs_total', { name: HOSTILE, status: '200' })).toBe(
      answered.get('/ok 200'),
    );
    expect(sampleValue(fams, 'squall_http_reqs_total', { name: 'GET /missing', status: '404' })).toBe(
      answered.get('/missing 404'),
    );
    // A second origin: named with it (issue 13, item 15).
    const gone = doc.endpoints.find((e) => e.name === `GET ${refused}/gone`)!;
    expect(gone.count).toBeGreaterThan(0);
    expect(sampleValue(fams, 'squall_http_reqs_total', { name: `GET ${refused}/gone`, status: '0' })).toBe(
      gone.count,
    );
    expect(reqs.reduce((n, s) => n + s.value, 0)).toBe(doc.metrics.http_reqs.count);
  });

  it('gives each endpoint a summary of its latency in seconds, over its responses', () => {
    for (const ep of doc.endpoints) {
      const labels = { name: ep.name, method: ep.method! };
      const responses = Object.values(ep.statusCodes).reduce((a, b) => a + b, 0);
      expect(sampleValue(fams, 'squall_http_req_duration_seconds_count', labels)).toBe(responses);
      const quantiles = {
        '0.5': ep.latency.p50,
        '0.9': ep.latency.p90!,
        '0.95': ep.latency.p95,
        '0.99': ep.latency.p99,
      };
      for (const [q, ms] of Object.entries(quantiles)) {
        const at = { ...labels, quantile: q };
        // No response: the document's figures are null and the quantile series is left out.
        if (responses === 0)
          expect(() => sampleValue(fams, 'squall_http_req_duration_seconds', at)).toThrow(/^0 /);
        else expect(sampleValue(fams, 'squall_http_req_duration_seconds', at)).toBeCloseTo(ms! / 1000, 9);
      }
      expect(sampleValue(fams, 'squall_http_req_duration_seconds_sum', labels)).toBeCloseTo(
        ((ep.latency.mean ?? 0) * responses) / 1000,
        9,
      );
    }
    const all = doc.metrics.http_req_duration;
    expect(sampleValue(fams, 'squall_http_req_duration_overall_seconds_count')).toBe(all.count);
    expect(sampleValue(fams, 'squall_http_req_duration_overall_seconds', { quantile: '0.99' })).toBeCloseTo(
      all.p99! / 1000,
      9,
    );
  });

  it('carries the run-wide counters, gauges, checks and thresholds of the document', () => {
    const m = doc.metrics as unknown as Record<string, Record<string, number>>;
    expect(sampleValue(fams, 'squall_vus')).toBe(m.vus!.value);
    expect(sampleValue(fams, 'squall_vus_max')).toBe(m.vus_max!.value);
    expect(sampleValue(fams, 'squall_iterations_total')).toBe(m.iterations!.count);
    expect(sampleValue(fams, 'squall_dropped_iterations_total')).toBe(m.dropped_iterations!.count);
    expect(sampleValue(fams, 'squall_data_received_bytes_total')).toBe(m.data_received!.count);
    expect(sampleValue(fams, 'squall_data_sent_bytes_total')).toBe(m.data_sent!.count);
    expect(doc.checks.length).toBe(2);
    for (const c of doc.checks) {
      expect(sampleValue(fams, 'squall_checks_total', { check: c.name, result: 'pass' })).toBe(c.passes);
      expect(sampleValue(fams, 'squall_checks_total', { check: c.name, result: 'fail' })).toBe(c.fails);
    }
    expect(doc.thresholds.map((t) => t.ok).sort()).toEqual([false, true]);
    for (const t of doc.thresholds) {
      expect(sampleValue(fams, 'squall_threshold_ok', { metric: t.metric, expr: t.expr })).toBe(t.ok ? 1 : 0);
    }
  });

  it('escapes backslash, double quote and newline in label values, and they read back intact', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(text).toContain(`name="${'GET /say \\"hi\\" \\\\ C:\\\\dir\\nsecond line'}"`);
    expect(text).toContain(`check="${'body is \\"ok\\" \\\\ really\\nyes'}"`);
    // Every line parsed as one sample or comment, so no raw newline broke a line.
    expect(sampleValue(fams, 'squall_http_reqs_total', { name: HOSTILE, status: '200' })).toBeGreaterThan(0);
    expect(
      sampleValue(fams, 'squall_checks_total', { check: HOSTILE_CHECK, result: 'pass' }),
    ).toBeGreaterThan(0);
  });

  it('renders an older document without the added fields, leaving their samples out', () => {
    const old = structuredClone(doc) as unknown as Record<string, unknown> & ResultDocument;
    delete old.checks;
    delete old.scenarios;
    delete (old.metrics as Record<string, unknown>).iterations;
    for (const ep of old.endpoints) {
      delete ep.method;
      delete ep.errors;
      delete ep.latency.p90;
    }
    const f = parseExposition(renderPrometheus(old));
    expect(f.has('squall_checks_total')).toBe(false);
    expect(f.has('squall_http_req_errors_total')).toBe(false);
    expect(f.has('squall_iterations_total')).toBe(false);
    const ep = old.endpoints.find((e) => e.name === 'GET /missing')!;
    expect(sampleValue(f, 'squall_http_reqs_total', { name: ep.name, method: '', status: '404' })).toBe(
      ep.statusCodes['404'],
    );
    expect(f.get('squall_http_req_duration_seconds')!.samples.some((s) => s.labels.quantile === '0.9')).toBe(
      false,
    );
  });

  it('renders the document of a run that has sent nothing yet (the first scrape)', () => {
    const metrics = new RunMetrics();
    metrics.start();
    const empty = buildRunResult({
      metrics,
      startedAt: new Date(),
      endedAt: new Date(),
      durationMs: 0,
      endReason: 'completed',
      config: {},
      thresholds: [],
      perScenario: {},
    });
    const f = parseExposition(renderPrometheus(empty));
    expect(f.has('squall_http_reqs_total')).toBe(false);
    expect(sampleValue(f, 'squall_vus')).toBe(0);
  });

  it('exports http_req_tls_handshaking under both namings when the run made a handshake, else not', () => {
    expect([...fams.keys()].filter((n) => n.includes('tls'))).toEqual([]);
    const https = structuredClone(doc);
    (https.metrics as Record<string, unknown>).http_req_tls_handshaking = https.metrics.http_req_connecting;
    const squall = parseExposition(renderPrometheus(https));
    expect(squall.get('squall_http_req_tls_handshaking_seconds')?.type).toBe('summary');
    const k6 = parseExposition(renderPrometheus(https, { names: 'k6' }));
    expect(k6.has('k6_http_req_tls_handshaking_p99')).toBe(true);
  });

  it("exports the watched process's gauges, the leak of each resource too, under both namings", () => {
    expect([...fams.keys()].filter((n) => n.includes('target'))).toEqual([]);
    const monitored = { ...structuredClone(doc), monitor: leakingMonitor() };
    for (const prefix of ['squall', 'k6'] as const) {
      const f = parseExposition(renderPrometheus(monitored, { names: prefix }));
      expect(sampleValue(f, `${prefix}_target_leak_suspected`)).toBe(1);
      expect(sampleValue(f, `${prefix}_target_memory_leak_suspected`)).toBe(1);
      expect(sampleValue(f, `${prefix}_target_fds_leak_suspected`)).toBe(1);
      expect(sampleValue(f, `${prefix}_target_threads_leak_suspected`)).toBe(0);
      expect(sampleValue(f, `${prefix}_target_rss_peak_mb`)).toBe(190);
      expect(f.get(`${prefix}_target_leak_suspected`)?.type).toBe('gauge');
    }
  });

  it('merges a series that a merged document repeats, since a scrape must not repeat one', () => {
    const twice = structuredClone(doc);
    twice.checks = [...doc.checks, ...doc.checks];
    twice.thresholds = [...doc.thresholds, { ...doc.thresholds[0]!, ok: false }];
    const f = parseExposition(renderPrometheus(twice));
    for (const c of doc.checks) {
      expect(sampleValue(f, 'squall_checks_total', { check: c.name, result: 'pass' })).toBe(2 * c.passes);
    }
    const t = doc.thresholds[0]!;
    expect(sampleValue(f, 'squall_threshold_ok', { metric: t.metric, expr: t.expr })).toBe(0);
  });
});
