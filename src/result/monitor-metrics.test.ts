import { describe, expect, it } from 'vitest';
import { leakingMonitor, resourceVerdict } from '../../test/helpers/monitor-docs.js';
import { buildMonitorResult } from '../monitor/verdict.js';
import { evaluateThresholds, parseThreshold, validateThresholds } from '../thresholds/index.js';
import { gaugeSource, TARGET_METRICS, targetMetricValues } from './monitor-metrics.js';
import type { MonitorSample } from './schema.js';

function result(samples: MonitorSample[]) {
  return buildMonitorResult(
    { pid: 7, samples, durationSec: samples.length, intervalMs: 1000, tree: false, source: 'procfs' },
    { warmupMs: 0 },
  );
}

const leak = Array.from({ length: 60 }, (_, i) => ({
  t: i + 1,
  rssMb: 100 + i * 0.5,
  cpuPct: 5,
  threads: 9,
  fds: 30,
}));

describe('target metrics for thresholds', () => {
  it('answers each name with the figure of the monitor result', () => {
    const mon = result(leak);
    const values = targetMetricValues(mon);
    expect(values).toMatchObject({
      target_rss_growth_mb_per_min: mon.rssGrowthMbPerMin,
      target_rss_peak_mb: mon.rssPeakMb,
      target_rss_start_mb: mon.rssStartMb,
      target_rss_end_mb: mon.rssEndMb,
      target_cpu_avg_pct: mon.cpuAvgPct,
      target_threads_peak: 9,
      target_fds_peak: 30,
      target_leak_suspected: 1,
    });
    for (const name of Object.keys(values)) expect(TARGET_METRICS.has(name), name).toBe(true);
  });

  it("evaluates k6-style gauge thresholds such as 'value<5'", () => {
    const mon = result(leak);
    const values = targetMetricValues(mon);
    const list = [
      parseThreshold('target_rss_growth_mb_per_min', 'value<5'),
      parseThreshold('target_rss_peak_mb', 'value<1024'),
    ];
    validateThresholds(list, TARGET_METRICS);
    expect(evaluateThresholds(list, (m) => gaugeSource(values, m))).toEqual([
      {
        metric: 'target_rss_growth_mb_per_min',
        expr: 'value<5',
        ok: false,
        actual: mon.rssGrowthMbPerMin,
        aggregation: 'value',
      },
      {
        metric: 'target_rss_peak_mb',
        expr: 'value<1024',
        ok: true,
        actual: mon.rssPeakMb,
        aggregation: 'value',
      },
    ]);
  });

  it('leaves out what was not measured, so a threshold on it fails as no data', () => {
    const values = targetMetricValues(result(leak.map((s) => ({ ...s, threads: null, fds: null }))));
    expect(values.target_fds_peak).toBeUndefined();
    const [r] = evaluateThresholds([parseThreshold('target_fds_peak', 'value<100')], (m) =>
      gaugeSource(values, m),
    );
    expect(r).toMatchObject({ ok: false, actual: null });
    expect(targetMetricValues(null)).toEqual({});
  });

  it('has no data, not zeros, when no sample was taken', () => {
    const empty = result([]);
    expect(empty.rssPeakMb).toBe(0);
    expect(empty.reasons[0]).toContain('monitoring ended within the first interval');
    expect(targetMetricValues(empty)).toEqual({});
    const [r] = evaluateThresholds([parseThreshold('target_rss_peak_mb', 'value<1024')], (m) =>
      gaugeSource(targetMetricValues(empty), m),
    );
    expect(r).toMatchObject({ ok: false, actual: null });
  });

  it('has no growth figure (nor a leak flag) when the warm-up left too few samples to judge', () => {
    // Steep start-up growth, all of it inside the warm-up.
    const startup = leak.slice(0, 8).map((s) => ({ ...s, rssMb: 50 + s.t * 5 }));
    const mon = buildMonitorResult(
      { pid: 7, samples: startup, durationSec: 8, intervalMs: 1000, tree: false, source: 'procfs' },
      { warmupMs: 6000 },
    );
    expect(mon.verdict).toBe('inconclusive');
    expect(mon.rssGrowthCiMbPerMin).toBeNull();
    const values = targetMetricValues(mon);
    expect(values.target_rss_growth_mb_per_min).toBeUndefined();
    expect(values.target_leak_suspected).toBeUndefined();
    expect(values.target_rss_peak_mb).toBe(mon.rssPeakMb);
  });

  it('has a leak gauge per resource, and target_leak_suspected is 1 when any of them leaks', () => {
    const mon = leakingMonitor();
    const values = targetMetricValues(mon);
    expect(values).toMatchObject({
      target_leak_suspected: 1,
      target_memory_leak_suspected: 1,
      target_fds_leak_suspected: 1,
      target_threads_leak_suspected: 0,
    });
    for (const name of Object.keys(values)) expect(TARGET_METRICS.has(name), name).toBe(true);
    const list = ['target_fds_leak_suspected', 'target_threads_leak_suspected', 'target_leak_suspected'].map(
      (m) => parseThreshold(m, 'value==0'),
    );
    validateThresholds(list, TARGET_METRICS);
    expect(
      evaluateThresholds(list, (m) => gaugeSource(values, m)).map((r) => [r.metric, r.ok, r.actual]),
    ).toEqual([
      ['target_fds_leak_suspected', false, 1],
      ['target_threads_leak_suspected', true, 0],
      ['target_leak_suspected', false, 1],
    ]);

    // Only descriptors leak: the run-wide gauge still says so.
    const fdsOnly = {
      ...mon,
      leaks: ['fds' as const],
      resources: { ...mon.resources!, memory: resourceVerdict('healthy', 'MiB', 'Memory stays at 100 MiB.') },
    };
    expect(targetMetricValues(fdsOnly)).toMatchObject({
      target_leak_suspected: 1,
      target_memory_leak_suspected: 0,
      target_fds_leak_suspected: 1,
    });
  });

  it('leaves a resource without a judgement (too few samples, not measured) out of the leak gauges', () => {
    const mon = leakingMonitor();
    const values = targetMetricValues({
      ...mon,
      leakSuspected: false,
      leaks: [],
      resources: {
        memory: resourceVerdict('inconclusive', 'MiB', 'Too few samples.', { ciPerMin: null }),
        fds: null,
        threads: resourceVerdict('healthy', 'threads', 'Threads stay at 12.'),
      },
    });
    expect(values.target_memory_leak_suspected).toBeUndefined();
    expect(values.target_fds_leak_suspected).toBeUndefined();
    expect(values.target_threads_leak_suspected).toBe(0);
    expect(values.target_leak_suspected).toBe(0);
  });

  it('reads a document older than per-resource verdicts as a memory verdict', () => {
    const { resources: _r, leaks: _l, ...old } = leakingMonitor();
    const values = targetMetricValues(old);
    expect(values.target_leak_suspected).toBe(1);
    expect(values.target_memory_leak_suspected).toBe(1);
    expect(values.target_fds_leak_suspected).toBeUndefined();
  });
});
