import type { Command } from 'commander';

const EXAMPLES = `
Examples:
  $ squall bench                              # every *.bench.ts|.mts|.js|.mjs under this folder
  $ squall bench bench/cache.bench.ts         # one file
  $ squall bench bench/ -t 'cache|parse'      # only the benches whose name matches
  $ squall bench --time 200ms --json > b.json # shorter sampling, the result document on stdout

A bench file:
  import { bench, group } from 'squall';
  bench('parse config', () => parse(text));

Benches run in a child process started with --expose-gc, one after another.
Exit codes: 0 ok, 1 a benchmark threw (the others still run and are reported),
2 bad input (a missing path, no bench file, a file with no benchmark, a bad flag), 130 interrupted.`;

interface BenchFlags {
  filter?: string;
  time?: string;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

export function registerBench(program: Command, setExit: (code: number) => void): void {
  program
    .command('bench')
    .description('micro-benchmark functions: *.bench.ts files of bench(), group(), complexity()')
    .argument('[paths...]', 'bench files or folders to search (default: the current folder)')
    .option('-t, --filter <regex>', 'run only the benches whose "group name" or name matches')
    .option('--time <duration>', 'sampling time per bench, such as 500ms or 2s (default 1s)')
    .option('--json', 'print the result document on stdout, nothing else')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--no-color', 'no ANSI colours')
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], opts: BenchFlags) => {
      // Imported when it runs: `squall bench --help` stays cheap (main.ts).
      const [{ runBenchCommand }, { processIO }, { parseDurationFlag }] = await Promise.all([
        import('../../api/bench-runner.js'),
        import('../../api/io.js'),
        import('../../config/parse-flags.js'),
      ]);
      const timeMs = opts.time === undefined ? null : parseDurationFlag('--time', opts.time);
      const code = await runBenchCommand(
        {
          paths,
          cwd: process.cwd(),
          filter: opts.filter ?? null,
          timeMs,
          json: !!opts.json,
          quiet: !!opts.quiet,
          color: opts.color !== false,
        },
        processIO(),
      );
      setExit(code);
    });
}
