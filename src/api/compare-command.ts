import { writeFileSync } from 'node:fs';
import { parsePercentFlag } from '../config/parse-flags.js';
import { badFlag, SquallError } from '../errors/index.js';
import { renderComparison, renderComparisonMarkdown } from '../report/comparison.js';
import { openStore } from '../store/open.js';
import type { HistoryStore } from '../store/types.js';
import { compareDocuments, type Side } from './compare.js';
import { resolveRef } from './history.js';
import type { SessionIO } from './io.js';

/**
 * A side of `squall compare` as typed: one ref (a file, a run id, `last`, `baseline:NAME`), a
 * comma-separated list of them, a range of run ids `12..16`, or `last:N` (the N newest runs):
 * several runs of a test make one side.
 */
export async function resolveSide(
  text: string,
  store: () => Promise<HistoryStore>,
): Promise<Side & { ids: number[] }> {
  const refs: string[] = [];
  for (const part of text.split(',').map((t) => t.trim())) {
    const range = /^(\d+)\.\.(\d+)$/.exec(part);
    const newest = /^last:(\d+)$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (!(from >= 1 && to >= from && to - from < 1000))
        throw new SquallError('SQ_USAGE_BAD_FLAG', `"${part}" is not a range of run ids such as 12..16`);
      for (let id = from; id <= to; id++) refs.push(String(id));
    } else if (newest) {
      const n = Number(newest[1]);
      if (!(n >= 1))
        throw new SquallError('SQ_USAGE_BAD_FLAG', `"${part}" must name at least one run, as last:5`);
      const s = await store();
      const runs = await s.list({ limit: n });
      if (runs.length < n)
        throw new SquallError(
          'SQ_HISTORY_NOT_FOUND',
          `"${part}" asks for ${n} runs and the history at ${s.location} has ${runs.length}`,
          { hint: 'squall history list shows the saved runs' },
        );
      refs.push(...runs.map((r) => String(r.id)).reverse());
    } else if (part !== '') refs.push(part);
  }
  if (refs.length === 0) throw new SquallError('SQ_USAGE_BAD_FLAG', `"${text}" names no result to compare`);
  const got = [];
  for (const ref of refs) got.push(await resolveRef(ref, store));
  const ids = got.map((g) => g.id).filter((id): id is number => id !== null);
  const label =
    got.length === 1
      ? got[0]!.label
      : ids.length === got.length
        ? `${got.length} runs: ${ids.join(', ')}`
        : `${got.length} runs: ${got.map((g) => g.label).join(', ')}`;
  return { docs: got.map((g) => g.doc), label, ids };
}

/** `squall compare`'s flags, as the CLI hands them over. */
export interface CompareFlags {
  metric?: string[];
  maxRegression?: string;
  noise?: string;
  json?: boolean;
  out?: string[];
  store?: string;
}

/** `squall compare A B`: prints the table (or JSON), writes -o md=, returns the exit code. */
export async function compareCommand(
  a: string,
  b: string,
  o: CompareFlags,
  io: SessionIO,
  cwd = process.cwd(),
): Promise<number> {
  const budget = parsePercentFlag('--max-regression', o.maxRegression, 0.1);
  const noise = parsePercentFlag('--noise', o.noise, 0.02);
  const md = (o.out ?? []).map((t) => {
    const m = /^md=(.+)$/.exec(t);
    if (!m)
      throw badFlag(
        '-o',
        `-o "${t}" is not md=PATH; compare writes its Markdown table (a pull-request comment)`,
      );
    return m[1]!;
  });
  let store: HistoryStore | undefined;
  const open = async () => {
    store ??= await openStore(o.store ?? (io.env.SQUALL_STORE || undefined), cwd, { create: false });
    return store;
  };
  try {
    const A = await resolveSide(a, open);
    const B = await resolveSide(b, open);
    const shared = A.ids.find((id) => B.ids.includes(id));
    if (shared !== undefined)
      throw new SquallError('SQ_USAGE_BAD_FLAG', `run ${shared} is on both sides: nothing to compare`, {
        hint: 'A is the baseline, B the candidate: give each its own runs',
      });
    const c = compareDocuments(A, B, { budget, noise, metrics: o.metric });
    if (o.json) io.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
    else io.stdout.write(renderComparison(c));
    for (const path of md) {
      writeFileSync(path, renderComparisonMarkdown(c));
      io.stderr.write(`wrote ${path}\n`);
    }
    return c.verdict === 'regressed' ? 99 : 0;
  } finally {
    await store?.close();
  }
}
