import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  LOCUST_FAILURES_HEADER,
  LOCUST_HISTORY_HEADER,
  LOCUST_PERCENTILES,
  LOCUST_STATS_HEADER,
  PCT_FIELDS,
} from '../../test/helpers/locust-csv.js';
import type { EndpointResult, ResultDocument, TimelinePoint } from '../result/schema.js';
import { renderCsv } from './csv.js';

/**
 * Locust's CSV files, read back with csv-parse and compared with Locust's own headers
 * (test/helpers/locust-csv.ts) and the document's figures.
 */

function latency(base: number): EndpointResult['latency'] {
  return {
    min: base / 4,
    mean: base * 1.1,
    p50: base,
    p66: base * 1.2,
    p75: base * 1.3,
    p80: base * 1.4,
    p90: base * 1.6,
    p95: base * 1.9,
    p98: base * 2.3,
    p99: base * 2.8,
    p999: base * 4.1,
    p9999: base * 5.3,
    max: base * 6.7,
  };
}

function point(t: number, extra: Partial<TimelinePoint> = {}): TimelinePoint {
  return {
    t,
    rps: 50,
    p50: 10,
    p95: 30,
    p99: 40,
    errors: 2,
    vus: 5,
    requests: 50,
    min: 1.5,
    mean: 12.25,
    max: 61.125,
    p66: 13,
    p75: 15,
    p80: 17,
    p90: 25,
    p98: 35,
    p999: 55,
    p9999: 60,
    bytes: 5000,
    totalRequests: 50 * t,
    totalFailures: 2 * t,
    totalBytes: 5000 * t,
    totalP50: 10.5,
    totalMean: 12.5,
    totalMin: 1.25,
    totalMax: 61.125,
    ...extra,
  };
}

/** Four endpoints: a plain GET, one with failures and a name that needs quoting, a custom name, a dead one. */
function fixture(): ResultDocument {
  return {
    schema: 1,
    tool: 'squall',
    version: '0.1.0',
    startedAt: '2025-06-01T10:00:00.750Z',
    endedAt: '2025-06-01T10:00:04.150Z',
    durationSec: 3.4,
    endReason: 'completed',
    config: {},
    metrics: {
      http_reqs: { count: 170, rate: 50 },
      http_req_duration: {
        count: 165,
        min: 1.25,
        mean: 12.5,
        stdev: 3,
        p50: 10.5,
        p90: 26,
        p95: 31,
        p99: 41,
        p999: 56,
        max: 61.125,
      },
      http_req_failed: { rate: 11 / 170, fails: 11, total: 170 },
      data_received: { count: 17_000, rate: 5000 },
    },
    endpoints: [
      {
        name: 'GET /health',
        method: 'GET',
        count: 100,
        failures: 0,
        rps: 29.412,
        statusCodes: { '200': 100 },
        latency: latency(3),
        bytesReceived: 12_345,
        errors: {},
      },
      {
        name: 'POST /orders, "bulk"\nv2',
        method: 'POST',
        count: 40,
        failures: 6,
        rps: 11.765,
        statusCodes: { '201': 36, '503': 4 },
        latency: latency(20),
        bytesReceived: 3_000,
        errors: { 'status 503': 4, timeout: 2 },
      },
      {
        name: 'login',
        method: 'POST',
        count: 25,
        failures: 0,
        rps: 7.353,
        statusCodes: { '200': 25 },
        latency: latency(8),
        bytesReceived: 1_655,
        errors: {},
      },
      {
        name: 'GET /down',
        method: 'GET',
        count: 5,
        failures: 5,
        rps: 1.471,
        statusCodes: {},
        latency: { p50: 0, p95: 0, p99: 0, max: 0, mean: 0, min: 0 },
        bytesReceived: 0,
        errors: { ECONNREFUSED: 5 },
      },
    ],
    errors: [
      { kind: 'ECONNREFUSED', count: 5, example: 'connect ECONNREFUSED' },
      { kind: 'status 503', count: 4, example: 'POST /orders answered 503' },
      { kind: 'timeout', count: 2, example: 'no answer within 10s' },
    ],
    // The last bucket is 1.4 s long: a short tail folded into the second before.
    timeline: [point(1), point(2, { requests: 0, rps: 0, errors: 0 }), point(3.4, { errors: 7 })],
    thresholds: [],
    passed: true,
    monitor: null,
    breakingPoint: null,
  };
}

