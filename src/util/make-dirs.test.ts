import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs } from './make-dirs.js';

const root = mkdtempSync(join(tmpdir(), 'squall-make-dirs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('makeDirs', () => {
  it('makes every missing folder and accepts one that exists', () => {
    const deep = join(root, 'a', 'b', 'c');
    makeDirs(deep);
    expect(existsSync(deep)).toBe(true);
    makeDirs(deep);
  });

  it('throws where a file stands in the way', () => {
    writeFileSync(join(root, 'file'), 'x');
    expect(() => makeDirs(join(root, 'file', 'sub'))).toThrow(/ENOTDIR|EEXIST/);
  });

  it.runIf(process.platform === 'linux')('throws, instead of looping, under /proc/self', () => {
    expect(() => makeDirs('/proc/self/nope/deeper')).toThrow(/ENOENT/);
  });
});
