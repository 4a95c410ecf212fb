/**
 * A flow that never waits for I/O (only sync code, or promises that settle at once: a check, a
 * request refused before it leaves) makes a VU loop of microtasks that would starve the event
 * loop: no timer fires, so the run never ends and SIGINT is never seen. Loops report each
 * iteration here and yield a turn when too many ran without the event loop turning.
 *
 * The cost is one setImmediate per event-loop turn that ends an iteration, not one per iteration.
 */

/** Iterations allowed in one turn of the event loop before the loops must yield. */
const MAX_ITERATIONS_PER_TURN = 1000;

let sinceTurn = 0;
let pending = false;
const turned = () => {
  pending = false;
  sinceTurn = 0;
};

/** Call after each iteration; true when the caller must `await yieldTurn()` before the next. */
export function mustYield(): boolean {
  if (!pending) {
    pending = true;
    setImmediate(turned);
  }
  return ++sinceTurn > MAX_ITERATIONS_PER_TURN;
}

export function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
