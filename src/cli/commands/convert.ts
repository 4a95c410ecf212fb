import type { Command } from 'commander';
import type { ConvertFlags } from '../../api/convert.js';

const EXAMPLES = `
Examples:
  $ squall convert script.js                    # a k6 script → squall YAML on stdout
  $ squall convert checkout.yml -o checkout.squall.yaml   # an Artillery test
  $ squall convert locustfile.py -o load-test.yaml
  $ squall convert script.js -o test.yaml && squall run test.yaml -d 10s

It translates the declarative part (k6's options, executors, stages, thresholds, requests,
checks and sleeps; Artillery's phases, payloads, flows, captures, expects, loops and ifTrue;
Locust's users, tasks, wait_time and on_start) and leaves what it cannot as a
# TODO(convert) comment with the original code. stderr lists what it translated and each TODO
with its line in the original. Exit codes: 0 converted (even with TODOs), 2 bad input.`;

export function registerConvert(program: Command, _setExit: (code: number) => void): void {
  program
    .command('convert')
    .description('translate a k6 script, an Artillery YAML or a locustfile into a squall test')
    .argument('<file>', 'the k6 (.js), Artillery (.yml) or Locust (.py) test')
    .option('-o, --out <file>', 'write the squall test there (default: stdout)')
    .option('--format <format>', 'yaml (default) or ts')
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, o: ConvertFlags) => {
      const [{ convertCommand }, { processIO }] = await Promise.all([
        import('../../api/convert.js'),
        import('../../api/io.js'),
      ]);
      await convertCommand(file, o, processIO());
    });
}
