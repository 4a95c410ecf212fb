import { ArrivalQueue } from '../arrival-queue.js';
import { ArrivalSource } from '../arrivals.js';
import { hashSeed } from '../rng.js';
import { scaleAmount } from '../share.js';
import { mustYield, yieldTurn } from '../turns.js';
import type { Vu } from '../vu.js';
import { type ArrivalSchedule, EARLY_MS, type ExecutorContext } from './executor.js';

/** The wait queue holds at least this many iterations, whatever the rate. */
const MIN_QUEUE = 1024;

/** The highest rate of a schedule (this shard's), per second. */
export function peakRatePerSec(schedule: ArrivalSchedule): number {
  const peak = schedule.segments.reduce((m, s) => Math.max(m, s.fromPerSec, s.toPerSec), 0);
  return scaleAmount(peak, schedule.share);
}

/** The arrival times of a schedule (this shard's), in ms from the scenario's start. */
export function createArrivalSource(schedule: ArrivalSchedule, seed: number): ArrivalSource {
  return new ArrivalSource(schedule.segments, schedule.durationMs, schedule.arrival, seed, schedule.share);
}

/**
 * The open model (both arrival-rate executors): iterations start at the planned times on a free
 * VU, allocating VUs up to maxVUs. When every VU is busy an arrival waits in a bounded queue (one
 * request timeout's worth of the peak rate, at least MIN_QUEUE) and its duration counts from its
 * planned time, so a stall shows in the numbers; what overflows the queue, and what still waits
 * when the scenario ends, is dropped (DESIGN.md, Metrics; k6's dropped_iterations).
 * Think time does not apply: the schedule is the pacing, and a thinking VU would only be a busy
 * one. Each started iteration takes its user type by weight (ctx.serveNext), so the mix of types
 * does not depend on which VU happens to be free.
 */
export async function runArrivals(ctx: ExecutorContext, schedule: ArrivalSchedule): Promise<void> {
  const source = createArrivalSource(schedule, hashSeed(ctx.seed, 'arrivals'));
  const queue = new ArrivalQueue(
    Math.max(MIN_QUEUE, Math.ceil((peakRatePerSec(schedule) * ctx.queueTimeoutMs) / 1000)),
  );
  const free: Vu[] = [];
  for (let i = schedule.preAllocatedVUs - 1; i >= 0; i--) free.push(ctx.vu(i));

  // A VU runs its iteration, then whatever waits in the queue, then goes back to the free list.
  const chain = async (vu: Vu, scheduledAt: number): Promise<void> => {
    for (;;) {
      ctx.serveNext(vu);
      if (!(await vu.iterate(scheduledAt))) return;
      if (ctx.stopping.aborted || queue.length === 0) break;
      if (mustYield()) await yieldTurn();
      scheduledAt = queue.shift();
    }
    vu.release();
    free.push(vu);
  };

  const arrive = (scheduledAt: number) => {
    let vu = free.pop();
    if (vu === undefined && ctx.vusCreated < schedule.maxVUs) vu = ctx.vu(ctx.vusCreated);
    if (vu === undefined) {
      if (!queue.push(scheduledAt)) ctx.dropped(1);
      return;
    }
    vu.claim();
    chain(vu, scheduledAt).catch((e: unknown) => ctx.fail(e));
  };

  let nextMs = source.next();
  let timer: NodeJS.Timeout | undefined;
  const issueUntil = (untilMs: number) => {
    while (nextMs <= untilMs) {
      arrive(ctx.startedAt + nextMs);
      nextMs = source.next();
    }
  };
  const tick = () => {
    timer = undefined;
    if (ctx.stopping.aborted) return;
    issueUntil(ctx.elapsedMs() + EARLY_MS);
    if (nextMs !== Number.POSITIVE_INFINITY) {
      timer = setTimeout(tick, Math.max(0, nextMs - ctx.elapsedMs()));
    }
  };

  tick();
  await ctx.whenStopping();
  clearTimeout(timer);
  // Arrivals already due when the stop came (the end timer may fire just before the last
  // arrival's timer) belong to the run; nothing after the stop is started.
  if (!ctx.interrupted.aborted) issueUntil(Math.min(ctx.elapsedMs(), schedule.durationMs));
  // Iterations still waiting never started: k6 counts them as dropped.
  ctx.dropped(queue.clear());
  await ctx.drain();
}
