import { parsePercentFlag } from '../config/parse-flags.js';
import { badFlag, formatError, isSquallError, SquallError } from '../errors/index.js';
import type { ResultDocument } from '../result/schema.js';
import { openStore } from '../store/open.js';
import { collectRunMeta, defaultRunName } from '../store/run-meta.js';
import type { HistoryStore } from '../store/types.js';
import type { SessionIO } from './io.js';

/** `--save`, `--name`, `--label`, `--store`, `--baseline`, `--max-regression`, `--noise` of quick, run and bench. */
export interface HistoryFlags {
  save?: boolean;
  name?: string;
  label?: string[];
  store?: string;
  /** A baseline's name: the run ends compared with it, and fails (99) on a regression. */
  baseline?: string;
  maxRegression?: string;
  noise?: string;
}

/** Judges a finished run's document before it is delivered: adds `comparison`, may clear `passed`. */
export type Judge = (doc: ResultDocument) => void;

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

/** `--save`, or SQUALL_SAVE=1 (or true). */
export function wantsSave(flags: HistoryFlags, env: SessionIO['env']): boolean {
  return flags.save === true || env.SQUALL_SAVE === '1' || env.SQUALL_SAVE === 'true';
}

/**
 * The baseline of `--baseline NAME`, read before the load (an unknown name, or a baseline of
 * another kind, is exit 2 with nothing run), and the judge that compares the finished run with
 * it: the comparison goes into the document, so every report shows it, and a metric regressed
 * beyond its budget makes the run fail (exit 99) as a crossed threshold does.
 */
async function baselineJudge(
  flags: HistoryFlags,
  kind: 'load' | 'bench',
  store: HistoryStore,
  io: SessionIO,
): Promise<Judge> {
  const budget = parsePercentFlag('--max-regression', flags.maxRegression, 0.1);
  const noise = parsePercentFlag('--noise', flags.noise, 0.02);
  // Loaded only with --baseline: a plain run loads no reporter before its first request.
  const [{ resolveRef }, { compareDocuments, kindOf }] = await Promise.all([
    import('./history.js'),
    import('./compare.js'),
  ]);
  const base = await resolveRef(`baseline:${flags.baseline}`, async () => store);
  const baseKind = kindOf(base.doc);
  if (baseKind !== kind)
    throw new SquallError(
      'SQ_COMPARE_MISMATCH',
      `--baseline ${flags.baseline} is a ${baseKind} result; this is a ${kind} run, which cannot be compared with it`,
      { where: { flag: '--baseline' }, hint: 'squall baseline list shows the baselines and their runs' },
    );
  return (doc) => {
    try {
      const c = compareDocuments(
        { docs: [base.doc], label: base.label },
        { docs: [doc], label: 'this run' },
        {
          budget,
          noise,
        },
      );
      doc.comparison = c;
      if (c.verdict === 'regressed') doc.passed = false;
    } catch (e) {
      // The run's figures matter more than the comparison: say why, deliver them anyway.
      io.stderr.write(
        `warning: the run could not be compared with ${base.label}: ${e instanceof Error ? e.message : String(e)}\n`,
      );
    }
  };
}

/**
 * Runs a session with the history: compared with a baseline (`--baseline NAME`) before its
 * outputs are written, and kept in the store when asked (`--save` or SQUALL_SAVE=1). The store
 * is opened and the baseline read before the load, so a store that cannot be opened or a
 * baseline that is not there is exit 2 with nothing run; a save that fails at the end leaves
 * the run's own outputs written, says why, and exits 1 (130 stays 130: the interruption is what
 * the caller must hear first).
 */
export async function withHistory(
  flags: HistoryFlags,
  io: SessionIO,
  kind: 'load' | 'bench',
  session: (judge: Judge | undefined) => Promise<{ exitCode: number; result: ResultDocument | null }>,
  cwd = process.cwd(),
): Promise<{ exitCode: number; result: ResultDocument | null }> {
  const labels = parseLabels(flags.label);
  const save = wantsSave(flags, io.env);
  if (flags.baseline === undefined) {
    for (const [flag, given] of [
      ['--max-regression', flags.maxRegression],
      ['--noise', flags.noise],
    ] as const)
      if (given !== undefined)
        throw badFlag(flag, `${flag} judges the run against a baseline; add --baseline NAME`);
    if (!save) return session(undefined);
  }
  const store: HistoryStore = await openStore(flags.store ?? (io.env.SQUALL_STORE || undefined), cwd, {
    create: save,
  });
  try {
    const judge = flags.baseline === undefined ? undefined : await baselineJudge(flags, kind, store, io);
    const out = await session(judge);
    if (out.result === null || !save) return out;
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
