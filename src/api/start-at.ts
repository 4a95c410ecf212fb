import type { ShardPlan } from '../config/shard.js';
import type { ShardParts } from '../result/shard-section.js';
import type { SessionIO } from './io.js';

/** 1st, 2nd, 3rd, 4th, 11th, 21st… */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** What buildResult needs to write a shard document: nothing without --shard. */
export function shardParts(plan: ShardPlan | undefined): { shard?: ShardParts } {
  if (plan?.share === undefined) return {};
  return {
    shard: {
      index: plan.share.index,
      count: plan.share.count,
      startAt: plan.startAt === null ? null : plan.startAt.toISOString(),
    },
  };
}

/**
 * `--start-at`: waits until the time given before the load starts, so that shards on several
 * machines start together (their timelines line up second by second in `squall merge`). A time
 * already past starts now, with a warning; an interrupt ends the wait (the run then ends at once
 * as interrupted). Returns at once for null.
 */
export async function waitForStart(
  at: Date | null,
  io: Pick<SessionIO, 'stderr'>,
  opts: { quiet?: boolean; signal?: AbortSignal; now?: () => number } = {},
): Promise<void> {
  if (at === null) return;
  const now = opts.now ?? Date.now;
  const ms = at.getTime() - now();
  if (ms <= 0) {
    io.stderr.write(
      `warning: --start-at ${at.toISOString()} is ${(-ms / 1000).toFixed(1)} s in the past: starting now\n`,
    );
    return;
  }
  if (!opts.quiet)
    io.stderr.write(
      `squall: waiting until ${at.toISOString()} (${(ms / 1000).toFixed(1)} s) to start (--start-at)\n`,
    );
  const signal = opts.signal;
  if (signal?.aborted) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
