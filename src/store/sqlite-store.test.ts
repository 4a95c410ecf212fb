import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeStoreConformance } from '../../test/helpers/store-conformance.js';
import { isSquallError } from '../errors/index.js';
import { openStore } from './open.js';

const dir = mkdtempSync(join(tmpdir(), 'squall-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStoreConformance('SQLite', () => openStore(join(dir, `s${++n}`, 'history.db'), dir));

describe('openStore', () => {
  it('refuses a URL of a database squall does not keep history in, without its password', async () => {
    const err = await openStore('mysql://u:pw@db:3306/h', dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isSquallError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('SQ_STORE_OPEN');
    expect((err as { exitCode: number }).exitCode).toBe(2);
    expect((err as Error).message).toContain('mysql://u@db:3306/h');
    expect((err as Error).message).not.toContain('pw');
  });

  it('opens sqlite:PATH and a bare path relative to the folder given', async () => {
    const a = await openStore('sqlite:rel/a.db', dir);
    expect(a.location).toBe(join(dir, 'rel', 'a.db'));
    await a.close();
    const b = await openStore('rel/b.db', dir);
    expect(b.location).toBe(join(dir, 'rel', 'b.db'));
    await b.close();
    const c = await openStore(`sqlite://${join(dir, 'abs', 'c.db')}`, '/');
    expect(c.location).toBe(join(dir, 'abs', 'c.db'));
    await c.close();
  });
});
