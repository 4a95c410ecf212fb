import { describe, expect, it } from 'vitest';
import { plural } from './format.js';

describe('plural', () => {
  it('says one thing in the singular and any other count in the plural, with separators', () => {
    expect(plural(1, 'sample')).toBe('1 sample');
    expect(plural(0, 'sample')).toBe('0 samples');
    expect(plural(1200, 'VU')).toBe('1,200 VUs');
    expect(plural(2, 'process', 'processes')).toBe('2 processes');
  });
});
