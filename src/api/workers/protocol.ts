/**
 * What the parent of `--workers N` and its worker threads say to each other. Everything here
 * crosses postMessage (structured clone): plain data only, no functions, no class instances.
 */

import type { Share } from '../../engine/share.js';
import type { ErrorLocation } from '../../errors/index.js';
import type { LiveDecision } from '../../live/live.js';
import type { ResultDocument } from '../../result/schema.js';
import type { QuickFlags } from '../quick.js';
import type { RunSessionFlags } from '../run.js';

/** How often a worker says it is alive (its event loop turns): the parent's test of a stuck thread. */
export const ALIVE_MS = 500;

/** What a worker is handed when it starts (workerData). */
export type WorkerTask =
  | {
      kind: 'run';
      /** The test file as the user named it, from `cwd`: the document names it so. */
      file: string;
      cwd: string;
      /** `squall run`'s flags, outputs and live views removed: the parent owns those. */
      flags: RunSessionFlags;
      share: Share;
      env: Record<string, string | undefined>;
      /** Int32Array over it: [0] = 1 + the index of the scenario whose code the worker last entered (0: none). */
      where: SharedArrayBuffer;
      /** The guard of a plain `squall run`: this one thread runs the whole test (WorkerHooks.whole). */
      whole: boolean;
    }
  | {
      kind: 'quick';
      /** `squall quick`'s flags, outputs and live views removed. */
      flags: QuickFlags;
      url: string | undefined;
      share: Share;
      env: Record<string, string | undefined>;
      where: SharedArrayBuffer;
    };

/** Parent → worker. */
export type ToWorker =
  /** Ctrl-C, SIGTERM, the dashboard's Stop, or another worker that failed: end now, send what ran. */
  | { type: 'stop' }
  /** A stop rule judged on the merged figures (abortOnFail, breakpoint): end as it says. */
  | { type: 'abort'; decision: LiveDecision }
  /** Worker 0's setup() data, for the other workers (setup-once.ts). */
  | { type: 'setup'; data: unknown }
  /** To worker 0: every worker's load is over, teardown() may run. */
  | { type: 'allLoadsEnded' };

/** A SquallError as it crosses the thread boundary. */
export interface WireError {
  code: string | undefined;
  message: string;
  hint?: string;
  where?: ErrorLocation;
  stack?: string;
}

/** Worker → parent. */
export type FromWorker =
  | { type: 'stderr'; text: string }
  /** About once a second: this worker's document so far (a shard document), for the merged live figures. */
  | { type: 'frame'; elapsedMs: number; doc: ResultDocument }
  /** Worker 0: what setup() returned, for the others. */
  | { type: 'setup'; data: unknown }
  /** This worker's load is over (its teardown point). */
  | { type: 'loadEnded' }
  /** The run is over: the worker's final document (null when nothing ran), then its exit. */
  | {
      type: 'done';
      exitCode: number;
      doc: ResultDocument | null;
      error?: WireError;
      /** The guard's thread: the notes its run ends with (stopped early, warnings), said with the summary. */
      notes?: readonly string[];
    }
  /** Twice a second while the thread's event loop turns: a thread silent after a stop is stuck. */
  | { type: 'alive' };

export function toWire(e: unknown): WireError {
  if (typeof e === 'object' && e !== null) {
    const x = e as { code?: unknown; message?: unknown; hint?: unknown; where?: unknown; stack?: unknown };
    return {
      code: typeof x.code === 'string' ? x.code : undefined,
      message: typeof x.message === 'string' ? x.message : String(e),
      ...(typeof x.hint === 'string' ? { hint: x.hint } : {}),
      ...(typeof x.where === 'object' && x.where !== null ? { where: x.where as ErrorLocation } : {}),
      ...(typeof x.stack === 'string' ? { stack: x.stack } : {}),
    };
  }
  return { code: undefined, message: String(e) };
}
