import { Worker } from 'node:worker_threads';
import { mergeConcurrent } from '../engine/bench/concurrency.js';
import type { RawConcurrent } from '../engine/bench/raw.js';
import { scaleCount } from '../engine/share.js';
import type { BenchThreadTask, FromBenchThread, WireConcurrent } from './bench-protocol.js';

const THREAD_URL = new URL('./bench-thread.js', import.meta.url);

/**
 * A concurrent bench (`concurrency: N`) over `workers` threads (`squall bench --workers`): thread
 * i keeps share i of the N calls in flight (7 over 2 are 4 + 3) and makes share i of a call
 * count, exactly; their timed windows start together once all are warm; the figures merge into
 * one (mergeConcurrent). No more threads than calls in flight.
 */
export async function sampleInThreads(
  bench: { abs: string; rel: string; group: string | null; name: string },
  o: { concurrency: number; time: number; iterations: number | undefined },
  workers: number,
): Promise<WireConcurrent> {
  const count = Math.min(workers, o.concurrency);
  const tasks: BenchThreadTask[] = Array.from({ length: count }, (_, index) => ({
    ...bench,
    concurrency: scaleCount(o.concurrency, { index, count }),
    time: o.time,
    iterations: o.iterations === undefined ? undefined : scaleCount(o.iterations, { index, count }),
  }));
  const threads = tasks.map((task) => new Worker(THREAD_URL, { workerData: task }));
  let warm = 0;
  const ready = () => {
    // A thread that ended before its window (setup threw) holds no one back.
    if (++warm === threads.length) for (const t of threads) t.postMessage({ type: 'go' });
  };
  const parts = await Promise.all(
    threads.map(
      (t, i) =>
        new Promise<WireConcurrent>((resolve) => {
          let settled = false;
          const end = (raw: WireConcurrent) => {
            if (settled) return;
            settled = true;
            ready();
            resolve(raw);
          };
          const failed = (message: string) =>
            end({ ...emptyRaw(tasks[i]!.concurrency), error: { phase: 'sample', message } });
          t.on('message', (m: FromBenchThread) => {
            if (m.type === 'warm') ready();
            else if (m.type === 'raw') {
              settled = true;
              resolve(m.raw);
            } else failed(`thread ${i + 1} of ${threads.length}: ${m.message}`);
          });
          t.on('error', (e) => failed(`thread ${i + 1} of ${threads.length} crashed: ${e.message}`));
          t.on('exit', (code) =>
            failed(`thread ${i + 1} of ${threads.length} exited (code ${code}) before its figures`),
          );
        }),
    ),
  );
  await Promise.all(threads.map((t) => t.terminate()));
  // The errors crossed as plain { phase, message }: merged as they are.
  return mergeConcurrent(parts as unknown as RawConcurrent[]) as unknown as WireConcurrent;
}

function emptyRaw(concurrency: number): Omit<WireConcurrent, 'error'> {
  return {
    kind: 'concurrent',
    concurrency,
    latencies: [],
    completed: 0,
    windowMs: 0,
    opsPerSecond: 0,
    peakInFlight: 0,
    warmupIterations: 0,
  };
}
