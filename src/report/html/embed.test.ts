import { describe, expect, it } from 'vitest';
import { jsonForScript } from './embed.js';

describe('jsonForScript', () => {
  const hostile = {
    name: '</script><script>alert(1)</script>',
    comment: '<!-- <script>',
    amp: 'a && b > c',
    separators: 'line\u2028para\u2029end',
    nested: [{ deep: '</SCRIPT>' }],
  };

  it('reads back to the same value', () => {
    expect(JSON.parse(jsonForScript(hostile))).toEqual(hostile);
  });

  it('leaves no character that could end or confuse a script element', () => {
    const text = jsonForScript(hostile);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(text.toLowerCase()).not.toContain('</script');
  });

  it('writes null for undefined, as the page expects some JSON', () => {
    expect(jsonForScript(undefined)).toBe('null');
  });
});
