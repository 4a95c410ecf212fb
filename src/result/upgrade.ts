import { metricKind, metricUnit, thresholdLabel } from '../util/figures.js';
import type { MetricMeta, Metrics, ResultDocument } from './schema.js';

/**
 * The one place where a document older than schema 2 gets what schema 2 says on every metric and
 * threshold: a metric's `kind` and `unit` (from its fields and k6's known units), a threshold's
 * `aggregation` (from its expression). Renderers then read those fields and never guess. What
 * cannot be made up (histograms, per-endpoint timelines) stays absent. A document that has them
 * is returned as it is.
 */
export function upgradeResult(doc: ResultDocument): ResultDocument {
  let metrics: Metrics | undefined;
  for (const [name, m] of Object.entries(doc.metrics)) {
    if (m.kind !== undefined && m.unit !== undefined) continue;
    metrics ??= { ...doc.metrics };
    const kind = m.kind ?? metricKind(m);
    const meta: MetricMeta =
      kind === 'unknown' ? {} : { kind, unit: m.unit ?? metricUnit(name, { ...m, kind }) };
    metrics[name] = { ...meta, ...m, ...meta };
  }
  const needsAggregation = doc.thresholds.some((t) => t.aggregation === undefined);
  if (metrics === undefined && !needsAggregation) return doc;
  return {
    ...doc,
    metrics: metrics ?? doc.metrics,
    thresholds: needsAggregation
      ? doc.thresholds.map((t) =>
          t.aggregation === undefined ? { ...t, aggregation: thresholdLabel(t.expr) } : t,
        )
      : doc.thresholds,
  };
}
