import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSquallError } from '../../src/errors/index.js';
import { openStore } from '../../src/store/open.js';
import type { HistoryStore } from '../../src/store/types.js';
import { type PostgresServer, postgresBin, startPostgres } from '../helpers/postgres-server.js';
import { finished, spawnStoreChild, startTogether, writeStoreChild } from '../helpers/store-child.js';
import { describeStoreConformance, fixtureDoc, sampleMeta } from '../helpers/store-conformance.js';

/**
 * The HistoryStore conformance suite and the store's failure cases against a real PostgreSQL
 * server this file starts (initdb in a temp folder). Skipped without PostgreSQL, except on CI
 * (`.ci/run` installs it), where its absence fails.
 */
const bin = postgresBin();
if (!bin && process.env.CI)
  throw new Error('PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): .ci/run installs it');

describe.skipIf(!bin)('PostgreSQL history store', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres(bin!);
  }, 120_000);
  afterAll(() => server?.close());
  const scripts = mkdtempSync(join(tmpdir(), 'squall-pg-child-'));
  chmodSync(scripts, 0o755);
  afterAll(() => rmSync(scripts, { recursive: true, force: true }));
  const script = writeStoreChild(scripts);

  describeStoreConformance('PostgreSQL', async () => openStore(await server.createDatabase(), process.cwd()));

  async function openError(spec: string): Promise<{ code: string; exitCode: number; message: string }> {
    const err = await openStore(spec, process.cwd()).then(
      async (s) => {
        await s.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(isSquallError(err)).toBe(true);
    return err as { code: string; exitCode: number; message: string };
  }

  it('names host:port and hides the password when the server cannot be reached', async () => {
    // The server's port once it is stopped is no use here; a port nothing listens on is.
    const net = await import('node:net');
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as import('node:net').AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const err = await openError(`postgres://squall:s3cret-pw@127.0.0.1:${port}/history`);
    expect(err.code).toBe('SQ_STORE_OPEN');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).not.toContain('s3cret-pw');
  });

  it('refuses a database whose schema is newer than this squall knows, giving both versions', async () => {
    const url = await server.createDatabase();
    const store = await openStore(url, process.cwd());
    await store.close();
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('UPDATE squall_schema SET version = 99');
    await c.end();
    const err = await openError(url);
    expect(err.code).toBe('SQ_STORE_SCHEMA');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('99');
    expect(err.message).toMatch(/version 1 this squall knows/);
  });

  it('refuses a database that does not exist, naming it', async () => {
    const err = await openError(`postgres://postgres@127.0.0.1:${server.port}/no_such_db`);
    expect(err.code).toBe('SQ_STORE_OPEN');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('no_such_db');
  });

  it('loses nothing when two stores save at once, and migrates a new database once', async () => {
    const url = await server.createDatabase();
    // Both open the new database together: both race to create its tables.
    const stores: HistoryStore[] = await Promise.all([
      openStore(url, process.cwd()),
      openStore(url, process.cwd()),
    ]);
    try {
      const saves = stores.flatMap((s, k) =>
        Array.from({ length: 50 }, (_, i) =>
          s.save(fixtureDoc('quick-open-model'), sampleMeta({ name: `w${k}`, labels: { i: String(i) } })),
        ),
      );
      const ids = await Promise.all(saves);
      expect(new Set(ids).size).toBe(100);
      expect((await stores[0]!.list()).length).toBe(100);
      expect((await stores[1]!.list({ name: 'w1' })).length).toBe(50);
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it('keeps all 100 runs when two processes save 50 each at once (dist/store)', async () => {
    const url = await server.createDatabase();
    const children = [
      spawnStoreChild(script, url, 'save', 50, 'a'),
      spawnStoreChild(script, url, 'save', 50, 'b'),
    ];
    const ended = Promise.all(children.map(finished));
    await startTogether(children);
    const results = await ended;
    for (const r of results) expect(r.status, r.out + r.err).toBe(0);
    const store = await openStore(url, process.cwd());
    try {
      const runs = await store.list();
      expect(runs.length).toBe(100);
      expect(new Set(runs.map((r) => r.id)).size).toBe(100);
      expect((await store.list({ name: 'a' })).length).toBe(50);
    } finally {
      await store.close();
    }
  });

  it('keeps every run whole after a writer is killed with SIGKILL mid-loop', async () => {
    const url = await server.createDatabase();
    const fixture = JSON.parse(
      readFileSync(new URL('../fixtures/results/run-full.json', import.meta.url), 'utf8'),
    ) as unknown;
    const child = spawnStoreChild(script, url, 'save', 100_000, 'killed');
    const done = finished(child);
    await startTogether([child]);
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
    expect((await done).status).toBeNull();
    const store = await openStore(url, process.cwd());
    try {
      const runs = await store.list();
      expect(runs.length).toBeGreaterThanOrEqual(30);
      for (const r of runs) expect((await store.get(r.id))!.doc).toEqual(fixture);
      expect(await store.save(fixture as never, runs[0]!.meta)).toBeGreaterThan(runs[0]!.id);
    } finally {
      await store.close();
    }
  });
});
