import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  CPU_BOUND_PCT,
  LOOP_DELAY_BOUND_MS,
  MIN_SUSTAINED_SEC,
  startGeneratorHealth,
} from './generator-health.js';
import { noteSendLag } from './send-lag.js';

/** Blocks the event loop in slices of `sliceMs` for `totalMs`, as a CPU-bound generator does. */
async function starve(totalMs: number, sliceMs: number): Promise<void> {
  const end = performance.now() + totalMs;
  while (performance.now() < end) {
    const sliceEnd = performance.now() + sliceMs;
    while (performance.now() < sliceEnd) {
      // Spin: nothing else runs on this thread meanwhile.
    }
    await new Promise((r) => setImmediate(r));
  }
}

describe('startGeneratorHealth', () => {
  it('calls a starved event loop saturated, and says the figures measure squall', async () => {
    const sliceMs = 250;
    const health = startGeneratorHealth({ intervalMs: 500 });
    await starve(3000, sliceMs);
    const h = health.stop();
    expect(h.saturated).toBe(true);
    expect(h.eventLoopDelayP99Ms).toBeGreaterThan(LOOP_DELAY_BOUND_MS);
    expect(h.eventLoopDelayMaxMs).toBeGreaterThanOrEqual(h.eventLoopDelayP99Ms);
    const lag = h.reasons.find((r) => r.startsWith("squall's event loop lagged"));
    expect(lag).toContain(`p99 ${h.eventLoopDelayP99Ms} ms`);
    expect(lag).toContain('the figures measure squall, not the target');
    expect(h.cpuAvgPct).toBeGreaterThan(0);
    expect(h.samples!.length).toBeGreaterThan(0);
    // Each second's worst delay is among what the run saw.
    for (const s of h.samples!) expect(s.loopDelayMaxMs).toBeLessThanOrEqual(h.eventLoopDelayMaxMs + 0.1);
  });

  it('leaves an idle generator unflagged', async () => {
    const health = startGeneratorHealth({ intervalMs: 500 });
    await sleep(2500);
    const h = health.stop();
    expect(h.reasons).toEqual([]);
    expect(h.saturated).toBe(false);
    expect(h.eventLoopDelayP99Ms).toBeLessThanOrEqual(LOOP_DELAY_BOUND_MS);
    // The delay, not the histogram's 10 ms tick: an idle loop is typically late by well under that.
    expect(h.eventLoopDelayP50Ms).toBeLessThan(5);
    expect(h.cpuSaturatedSec).toBe(0);
    expect(h.rssPeakMb).toBeGreaterThan(0);
  });

  it('judges CPU against the cores the load may use, with the event loop free', async () => {
    // A busy worker thread burns a core while the main thread's loop stays responsive.
    const worker = new Worker('const end = Date.now() + 3000; while (Date.now() < end) {}', { eval: true });
    const oneCore = startGeneratorHealth({ intervalMs: 500, cores: 1 });
    const twoCores = startGeneratorHealth({ intervalMs: 500, cores: 2 });
    await new Promise((resolve) => worker.once('exit', resolve));
    const one = oneCore.stop();
    const two = twoCores.stop();
    expect(one.cpuPeakPct).toBeGreaterThan(50);
    // One busy thread can never use 90% of two cores.
    expect(two.cpuSaturatedSec).toBe(0);
    expect(two.reasons.some((r) => r.includes('CPU-bound'))).toBe(false);
    // Against one core the rule is applied to the seconds as sampled.
    const hotSec = one.samples!.filter((s) => s.cpuPct >= CPU_BOUND_PCT).length * 0.5;
    expect(one.cpuSaturatedSec).toBe(hotSec);
    const sustained = hotSec >= Math.max(MIN_SUSTAINED_SEC, 0.25 * one.samples!.length * 0.5);
    expect(one.reasons.some((r) => r.startsWith(`squall used at least ${CPU_BOUND_PCT}% of one core`))).toBe(
      sustained,
    );
  });

  it('marks a second in which requests went out far behind schedule, and only that kind of second', async () => {
    const health = startGeneratorHealth({ intervalMs: 500 });
    await sleep(600);
    // What an engine reports when its loop noticed due arrivals a second late.
    noteSendLag(1000);
    await sleep(600);
    const h = health.stop();
    expect(h.saturated).toBe(true);
    expect(h.sendLagMaxMs).toBe(1000);
    expect(h.limitedSeconds!.length).toBeGreaterThan(0);
    expect(h.samples!.filter((s) => s.limited).length).toBe(1);
    expect(h.reasons.some((r) => r.includes('fell behind its own schedule'))).toBe(true);
  });
});
