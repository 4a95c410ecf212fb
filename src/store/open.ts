import { resolve } from 'node:path';
import type { HistoryStore } from './types.js';

/** The embedded default, relative to the current folder. */
export const DEFAULT_STORE_PATH = '.squall/history.db';

/**
 * The store a `--store` / `SQUALL_STORE` value names: nothing → SQLite at `.squall/history.db`
 * under `cwd`; `postgres://…` or `postgresql://…` → PostgreSQL; `sqlite:PATH` or a path → SQLite.
 * The drivers load here, on first use, so commands that save nothing never load them.
 */
export async function openStore(spec: string | undefined, cwd: string): Promise<HistoryStore> {
  const s = spec?.trim() ?? '';
  if (/^postgres(ql)?:\/\//i.test(s)) {
    const { openPostgresStore } = await import('./postgres-store.js');
    return openPostgresStore(s);
  }
  const path = s.replace(/^sqlite:/i, '') || DEFAULT_STORE_PATH;
  const { openSqliteStore } = await import('./sqlite-store.js');
  return openSqliteStore(resolve(cwd, path));
}
