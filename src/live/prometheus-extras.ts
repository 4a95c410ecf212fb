import { customMetrics } from '../metrics/custom.js';
import type { HttpMetrics } from '../metrics/http-metrics.js';
import type { HistogramData } from '../report/prometheus-histogram.js';
import {
  type CustomMetricData,
  histogramKey,
  type PrometheusExtras,
  type PrometheusNames,
} from '../report/prometheus-model.js';
import type { TrendHistogram } from '../util/trend-histogram.js';
import type { LiveTrends } from './live.js';

/** The run's HTTP trends for the Prometheus exporters; `more` adds others (iteration_duration). */
export function httpLiveTrends(
  m: HttpMetrics,
  more: Partial<Record<string, TrendHistogram>> = {},
): LiveTrends {
  const duration = m.totalDuration();
  return {
    endpoints: m.endpoints.map((ep) => ({ name: ep.name, method: ep.method, duration: ep.duration() })),
    run: {
      http_req_duration: duration,
      http_req_waiting: m.waiting,
      http_req_connecting: m.connecting,
      ...(m.tlsHandshaking.count > 0 ? { http_req_tls_handshaking: m.tlsHandshaking } : {}),
      http_req_service_duration: m.openModel ? m.service : duration,
      ...more,
    },
  };
}

/**
 * A trend's HDR buckets in the exported unit. Trends record integer microseconds of the value
 * (milliseconds for durations): `usPerUnit` 1e6 gives seconds, 1e3 the value's own unit.
 */
export function histogramOf(t: TrendHistogram, usPerUnit: number): HistogramData {
  const h = t.histogram as unknown as {
    recordedValuesIterator: {
      reset(): void;
      hasNext(): boolean;
      next(): { valueIteratedTo: number; countAtValueIteratedTo: number };
    };
    lowestEquivalentValue(v: number): number;
  };
  const ranges: Array<[number, number, number]> = [];
  if (t.count > 0) {
    const it = h.recordedValuesIterator;
    it.reset();
    while (it.hasNext()) {
      const v = it.next();
      ranges.push([
        h.lowestEquivalentValue(v.valueIteratedTo) / usPerUnit,
        v.valueIteratedTo / usPerUnit,
        v.countAtValueIteratedTo,
      ]);
    }
  }
  return { count: t.count, sum: (t.meanMs() * t.count * 1000) / usPerUnit, ranges };
}

/** Every custom metric of the test script, each tag combination a series. */
function customData(): CustomMetricData[] {
  return customMetrics().map((m) => ({
    name: m.name,
    kind: m.kind,
    isTime: m.isTime,
    series: [m.untagged, ...m.tagged.values()].map((s) => ({
      tags: s.tags,
      samples: s.samples,
      value: m.kind === 'counter' ? s.sum : m.kind === 'rate' ? s.trues : s.last,
      ...(s.trend && s.samples > 0
        ? { histogram: histogramOf(s.trend, m.isTime ? 1e6 : 1e3), summary: s.trend.summary() }
        : {}),
    })),
  }));
}

/** What the exporters read beyond the document, now. */
export function prometheusExtras(trends: LiveTrends | undefined, names: PrometheusNames): PrometheusExtras {
  return {
    names,
    custom: customData(),
    ...(trends
      ? {
          histograms: {
            endpoints: new Map(
              trends.endpoints.map((e) => [histogramKey(e.method, e.name), histogramOf(e.duration, 1e6)]),
            ),
            run: Object.fromEntries(
              Object.entries(trends.run)
                .filter((e): e is [string, TrendHistogram] => e[1] !== undefined)
                .map(([k, t]) => [k, histogramOf(t, 1e6)]),
            ),
          },
        }
      : {}),
  };
}
