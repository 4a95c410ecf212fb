import type { Command } from 'commander';
import type { CompareFlags } from '../../api/compare-command.js';
import { collect } from '../io.js';

const EXAMPLES = `
Examples:
  $ squall compare before.json after.json
  $ squall compare baseline:main last --max-regression 10%
  $ squall compare 12 15 --metric 'http_req_duration:p(95)' --metric 'http_reqs:rate'
  $ squall compare baseline:main last -o md=comment.md      # a pull-request comment

A and B are result files, saved run ids, 'last' or 'baseline:NAME'. Each metric gets the change,
its 95 % interval (a block bootstrap over the runs' seconds; over samples for benches; two
sweeps level by level) and a
verdict: improved, unchanged (inside the noise), regressed (the interval beyond the budget) or
inconclusive (the interval straddles the budget).
Exit codes: 0 no regression, 99 a metric regressed beyond the budget, 2 bad input.`;

export function registerCompare(program: Command, setExit: (code: number) => void): void {
  program
    .command('compare')
    .description('compare two results (files, run ids, baseline:NAME, last): a verdict per metric')
    .argument('<a>', 'the baseline: a result file, a run id, last or baseline:NAME')
    .argument('<b>', 'the candidate, in the same forms')
    .option('--metric <metric>', "only this metric, e.g. 'http_req_duration:p(95)' (repeatable)", collect)
    .option('--max-regression <pct>', 'how much worse B may be before exit 99 (default 10%)')
    .option('--noise <pct>', 'changes under this are unchanged (default 2%)')
    .option('--json', 'the comparison as JSON on stdout')
    .option('-o, --out <md=path>', 'write the Markdown (a pull-request comment): md=PATH', collect)
    .option(
      '--store <store>',
      'the history for run ids and baselines (default .squall/history.db, or SQUALL_STORE)',
    )
    .addHelpText('after', EXAMPLES)
    .action(async (a: string, b: string, o: CompareFlags) => {
      const [{ compareCommand }, { processIO }] = await Promise.all([
        import('../../api/compare-command.js'),
        import('../../api/io.js'),
      ]);
      setExit(await compareCommand(a, b, o, processIO()));
    });
}
