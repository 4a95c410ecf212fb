import { describe, expect, it } from 'vitest';
import { isSquallError } from '../errors/index.js';
import { checkOpenFileLimit, FD_MARGIN, parseProcLimits } from './fd-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63457                63457                processes
Max open files            256                  4096                 files
`;

describe('parseProcLimits', () => {
  it('reads the soft and hard open-file limits; unlimited is Infinity', () => {
    expect(parseProcLimits(LIMITS)).toEqual({ soft: 256, hard: 4096 });
    expect(parseProcLimits('Max open files unlimited unlimited files')).toEqual({
      soft: Number.POSITIVE_INFINITY,
      hard: Number.POSITIVE_INFINITY,
    });
    expect(parseProcLimits('nothing here')).toBeUndefined();
  });
});

describe('checkOpenFileLimit', () => {
  const need = { sockets: 1000, what: '-c 1000', flag: '-c', unit: 'connection' };

  const thrown = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (isSquallError(e)) return e;
      throw e;
    }
    return undefined;
  };

  it('passes a load that fits with room for squall, and when the limit is unknown or unlimited', () => {
    expect(() => checkOpenFileLimit(need, { soft: 1000 + 20 + FD_MARGIN, hard: 4096 }, 20)).not.toThrow();
    expect(() => checkOpenFileLimit(need, undefined, 20)).not.toThrow();
    const inf = Number.POSITIVE_INFINITY;
    expect(() => checkOpenFileLimit(need, { soft: inf, hard: inf }, 20)).not.toThrow();
  });

  it('refuses one descriptor too many: exit 2 naming the flag, the limit, ulimit -n and what fits', () => {
    const e = thrown(() => checkOpenFileLimit(need, { soft: 1000 + 20 + FD_MARGIN - 1, hard: 1051 }, 20));
    expect(e?.code).toBe('SQ_LIMIT_OPEN_FILES');
    expect(e?.exitCode).toBe(2);
    expect(e?.where?.flag).toBe('-c');
    expect(e?.message).toContain('-c 1000 needs about 1052 open files');
    expect(e?.message).toContain('is 1051 (ulimit -n)');
    expect(e?.message).toContain('at most 999 connections');
    expect(e?.hint).toContain('only root can raise it');
  });

  it('says `ulimit -n` is enough when the hard limit allows the load', () => {
    const e = thrown(() => checkOpenFileLimit(need, { soft: 256, hard: 1500 }, 20));
    expect(e?.hint).toMatch(
      /^raise the limit .* `ulimit -n 1500` \(the hard limit is 1500\), or lower -c to 204$/,
    );
  });
});