const rowsOf = (text: string): string[][] => parse(text, { relax_column_count: false }) as string[][];

/** A data row keyed by its header. */
function records(text: string): Record<string, string>[] {
  const [header, ...rows] = rowsOf(text);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

const num = (cell: string | undefined) => Number(cell);

describe('renderCsv: _stats.csv', () => {
  it("has Locust's header, one row per endpoint sorted by name then method, and Aggregated last", () => {
    const doc = fixture();
    const rows = rowsOf(renderCsv(doc).stats);
    expect(rows[0]).toEqual(LOCUST_STATS_HEADER);
    expect(rows).toHaveLength(1 + doc.endpoints.length + 1);
    const names = rows.slice(1, -1).map((r) => r[1]!);
    expect(names).toEqual([...names].sort());
    const last = rows[rows.length - 1]!;
    expect(last.slice(0, 2)).toEqual(['', 'Aggregated']);
  });

  it('shows the method as Type and the name without its "METHOD " prefix, as Locust shows a path', () => {
    const byName = new Map(records(renderCsv(fixture()).stats).map((r) => [r.Name, r]));
    expect(byName.get('/health')?.Type).toBe('GET');
    expect(byName.get('/orders, "bulk"\nv2')?.Type).toBe('POST');
    // A name given in the test has no prefix to drop.
    expect(byName.get('login')?.Type).toBe('POST');
  });

  it("carries every endpoint's figures from the document", () => {
    const doc = fixture();
    const recs = records(renderCsv(doc).stats);
    for (const e of doc.endpoints) {
      const r = recs.find(
        (x) => `${x.Type} ${x.Name}` === e.name || (x.Name === e.name && x.Type === e.method),
      );
      expect(r, e.name).toBeDefined();
      if (!r) continue;
      expect(num(r['Request Count'])).toBe(e.count);
      expect(num(r['Failure Count'])).toBe(e.failures);
      expect(num(r['Requests/s'])).toBeCloseTo(e.rps, 3);
      expect(num(r['Failures/s'])).toBeCloseTo(e.failures / doc.durationSec, 3);
      expect(num(r['Average Content Size'])).toBeCloseTo(e.bytesReceived! / e.count, 3);
      const answered = Object.values(e.statusCodes).some((n) => n > 0);
      if (!answered) {
        // Nothing answered, so nothing was timed: N/A rather than a 0 that reads as 0 ms.
        for (const c of ['Median Response Time', 'Min Response Time', ...LOCUST_PERCENTILES]) {
          expect(r[c], `${e.name} ${c}`).toBe('N/A');
        }
        continue;
      }
      expect(num(r['Median Response Time'])).toBeCloseTo(e.latency.p50!, 3);
      expect(num(r['Average Response Time'])).toBeCloseTo(e.latency.mean!, 3);
      expect(num(r['Min Response Time'])).toBeCloseTo(e.latency.min!, 3);
      expect(num(r['Max Response Time'])).toBeCloseTo(e.latency.max!, 3);
      LOCUST_PERCENTILES.forEach((col, i) => {
        expect(num(r[col]), `${e.name} ${col}`).toBeCloseTo(e.latency[PCT_FIELDS[i]!]!, 3);
      });
    }
  });

  it('fills Aggregated from the run-wide metrics, N/A where the document has no run-wide percentile', () => {
    const doc = fixture();
    const recs = records(renderCsv(doc).stats);
    const agg = recs[recs.length - 1]!;
    const dur = doc.metrics.http_req_duration;
    expect(num(agg['Request Count'])).toBe(doc.metrics.http_reqs.count);
    expect(num(agg['Failure Count'])).toBe(doc.metrics.http_req_failed.fails);
    expect(num(agg['Median Response Time'])).toBe(dur.p50);
    expect(num(agg['Average Response Time'])).toBe(dur.mean);
    expect(num(agg['Min Response Time'])).toBe(dur.min);
    expect(num(agg['Max Response Time'])).toBe(dur.max);
    expect(num(agg['Requests/s'])).toBe(doc.metrics.http_reqs.rate);
    expect(num(agg['Failures/s'])).toBeCloseTo(doc.metrics.http_req_failed.fails / doc.durationSec, 3);
    const bytes = doc.endpoints.reduce((a, e) => a + e.bytesReceived!, 0);
    expect(num(agg['Average Content Size'])).toBeCloseTo(bytes / doc.metrics.http_reqs.count, 3);
    const expected: Record<string, number | null | 'N/A'> = {
      '50%': dur.p50,
      '66%': 'N/A',
      '75%': 'N/A',
      '80%': 'N/A',
      '90%': dur.p90,
      '95%': dur.p95,
      '98%': 'N/A',
      '99%': dur.p99,
      '99.9%': dur.p999,
      '99.99%': 'N/A',
      '100%': dur.max,
    };
    for (const [col, v] of Object.entries(expected)) expect(agg[col], col).toBe(String(v));
  });

  it("with a single endpoint, Aggregated takes its percentiles: its histogram is the run's", () => {
    const doc = fixture();
    doc.endpoints = [doc.endpoints[0]!];
    const recs = records(renderCsv(doc).stats);
    const agg = recs[recs.length - 1]!;
    const lat = doc.endpoints[0]!.latency;
    expect(num(agg['66%'])).toBeCloseTo(lat.p66!, 3);
    expect(num(agg['98%'])).toBeCloseTo(lat.p98!, 3);
    expect(num(agg['99.99%'])).toBeCloseTo(lat.p9999!, 3);
    // What the run-wide metric has still comes from it.
    expect(num(agg['50%'])).toBe(doc.metrics.http_req_duration.p50);
  });

  it('quotes names with commas, quotes and newlines (RFC 4180) and ends lines with CRLF, as Python does', () => {
    const { stats } = renderCsv(fixture());
    expect(stats).toContain('"/orders, ""bulk""\nv2"');
    expect(stats.endsWith('\r\n')).toBe(true);
    // Every record ends in CRLF; the one newline inside the quoted name is the name's own.
    const lines = stats.split('\r\n').slice(0, -1);
    expect(lines).toHaveLength(rowsOf(stats).length);
  });

  it('writes plain decimals: no thousands separators, no exponents', () => {
    const doc = fixture();
    doc.endpoints[0]!.count = 1_234_567;
    doc.endpoints[0]!.rps = 71_462.722;
    doc.endpoints[0]!.latency.min = 0.0000001;
    const stats = renderCsv(doc).stats;
    const r = records(stats).find((x) => x.Name === '/health')!;
    expect(r['Request Count']).toBe(String(doc.endpoints[0]!.count));
    expect(r['Requests/s']).toBe(String(doc.endpoints[0]!.rps));
    expect(r['Min Response Time']).toMatch(/^\d+(\.\d+)?$/);
    expect(stats).not.toMatch(/\de[+-]?\d/);
  });

  it('writes N/A for fields an older document lacks, and takes the method from the name', () => {
    const doc = fixture();
    doc.endpoints = doc.endpoints.map(({ name, count, failures, rps, statusCodes, latency: l }) => ({
      name,
      count,
      failures,
      rps,
      statusCodes,
      latency: { p50: l.p50, p95: l.p95, p99: l.p99, max: l.max, mean: l.mean },
    }));
    const recs = records(renderCsv(doc).stats);
    const health = recs.find((r) => r.Name === '/health')!;
    expect(health.Type).toBe('GET');
    for (const c of [
      'Min Response Time',
      'Average Content Size',
      '66%',
      '75%',
      '80%',
      '90%',
      '98%',
      '99.9%',
    ]) {
      expect(health[c], c).toBe('N/A');
    }
    expect(num(health['95%'])).toBeCloseTo(doc.endpoints[0]!.latency.p95!, 3);
    // Without a method, a name that does not start with one keeps an empty Type.
    expect(recs.find((r) => r.Name === 'login')?.Type).toBe('');
  });
});

describe('renderCsv: _stats_history.csv', () => {
  it('has one Aggregated row per timeline point with its second and the totals so far', () => {
    const doc = fixture();
    const { history } = renderCsv(doc);
    expect(rowsOf(history)[0]).toEqual(LOCUST_HISTORY_HEADER);
    const recs = records(history);
    expect(recs).toHaveLength(doc.timeline.length);
    const start = Date.parse(doc.startedAt) / 1000;
    doc.timeline.forEach((p, i) => {
      const r = recs[i]!;
      const length = p.t - (i === 0 ? 0 : doc.timeline[i - 1]!.t);
      expect(num(r.Timestamp)).toBe(Math.floor(start + p.t));
      expect(num(r['User Count'])).toBe(p.vus);
      expect([r.Type, r.Name]).toEqual(['', 'Aggregated']);
      expect(num(r['Requests/s'])).toBe(p.rps);
      expect(num(r['Failures/s'])).toBeCloseTo(p.errors / length, 3);
      LOCUST_PERCENTILES.forEach((col, j) => {
        expect(r[col], `${p.t} ${col}`).toBe(p.requests === 0 ? 'N/A' : String(p[PCT_FIELDS[j]!]));
      });
      expect(num(r['Total Request Count'])).toBe(p.totalRequests);
      expect(num(r['Total Failure Count'])).toBe(p.totalFailures);
      expect(num(r['Total Median Response Time'])).toBe(p.totalP50);
      expect(num(r['Total Average Response Time'])).toBe(p.totalMean);
      expect(num(r['Total Min Response Time'])).toBe(p.totalMin);
      expect(num(r['Total Max Response Time'])).toBe(p.totalMax);
      expect(num(r['Total Average Content Size'])).toBeCloseTo(p.totalBytes! / p.totalRequests!, 3);
    });
  });

  it('writes N/A for the per-second fields and totals an older document lacks', () => {
    const doc = fixture();
    doc.timeline = [{ t: 1, rps: 20, p50: 5, p95: 9, p99: 12, errors: 1, vus: 2 }];
    const r = records(renderCsv(doc).history)[0]!;
    expect(num(r['50%'])).toBe(5);
    expect(num(r['99%'])).toBe(12);
    for (const c of [
      '66%',
      '100%',
      'Total Request Count',
      'Total Median Response Time',
      'Total Average Content Size',
    ]) {
      expect(r[c], c).toBe('N/A');
    }
  });
});

describe('renderCsv: _failures.csv', () => {
  it("has Locust's header and one row per endpoint and error kind", () => {
    const doc = fixture();
    const { failures } = renderCsv(doc);
    expect(rowsOf(failures)[0]).toEqual(LOCUST_FAILURES_HEADER);
    const recs = records(failures);
    const expected = doc.endpoints.flatMap((e) =>
      Object.entries(e.errors ?? {}).map(([kind, n]) => [e, kind, n] as const),
    );
    expect(recs).toHaveLength(expected.length);
    for (const [e, kind, n] of expected) {
      const r = recs.find((x) => x.Error === kind && x.Method === e.method && e.name.endsWith(x.Name!));
      expect(r, `${e.name} ${kind}`).toBeDefined();
      expect(num(r?.Occurrences)).toBe(n);
    }
  });

  it("an older document without per-endpoint errors lists the run's errors with no method or name", () => {
    const doc = fixture();
    for (const e of doc.endpoints) delete e.errors;
    const recs = records(renderCsv(doc).failures);
    expect(recs.map((r) => [r.Method, r.Name, r.Error, num(r.Occurrences)])).toEqual(
      doc.errors.map((g) => ['', '', g.kind, g.count]),
    );
  });

  it('is the header alone when nothing failed', () => {
    const doc = fixture();
    for (const e of doc.endpoints) e.errors = {};
    expect(rowsOf(renderCsv(doc).failures)).toEqual([LOCUST_FAILURES_HEADER]);
  });
});
