import { describe, expect, it } from 'vitest';
import { isSquallError } from '../errors/index.js';
import { parseShardFlag, parseStartAt, resolveShardFlags } from './shard.js';

function errorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isSquallError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('no error');
}

describe('--shard', () => {
  it('is 1-based on the command line and 0-based in the share', () => {
    expect(parseShardFlag('1/4')).toEqual({ index: 0, count: 4 });
    expect(parseShardFlag('4/4')).toEqual({ index: 3, count: 4 });
    expect(parseShardFlag(' 2 / 3 ')).toEqual({ index: 1, count: 3 });
    expect(parseShardFlag('1/1')).toEqual({ index: 0, count: 1 });
  });

  for (const bad of ['0/4', '5/4', '1/0', '2', 'a/b', '1/4/2', '-1/4', '1.5/4']) {
    it(`refuses ${bad} with a message naming the flag and the form`, () => {
      const e = errorOf(() => parseShardFlag(bad));
      expect(e.code).toBe('SQ_USAGE_BAD_FLAG');
      expect(e.message).toMatch(/^--shard /);
      expect(e.message).toMatch(/expected I\/N with 1 ≤ I ≤ N/);
    });
  }
});

describe('--start-at', () => {
  const now = Date.parse('2026-12-05T09:00:00Z');

  it('takes an ISO time with its zone', () => {
    expect(parseStartAt('2026-12-05T09:01:00Z', now).toISOString()).toBe('2026-12-05T09:01:00.000Z');
    expect(parseStartAt('2026-12-05T10:01:00+01:00', now).toISOString()).toBe('2026-12-05T09:01:00.000Z');
  });

  it('takes +DURATION from now', () => {
    expect(parseStartAt('+30s', now).getTime() - now).toBe(30_000);
    expect(parseStartAt('+1m', now).getTime() - now).toBe(60_000);
  });

  for (const bad of ['tomorrow', '2026', '+', '+soon', '12:00']) {
    it(`refuses ${bad}`, () => {
      const e = errorOf(() => parseStartAt(bad, now));
      expect(e.code).toBe('SQ_USAGE_BAD_FLAG');
      expect(e.message).toContain(`--start-at '${bad}' is not a time`);
    });
  }

  it('is optional, as is --shard', () => {
    expect(resolveShardFlags({})).toEqual({ share: undefined, startAt: null });
  });
});
