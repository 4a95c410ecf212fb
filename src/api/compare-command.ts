import { writeFileSync } from 'node:fs';
import { badFlag, SquallError } from '../errors/index.js';
import { renderComparison, renderComparisonMarkdown } from '../report/comparison.js';
import { openStore } from '../store/open.js';
import type { HistoryStore } from '../store/types.js';
import { compareDocuments } from './compare.js';
import { resolveRef } from './history.js';
import type { SessionIO } from './io.js';

/** `10%`, `10` or `0.1`? Percent only: `10%` or `10` is ten per cent. */
export function parsePercentFlag(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  if (!m) throw badFlag(flag, `${flag} "${text}" is not a percentage; expected for example ${flag} 10%`);
  return Number(m[1]) / 100;
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
    store ??= await openStore(o.store ?? (io.env.SQUALL_STORE || undefined), cwd);
    return store;
  };
  try {
    const A = await resolveRef(a, open);
    const B = await resolveRef(b, open);
    if (A.id !== null && A.id === B.id)
      throw new SquallError('SQ_USAGE_BAD_FLAG', `A and B are the same run (${A.label}): nothing to compare`);
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
