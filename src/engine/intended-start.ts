/**
 * The coordinated-omission rule (DESIGN.md; wrt2's correction): in the open model a request's
 * duration counts from when it was meant to start, so time spent waiting for a free VU or
 * connection, or behind a stalled server, is measured rather than omitted. A request that went
 * out before its intended time (quick sends up to EARLY_MS early) counts from its send. Both
 * engines measure through this one function; transports only report when they sent.
 *
 * `intendedAt` is a performance.now() time, 0 when there is none (the closed model).
 */
export function measuredFrom(sentAt: number, intendedAt: number): number {
  return intendedAt > 0 && intendedAt < sentAt ? intendedAt : sentAt;
}
