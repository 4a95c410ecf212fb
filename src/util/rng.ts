/**
 * A small seeded random generator (mulberry32): task picks, think times and Poisson arrivals
 * draw from it, so a run with the same seed makes the same choices. Its state is one integer,
 * so one per VU costs nothing.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Exponential with mean 1: the gap between two arrivals of a unit-rate Poisson process. */
  exponential(): number {
    // 1 - u lies in (0, 1], so the log is finite.
    return -Math.log(1 - this.next());
  }
}

/**
 * Derives a 32-bit seed from parts (FNV-1a over their text), so that each scenario and each VU
 * gets its own stream from one run seed, the same on every shard.
 */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = `${part}\u0000`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}
