import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isSquallError } from '../errors/index.js';
import type { ResultDocument } from '../result/schema.js';
import { noSuchRun, reasonOf, schemaTooNew, storeOpenError, storeWriteError } from './errors.js';
import { docFromText, limitOf, type RunRow, runFromRow } from './rows.js';
import type { BaselineEntry, HistoryStore, RunMeta, StoredRun } from './types.js';

/**
 * The schema, one step per version (`PRAGMA user_version` says how many have run). Append only:
 * a released step never changes, so every older file upgrades the same way.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     saved_at TEXT NOT NULL,
     name TEXT NOT NULL,
     kind TEXT NOT NULL,
     started_at TEXT NOT NULL,
     passed INTEGER,
     git_commit TEXT,
     meta TEXT NOT NULL,
     doc TEXT NOT NULL
   );
   CREATE INDEX runs_name ON runs (name, id);
   CREATE TABLE baselines (
     name TEXT PRIMARY KEY,
     run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
     set_at TEXT NOT NULL
   );`,
];
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/** How long a writer waits for another's lock before giving up (concurrent saves queue). */
const BUSY_TIMEOUT_MS = 15_000;

function migrate(db: Database.Database, location: string): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  const has = version();
  if (has > MIGRATIONS.length) throw schemaTooNew(location, has, MIGRATIONS.length);
  if (has === MIGRATIONS.length) return;
  // IMMEDIATE takes the write lock first, so two processes opening a new file migrate it once.
  db.transaction(() => {
    const now = version();
    if (now > MIGRATIONS.length) throw schemaTooNew(location, now, MIGRATIONS.length);
    for (let v = now; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/**
 * Switching a new file to WAL needs the file to itself for a moment, and SQLite does not always
 * wait for that on the busy timeout: a second process opening the same new file at that instant
 * gets SQLITE_BUSY at once. Retried until the timeout, as the busy handler would.
 */
function walMode(db: Database.Database): void {
  const until = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > until) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

function openDatabase(path: string): Database.Database {
  const location = path;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw storeOpenError(location, `its folder cannot be created (${reasonOf(e)})`, e);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    walMode(db);
    db.pragma('foreign_keys = ON');
    // NORMAL is durable across a process crash in WAL mode (only a power cut can lose the last commit).
    db.pragma('synchronous = NORMAL');
    migrate(db, location);
    return db;
  } catch (e) {
    db?.close();
    if (isSquallError(e)) throw e;
    const code = (e as { code?: string }).code;
    const why =
      code === 'SQLITE_NOTADB'
        ? 'the file is not a SQLite database'
        : code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code?.startsWith('SQLITE_READONLY_')
          ? `it cannot be written there (${reasonOf(e)}); check the folder's permissions`
          : reasonOf(e);
    throw storeOpenError(location, why, e);
  }
}

class SqliteStore implements HistoryStore {
  constructor(
    private readonly db: Database.Database,
    readonly location: string,
  ) {}

  async save(doc: ResultDocument, meta: RunMeta): Promise<number> {
    try {
      const info = this.db
        .prepare(
          `INSERT INTO runs (saved_at, name, kind, started_at, passed, git_commit, meta, doc)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          new Date().toISOString(),
          meta.name,
          meta.kind,
          meta.startedAt,
          meta.passed === null ? null : meta.passed ? 1 : 0,
          meta.git?.commit ?? null,
          JSON.stringify(meta),
          JSON.stringify(doc),
        );
      return Number(info.lastInsertRowid);
    } catch (e) {
      throw storeWriteError(this.location, e);
    }
  }

  async list(q?: { name?: string; limit?: number }): Promise<StoredRun[]> {
    const limit = limitOf(q);
    const where = q?.name === undefined ? '' : 'WHERE name = @name';
    const rows = this.db
      .prepare(`SELECT id, saved_at, meta FROM runs ${where} ORDER BY id DESC ${limit ? 'LIMIT @limit' : ''}`)
      .all({ ...(q?.name === undefined ? {} : { name: q.name }), ...(limit ? { limit } : {}) }) as RunRow[];
    return rows.map(runFromRow);
  }

  async get(id: number): Promise<{ run: StoredRun; doc: ResultDocument } | null> {
    const row = this.db.prepare('SELECT id, saved_at, meta, doc FROM runs WHERE id = ?').get(id) as
      | (RunRow & { doc: string })
      | undefined;
    return row ? { run: runFromRow(row), doc: docFromText(row.doc) } : null;
  }

  async last(name?: string): Promise<StoredRun | null> {
    return (await this.list({ ...(name === undefined ? {} : { name }), limit: 1 }))[0] ?? null;
  }

  async remove(id: number): Promise<boolean> {
    // The foreign key's ON DELETE CASCADE drops the baselines pointing at it.
    return this.db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0;
  }

  async setBaseline(name: string, id: number): Promise<void> {
    this.db
      .transaction(() => {
        if (!this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id)) throw noSuchRun(this.location, id);
        this.db
          .prepare(
            `INSERT INTO baselines (name, run_id, set_at) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET run_id = excluded.run_id, set_at = excluded.set_at`,
          )
          .run(name, id, new Date().toISOString());
      })
      .immediate();
  }

  async getBaseline(name: string): Promise<number | null> {
    const row = this.db.prepare('SELECT run_id FROM baselines WHERE name = ?').get(name) as
      | { run_id: number }
      | undefined;
    return row ? row.run_id : null;
  }

  async listBaselines(): Promise<BaselineEntry[]> {
    const rows = this.db.prepare('SELECT name, run_id, set_at FROM baselines ORDER BY name').all() as {
      name: string;
      run_id: number;
      set_at: string;
    }[];
    return rows.map((r) => ({ name: r.name, id: r.run_id, setAt: r.set_at }));
  }

  async removeBaseline(name: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM baselines WHERE name = ?').run(name).changes > 0;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Opens (creating it and its folder when missing) the SQLite store at `path`, an absolute path. */
export function openSqliteStore(path: string): HistoryStore {
  return new SqliteStore(openDatabase(path), path);
}
