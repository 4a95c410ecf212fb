/**
 * The generator's main signal of its own lateness: how long after its scheduled time a request
 * (or an iteration) actually went out. The engines report each batch's oldest lateness here; the
 * generator-health sampler reads and resets the worst of each second. A module-level maximum, so
 * that the hot path pays one comparison and the engines need no handle on the monitor.
 */
let worstMs = 0;

/** A request or iteration scheduled for `lateByMs` ago goes out now. */
export function noteSendLag(lateByMs: number): void {
  if (lateByMs > worstMs) worstMs = lateByMs;
}

/** The worst lateness since the last call, and start over. */
export function takeSendLag(): number {
  const w = worstMs;
  worstMs = 0;
  return w;
}
