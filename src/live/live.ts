import type { LiveSnapshot } from '../engine/live-snapshot.js';
import type { ResultDocument } from '../result/schema.js';
import type { TrendHistogram } from '../util/trend-histogram.js';

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

/** What a consumer may ask of the run at a snapshot: end it (abortOnFail, a breakpoint's limit). */
export interface LiveDecision {
  reason: string;
  /** Stop starting iterations and let running ones finish (their latencies are the evidence). */
  graceful?: boolean;
}

/**
 * One consumer of a running session (k6's output): started before the load, handed a snapshot
 * about once a second, stopped with the final document (null when nothing ran) once every file
 * output is written. Views that pull (the dashboard, a scrape endpoint) read `source` when asked
 * and ignore snapshots; progress and the stop rules live off them.
 */
export interface LiveConsumer {
  readonly name: string;
  /** A stop rule (abortOnFail, breakpoint): asked only until some rule has ended the run. */
  readonly rule?: boolean;
  start(source: LiveSource): Promise<void> | void;
  snapshot?(snap: LiveSnapshot): LiveDecision | undefined;
  stop(doc: ResultDocument | null): Promise<void> | void;
}
