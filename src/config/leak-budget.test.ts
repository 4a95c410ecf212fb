import { describe, expect, it } from 'vitest';
import { isSquallError } from '../errors/index.js';
import { parseLeakBudgetFlag, parseLeakRate } from './leak-budget.js';

describe('parseLeakRate (--leak-budget)', () => {
  it.each([
    ['100MB/h', (100e6 / 2 ** 20) * 1],
    ['2MiB/min', 120],
    ['500KiB/min', (500 * 60) / 1024],
    ['1GiB/h', 1024],
    ['1 GiB / day', 1024 / 24],
    ['0.5mib/s', 1800],
    ['1kb/hour', 1e3 / 2 ** 20],
    ['0MB/h', 0],
  ])('%s is %f MiB per hour', (text, want) => {
    expect(parseLeakRate(text)).toBeCloseTo(want, 9);
  });

  it.each(['100', '100MB', 'MB/h', '-1MB/h', '5 parsecs/h', '5MB/week', '1e3MB/h', '', '10MB/h/h'])(
    'refuses %j',
    (text) => {
      expect(parseLeakRate(text)).toBeUndefined();
    },
  );

  it('a bad flag value names the flag, the value and an example', () => {
    let err: unknown;
    try {
      parseLeakBudgetFlag('--leak-budget', '100MB');
    } catch (e) {
      err = e;
    }
    expect(isSquallError(err) && err.code).toBe('SQ_USAGE_BAD_FLAG');
    expect((err as Error).message).toMatch(/^--leak-budget "100MB" is not a memory growth rate.*100MB\/h/);
  });
});
