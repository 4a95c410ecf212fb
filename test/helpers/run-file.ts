import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunResultDocument } from '../../src/result/build-run.js';
import { type CliOptions, type CliResult, explain, readResult, runCli, type SignalPlan } from './run-cli.js';

/**
 * `squall run FILE` as a user runs it, for tests that write their test files on the fly: writes
 * the file, runs the built CLI on it with `-o json=…`, and reads the result document back.
 */

export type RunResult = RunResultDocument;

/** Writes `text` to `dir/name` and returns the path. */
export function writeTestFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface RunFileOptions extends CliOptions {
  /** Progress on stderr is off (-q) unless this is false. */
  quiet?: boolean;
  signal?: SignalPlan;
}

let runs = 0;

/**
 * Runs `squall run file ...args -o json=<tmp>`; the result is undefined when squall wrote none
 * (bad input), so a test can assert on the exit code first.
 */
export async function runFile(
  file: string,
  args: readonly string[] = [],
  opts: RunFileOptions = {},
): Promise<{ run: CliResult; result: RunResult | undefined; why: string }> {
  const out = `${file}.${basename(file).replace(/\W/g, '_')}-${++runs}.result.json`;
  const run = await runCli(
    ['run', file, ...args, ...(opts.quiet === false ? [] : ['-q']), '-o', `json=${out}`],
    {
      timeoutMs: 40_000,
      ...opts,
    },
  );
  let result: RunResult | undefined;
  try {
    result = readResult(out, run) as RunResult;
  } catch {
    result = undefined;
  }
  return { run, result, why: explain(run) };
}

/** The same, for runs that must produce a result: fails with the run's output when there is none. */
export async function runFileOk(
  file: string,
  args: readonly string[] = [],
  opts: RunFileOptions = {},
): Promise<{ run: CliResult; result: RunResult; why: string }> {
  const r = await runFile(file, args, opts);
  if (r.result === undefined) throw new Error(`squall wrote no result for ${file}\n${r.why}`);
  return { ...r, result: r.result };
}

/** The result's answer to one threshold, failing with the list when it is not there. */
export function thresholdOf(r: RunResult, metric: string, expr: string): RunResult['thresholds'][number] {
  const t = r.thresholds.find((x) => x.metric === metric && x.expr === expr);
  if (!t) throw new Error(`no threshold ${metric} ${expr} in ${JSON.stringify(r.thresholds)}`);
  return t;
}
