import type { Command } from 'commander';
import { FILE_REPORTERS, fileReporterKinds } from '../../report/registry.js';
import { collect } from '../io.js';

const EXAMPLES = `
Examples:
  $ squall report result.json                        # the console summary again
  $ squall report result.json -o html=report.html    # a self-contained HTML report
  $ squall report result.json -o md=summary.md -o csv=stats -o junit=results.xml
  $ squall report result.json -o bencher=bmf.json -o github-benchmark=gab.json   # for benchmark trackers

The outputs are rendered by the same code as a run's -o, from the document alone.
Exit codes: 0 the result passed its thresholds, 99 it did not, 2 bad input.`;

interface ReportOptions {
  out?: string[];
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

export function registerReport(program: Command, setExit: (code: number) => void): void {
  program
    .command('report')
    .description('render a saved result again: console summary, html, md, csv, junit')
    .argument('<result.json>', 'a result document written by -o json= or --json')
    .option(
      '-o, --out <kind=path>',
      `write ${FILE_REPORTERS.map((r) => `${r.kind}=${r.example}`).join(', ')}`,
      collect,
    )
    .option('--json', 'print the result document on stdout instead of the summary')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--no-color', 'no ANSI colours')
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, opts: ReportOptions) => {
      // Imported when it runs: `squall report --help` stays cheap (main.ts).
      const [
        { deliverResult },
        { processIO },
        { checkOutputsWritable },
        { parseOutput },
        { readResultFile },
      ] = await Promise.all([
        import('../../api/deliver.js'),
        import('../../api/io.js'),
        import('../../api/outputs.js'),
        import('../../config/parse-flags.js'),
        import('../../result/read.js'),
      ]);
      const outputs = (opts.out ?? []).map((t) => parseOutput(t, fileReporterKinds()));
      const doc = readResultFile(file);
      checkOutputsWritable(outputs);
      await deliverResult(
        doc,
        {
          outputs,
          json: !!opts.json,
          quiet: !!opts.quiet,
          color: opts.color,
          // Asked for files, it writes files; the summary is what `squall report FILE` alone prints.
          summary: outputs.length === 0,
          stepSummary: false,
        },
        processIO(),
      );
      setExit(doc.passed === false ? 99 : 0);
    });
}
