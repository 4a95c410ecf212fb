import type { Command } from 'commander';
import type { SweepFlags } from '../../api/sweep.js';
import { REPORT_DIR_HELP } from '../common-flags.js';
import { collect } from '../io.js';

const EXAMPLES = `
Examples:
  $ squall sweep http://127.0.0.1:8080/health                            # 1, 2, 4, 8, 16, 32 connections, 30s each
  $ squall sweep http://127.0.0.1:5110/health --levels 5,10,20,50 --hold 30s
  $ squall sweep http://127.0.0.1:8080/ --levels 5..80x2 --hold 10s --warmup 2s   # 5, 10, 20, 40, 80
  $ squall sweep http://127.0.0.1:8080/ --until 'http_req_duration:p(95)>300ms'   # stop past the budget
  $ squall sweep http://127.0.0.1:8080/ --threshold 'http_req_duration:p(95)<25' --threshold 'sweep_capacity>=20'
  $ squall sweep http://127.0.0.1:8080/ --rate --levels 100,200,400,800    # arrival rates (open model)
  $ squall sweep tests/api.yaml --levels 1,2,4,8 -o html=sweep.html -o csv=sweep   # a test file's users, scaled
  $ squall sweep http://127.0.0.1:8080/ --levels 8,16,32,64 --workers auto   # levels past one core

Per level: throughput, latency mean/p50/p95/p99, errors, and whether squall itself was the limit
(then left out of the fit). Then the Universal Scalability Law fitted to the throughput (λ, σ, κ,
R², the peak and where it is), the knee, Little's law at each level, the capacity within the
thresholds (the highest level up to which every level held them) and a plain verdict.
--threshold on the load's metrics applies to each level; on the sweep's figures (sweep_capacity,
sweep_knee, sweep_peak_rps, sweep_max_rps) to the sweep. See docs/sweep.md.

Exit codes: 0 ok, 99 a sweep threshold failed or no level held the thresholds, 1 the first level
got no successful response, 2 bad input, 130 interrupted (the levels measured are written).`;

export function registerSweep(program: Command, setExit: (code: number) => void): void {
  program
    .command('sweep')
    .description('run a load at several concurrency levels (or rates): knee, USL fit, capacity')
    .argument('<url|test-file>', 'a URL to load as quick does, or a test file whose users are scaled')
    .option(
      '--levels <list>',
      'concurrency levels: 1,2,4,8 or FROM..TOxFACTOR such as 5..50x2 (default 1,2,4,8,16,32)',
    )
    .option('--hold <d>', 'how long each level is measured (default 30s)')
    .option('--warmup <d>', 'load before each level, not measured (default 5s; 0s for none)')
    .option('--rate', 'the levels are arrival rates per second (open model), not concurrency')
    .option(
      '--until <metric:expr>',
      "stop once a level's figure is past it, e.g. 'http_req_duration:p(95)>300ms'",
    )
    .option(
      '--threshold <metric:expr>',
      "a budget per level ('http_req_duration:p(95)<25') or for the sweep ('sweep_capacity>=20') (repeatable)",
      collect,
    )
    .option('-m, --method <m>', 'HTTP method of a URL sweep (default GET)')
    .option('-H, --header <header>', "request header 'Name: value' of a URL sweep (repeatable)", collect)
    .option('-b, --body <text>', "request body of a URL sweep; '@FILE' reads a file")
    .option('--body-file <path>', 'request body of a URL sweep from a file, byte for byte')
    .option('--timeout <d>', 'per-request timeout (default 10s)')
    .option('-k, --insecure', 'https: do not verify certificates')
    .option('--cacert <file>', 'https: trust the CA certificates of this PEM file')
    .option(
      '-e, --env <KEY=VALUE>',
      'a test file: an environment variable for the script (repeatable)',
      collect,
    )
    .option('--host <url>', "a test file: its base URL instead of the file's target")
    .option(
      '-o, --out <kind=path>',
      'write json=s.json, html=s.html, md=s.md, csv=PREFIX, junit=s.xml (repeatable)',
      collect,
    )
    .option(
      '--workers <n|auto>',
      "each level's load on N worker threads (auto: the free cores; at most one per VU or connection)",
    )
    .option('--report-dir <dir>', REPORT_DIR_HELP)
    .option('--json', 'print the result document on stdout instead of the table')
    .option('-q, --quiet', 'no progress; print the table only when a threshold fails')
    .option('--no-color', 'no ANSI colours (also when not a TTY, or with NO_COLOR)')
    .addHelpText('after', EXAMPLES)
    .action(async (target: string, opts: SweepFlags) => {
      // Imported when it runs: `squall sweep --help` stays cheap (main.ts).
      const [{ sweepSession }, { processIO }] = await Promise.all([
        import('../../api/sweep.js'),
        import('../../api/io.js'),
      ]);
      const { exitCode } = await sweepSession(target, opts, processIO());
      setExit(exitCode);
    });
}
