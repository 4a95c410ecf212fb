/**
 * The entry of one worker thread of `--workers N` (run-workers.ts starts it). It runs its share
 * of the load as a run in the parent would (the same test file, resolved again here, recorded
 * into its own metrics), sends its document so far each second and its final one at the end,
 * and stops when the parent says so. Test code runs only here: whatever it does, the parent's
 * event loop stays free to answer Ctrl-C.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { LiveDecision } from '../../live/live.js';
import type { ResultDocument } from '../../result/schema.js';
import type { SessionIO } from '../io.js';
import type { WorkerHooks } from '../run-http-test.js';
import { recentFrame } from './frame.js';
import { ALIVE_MS, type FromWorker, type ToWorker, toWire, type WorkerTask } from './protocol.js';
import { type SetupChannel, setupOnce } from './setup-once.js';
import { markScenarios } from './stuck.js';

/**
 * Seconds of timeline in each frame: the parent keeps the merged seconds, so a frame needs only
 * the ones that may have changed (the last, and one or two that reached the parent late).
 */
const FRAME_SECONDS = 3;

const port = parentPort;
if (port === null) throw new Error('run-worker.js runs only as a worker thread of `--workers`');
const task = workerData as WorkerTask;
const post = (m: FromWorker) => port.postMessage(m);

/** A promise and its settlers (Promise.withResolvers is Node 22's). */
function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const stop = new AbortController();
let decision: LiveDecision | undefined;
/** Settled by the parent's messages; a stop settles them too, so no hook waits for ever. */
const setupData = deferred<unknown>();
const loadsEnded = deferred<void>();
setupData.promise.catch(() => {});
stop.signal.addEventListener('abort', () => {
  setupData.reject(new Error('the run was stopped before setup() finished'));
  loadsEnded.resolve();
});
port.on('message', (m: ToWorker) => {
  if (m.type === 'stop') stop.abort();
  else if (m.type === 'abort') decision = m.decision;
  else if (m.type === 'setup') setupData.resolve(m.data);
  else loadsEnded.resolve();
});
const channel: SetupChannel = {
  shareData: (data) => post({ type: 'setup', data }),
  data: () => setupData.promise,
  loadEnded: () => post({ type: 'loadEnded' }),
  allLoadsEnded: () => loadsEnded.promise,
};

const io: SessionIO = {
  // A flow's console.log goes to the process's stdout as it does without workers; squall's own
  // stdout (the summary, --json) is the parent's.
  stdout: { write: () => true },
  stderr: { write: (text: string) => post({ type: 'stderr', text: String(text) }) },
  signals: { on: () => undefined, off: () => undefined },
  env: task.env,
  forceExit: () => undefined,
};

let final: ResultDocument | null = null;
let finalNotes: readonly string[] | undefined;
const hooks: WorkerHooks = {
  share: task.share,
  whole: task.kind === 'run' && task.whole,
  frame(elapsedMs, build) {
    post({ type: 'frame', elapsedMs, doc: recentFrame(build(), FRAME_SECONDS) });
  },
  decision() {
    const d = decision;
    decision = undefined;
    return d;
  },
  finished(doc, notes) {
    final = doc;
    finalNotes = notes;
  },
  prepare: (plan) => setupOnce(markScenarios(plan, new Int32Array(task.where)), task.share.index, channel),
};

/** The parent tells a slow teardown from a loop that never yields by these. */
const alive = setInterval(() => post({ type: 'alive' }), ALIVE_MS);
alive.unref();

async function main(): Promise<void> {
  try {
    let exitCode: number;
    if (task.kind === 'run') {
      const { runSession } = await import('../run.js');
      ({ exitCode } = await runSession(task.file, task.flags, io, {
        signal: stop.signal,
        worker: hooks,
        cwd: task.cwd,
      }));
    } else {
      const { quickSession } = await import('../quick.js');
      ({ exitCode } = await quickSession(task.url, task.flags, io, { signal: stop.signal, worker: hooks }));
    }
    post({ type: 'done', exitCode, doc: final, notes: finalNotes });
  } catch (e) {
    post({ type: 'done', exitCode: 1, doc: final, error: toWire(e), notes: finalNotes });
  }
  clearInterval(alive);
  // Nothing of the run is left (connections destroyed): the thread ends once the port lets go.
  port!.unref();
}

void main();
