/**
 * One worker thread of `squall bench --workers N` (bench-threads.ts starts it): loads the bench
 * file again in this thread, finds the one concurrent bench it is given and runs its share of the
 * calls in flight, holding after its warm-up until the parent says every thread is warm.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { importTestModule } from '../config/load-module.js';
import { sampleConcurrent } from '../engine/bench/concurrency.js';
import { type BenchRegistration, benchRegistry } from '../script-api/bench.js';
import type { BenchThreadTask, FromBenchThread } from './bench-protocol.js';

const port = parentPort;
if (port === null)
  throw new Error('bench-thread.js runs only as a worker thread of `squall bench --workers`');
const task = workerData as BenchThreadTask;
const post = (m: FromBenchThread) => port.postMessage(m);

/** Settled by the parent's `go`: every thread has warmed up. */
let go!: () => void;
const allWarm = new Promise<void>((resolve) => {
  go = resolve;
});
port.on('message', (m: { type: 'go' }) => {
  if (m.type === 'go') go();
});

async function main(): Promise<void> {
  const registry = benchRegistry();
  await importTestModule(task.abs, task.rel);
  const b = registry.entries.find(
    (e): e is BenchRegistration => e.kind === 'bench' && e.group === task.group && e.name === task.name,
  );
  if (b === undefined)
    throw new Error(`bench '${task.name}' is not registered by ${task.rel} in this thread`);
  const o = b.options;
  const raw = await sampleConcurrent(b.fn, {
    concurrency: task.concurrency,
    time: task.time,
    iterations: task.iterations,
    warmup: o.warmup,
    setup: o.setup,
    teardown: o.teardown,
    beforeSample: () => {
      post({ type: 'warm' });
      return allWarm;
    },
  });
  post({
    type: 'raw',
    raw: {
      ...raw,
      error: raw.error === null ? null : { phase: raw.error.phase, message: raw.error.message },
    },
  });
}

main().catch((e: unknown) => {
  post({ type: 'failed', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
});
