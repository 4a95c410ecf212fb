import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { isSquallError } from '../../src/errors/index.js';
import { openStore } from '../../src/store/open.js';
import { finished, spawnStoreChild, startTogether, writeStoreChild } from '../helpers/store-child.js';

/**
 * The SQLite store under stress and misuse, with real processes (dist/store: `npm run build`
 * first): concurrent writers, a writer killed with SIGKILL mid-loop, and the files and folders it
 * must refuse with exit 2 and a message naming the path.
 */
const root = mkdtempSync(join(tmpdir(), 'squall-sqlite-e2e-'));
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));
const script = writeStoreChild(root);
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/results/run-full.json', import.meta.url), 'utf8'),
) as unknown;
let n = 0;
const fresh = (): string => {
  const dir = join(root, `case${++n}`);
  mkdirSync(dir);
  return join(dir, 'history.db');
};

async function openError(spec: string): Promise<{ code: string; exitCode: number; message: string }> {
  const err = await openStore(spec, root).then(
    async (s) => {
      await s.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(isSquallError(err), String(err)).toBe(true);
  return err as { code: string; exitCode: number; message: string };
}

describe('SQLite history store', () => {
  it('loads no database driver until a store is opened', () => {
    const open = new URL('../../dist/store/open.js', import.meta.url).href;
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
         const require = createRequire(import.meta.url);
         const drivers = () => Object.keys(require.cache).filter((k) => /better-sqlite3|node_modules.pg./.test(k)).length;
         const m = await import(${JSON.stringify(open)});
         const before = drivers();
         const s = await m.openStore(${JSON.stringify(join(root, 'lazy.db'))}, '/');
         await s.close();
         console.log(before, drivers());`,
      ],
      { encoding: 'utf8' },
    );
    const [before, after] = out.trim().split(' ').map(Number);
    expect(before).toBe(0);
    expect(after).toBeGreaterThan(0);
  });

  it('keeps all 100 runs when two processes save 50 each into one new file at once', async () => {
    const path = fresh();
    const children = [
      spawnStoreChild(script, path, 'save', 50, 'a'),
      spawnStoreChild(script, path, 'save', 50, 'b'),
    ];
    const ended = Promise.all(children.map(finished));
    await startTogether(children);
    const results = await ended;
    for (const r of results) expect(r.status, r.out + r.err).toBe(0);
    const reported = results.flatMap((r) => [...r.out.matchAll(/^saved (\d+)$/gm)].map((m) => Number(m[1])));
    expect(new Set(reported).size).toBe(100);
    const store = await openStore(path, root);
    try {
      const runs = await store.list();
      expect(runs.length).toBe(100);
      expect(new Set(runs.map((r) => r.id))).toEqual(new Set(reported));
      expect((await store.list({ name: 'a' })).length).toBe(50);
      expect((await store.list({ name: 'b' })).length).toBe(50);
    } finally {
      await store.close();
    }
  });

  it('stays readable, every run whole, after a writer is killed with SIGKILL mid-loop', async () => {
    const path = fresh();
    const child = spawnStoreChild(script, path, 'save', 100_000, 'killed');
    const done = finished(child);
    await startTogether([child]);
    // Kill it once it is well into its loop of saves.
    await new Promise<void>((resolve) => {
      let seen = 0;
      child.stdout!.on('data', (b: Buffer) => {
        seen += (b.toString().match(/^saved/gm) ?? []).length;
        if (seen >= 30 && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    const { status, out } = await done;
    expect(status).toBeNull();
    expect(out).not.toContain('done');
    const store = await openStore(path, root);
    try {
      const runs = await store.list();
      expect(runs.length).toBeGreaterThanOrEqual(30);
      for (const r of runs) expect((await store.get(r.id))!.doc).toEqual(fixture);
      const next = await store.save(fixture as never, { ...runs[0]!.meta, name: 'after' });
      expect(next).toBeGreaterThan(runs[0]!.id);
    } finally {
      await store.close();
    }
  });

  it('refuses a file that is not SQLite with SQ_STORE_OPEN, exit 2, naming the path', async () => {
    const path = fresh();
    writeFileSync(path, 'name,p95\ncheckout,120\n'.repeat(50));
    const err = await openError(path);
    expect(err.code).toBe('SQ_STORE_OPEN');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(path);
    expect(err.message).toContain('not a SQLite database');
    // Left as it was.
    expect(readFileSync(path, 'utf8')).toBe('name,p95\ncheckout,120\n'.repeat(50));
  });

  it('refuses a store whose schema is newer than this squall knows, giving both versions', async () => {
    const path = fresh();
    await (await openStore(`sqlite:${path}`, root)).close();
    const db = new Database(path);
    db.pragma('user_version = 7');
    db.close();
    const err = await openError(path);
    expect(err.code).toBe('SQ_STORE_SCHEMA');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(path);
    expect(err.message).toContain('schema version 7');
    expect(err.message).toMatch(/version 1 this squall knows/);
  });

  it('opens the default .squall/history.db under the current folder, creating the folder', async () => {
    const dir = join(root, `cwd${++n}`);
    mkdirSync(dir);
    const store = await openStore(undefined, dir);
    expect(store.location).toBe(join(dir, '.squall', 'history.db'));
    await store.close();
    const again = await openStore('', dir);
    expect(again.location).toBe(store.location);
    await again.close();
  });

  it('refuses a folder it may not write with exit 2, naming the path', async () => {
    const dir = join(root, `ro${++n}`);
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    const path = join(dir, 'history.db');
    // Root writes anywhere: the child runs as `nobody` then, as a user it would be.
    const asUser = process.getuid?.() === 0 ? 'nobody' : undefined;
    const { out, status } = await finished(spawnStoreChild(script, path, 'open', 0, 'x', asUser));
    expect(status, out).toBe(3);
    const err = JSON.parse(out.trim().split('\n').pop()!) as {
      code: string;
      exitCode: number;
      message: string;
    };
    expect(err.code).toBe('SQ_STORE_OPEN');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(path);
    expect(err.message).not.toMatch(/\n\s+at /);
  });
});
