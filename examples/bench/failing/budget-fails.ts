// A budget that fails on purpose, to see what a failure looks like: squall bench exits 99 and
// prints the budget, the measured figure and ✗.
//
// This file is NOT run by `squall bench` or `squall bench examples/bench`: its name does not end
// in .bench.ts, so discovery skips it. Name it to run it:
//
//   squall bench examples/bench/failing/budget-fails.ts     # exits 99
import { bench } from 'squall';

/** About 2 ms of work: a busy wait on the high-resolution clock. */
function work(): void {
  const end = process.hrtime.bigint() + 2_000_000n;
  while (process.hrtime.bigint() < end) {
    // spin
  }
}

bench('2 ms of work', work, {
  // The first passes (the mean is about 2 ms); the other two fail on purpose: a 2 ms function
  // makes about 500 calls a second, and its mean is not under 1 ms.
  budget: ['mean<10ms', 'ops>1000', 'mean<1ms'],
  time: 200,
});
