import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultDocument } from '../result/schema.js';
import { renderBencher } from './bencher.js';
import { renderGithubBenchmark } from './github-benchmark.js';
import { exportTestName } from './metric-export.js';

/** The exports for Bencher and github-action-benchmark, exactly, over the stored documents. */

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/results');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as ResultDocument;

/** The files' figures: six significant digits (no float noise such as 2200.0000000000005). */
const sig6 = (n: number) => Number(n.toPrecision(6));
const ns = (ms: number) => sig6(ms * 1e6);

const bencher = (d: ResultDocument) =>
  JSON.parse(renderBencher(d)) as Record<
    string,
    Record<string, { value: number; lower_value?: number; upper_value?: number }>
  >;
const github = (d: ResultDocument) =>
  JSON.parse(renderGithubBenchmark(d)) as {
    name: string;
    unit: string;
    value: number;
    range?: string;
    extra?: string;
  }[];

describe('-o bencher (Bencher Metric Format)', () => {
  it('gives a load test its run-wide benchmark and one per endpoint, latency in ns, throughput per second, error rate in %', () => {
    const d = fixture('run-full.json');
    const bmf = bencher(d);
    const names = d.endpoints.map((e) => `full › ${e.name}`);
    expect(Object.keys(bmf)).toEqual(['full', ...names]);
    const dur = d.metrics.http_req_duration;
    expect(bmf.full).toEqual({
      latency: { value: ns(dur.mean!) },
      'latency-p50': { value: ns(dur.p50!) },
      'latency-p95': { value: ns(dur.p95!) },
      'latency-p99': { value: ns(dur.p99!) },
      throughput: { value: d.metrics.http_reqs.rate },
      'error-rate': { value: sig6(d.metrics.http_req_failed.rate * 100) },
    });
    const e = d.endpoints[3]!;
    expect(bmf[`full › ${e.name}`]).toEqual({
      latency: { value: ns(e.latency.mean!) },
      'latency-p50': { value: ns(e.latency.p50!) },
      'latency-p95': { value: ns(e.latency.p95!) },
      'latency-p99': { value: ns(e.latency.p99!) },
      throughput: { value: e.rps },
      'error-rate': { value: sig6((e.failures / e.count) * 100) },
    });
    expect(e.failures).toBeGreaterThan(0);
  });

  it('gives each bench latency (the mean in ns) with the 95 % margin of error as its bounds, and ops/s', () => {
    const d = fixture('bench.json');
    const bmf = bencher(d);
    const cold = d.bench!.benches[0]!;
    expect(cold.group).toBe('template fetch');
    const s = cold.stats!;
    expect(bmf['template fetch › cold']).toEqual({
      latency: {
        value: Number((s.mean * 1e6).toPrecision(6)),
        lower_value: Number(((s.mean - s.moe!) * 1e6).toPrecision(6)),
        upper_value: Number(((s.mean + s.moe!) * 1e6).toPrecision(6)),
      },
      'latency-median': { value: ns(s.median) },
      'latency-p99': { value: ns(s.p99) },
      throughput: { value: Number(s.opsPerSec.toPrecision(6)) },
    });
    // Outside a group, the bench's own name; a concurrency bench's throughput is its calls per second.
    const conc = d.bench!.benches.find((b) => b.concurrency > 1)!;
    expect(bmf[conc.name]!.throughput).toEqual({ value: conc.concurrent!.opsPerSec });
    // A bench that threw before any sample has nothing to plot.
    const threw = d.bench!.benches.find((b) => b.stats === null)!;
    expect(Object.keys(bmf).some((k) => k.includes(threw.name))).toBe(false);
    // Each size of a complexity check is a benchmark of its own.
    const sort = d.bench!.complexity[0]!;
    expect(bmf[`${sort.name} › n=${sort.sizes[1]}`]).toEqual({ latency: { value: ns(sort.timesMs[1]!) } });
  });

  it('gives {} for a monitor-only document', () => {
    expect(bencher(fixture('monitor-died.json'))).toEqual({});
    expect(bencher(fixture('schema1-monitor.json'))).toEqual({});
  });
});

describe('-o github-benchmark (customSmallerIsBetter)', () => {
  it('gives a load test mean, p95, p99 latency in ms and the error rate in %, for the run and each endpoint', () => {
    const d = fixture('schema1-run.json');
    const list = github(d);
    const test = exportTestName(d);
    expect(test).toBe('run');
    const dur = d.metrics.http_req_duration;
    const extra = `${d.metrics.http_reqs.count} requests, ${Number(d.metrics.http_reqs.rate.toPrecision(4))}/s`;
    expect(list.slice(0, 4)).toEqual([
      { name: 'run', unit: 'ms', value: dur.mean, extra },
      { name: 'run (p95)', unit: 'ms', value: dur.p95, extra },
      { name: 'run (p99)', unit: 'ms', value: dur.p99, extra },
      { name: 'run (error rate)', unit: '%', value: d.metrics.http_req_failed.rate * 100, extra },
    ]);
    expect(list.map((e) => e.name)).toEqual(
      ['run', ...d.endpoints.map((e) => `run › ${e.name}`)].flatMap((n) => [
        n,
        `${n} (p95)`,
        `${n} (p99)`,
        `${n} (error rate)`,
      ]),
    );
  });

  it('gives each bench its mean in ms with the margin of error as range', () => {
    const d = fixture('bench.json');
    const list = github(d);
    const warm = d.bench!.benches[1]!;
    expect(list.find((e) => e.name === 'template fetch › warm')).toEqual({
      name: 'template fetch › warm',
      unit: 'ms',
      value: Number(warm.stats!.mean.toPrecision(6)),
      range: `± ${Number(warm.stats!.moe!.toPrecision(3))}`,
      extra: `${warm.stats!.samples} samples, ${Number(warm.stats!.opsPerSec.toPrecision(4))}/s`,
    });
    expect(list.every((e) => e.unit === 'ms')).toBe(true);
  });

  it('gives [] for a monitor-only document, and a quick run is named METHOD URL', () => {
    expect(github(fixture('monitor-died.json'))).toEqual([]);
    const q = fixture('quick-open-model.json');
    expect(github(q)[0]!.name).toBe(`GET ${String(q.config.url)}`);
  });

  it('names the run after the history run name when the document has one', () => {
    const d = { ...fixture('schema1-quick.json'), run: { name: 'checkout' } } as ResultDocument;
    expect(github(d)[0]!.name).toBe('checkout');
    expect(Object.keys(bencher(d))[0]).toBe('checkout');
  });
});
