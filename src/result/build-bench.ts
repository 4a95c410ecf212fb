import { type BenchSection, benchPassed } from './bench-schema.js';
import { emptyHttpMetrics, resultDocument } from './common.js';
import type { EndReason, ResultDocument } from './schema.js';

/** What `squall bench` knows at its end: the benchmarks measured, and no HTTP load. */
export interface BenchRunParts {
  startedAt: Date;
  endedAt: Date;
  endReason: EndReason;
  /** `{ command: 'bench', files, filter, timeMs }`. */
  config: Record<string, unknown>;
  warnings: string[];
  bench: BenchSection;
}

/**
 * The document of `squall bench`. It keeps the load-test fields, empty (as a monitor document
 * does), so that every reader of the family (report, merge, history) reads it without a case of
 * its own; `passed` is the bench verdict: every budget, speedup and complexity expectation held
 * and no benchmark threw.
 */
export function buildBenchResult(p: BenchRunParts): ResultDocument {
  const base = resultDocument({
    ...p,
    durationMs: p.endedAt.getTime() - p.startedAt.getTime(),
    metrics: emptyHttpMetrics(),
    endpoints: [],
    errors: [],
    timeline: [],
    thresholds: [],
  });
  return { ...base, kind: 'bench', passed: benchPassed(p.bench), warnings: p.warnings, bench: p.bench };
}
