import { describe, expect, it } from 'vitest';
import { isToken, TCHARS, TOKEN } from './http-token.js';

describe('http-token', () => {
  it('accepts every tchar and nothing else in the printable ASCII range', () => {
    for (let c = 0x21; c < 0x7f; c++) {
      const ch = String.fromCharCode(c);
      expect(isToken(ch), ch).toBe(TCHARS.includes(ch));
    }
  });

  it('refuses empty names, spaces, colons and non-ASCII', () => {
    for (const bad of ['', 'X Name', 'X:Name', 'Café', 'a\tb']) expect(TOKEN.test(bad), bad).toBe(false);
    expect(isToken('X-Request-Id')).toBe(true);
  });
});
