import type { Command } from 'commander';
import type { MergeFlags } from '../../api/merge.js';
import { FILE_REPORTERS } from '../../report/registry.js';
import { collect } from '../io.js';

const EXAMPLES = `
Examples:
  $ squall run api.yaml --shard 1/4 --start-at 2026-12-05T09:00:00Z -o json=s1.json   # on machine 1 (… 4/4 on 4)
  $ squall merge s1.json s2.json s3.json s4.json                  # the whole run's summary
  $ squall merge s*.json -o html=report.html -o md=summary.md     # rendered like any run
  $ squall merge s*.json --json > merged.json                     # the merged document

Shards are merged exactly: histograms are added bucket by bucket, counts summed, rates counted
over the merged run, and the test's thresholds evaluated again on the merged data (a threshold
that passes on every shard can fail on the whole run). Documents of different tests, or one
shard twice, are refused; a missing shard is merged without, with a warning (docs/scale.md).
Exit codes: 0 ok, 99 a threshold failed on the merged data, 2 bad input (not shards of one test).`;

export function registerMerge(program: Command, setExit: (code: number) => void): void {
  program
    .command('merge')
    .description('merge shard results (--shard I/N) into one run, thresholds evaluated on the merged data')
    .argument('<results...>', 'the shard documents, written by -o json= or --json with --shard')
    .option(
      '-o, --out <kind=path>',
      `write the merged run: ${FILE_REPORTERS.map((r) => `${r.kind}=${r.example}`).join(', ')} (repeatable)`,
      collect,
    )
    .option('--json', 'print the merged result document on stdout instead of the summary')
    .option('-q, --quiet', 'print the summary only when a threshold fails')
    .option('--no-color', 'no ANSI colours')
    .addHelpText('after', EXAMPLES)
    .action(async (files: string[], opts: MergeFlags) => {
      // Imported when it runs: `squall merge --help` stays cheap (main.ts).
      const [{ mergeSession }, { processIO }] = await Promise.all([
        import('../../api/merge.js'),
        import('../../api/io.js'),
      ]);
      const { exitCode } = await mergeSession(files, opts, processIO());
      setExit(exitCode);
    });
}
