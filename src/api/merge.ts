import { parseOutput } from '../config/parse-flags.js';
import { fileReporterKinds } from '../report/registry.js';
import { mergeDocuments } from '../result/merge-documents.js';
import { readResultFile } from '../result/read.js';
import { processRunId } from '../result/run-id.js';
import type { ResultDocument } from '../result/schema.js';
import { deliverResult } from './deliver.js';
import type { SessionIO } from './io.js';
import { checkOutputsWritable } from './outputs.js';

/** `squall merge`'s flags as the CLI hands them over. */
export interface MergeFlags {
  out?: string[];
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/**
 * `squall merge a.json b.json …`: the shard documents of one test (`--shard I/N`) merged into
 * the document of the whole run (result/merge-documents.ts), its thresholds evaluated on the
 * merged data, rendered like any run's (summary, -o files, --json). Exit 0, 99 when a threshold
 * fails on the merged data, 2 for files that are not shards of one test.
 */
export async function mergeSession(
  files: readonly string[],
  opts: MergeFlags,
  io: SessionIO,
): Promise<{ exitCode: number; result: ResultDocument }> {
  const outputs = (opts.out ?? []).map((t) => parseOutput(t, fileReporterKinds()));
  checkOutputsWritable(outputs);
  const docs = files.map((f) => readResultFile(f));
  const merged = mergeDocuments(docs, {
    names: files,
    onWarning: (m) => io.stderr.write(`${m}\n`),
  });
  // The merged run is a run of its own: it gets its own id (the shards' stay in their files).
  const result: ResultDocument = { runId: processRunId(), ...merged };
  const s = result.shard!;
  const notes = opts.quiet
    ? []
    : [
        `merged ${s.merged.length} of ${s.count} shards (test ${s.test}): ` +
          `${result.metrics.http_reqs.count.toLocaleString('en-US')} requests over ${result.durationSec} s`,
      ];
  await deliverResult(
    result,
    { outputs, json: !!opts.json, quiet: !!opts.quiet, color: opts.color },
    io,
    notes,
  );
  return { exitCode: result.passed ? 0 : 99, result };
}
