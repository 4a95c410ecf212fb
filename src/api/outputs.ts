import { appendFileSync, closeSync, existsSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { badFlag, SquallError } from '../errors/index.js';
import { fileReporter } from '../report/registry.js';
import type { ResultDocument } from '../result/schema.js';
import { makeDirs } from '../util/make-dirs.js';

export interface OutputSpec {
  kind: string;
  path: string;
  /** `prometheus` and `prometheus-rw`: --prometheus-names, --prometheus-push-interval, --prometheus-linger. */
  prometheus?: { names?: 'squall' | 'k6'; pushIntervalMs?: number; lingerMs?: number };
}

/** A file output's files: the path and each suffix its reporter writes (`-o csv=PREFIX` has three). */
function filesOf({ kind, path }: OutputSpec): string[] {
  return (fileReporter(kind)?.suffixes ?? []).map((suffix) => `${path}${suffix}`);
}

/** Live outputs (served while the test runs) have no file reporter and write no file. */
const isFileOutput = (o: OutputSpec) => fileReporter(o.kind) !== undefined;

/** The texts of an output's files, in `filesOf` order. */
async function render(kind: string, doc: ResultDocument): Promise<string[]> {
  const reporter = fileReporter(kind);
  if (!reporter) throw new Error(`no renderer for output kind ${kind}`);
  return (await reporter.render(doc)).map((f) => f.text);
}

/**
 * Writes every `-o KIND=PATH` file output: the paths written, and one error naming each output
 * that failed, with its path and reason (the others are still written; the caller throws it last).
 */
export async function writeOutputs(
  result: ResultDocument,
  outputs: readonly OutputSpec[],
): Promise<{ written: string[]; error: SquallError | null }> {
  const written: string[] = [];
  const failed: string[] = [];
  let cause: unknown;
  for (const o of outputs.filter(isFileOutput)) {
    const files = filesOf(o).map((f) => resolve(f));
    try {
      const texts = await render(o.kind, result);
      files.forEach((full, i) => {
        makeDirs(dirname(full));
        writeFileSync(full, texts[i]!);
        written.push(full);
      });
    } catch (e) {
      failed.push(`the ${o.kind} output to ${o.path}: ${e instanceof Error ? e.message : String(e)}`);
      cause ??= e;
    }
  }
  // Every failure is named: fixing one to meet the next would cost a run each.
  const error =
    failed.length === 0
      ? null
      : new SquallError('SQ_OUTPUT_WRITE', `could not write ${failed.join('; nor ')}`, {
          where: { flag: '-o' },
          cause,
          ...(written.length > 0 ? { hint: `the other outputs were written: ${written.join(', ')}` } : {}),
        });
  return { written, error };
}

/**
 * GitHub Actions shows `$GITHUB_STEP_SUMMARY` on the run's page: when a run happens there, its
 * Markdown summary is appended without being asked for. Returns a warning when that fails (the
 * run's figures matter more than the summary).
 */
export async function appendStepSummary(
  result: ResultDocument,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<string | null> {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return null;
  try {
    const md = (await import('../report/markdown.js')).renderMarkdown(result);
    appendFileSync(path, `${md.endsWith('\n') ? md : `${md}\n`}\n`);
    return null;
  } catch (e) {
    return `could not append the summary to GITHUB_STEP_SUMMARY (${path}): ${(e as Error).message}`;
  }
}

/**
 * Checks before the load starts that every output can be written, so a long run never ends
 * in a write error: the folder exists or can be made and is writable, the path is no folder.
 */
export function checkOutputsWritable(outputs: readonly OutputSpec[]): void {
  const owner = new Map<string, string>();
  for (const o of outputs.filter(isFileOutput)) {
    for (const file of filesOf(o)) {
      const full = resolve(file);
      const other = owner.get(full);
      if (other !== undefined) {
        throw badFlag(
          '-o',
          `-o ${o.kind}=${o.path} and -o ${other} would write the same file ${full}; give each its own path`,
        );
      }
      owner.set(full, `${o.kind}=${o.path}`);
      try {
        if (existsSync(full) && statSync(full).isDirectory()) throw new Error(`${file} is a directory`);
        makeDirs(dirname(full));
        probeWrite(full);
      } catch (e) {
        throw badFlag('-o', `-o ${o.kind}=${o.path} cannot be written: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * Opens the file for appending (which changes nothing in it) and removes it again if it did not
 * exist: a real answer where permission bits mislead (root, /proc, read-only mounts).
 */
function probeWrite(full: string): void {
  const existed = existsSync(full);
  closeSync(openSync(full, 'a'));
  if (!existed) rmSync(full, { force: true });
}
