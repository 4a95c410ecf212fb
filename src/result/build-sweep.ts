import { emptyHttpMetrics, resultDocument } from './common.js';
import type { EndReason, ResultDocument, ThresholdResult } from './schema.js';
import type { SweepSection } from './sweep-schema.js';

/** What `squall sweep` knows at its end: every level measured, and the sweep's own thresholds. */
export interface SweepRunParts {
  startedAt: Date;
  endedAt: Date;
  endReason: EndReason;
  config: Record<string, unknown>;
  /** Thresholds on the sweep's figures (`sweep_capacity:value>=20`), evaluated. */
  thresholds: ThresholdResult[];
  /** False when the sweep could not measure the service at all (its first level failed wholly). */
  measured: boolean;
  sweep: SweepSection;
}

/**
 * The document of `squall sweep`. Like a bench document it keeps the load-test fields, empty:
 * a sweep is many loads, each level's figures are in `sweep.levels`. `passed`: the sweep's
 * thresholds held, some level held the per-level thresholds (when there are any), and the
 * service was measured.
 */
export function buildSweepResult(p: SweepRunParts): ResultDocument {
  const base = resultDocument({
    ...p,
    durationMs: p.endedAt.getTime() - p.startedAt.getTime(),
    metrics: emptyHttpMetrics(),
    endpoints: [],
    errors: [],
    timeline: [],
  });
  const passed = base.passed && p.measured && p.sweep.capacity !== 0;
  return { ...base, kind: 'sweep', passed, sweep: p.sweep };
}
