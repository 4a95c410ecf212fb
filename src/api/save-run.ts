import { badFlag, formatError, isSquallError, SquallError } from '../errors/index.js';
import type { ResultDocument } from '../result/schema.js';
import { openStore } from '../store/open.js';
import { collectRunMeta, defaultRunName } from '../store/run-meta.js';
import type { HistoryStore } from '../store/types.js';
import type { SessionIO } from './io.js';

/** `--save`, `--name`, `--label`, `--store` of quick, run and bench. */
export interface SaveFlags {
  save?: boolean;
  name?: string;
  label?: string[];
  store?: string;
}

/** `--label key=value` (repeatable) as a record; bad input names the flag. */
export function parseLabels(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of list ?? []) {
    const eq = text.indexOf('=');
    if (eq <= 0)
      throw badFlag('--label', `--label "${text}" is not KEY=VALUE; for example --label env=staging`);
    out[text.slice(0, eq).trim()] = text.slice(eq + 1).trim();
  }
  return out;
}

function wantsSave(flags: SaveFlags, env: SessionIO['env']): boolean {
  return flags.save === true || env.SQUALL_SAVE === '1' || env.SQUALL_SAVE === 'true';
}

/**
 * Runs a session and keeps its result in the history when asked (`--save` or SQUALL_SAVE=1).
 * The store is opened before the load, so one that cannot be opened is exit 2 with nothing run;
 * a save that fails at the end leaves the run's own outputs written, says why, and exits 1
 * (130 stays 130: the interruption is what the caller must hear first).
 */
export async function withSave(
  flags: SaveFlags,
  io: SessionIO,
  session: () => Promise<{ exitCode: number; result: ResultDocument | null }>,
  cwd = process.cwd(),
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  const labels = parseLabels(flags.label);
  if (!wantsSave(flags, io.env)) return session();
  const store: HistoryStore = await openStore(flags.store ?? (io.env.SQUALL_STORE || undefined), cwd);
  try {
    const out = await session();
    if (out.result === null) return out;
    try {
      const meta = collectRunMeta(
        { doc: out.result, name: flags.name ?? defaultRunName(out.result), labels },
        { cwd, env: io.env },
      );
      const id = await store.save(out.result, meta);
      io.stderr.write(`saved as run ${id} (${meta.name}) in ${store.location}\n`);
      return out;
    } catch (e) {
      const err = isSquallError(e)
        ? e
        : new SquallError(
            'SQ_STORE_WRITE',
            `the run could not be saved in ${store.location}: ${e instanceof Error ? e.message : String(e)}`,
          );
      io.stderr.write(`${formatError(err)}\n`);
      return { ...out, exitCode: out.exitCode === 130 ? 130 : 1 };
    }
  } finally {
    await store.close();
  }
}
