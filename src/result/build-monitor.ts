import type { ParsedThreshold } from '../thresholds/index.js';
import { evaluateThresholds } from '../thresholds/index.js';
import { emptyHttpMetrics, resultDocument } from './common.js';
import { gaugeSource, targetMetricValues } from './monitor-metrics.js';
import type { EndReason, MonitorResult, ResultDocument } from './schema.js';

/** What `squall monitor` knows at its end: the process watched, and nothing of any load. */
export interface MonitorRunParts {
  startedAt: Date;
  endedAt: Date;
  endReason: EndReason;
  /** The resolved settings, secrets redacted (the command's own). */
  config: Record<string, unknown>;
  thresholds: readonly ParsedThreshold[];
  monitor: MonitorResult;
}

/** The document of `squall monitor`: its thresholds read the target's figures only. */
export function buildMonitorResult(p: MonitorRunParts): ResultDocument {
  const values = targetMetricValues(p.monitor);
  const thresholds = evaluateThresholds(p.thresholds, (metric) => gaugeSource(values, metric));
  return resultDocument({
    ...p,
    durationMs: p.endedAt.getTime() - p.startedAt.getTime(),
    // Monitoring alone sends no load: the HTTP metrics are there, and empty.
    metrics: emptyHttpMetrics(),
    endpoints: [],
    errors: [],
    timeline: [],
    thresholds,
  });
}
