import { performance } from 'node:perf_hooks';
import type { Exchange } from './exchange.js';

/**
 * The requests in flight under one VU signal, as an intrusive list (no hashing per request), so
 * that the signal needs one abort listener, not one per request; and one timer for all their
 * timeouts, not one per request (a Timeout and its list insertion cost more than the lean
 * transport's whole request). The timer is due at or before the earliest deadline; when it
 * fires it times out what is due and re-arms for the rest.
 */
export interface InFlight {
  head: Exchange | null;
  timer: NodeJS.Timeout | null;
  /** performance.now() ms at which `timer` fires. */
  due: number;
}

const watched = new WeakMap<AbortSignal, InFlight>();

export function watch(signal: AbortSignal): InFlight {
  let list = watched.get(signal);
  if (list === undefined) {
    const l: InFlight = { head: null, timer: null, due: 0 };
    list = l;
    watched.set(signal, l);
    signal.addEventListener(
      'abort',
      () => {
        for (let ex = l.head; ex !== null; ex = l.head) ex.cancel(signal.reason);
      },
      { once: true },
    );
  }
  return list;
}

export function armTimer(list: InFlight, deadline: number, now: number): void {
  if (list.timer !== null) clearTimeout(list.timer);
  // Node's timers count whole milliseconds: round up, never fire before the deadline.
  list.timer = setTimeout(sweep, Math.max(1, Math.ceil(deadline - now)), list);
  list.due = deadline;
}

function sweep(list: InFlight): void {
  list.timer = null;
  const now = performance.now();
  let next = Number.POSITIVE_INFINITY;
  for (let ex = list.head; ex !== null; ) {
    const after = ex.next;
    if (ex.deadline <= now) ex.timeout();
    else if (ex.deadline < next) next = ex.deadline;
    ex = after;
  }
  if (next !== Number.POSITIVE_INFINITY && list.timer === null) armTimer(list, next, now);
}
