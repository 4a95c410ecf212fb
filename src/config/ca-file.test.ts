import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaFile } from './ca-file.js';

const dir = mkdtempSync(join(tmpdir(), 'squall-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readCaFile', () => {
  it('names the flag and the path of a missing file', () => {
    expect(() => readCaFile('--cacert', join(dir, 'nope.pem'))).toThrow(
      /--cacert .*nope\.pem: the file does not exist/,
    );
  });

  it('refuses a file with no certificate in it', () => {
    const f = join(dir, 'key.pem');
    writeFileSync(f, '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n');
    expect(() => readCaFile('--cacert', f)).toThrow(/no certificate in it/);
  });

  it('refuses a certificate block that is not one', () => {
    const f = join(dir, 'bad.pem');
    writeFileSync(f, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    expect(() => readCaFile('--cacert', f)).toThrow(/--cacert .*bad\.pem/);
  });
});
