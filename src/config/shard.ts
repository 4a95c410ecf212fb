import type { Share } from '../engine/share.js';
import { badFlag } from '../errors/index.js';
import { parseDurationMs } from '../util/duration.js';

/**
 * `--shard I/N` and `--start-at TIME` (quick and run): which slice of the test this process runs
 * and when its load begins, so that N shards on N machines start together and their documents
 * merge (`squall merge`).
 */
export interface ShardFlags {
  shard?: string;
  startAt?: string;
}

export interface ShardPlan {
  /** 0-based slice; undefined without --shard. */
  share: Share | undefined;
  /** When the load starts; null without --start-at. */
  startAt: Date | null;
}

/** The most shards a test splits into: more would leave each a VU or less of any real test. */
const MAX_SHARDS = 10_000;

/** `--shard 2/4` (1-based on the command line) as share {index: 1, count: 4}. */
export function parseShardFlag(text: string): Share {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const expected = 'expected I/N with 1 ≤ I ≤ N, e.g. --shard 2/4 (the second of four shards)';
  if (m === null) throw badFlag('--shard', `--shard '${text}' is not a shard; ${expected}`);
  const i = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || n > MAX_SHARDS)
    throw badFlag(
      '--shard',
      `--shard ${text}: the count ${n} is out of range; ${expected} and N ≤ ${MAX_SHARDS}`,
    );
  if (i < 1 || i > n)
    throw badFlag('--shard', `--shard ${text}: shard ${i} of ${n} does not exist; ${expected}`);
  return { index: i - 1, count: n };
}

/**
 * `--start-at 2026-12-05T09:00:00Z` (an ISO 8601 time, with its zone) or `--start-at +30s` (from
 * now): when the load starts.
 */
export function parseStartAt(text: string, now: number = Date.now()): Date {
  const t = text.trim();
  const expected =
    'expected an ISO 8601 time with its zone, e.g. 2026-12-05T09:00:00Z, or +DURATION from now, e.g. +30s';
  if (t.startsWith('+')) {
    const ms = parseDurationMs(t.slice(1));
    if (ms === undefined) throw badFlag('--start-at', `--start-at '${text}' is not a time; ${expected}`);
    return new Date(now + ms);
  }
  // A date and a time: a bare number or date would be read in some local zone, or as a year.
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(t) ? Date.parse(t) : Number.NaN;
  if (Number.isNaN(ms)) throw badFlag('--start-at', `--start-at '${text}' is not a time; ${expected}`);
  return new Date(ms);
}

export function resolveShardFlags(o: ShardFlags, now: number = Date.now()): ShardPlan {
  return {
    share: o.shard === undefined ? undefined : parseShardFlag(o.shard),
    startAt: o.startAt === undefined ? null : parseStartAt(o.startAt, now),
  };
}
