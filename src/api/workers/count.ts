import { availableParallelism, loadavg } from 'node:os';
import type { ShardPlan } from '../../config/shard.js';
import { badFlag } from '../../errors/index.js';

/** Far past any machine's cores: each worker is a thread with its own heap (tens of MB). */
export const MAX_WORKERS = 256;

/**
 * `auto`: the cores not already busy (the one-minute load average, rounded, is how many are),
 * at least one. `cores` and `load` are the machine's unless given (tests).
 */
export function autoWorkers(cores = availableParallelism(), load = loadavg()[0] ?? 0): number {
  return Math.max(1, Math.min(cores, cores - Math.round(load)));
}

/** `--workers N|auto` (also SQUALL_WORKERS via the flag layers): undefined when not given. */
export function parseWorkers(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === 'auto') return autoWorkers();
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw badFlag(
      '--workers',
      `--workers "${text}" is neither a whole number from 1 to ${MAX_WORKERS} nor auto (the free cores)`,
    );
  }
  return n;
}

/** `on 2 worker threads`, for the line that says what a run will do. */
export function onThreads(count: number): string {
  return `on ${count} worker thread${count === 1 ? '' : 's'}`;
}

/**
 * `--workers` with `--shard` or `--start-at`: a shard's workers would each be a slice of a slice,
 * whose documents merge into no valid shard document; not built yet, so said plainly.
 */
export function refuseShardWithWorkers(shard: ShardPlan): void {
  if (shard.share !== undefined || shard.startAt !== null) {
    throw badFlag(
      '--workers',
      `--workers cannot be combined with ${shard.share !== undefined ? '--shard' : '--start-at'} yet: run each shard without --workers (one shard per core does the same)`,
    );
  }
}
