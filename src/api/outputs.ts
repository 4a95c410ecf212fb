import { appendFileSync, closeSync, existsSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { badFlag, SquallError } from '../errors/index.js';
import { fileReporter, type RenderedFile } from '../report/registry.js';
import type { ResultDocument } from '../result/schema.js';
import { makeDirs } from '../util/make-dirs.js';

export interface OutputSpec {
  kind: string;
  /** Where it is written; with `stamped`, its STAMP is replaced by the run's start. */
  path: string;
  /** `prometheus` and `prometheus-rw`: --prometheus-names, --prometheus-push-interval, --prometheus-linger. */
  prometheus?: { names?: 'squall' | 'k6'; pushIntervalMs?: number; lingerMs?: number };
  /**
   * `--report-dir`: the file name holds STAMP, the run's start in UTC, known only once the run
   * has started (from the document's `startedAt`), so the name is made when the file is written.
   */
  stamped?: boolean;
}

/** The place of the time in a stamped output's path. */
export const STAMP = '{stamp}';

/** `YYYYMMDD_HHMMSS` of a time, in UTC (as a report folder's file names carry it). */
export function stampOf(time: string | Date): string {
  const d = new Date(time);
  const iso = (Number.isNaN(d.getTime()) ? new Date() : d).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}_${iso.slice(11, 19).replace(/:/g, '')}`;
}

/** The output's path for a run that started at `startedAt` (only a stamped one depends on it). */
export function outputPath(o: OutputSpec, startedAt: string | Date): string {
  if (!o.stamped) return o.path;
  const i = o.path.lastIndexOf(STAMP);
  return i < 0 ? o.path : `${o.path.slice(0, i)}${stampOf(startedAt)}${o.path.slice(i + STAMP.length)}`;
}

/** A file output's possible files: the path and each suffix its reporter may write (`-o csv=PREFIX`: four). */
function filesOf(o: OutputSpec, startedAt: string | Date): string[] {
  const path = outputPath(o, startedAt);
  return (fileReporter(o.kind)?.suffixes ?? []).map((suffix) => `${path}${suffix}`);
}

/** How an output is named in messages: its `-o`, or `--report-dir`'s file. */
const outputName = (o: OutputSpec, path: string) =>
  o.stamped ? `--report-dir's ${o.kind} file ${path}` : `-o ${o.kind}=${path}`;

/** Live outputs (served while the test runs) have no file reporter and write no file. */
const isFileOutput = (o: OutputSpec) => fileReporter(o.kind) !== undefined;

/** An output's files for this document, each with its suffix (a subset of `filesOf`'s). */
async function render(kind: string, doc: ResultDocument): Promise<RenderedFile[]> {
  const reporter = fileReporter(kind);
  if (!reporter) throw new Error(`no renderer for output kind ${kind}`);
  return reporter.render(doc);
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
    const path = outputPath(o, result.startedAt);
    try {
      // The document decides which of the reporter's files it gets (a sweep: one CSV of four).
      for (const f of await render(o.kind, result)) {
        const full = resolve(`${path}${f.suffix}`);
        makeDirs(dirname(full));
        writeFileSync(full, f.text);
        written.push(full);
      }
    } catch (e) {
      failed.push(`the ${o.kind} output to ${path}: ${e instanceof Error ? e.message : String(e)}`);
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
  // A stamped name is checked as it would be now: the folder and its rights are what can fail.
  const now = new Date();
  for (const o of outputs.filter(isFileOutput)) {
    const flag = o.stamped ? '--report-dir' : '-o';
    const name = outputName(o, outputPath(o, now));
    for (const file of filesOf(o, now)) {
      const full = resolve(file);
      const other = owner.get(full);
      if (other !== undefined) {
        throw badFlag(flag, `${name} and ${other} would write the same file ${full}; give each its own path`);
      }
      owner.set(full, name);
      try {
        if (existsSync(full) && statSync(full).isDirectory()) throw new Error(`${file} is a directory`);
        makeDirs(dirname(full));
        probeWrite(full);
      } catch (e) {
        throw badFlag(flag, `${name} cannot be written: ${(e as Error).message}`);
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
