import { performance } from 'node:perf_hooks';
import { noteSendLag } from '../../monitor/send-lag.js';
import { hashSeed } from '../../util/rng.js';
import { ArrivalSource } from '../arrivals.js';
import { scaleAmount } from '../share.js';
import { mustYield, yieldTurn } from '../turns.js';
import type { Vu } from '../vu.js';
import { type ArrivalSchedule, EARLY_MS, type ExecutorContext } from './executor.js';

/** The highest rate of a schedule (this shard's), per second. */
export function peakRatePerSec(schedule: ArrivalSchedule): number {
  const peak = schedule.segments.reduce((m, s) => Math.max(m, s.fromPerSec, s.toPerSec), 0);
  return scaleAmount(peak, schedule.share);
}

/** The arrival times of a schedule (this shard's), in ms from the scenario's start. */
export function createArrivalSource(schedule: ArrivalSchedule, seed: number): ArrivalSource {
  return new ArrivalSource(
    schedule.segments,
    schedule.durationMs,
    schedule.arrival,
    seed,
    schedule.share,
    schedule.phase,
  );
}

/**
 * The open model (both arrival-rate executors): iterations start at the planned times on a free
 * VU, allocating VUs up to maxVUs (a new VU is ready at once, so the arrival that needed it
 * starts on it). What happens when every VU is busy and maxVUs is reached is the schedule's
 * `overflow` (DESIGN.md, Metrics):
 * - 'drop' (k6's contract, the default): the arrival is dropped and counted in
 *   dropped_iterations, so the rate at the server never exceeds the plan and a duration is the
 *   request's own;
 * - 'queue' (`queue: true`): the arrivals due wait, and each one's duration counts from its
 *   planned time, so a stall shows in the numbers (at the price of a burst once VUs free up).
 *   The waiting arrivals are the source's own next ones (they come in order), so the backlog
 *   costs no memory however high the rate: an arrival still waiting a request timeout after its
 *   planned time is dropped, which bounds the wait to one timeout's worth of the rate, as does
 *   what still waits when the scenario ends.
 * Think time does not apply: the schedule is the pacing, and a thinking VU would only be a busy
 * one. Each started iteration takes its user type by weight (ctx.serveNext), so the mix of types
 * does not depend on which VU happens to be free.
 */
export async function runArrivals(ctx: ExecutorContext, schedule: ArrivalSchedule): Promise<void> {
  const source = createArrivalSource(schedule, hashSeed(ctx.seed, 'arrivals'));
  const queue = schedule.overflow === 'queue';
  const free: Vu[] = [];
  for (let i = schedule.preAllocatedVUs - 1; i >= 0; i--) free.push(ctx.vu(i));
  /** The oldest arrival not yet started or dropped, ms from the scenario's start. */
  let nextMs = source.next();
  let timer: NodeJS.Timeout | undefined;

  /** Drops the backlog's arrivals planned before `cutMs` (and not after `dueMs`). */
  const dropBefore = (cutMs: number) => {
    if (nextMs >= cutMs) return;
    ctx.dropped(1 + source.skipBefore(cutMs));
    nextMs = source.next();
  };

  /** The oldest arrival due by now, for a VU that just finished; undefined when none waits. */
  const takeDue = (): number | undefined => {
    const now = ctx.elapsedMs();
    if (nextMs > now + EARLY_MS) return undefined;
    dropBefore(now - ctx.queueTimeoutMs);
    if (nextMs > now + EARLY_MS) return undefined;
    const t = nextMs;
    nextMs = source.next();
    return ctx.startedAt + t;
  };

  // A VU runs its iteration, then (queue) whatever is due meanwhile, then goes back to the free list.
  const chain = async (vu: Vu, scheduledAt: number): Promise<void> => {
    for (;;) {
      ctx.serveNext(vu);
      if (!(await vu.iterate(scheduledAt))) return;
      if (!queue || ctx.stopping.aborted || nextMs > ctx.elapsedMs() + EARLY_MS) break;
      if (mustYield()) await yieldTurn();
      const t = ctx.stopping.aborted ? undefined : takeDue();
      if (t === undefined) break;
      scheduledAt = t;
    }
    vu.release();
    free.push(vu);
    if (timer === undefined && !ctx.stopping.aborted) tick();
  };

  /**
   * Starts the arrivals due by `untilMs` on free or new VUs. What finds none is dropped at once
   * ('drop'; the rest of the due ones with it, in one step), or stays due ('queue'), and then it
   * returns true (every VU is busy: the next one to finish takes it).
   */
  const startUntil = (untilMs: number): boolean => {
    if (queue) dropBefore(ctx.elapsedMs() - ctx.queueTimeoutMs);
    while (nextMs <= untilMs) {
      let vu = free.pop();
      if (vu === undefined && ctx.vusCreated < schedule.maxVUs) vu = ctx.vu(ctx.vusCreated);
      if (vu === undefined) {
        if (queue) return true;
        ctx.dropped(1 + source.skipBefore(untilMs));
        nextMs = source.next();
        continue;
      }
      const t = nextMs;
      nextMs = source.next();
      vu.claim();
      // k6 measures an iteration from its actual start; the queue, from its planned time.
      chain(vu, queue ? ctx.startedAt + t : performance.now()).catch((e: unknown) => ctx.fail(e));
    }
    return false;
  };

  const tick = () => {
    timer = undefined;
    if (ctx.stopping.aborted) return;
    const now = ctx.elapsedMs();
    // How late the oldest due arrival is noticed: squall's own lateness (its loop was busy).
    if (nextMs <= now) noteSendLag(now - nextMs);
    // Arrivals still due wait for a VU to finish, which takes them (chain): no timer meanwhile.
    if (startUntil(now + EARLY_MS) || nextMs === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(tick, Math.max(0, nextMs - ctx.elapsedMs()));
  };

  tick();
  await ctx.whenStopping();
  clearTimeout(timer);
  timer = undefined;
  // Arrivals already due when the stop came (the end timer may fire just before the last
  // arrival's timer) belong to the run; nothing after the stop is started.
  // A timer may fire a hair before its time on performance.now()'s clock: a stop within
  // EARLY_MS of the end is the end (ramping-arrival-rate may have an arrival right on it).
  const elapsed = ctx.elapsedMs();
  const endMs = elapsed >= schedule.durationMs - EARLY_MS ? schedule.durationMs : elapsed;
  if (!ctx.interrupted.aborted) startUntil(endMs);
  // Iterations still waiting never started: k6 counts them as dropped.
  if (nextMs <= endMs) {
    let n = 1 + source.skipBefore(endMs);
    // skipBefore stops short of the end; ramping-arrival-rate may have one right on it.
    for (let t = source.next(); t <= endMs; t = source.next()) n++;
    ctx.dropped(n);
    nextMs = Number.POSITIVE_INFINITY;
  }
  await ctx.drain();
}
