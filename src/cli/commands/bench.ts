import type { Command } from 'commander';
import type { HistoryFlags } from '../../api/run-history.js';
import { FILE_REPORTERS, fileReporterKinds } from '../../report/registry.js';
import { addHistoryFlags, REPORT_DIR_HELP } from '../common-flags.js';
import { collect } from '../io.js';

const EXAMPLES = `
Examples:
  $ squall bench                              # every *.bench.ts|.mts|.js|.mjs under this folder
  $ squall bench bench/cache.bench.ts         # one file
  $ squall bench bench/ -t 'cache|parse'      # only the benches whose name matches
  $ squall bench --time 200ms --json > b.json # shorter sampling, the result document on stdout
  $ squall bench -o html=bench.html -o md=bench.md -o junit=bench.xml
  $ squall bench --report-dir reports         # reports/bench_20261203_201500.json, .html, .md, _stats.csv…
  $ squall bench --save --baseline main        # 5 processes; compare each bench's mean and median with main
  $ squall bench --forks 3                     # 3 fresh processes, each for a third of the time
  $ squall bench api.bench.ts --workers 2      # a concurrent bench's calls in flight over 2 threads
  $ squall bench -o bencher=bmf.json -o github-benchmark=gab.json   # for Bencher, github-action-benchmark

A bench file:
  import { bench, group } from 'squall';
  bench('parse config', () => parse(text), { budget: ['mean<5ms', 'p(99)<20ms'] });

Benches run in a child process started with --expose-gc, one after another; with --forks N,
in N such processes one after another, each sampling for 1/N of the time.
Exit codes: 0 ok, 99 a budget, speedup or complexity expectation failed,
1 a benchmark threw (the others still run and every result is written),
2 bad input (a missing path, no bench file, a file with no benchmark, a bad option,
budget or flag), 130 interrupted (what was measured is written). See docs/bench.md.`;

/** Processes per run when it is saved or compared (JMH's default forks). */
const HISTORY_FORKS = 5;

interface BenchFlags extends HistoryFlags {
  filter?: string;
  time?: string;
  forks?: string;
  workers?: string;
  out?: string[];
  reportDir?: string;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

export function registerBench(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('bench')
    .description('micro-benchmark functions: *.bench.ts files of bench(), group(), complexity()')
    .argument('[paths...]', 'bench files or folders to search (default: the current folder)')
    .option('-t, --filter <regex>', 'run only the benches whose "group name" or name matches')
    .option('--time <duration>', 'sampling time per bench, such as 500ms or 2s (default 1s)')
    .option(
      '--forks <n>',
      'run the benches in N fresh processes, each for 1/N of the time: how much a process changes a bench is then measured (default 1; 5 with --save or --baseline, which compare over processes)',
    )
    .option(
      '--workers <n|auto>',
      'spread each concurrent bench (concurrency: N) over N worker threads (auto: the free cores), for calls that need more than one core; benches of one call at a time are not spread',
    )
    .option(
      '-o, --out <kind=path>',
      `write ${FILE_REPORTERS.map((r) => `${r.kind}=${r.example}`).join(', ')} (repeatable)`,
      collect,
    )
    .option('--report-dir <dir>', REPORT_DIR_HELP)
    .option('--json', 'print the result document on stdout, nothing else')
    .option('-q, --quiet', 'print nothing but errors, and the summary when an expectation fails')
    .option('--no-color', 'no ANSI colours (also when not a TTY, or with NO_COLOR)');
  addHistoryFlags(command)
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], opts: BenchFlags) => {
      // Imported when it runs: `squall bench --help` stays cheap (main.ts).
      const [
        { runBenchCommand },
        { processIO },
        { parseDurationFlag, parseOutput, parsePositiveInt },
        { withHistory, wantsSave },
        { parseWorkers },
      ] = await Promise.all([
        import('../../api/bench-runner.js'),
        import('../../api/io.js'),
        import('../../config/parse-flags.js'),
        import('../../api/run-history.js'),
        import('../../api/workers/count.js'),
      ]);
      const workers = parseWorkers(opts.workers);
      const timeMs = opts.time === undefined ? null : parseDurationFlag('--time', opts.time);
      // A comparison needs each process's figures: one process's samples hide the next one's spread.
      const io = processIO();
      const history = wantsSave(opts, io.env) || opts.baseline !== undefined;
      const forks =
        opts.forks === undefined
          ? history
            ? HISTORY_FORKS
            : 1
          : parsePositiveInt('--forks', opts.forks, 100);
      const outputs = (opts.out ?? []).map((t) => parseOutput(t, fileReporterKinds()));
      const { exitCode } = await withHistory(opts, io, 'bench', (judge) =>
        runBenchCommand(
          {
            paths,
            cwd: process.cwd(),
            filter: opts.filter ?? null,
            timeMs,
            forks,
            workers,
            outputs,
            reportDir: opts.reportDir,
            json: !!opts.json,
            quiet: !!opts.quiet,
            // Commander sets true unless --no-color: only false is a choice (io.ts useColor).
            color: opts.color === false ? false : undefined,
            judge,
          },
          io,
        ),
      );
      setExit(exitCode);
    });
}
