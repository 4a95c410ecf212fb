import { describe, expect, it } from 'vitest';
import { encodeRequestPath } from './url-path.js';

describe('encodeRequestPath', () => {
  it('encodes as an absolute URL would be encoded', () => {
    for (const p of ['/echo/café', '/echo/a b', '/echo/日本', '/cities/São Paulo?x=á b', '/q?a="b"']) {
      const u = new URL(`http://h${p}`);
      expect(encodeRequestPath(p)).toBe(`${u.pathname}${u.search}`);
    }
    expect(encodeRequestPath('/echo/café')).toBe('/echo/caf%C3%A9');
    expect(encodeRequestPath('/echo/a b')).toBe('/echo/a%20b');
  });

  it('leaves plain paths (and their escapes) alone, and drops a fragment', () => {
    expect(encodeRequestPath('/a/../b?x=%41')).toBe('/a/../b?x=%41');
    expect(encodeRequestPath('/a#frag')).toBe('/a');
  });
});
