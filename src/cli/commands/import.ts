import type { Command } from 'commander';
import type { ImportFlags } from '../../api/import.js';

const EXAMPLES = `
Examples:
  $ squall import har checkout.har -o checkout.yaml        # a browser recording → one user's flow
  $ squall import har checkout.har --host http://127.0.0.1:8080 --same-origin -o checkout.yaml
  $ squall import openapi openapi.yaml -o api.yaml          # a smoke test of every operation
  $ squall import openapi swagger.json --host http://127.0.0.1:8080 -o api.yaml && squall run api.yaml
  $ squall import curl 'curl -X POST -H "X-Api-Key: k1" -d q=shoes http://127.0.0.1:8080/search'
  $ squall import curl --format yaml 'curl http://127.0.0.1:8080/health' -o health.yaml

har: the requests in the order the browser started them, think times from the pauses between
them, static assets left out (--keep-static keeps them), browser and transport headers dropped.
openapi: a smoke scenario that calls each operation once and checks its documented status
(parameters and bodies from the spec's examples, or made up from the schema), and a load
skeleton, commented out. curl: the squall quick command (or, --format yaml, a test with that
request). stderr lists what was translated and what was not.
Exit codes: 0 imported, 2 bad input (a file that is not a HAR or a valid spec, a curl line without a URL).`;

const HOST_HELP = "the test's target instead of the recording's main origin or the spec's first server";

export function registerImport(program: Command, _setExit: (code: number) => void): void {
  const cmd = program
    .command('import')
    .description('make a test from a browser recording (HAR), an OpenAPI/Swagger spec or a curl command')
    .addHelpText('after', EXAMPLES);
  const run = (source: 'har' | 'openapi' | 'curl') => async (input: string, o: ImportFlags) => {
    const [{ importCommand }, { processIO }] = await Promise.all([
      import('../../api/import.js'),
      import('../../api/io.js'),
    ]);
    await importCommand(source, input, o, processIO());
  };
  cmd
    .command('har')
    .description('a browser recording (HAR 1.2) → a YAML test with one user replaying it')
    .argument('<file>', 'the .har file (devtools: Network → Save all as HAR)')
    .option('-o, --out <file>', 'write the test there (default: stdout)')
    .option('--format <format>', 'yaml (the only one for now)')
    .option('--keep-static', 'keep images, CSS, fonts, scripts and media (left out by default)')
    .option('--host <url>', HOST_HELP)
    .option('--same-origin', 'leave out the requests to other origins (analytics, CDNs)')
    .addHelpText('after', EXAMPLES)
    .action(run('har'));
  cmd
    .command('openapi')
    .description(
      'an OpenAPI 3.0/3.1 or Swagger 2.0 spec → a smoke test of every operation and a load skeleton',
    )
    .argument('<spec>', 'the spec, YAML or JSON (local $refs are followed, remote ones are not fetched)')
    .option('-o, --out <file>', 'write the test there (default: stdout)')
    .option('--format <format>', 'yaml (the only one for now)')
    .option('--host <url>', HOST_HELP)
    .addHelpText('after', EXAMPLES)
    .action(run('openapi'));
  cmd
    .command('curl')
    .description('a curl command line → the squall quick command that sends it, or a YAML test')
    .argument('<command>', "the whole curl command, quoted: 'curl -H … URL'")
    .option('-o, --out <file>', 'write the result there (default: stdout)')
    .option(
      '--format <format>',
      'quick (default: a squall quick command line) or yaml (a test with that one request)',
    )
    .addHelpText('after', EXAMPLES)
    .action(run('curl'));
}
