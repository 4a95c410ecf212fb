import type { MetricKind, ThresholdSource } from '../thresholds/index.js';
import type { GeneratorHealth, MonitorResource, MonitorResult } from './schema.js';

/**
 * The monitor's figures as metrics thresholds can name, e.g.
 * `target_rss_growth_mb_per_min: ["value<5"]` or `target_rss_peak_mb: ["value<1024"]`. They are
 * gauges: one value for the run, read with `value`.
 */

export const TARGET_METRICS: ReadonlyMap<string, MetricKind> = new Map<string, MetricKind>([
  ['target_rss_growth_mb_per_min', 'gauge'],
  ['target_rss_start_mb', 'gauge'],
  ['target_rss_peak_mb', 'gauge'],
  ['target_rss_end_mb', 'gauge'],
  ['target_cpu_avg_pct', 'gauge'],
  ['target_cpu_peak_pct', 'gauge'],
  ['target_threads_peak', 'gauge'],
  ['target_threads_growth_per_min', 'gauge'],
  ['target_fds_peak', 'gauge'],
  ['target_fds_growth_per_min', 'gauge'],
  /** 1 when any resource leaks, else 0: `target_leak_suspected: ["value==0"]`. */
  ['target_leak_suspected', 'gauge'],
  /** 1 when that resource leaks, else 0: `target_fds_leak_suspected: ["value==0"]`. */
  ['target_memory_leak_suspected', 'gauge'],
  ['target_fds_leak_suspected', 'gauge'],
  ['target_threads_leak_suspected', 'gauge'],
]);

const RESOURCES: readonly MonitorResource[] = ['memory', 'fds', 'threads'];

export const GENERATOR_METRICS: ReadonlyMap<string, MetricKind> = new Map<string, MetricKind>([
  ['generator_cpu_avg_pct', 'gauge'],
  ['generator_cpu_peak_pct', 'gauge'],
  ['generator_event_loop_delay_p99_ms', 'gauge'],
  ['generator_saturated', 'gauge'],
]);

function put(out: Record<string, number>, name: string, v: unknown): void {
  if (typeof v === 'number' && Number.isFinite(v)) out[name] = v;
}

/**
 * The target metrics of a monitor result, by name. A figure the platform did not measure
 * (threads and fds outside Linux) is absent, so a threshold on it fails as "no data" instead of
 * passing on a made-up zero.
 */
export function targetMetricValues(mon: MonitorResult | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  // No sample, no figure: the zeros a document carries then are placeholders, not readings.
  if (!mon || !Array.isArray(mon.samples) || mon.samples.length === 0) return out;
  // The growth is judged after the warm-up; with too few samples there (no interval), a budget
  // on it has no data rather than the slope of the warm-up itself.
  const judged = mon.rssGrowthCiMbPerMin !== null;
  if (judged) put(out, 'target_rss_growth_mb_per_min', mon.rssGrowthMbPerMin);
  put(out, 'target_rss_start_mb', mon.rssStartMb);
  put(out, 'target_rss_peak_mb', mon.rssPeakMb);
  put(out, 'target_rss_end_mb', mon.rssEndMb);
  put(out, 'target_cpu_avg_pct', mon.cpuAvgPct);
  put(out, 'target_cpu_peak_pct', mon.cpuPeakPct);
  put(out, 'target_threads_peak', mon.threadsPeak);
  put(out, 'target_threads_growth_per_min', mon.threadsGrowthPerMin);
  put(out, 'target_fds_peak', mon.fdsPeak);
  put(out, 'target_fds_growth_per_min', mon.fdsGrowthPerMin);
  if (mon.resources) Object.assign(out, leakValues(mon));
  else if (judged) {
    // Written before per-resource verdicts: memory was the only resource judged.
    out.target_leak_suspected = mon.leakSuspected ? 1 : 0;
    out.target_memory_leak_suspected = out.target_leak_suspected;
  }
  return out;
}

/**
 * The leak gauges from per-resource verdicts: 1 for a resource that leaks; 0 for one judged
 * (its slope has an interval) that does not; absent for one that could not be judged (too few
 * samples, or not measured on this platform), so that `value==0` fails as "no data" there. Any
 * leak makes `target_leak_suspected` 1; it is 0 when some resource was judged and none leaks.
 */
function leakValues(mon: MonitorResult): Record<string, number> {
  const out: Record<string, number> = {};
  const leaks = Array.isArray(mon.leaks) ? mon.leaks : [];
  for (const name of RESOURCES) {
    const r = mon.resources?.[name];
    if (!r) continue;
    if (leaks.includes(name) || r.verdict === 'leak') out[`target_${name}_leak_suspected`] = 1;
    else if (r.ciPerMin) out[`target_${name}_leak_suspected`] = 0;
  }
  const values = Object.values(out);
  if (mon.leakSuspected || values.includes(1)) out.target_leak_suspected = 1;
  else if (values.length > 0) out.target_leak_suspected = 0;
  return out;
}

export function generatorMetricValues(g: GeneratorHealth | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!g) return out;
  put(out, 'generator_cpu_avg_pct', g.cpuAvgPct);
  put(out, 'generator_cpu_peak_pct', g.cpuPeakPct);
  put(out, 'generator_event_loop_delay_p99_ms', g.eventLoopDelayP99Ms);
  out.generator_saturated = g.saturated ? 1 : 0;
  return out;
}

/** A threshold source for one of these values; undefined when it was not measured. */
export function gaugeSource(
  values: Readonly<Record<string, number>>,
  metric: string,
): ThresholdSource | undefined {
  const v = values[metric];
  if (v === undefined) return undefined;
  return { kind: 'gauge', aggregate: (agg) => (agg.method === 'value' ? v : undefined) };
}
