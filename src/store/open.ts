import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SquallError } from '../errors/index.js';
import { storeOpenError } from './errors.js';
import type { HistoryStore } from './types.js';

/** The embedded default, relative to the current folder. */
export const DEFAULT_STORE_PATH = '.squall/history.db';

/**
 * The store a `--store` / `SQUALL_STORE` value names: nothing → SQLite at `.squall/history.db`
 * under `cwd`; `postgres://…` or `postgresql://…` → PostgreSQL; `sqlite:PATH` (or `sqlite://PATH`) or a path → SQLite.
 * The drivers load here, on first use, so commands that save nothing never load them. Only a
 * save makes a SQLite file (`create`): reading a history that is not there says so and leaves
 * no empty `.squall/history.db` behind.
 */
export async function openStore(
  spec: string | undefined,
  cwd: string,
  o: { create: boolean } = { create: true },
): Promise<HistoryStore> {
  const s = spec?.trim() ?? '';
  if (/^postgres(ql)?:\/\//i.test(s)) {
    const { openPostgresStore } = await import('./postgres-store.js');
    return openPostgresStore(s);
  }
  // Any other URL scheme (mysql://, http://) would otherwise become a folder named after it.
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(s) && !/^sqlite:/i.test(s))
    throw storeOpenError(
      s.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1@'),
      'squall keeps its history in SQLite (a path, or sqlite:PATH) or PostgreSQL (postgres://…); no other kind',
    );
  const path = s.replace(/^sqlite:(\/\/)?/i, '') || DEFAULT_STORE_PATH;
  if (!o.create && !existsSync(resolve(cwd, path)))
    throw new SquallError('SQ_HISTORY_NOT_FOUND', `there is no history at ${resolve(cwd, path)} yet`, {
      hint: 'keep a run in it with --save (squall quick URL --save), or name another store with --store or SQUALL_STORE',
    });
  const { openSqliteStore } = await import('./sqlite-store.js');
  return openSqliteStore(resolve(cwd, path));
}
