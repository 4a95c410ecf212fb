import { describe, expect, it } from 'vitest';
import type { TimelinePoint } from '../result/schema.js';
import { preSpikeBand, spikeRecoverySec } from './spike-recovery.js';

/** A timeline of one-second buckets (t = 1, 2, …) with the given p95 values; null = no requests. */
function timeline(p95s: (number | null)[]): TimelinePoint[] {
  return p95s.map((p95, i) => ({
    t: i + 1,
    rps: p95 === null ? 0 : 100,
    p50: p95 ?? 0,
    p95: p95 ?? 0,
    p99: p95 ?? 0,
    errors: 0,
    vus: 10,
  }));
}

describe('preSpikeBand', () => {
  it('is mean + 2 sd of the pre-spike p95s', () => {
    // mean 20, population sd 4 -> 28
    expect(preSpikeBand(timeline([16, 24, 16, 24, 500]), 4)).toBeCloseTo(28, 9);
  });

  it('is never tighter than mean + 10% (flat baseline)', () => {
    expect(preSpikeBand(timeline([50, 50, 50, 900]), 3)).toBeCloseTo(55, 9);
  });

  it('ignores seconds without requests, and is null without pre-spike data', () => {
    expect(preSpikeBand(timeline([null, 10, 10]), 3)).toBeCloseTo(11, 9);
    expect(preSpikeBand(timeline([null, null, 500]), 2)).toBeNull();
  });
});

describe('spikeRecoverySec', () => {
  // 5 s at ~20 ms, spike from 5 to 8 s, then slow recovery.
  const before = [20, 20, 20, 20, 20];
  it('counts from the spike end to the start of the first second of a steady return', () => {
    const t = timeline([...before, 400, 600, 800, 300, 90, 21, 20, 20, 20]);
    // Buckets 9 (8..9 s) and 10 (9..10 s) are still high; bucket 11 (10..11 s) starts the streak.
    expect(spikeRecoverySec(t, 5, 8)).toBe(2);
  });

  it('is 0 when the first second after the spike is already back', () => {
    expect(spikeRecoverySec(timeline([...before, 400, 20, 20, 20]), 5, 6)).toBe(0);
  });

  it('does not take one lucky second for recovery', () => {
    const t = timeline([...before, 400, 400, 20, 300, 20, 20, 20]);
    expect(spikeRecoverySec(t, 5, 7)).toBe(2);
  });

  it('accepts a shorter streak when the run ends', () => {
    expect(spikeRecoverySec(timeline([...before, 400, 300, 20]), 5, 6)).toBe(1);
  });

  it('skips empty seconds', () => {
    expect(spikeRecoverySec(timeline([...before, 400, null, 300, 20, 20, 20]), 5, 6)).toBe(2);
  });

  it('is null when p95 never comes back, or there is nothing before or after', () => {
    expect(spikeRecoverySec(timeline([...before, 400, 300, 200, 100]), 5, 6)).toBeNull();
    expect(spikeRecoverySec(timeline([400, 20, 20]), 0, 1)).toBeNull();
    expect(spikeRecoverySec(timeline(before), 3, 5)).toBeNull();
  });

  it('handles buckets that are not whole seconds (a shorter last one)', () => {
    const t = timeline([...before, 400, 400, 20]);
    t[7]!.t = 7.4;
    expect(spikeRecoverySec(t, 5, 6)).toBe(1);
  });
});
