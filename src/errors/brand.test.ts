import { describe, expect, it } from 'vitest';
import { exitCodeOf, isSquallError, SquallError } from './index.js';

/**
 * A user error made by another copy of the errors module (a second install of the package, a
 * re-import) is a different class, so `instanceof` would call it a squall bug; the brand does not.
 */
describe('squall error brand', () => {
  it('recognises an error made by a second copy of the module, with its exit code', async () => {
    // A query string makes the module loader evaluate the file again: a second SquallError class.
    const copy = (await import(
      /* @vite-ignore */ `./squall-error.js?copy=${Date.now()}`
    )) as typeof import('./squall-error.js');
    expect(copy.SquallError).not.toBe(SquallError);
    const foreign = new copy.SquallError('SQ_CONFIG_INVALID', 'bad input from the other copy');
    expect(foreign instanceof SquallError).toBe(false);
    expect(isSquallError(foreign)).toBe(true);
    expect(exitCodeOf(foreign)).toBe(2);
    // And the other way round: the copy recognises ours.
    expect(copy.isSquallError(new SquallError('SQ_OUTPUT_WRITE', 'x'))).toBe(true);
  });

  it('does not take a look-alike for a squall error', () => {
    expect(isSquallError(Object.assign(new Error('x'), { code: 'SQ_CONFIG_INVALID' }))).toBe(false);
    expect(isSquallError({ [Symbol.for('squall.error')]: true, code: 'NOT_A_CODE' })).toBe(false);
    expect(isSquallError(null)).toBe(false);
    expect(isSquallError('SQ_CONFIG_INVALID')).toBe(false);
  });
});
