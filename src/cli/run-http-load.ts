import type { ResolvedQuick } from '../config/quick.js';
import { HttpEngine } from '../engine/http-engine.js';
import { renderSummary } from '../report/console.js';
import { renderJson } from '../report/json.js';
import { buildHttpResult } from '../result/build.js';
import type { ResultDocument } from '../result/schema.js';
import { createProgress } from '../ui/progress.js';
import { abortOnSignals, useColor } from './io.js';
import { writeOutputs } from './outputs.js';

/**
 * Runs a resolved HTTP load from the CLI: live progress on stderr, then the outputs, then the
 * summary (or the result document with --json) on stdout. Returns the exit code: 0, 99 when a
 * threshold failed, 130 when interrupted (after writing everything).
 */
export async function runHttpLoad(
  q: Pick<ResolvedQuick, 'load' | 'thresholds' | 'outputs' | 'json' | 'quiet' | 'config'>,
  opts: { color?: boolean; extraOutputs?: Array<{ kind: string; path: string }> },
): Promise<{ exitCode: number; result: ResultDocument }> {
  const errColor = useColor(process.stderr, opts.color);
  const progress = q.quiet
    ? null
    : createProgress({ stream: process.stderr, isTTY: process.stderr.isTTY === true, color: errColor });
  const signals = abortOnSignals();
  const engine = new HttpEngine(q.load, { onTick: (s) => progress?.update(s) });
  let outcome: Awaited<ReturnType<HttpEngine['run']>>;
  try {
    outcome = await engine.run(signals.signal);
  } finally {
    signals.dispose();
    progress?.finish();
  }
  const result = buildHttpResult({ ...outcome, config: q.config, thresholds: q.thresholds });
  // Print before a write can fail: a run's figures are never lost to a full disk.
  let writeError: unknown = null;
  let written: string[] = [];
  try {
    written = writeOutputs(result, [...q.outputs, ...(opts.extraOutputs ?? [])]);
  } catch (e) {
    writeError = e;
  }
  if (q.json) {
    process.stdout.write(renderJson(result));
  } else if (!q.quiet || !result.passed) {
    process.stdout.write(`${renderSummary(result, { color: useColor(process.stdout, opts.color) })}\n`);
  }
  if (!q.quiet) {
    for (const path of written) process.stderr.write(`wrote ${path}\n`);
    if (outcome.queued > 0) {
      process.stderr.write(
        `note: ${outcome.queued} requests waited for a free connection (all ${q.load.connections} were busy); ` +
          'their wait is in http_req_duration. Raise -c to give the target more concurrency.\n',
      );
    }
  }
  if (writeError) throw writeError;
  const exitCode = outcome.endReason === 'interrupted' ? 130 : result.passed ? 0 : 99;
  return { exitCode, result };
}
