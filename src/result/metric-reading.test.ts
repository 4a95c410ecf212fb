import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSquallError } from '../errors/index.js';
import { parseMetricReading, readMetric } from './metric-reading.js';
import type { ResultDocument } from './schema.js';

const fixture = (name: string): ResultDocument =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../test/fixtures/results', name), 'utf8'));

describe('metric readings', () => {
  const run = fixture('run-full.json');

  it('reads run-wide figures as thresholds name them', () => {
    const m = run.metrics;
    expect(readMetric(run, parseMetricReading('http_req_duration:p(95)'))).toBe(m.http_req_duration.p95);
    expect(readMetric(run, parseMetricReading('http_req_duration:avg'))).toBe(m.http_req_duration.mean);
    expect(readMetric(run, parseMetricReading('http_req_duration:med'))).toBe(m.http_req_duration.p50);
    expect(readMetric(run, parseMetricReading('http_reqs:rate'))).toBe(m.http_reqs.rate);
    expect(readMetric(run, parseMetricReading('http_reqs:count'))).toBe(m.http_reqs.count);
    expect(readMetric(run, parseMetricReading('http_req_failed:rate'))).toBe(m.http_req_failed.rate);
  });

  it("reads an endpoint's figures by its name tag", () => {
    const e = run.endpoints[0]!;
    const at = (agg: string) =>
      readMetric(run, parseMetricReading(`http_req_duration{name:${e.name}}:${agg}`));
    expect(at('med')).toBe(e.latency.p50);
    expect(at('p(99)')).toBe(e.latency.p99);
    expect(readMetric(run, parseMetricReading(`http_reqs{name:${e.name}}:rate`))).toBe(e.rps);
    expect(readMetric(run, parseMetricReading('http_req_duration{name:GET /nowhere}:med'))).toBeNull();
  });

  it("reads a bench's statistics by its name", () => {
    const doc = fixture('bench.json');
    const warm = doc.bench!.benches.find((b) => b.name === 'warm')!;
    expect(readMetric(doc, parseMetricReading('warm:med'))).toBe(warm.stats!.median);
    expect(readMetric(doc, parseMetricReading('template fetch › warm:p(99)'))).toBe(warm.stats!.p99);
    expect(readMetric(doc, parseMetricReading('warm:rate'))).toBe(warm.stats!.opsPerSec);
  });

  it('has nothing for a figure the document lacks, and exit 2 for a bad reading', () => {
    expect(readMetric(run, parseMetricReading('nope:avg'))).toBeNull();
    expect(readMetric(run, parseMetricReading('http_req_duration:p(42)'))).toBeNull();
    for (const bad of ['http_req_duration', 'http_req_duration:p95', ':avg']) {
      try {
        parseMetricReading(bad);
        expect.unreachable();
      } catch (e) {
        expect(isSquallError(e) && e.message.includes('--metric')).toBe(true);
      }
    }
  });
});
