import { readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { monitoredName, monitoredProcess, painter, plural, visibleWidth } from './format.js';

describe('plural', () => {
  it('says one thing in the singular and any other count in the plural, with separators', () => {
    expect(plural(1, 'sample')).toBe('1 sample');
    expect(plural(0, 'sample')).toBe('0 samples');
    expect(plural(1200, 'VU')).toBe('1,200 VUs');
    expect(plural(2, 'process', 'processes')).toBe('2 processes');
  });
});

describe('visibleWidth', () => {
  it("counts what Node's stripVTControlCharacters leaves, without importing Node", () => {
    const p = painter(true);
    for (const text of [
      `${p('red', 'abc')} ${p('bold', 'de')}`,
      '\u001b]8;;http://127.0.0.1/\u0007link\u001b]8;;\u0007',
      '\u001b[1;31m✓ passed\u001b[0m',
      '\u001b[2K\u001b[1Gplain',
      'no escapes at all',
    ]) {
      expect(visibleWidth(text), JSON.stringify(text)).toBe(stripVTControlCharacters(text).length);
    }
    expect(visibleWidth(p('green', 'ok'))).toBe(2);
  });

  it('is in a file that imports nothing from Node, since the report page bundles it', () => {
    const source = readFileSync(new URL('./format.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from 'node:/);
  });
});

describe('monitoredProcess', () => {
  it('names the watched process by its command and pid, in one line', () => {
    const doc = { config: { command: 'monitor' }, monitor: { cmd: 'node\n server.js', pid: 42 } };
    expect(monitoredProcess(doc)).toBe("'node server.js' (pid 42)");
    expect(monitoredName(doc)).toBe("monitor 'node server.js' (pid 42)");
    expect(monitoredProcess({ config: { pid: 7 } })).toBe('pid 7');
    expect(monitoredProcess({})).toBe('');
    expect(monitoredName(null)).toBe('monitor a process');
  });
});
