import { renderSummary } from '../report/console.js';
import { renderJson } from '../report/json.js';
import type { ResultDocument } from '../result/schema.js';
import { type SessionIO, useColor } from './io.js';
import { appendStepSummary, type OutputSpec, writeOutputs } from './outputs.js';

export interface DeliverOptions {
  outputs: readonly OutputSpec[];
  json: boolean;
  quiet: boolean;
  color: boolean | undefined;
  /** Print the console summary (default true; `squall report -o …` only writes files). */
  summary?: boolean;
  /** Append to $GITHUB_STEP_SUMMARY (default true: runs do, re-rendering does not). */
  stepSummary?: boolean;
  /** `--baseline`: judges the document (adds its comparison) before anything is written. */
  judge?: (result: ResultDocument) => void;
}

/** The terminal's width, or COLUMNS (as shells export it); undefined when neither says. */
function widthOf(io: Pick<SessionIO, 'stdout' | 'env'>): number | undefined {
  const w = io.stdout.columns ?? Number(io.env.COLUMNS);
  return Number.isFinite(w) && w > 0 ? w : undefined;
}

/**
 * The end of every run: the `-o` files, the GitHub step summary, then the console summary (or
 * the document with --json) and the notes. The summary is printed before a write error is
 * thrown, so a run's figures are never lost to a full disk.
 */
export async function deliverResult(
  result: ResultDocument,
  o: DeliverOptions,
  io: Pick<SessionIO, 'stdout' | 'stderr' | 'env'>,
  notes: readonly string[] = [],
): Promise<void> {
  o.judge?.(result);
  const { written, error } = await writeOutputs(result, o.outputs);
  const summaryWarning = o.stepSummary === false ? null : await appendStepSummary(result, io.env);
  // A reporter that throws must not silence the rest: the files are written, the notes said.
  let summaryError: unknown;
  try {
    if (o.json) io.stdout.write(renderJson(result));
    else if (o.summary !== false && (!o.quiet || !result.passed)) {
      io.stdout.write(
        `${renderSummary(result, { color: useColor(io.stdout, o.color, io.env), width: widthOf(io) })}\n`,
      );
    }
  } catch (e) {
    summaryError = e;
  }
  if (!o.quiet) {
    for (const path of written) io.stderr.write(`wrote ${path}\n`);
    for (const note of notes) io.stderr.write(`${note}\n`);
  }
  if (summaryWarning) io.stderr.write(`warning: ${summaryWarning}\n`);
  if (error) throw error;
  if (summaryError !== undefined) throw summaryError;
}
