import type { LiveSnapshot } from '../engine/live-snapshot.js';
import type { ResultDocument } from '../result/schema.js';
import type { SignalSource } from '../util/io-types.js';
import type { LiveConsumer, LiveDecision, LiveSource } from './live.js';

/**
 * Drives every live consumer of a session (progress, the dashboard, the Prometheus endpoints,
 * abortOnFail, the breakpoint's stop conditions) through one start / snapshot / stop cycle, as
 * k6's output manager does: started in order before the load, a snapshot to each about once a
 * second, stopped together.
 */
export interface LiveManager {
  /** Hands the snapshot to every consumer; the first decision to end the run, once. */
  snapshot(snap: LiveSnapshot): LiveDecision | undefined;
  /** The load is over: consumers bound to it (progress clears its line) stop now. */
  loadEnded(): Promise<void>;
  /** Every output is written: the rest get the final document (null when nothing ran) and stop. */
  finish(doc: ResultDocument | null): Promise<void>;
}

/** Consumers that end with the load rather than with the outputs. */
export interface LoadBound {
  readonly untilLoadEnds?: boolean;
}

/**
 * Starts the consumers in order. If one cannot start (a port in use: a bad flag, exit 2), those
 * already started are stopped and the error goes up before any load is sent.
 */
export async function startLive(
  consumers: ReadonlyArray<LiveConsumer & LoadBound>,
  source: LiveSource,
): Promise<LiveManager> {
  const started: Array<LiveConsumer & LoadBound> = [];
  try {
    for (const c of consumers) {
      await c.start(source);
      started.push(c);
    }
  } catch (e) {
    await Promise.allSettled(started.map(async (c) => c.stop(null)));
    throw e;
  }
  let decided = false;
  let loadOver = false;
  const stopAll = (list: ReadonlyArray<LiveConsumer>, doc: ResultDocument | null) =>
    Promise.allSettled(list.map(async (c) => c.stop(doc)));
  const manager: LiveManager = {
    snapshot(snap) {
      let decision: LiveDecision | undefined;
      for (const c of started) {
        // Answered once: the first crossing is the one the run stopped on, so no rule is asked after it.
        if (c.rule && decided) continue;
        try {
          const d = c.snapshot?.(snap);
          if (d && !decided) {
            decided = true;
            decision = d;
          }
        } catch {
          // A consumer that throws costs its own view, never the run.
        }
      }
      return decision;
    },
    async loadEnded() {
      if (loadOver) return;
      loadOver = true;
      await stopAll(
        started.filter((c) => c.untilLoadEnds),
        null,
      );
    },
    async finish(doc) {
      await manager.loadEnded();
      await stopAll(
        started.filter((c) => !c.untilLoadEnds),
        doc,
      );
    },
  };
  return manager;
}

/**
 * Waits `ms`, or until SIGINT/SIGTERM. The run is over and every output written, so a signal
 * here only shortens the wait: the run's own exit code stands (not 130).
 */
export function lingerFor(ms: number, signals: SignalSource): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signals.off('SIGINT', done);
      signals.off('SIGTERM', done);
      resolve();
    };
    // setTimeout fires at once past 2^31-1 ms (24.8 days): hold a longer linger at that.
    const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
    signals.on('SIGINT', done);
    signals.on('SIGTERM', done);
  });
}

/** `15s`, `1m30s`, `500ms`: the linger as the user would write it. */
export function formatLinger(ms: number): string {
  if (ms % 1000 !== 0) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s}s`;
  return s % 60 === 0 ? `${s / 60}m` : `${Math.floor(s / 60)}m${s % 60}s`;
}
