/**
 * The one snapshot of a running test that live views (progress, dashboard, Prometheus) get about
 * once a second, from either engine.
 */

/** What the engine knows about a running test, about once a second. */
export interface LiveSnapshot {
  elapsedMs: number;
  /** Known for duration-based tests; absent for iteration- or request-count tests. */
  totalMs?: number;
  /**
   * Known for count-bounded tests (`quick -n`, iteration executors): how many of `total` are done.
   * A count-bounded test has no meaningful time total, so this, not a made-up one, is its progress.
   */
  count?: LiveCount;
  requests: number;
  rps: number;
  p95Ms: number | null;
  errors: number;
  vus: number;
}

export interface LiveCount {
  done: number;
  total: number;
  /** `reqs` or `iterations`. */
  unit: string;
}
