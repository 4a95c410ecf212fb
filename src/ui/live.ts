import type { TrendHistogram } from '../metrics/trend.js';
import type { ResultDocument } from '../result/schema.js';

/**
 * What the live views (the `--ui` dashboard, the Prometheus endpoint) read from a running test.
 * They pull: a frame is built when asked (once a second by the dashboard, on each scrape by
 * Prometheus), so nothing is computed for a view nobody is looking at.
 */
export interface LiveFrame {
  /** The result document of the part that ran so far, thresholds evaluated on it. */
  doc: ResultDocument;
  elapsedMs: number;
  /** Known for duration-based tests. */
  totalMs?: number;
}

export interface LiveSource {
  frame(): LiveFrame;
  /** The HDR trends behind the document (the Prometheus exporters' histograms); they stay readable after the run. */
  trends?(): LiveTrends;
  /** Ends the test as Ctrl-C does: stop starting work, write every output, exit 130. */
  stop(): void;
}

/** A running live view; `finish` hands it the final document once every output is written. */
export interface LiveView {
  readonly url: string;
  finish(doc: ResultDocument): Promise<void>;
  close(): Promise<void>;
}

/** Durations per endpoint (by name) and run-wide trends by metric name. */
export interface LiveTrends {
  endpoints: ReadonlyArray<{ name: string; method: string; duration: TrendHistogram }>;
  run: Partial<Record<string, TrendHistogram>>;
}
