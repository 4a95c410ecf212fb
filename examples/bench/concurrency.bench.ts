// Concurrent throughput, pytest-benchmark's "N calls in flight" (asyncio.gather): an async call
// that waits 20 ms, kept 20 in flight. squall reports the latency of each call and the throughput;
// by Little's law the throughput is about concurrency / mean latency, here 20 / 0.020 s = 1000/s.
//
//   squall bench examples/bench/concurrency.bench.ts
import { setTimeout as sleep } from 'node:timers/promises';
import { bench } from 'squall';

/** A stand-in for a call to a service that answers in 20 ms. */
async function resolve(key: string): Promise<string> {
  await sleep(20);
  return key.toUpperCase();
}

bench(
  'resolve, 20 in flight',
  async () => {
    await resolve('a');
  },
  {
    concurrency: 20,
    time: 1000,
    // Generous: a loaded CI machine adds latency to every timer.
    budget: ['ops>500', 'p(99)<60ms'],
  },
);
