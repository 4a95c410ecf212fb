import { describe, expect, it } from 'vitest';
import type { MonitorSample } from '../result/schema.js';
import { evaluateThresholds, parseThreshold, validateThresholds } from '../thresholds/index.js';
import { gaugeSource, TARGET_METRICS, targetMetricValues } from './metric-values.js';
import { buildMonitorResult } from './verdict.js';

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
      { metric: 'target_rss_growth_mb_per_min', expr: 'value<5', ok: false, actual: mon.rssGrowthMbPerMin },
      { metric: 'target_rss_peak_mb', expr: 'value<1024', ok: true, actual: mon.rssPeakMb },
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
});
