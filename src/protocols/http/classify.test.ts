import { describe, expect, it } from 'vitest';
import { classifyError } from './classify.js';

describe('classifyError', () => {
  it('counts running out of descriptors, per process or system-wide, as EMFILE', () => {
    expect(classifyError(Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' }))).toBe('EMFILE');
    expect(classifyError(Object.assign(new Error('connect ENFILE'), { code: 'ENFILE' }))).toBe('EMFILE');
  });
});
