import { median } from '../../monitor/theil-sen.js';

/** Allocation rounds: the median of these is reported. */
const ROUNDS = 7;
/** Calls per allocation round at most, so that a round rarely outgrows the young generation. */
const MAX_CALLS = 1000;

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/**
 * Heap bytes allocated per call, estimated from `heapUsed` before and after a batch of m calls
 * (m = min(k, 1000)), less the same reading around an empty batch (the reading itself and the
 * loop allocate a little). With `global.gc` each round starts from a collected heap, so a round
 * that allocates less than the young generation sees no collection. A round whose heap shrank
 * saw a collection and is dropped; the median of the rest is returned, null when none is left.
 *
 * Limits: a collection in the middle of a round that still ends above its start makes that
 * round read low (likeliest without --expose-gc or for calls allocating megabytes); memory
 * outside the V8 heap (Buffers, ArrayBuffers) is not counted; allocations the JIT removes by
 * escape analysis are not counted, and are not made either.
 */
export async function heapBytesPerOp(
  batch: (k: number) => number | Promise<number>,
  k: number,
): Promise<number | null> {
  const m = Math.min(k, MAX_CALLS);
  const round = async (calls: number): Promise<number | undefined> => {
    globalThis.gc?.();
    const before = heapUsed();
    await batch(calls);
    const grown = heapUsed() - before;
    return grown >= 0 ? grown : undefined;
  };
  const base: number[] = [];
  const used: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const b = await round(0);
    if (b !== undefined) base.push(b);
    const u = await round(m);
    if (u !== undefined) used.push(u);
  }
  if (used.length === 0) return null;
  const baseline = base.length ? median(base) : 0;
  return Math.max(0, median(used) - baseline) / m;
}
