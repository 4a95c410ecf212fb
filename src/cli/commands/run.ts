import { type Command, Option } from 'commander';
import type { RunSessionFlags } from '../../api/run.js';
import { addCommonLoadFlags } from '../common-flags.js';
import { collect } from '../io.js';

const EXAMPLES = `
Examples:
  $ squall run load-test.ts                          # TypeScript runs as is, no build step
  $ squall run api.yaml -u 10 -i 100                 # k6's short flags: 10 VUs share 100 iterations
  $ squall run api.yaml -s 10s:20 -s 30s:20 -s 5s:0  # k6's stages: ramp up, hold, ramp down
  $ squall run api.yaml --tag team=checkout --summary-export summary.json --stop-on-errors 50%
  $ SQUALL_VUS=20 squall run api.yaml                # every flag also as SQUALL_<FLAG>, or in squall.config.json
  $ squall run load-test.yaml --vus 50 --duration 2m # flags override the file
  $ squall run api.yaml --preset stress --vus 200
  $ squall run api.yaml --preset breakpoint --rate 2000   # ramp until it breaks; see breakingPoint
  $ squall run api.yaml --host http://127.0.0.1:8080 -e API_TOKEN=dev --threshold 'http_req_duration:p(95)<300'
  $ squall run api.yaml --ui -o html=report.html -o csv=stats -o junit=results.xml
  $ squall run api.yaml --report-dir reports   # reports/api_20261203_201500.json, .html, .md, _stats.csv…
  $ squall run api.yaml --save --baseline main   # keep the run; compare with baseline main, exit 99 on a regression
  $ squall run soak.yaml --monitor-cmd 'node server.js' --threshold 'target_rss_growth_mb_per_min:value<5'
  $ squall run soak.yaml --monitor-pid 4242 --leak-budget 100MB/h   # a running service and its children
  $ squall run api.ts --workers auto -o json=r.json  # every free core: one merged document
  $ squall init --yaml && squall run load-test.yaml  # a starter test for squall serve-demo
  $ squall run api.yaml --shard 1/4 --start-at +30s -o json=s1.json  # shard 1 of 4 (one per machine); then squall merge s*.json

Presets: smoke, baseline, stress, spike, burst, soak, endurance, breakpoint, scalability (a sweep)
(docs/presets.md).
Flags also come from SQUALL_* variables (--max-endpoints: SQUALL_MAX_ENDPOINTS), a .env file here and
squall.config.json|yaml|yml|ts (found upward): flags > env > file; \`squall config run\` shows where
each value came from (docs/test-file.md, "Flags and the file").
Exit codes: 0 ok, 99 a threshold failed, 1 the monitored process died in use, 2 bad input,
130 interrupted (results still written).`;

export function registerRun(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('run')
    .description('run a test file: scenarios, user types, checks, thresholds (.ts .js .mjs .yaml .yml .json)')
    .argument('<test-file>', 'the test to run')
    .option('-u, --vus <n>', 'virtual users (the peak, for a ramp)')
    .option('-d, --duration <d>', 'test length (stages are stretched to it)')
    .option(
      '-i, --iterations <n>',
      'stop after N iterations in total (shared-iterations; with --rate, N iterations at that rate)',
    )
    .option('-R, --rate <r>', 'open model: iterations started per second (the peak, for a ramp)')
    .option(
      '--preset <name>',
      'smoke, baseline, stress, spike, burst, soak, endurance, breakpoint, scalability',
    )
    .option('--host <url>', 'base URL for relative paths (also SQUALL_HOST, then LOAD_TEST_HOST)')
    .option('-e, --env <K=V>', 'a value the test reads as env.K (repeatable)', collect)
    .option(
      '-s, --stage <duration:target>',
      "k6's stages: ramp to TARGET VUs over DURATION, e.g. -s 10s:20 -s 30s:20 -s 5s:0 (repeatable; replaces the file's executors)",
      collect,
    )
    .option(
      '--tag <name=value>',
      'a tag on every sample of the run, e.g. --tag team=checkout (repeatable)',
      collect,
    )
    .option(
      '--summary-export <file>',
      "k6's flag: write the result document (JSON) to FILE (as -o json=FILE)",
    )
    .option(
      '--http-debug',
      "print each request's and response's head to stderr (k6's flag; the first 100 exchanges, then a note)",
    )
    .option(
      '--no-thresholds',
      "run without judging thresholds (the file's and --threshold's): never exit 99 for them",
    )
    .option(
      '--stop-on-errors <rate>',
      'stop early (exit 99) once this share of requests failed, over the run so far after at least 20 requests: 50% or 0.5',
    )
    .addOption(
      new Option('--insecure-skip-tls-verify', "k6's name of -k (https: do not verify certificates)"),
    )
    .option(
      '--workers <n|auto>',
      'run the load on N worker threads (auto: the free cores); test code never runs in the main thread, so Ctrl-C always works',
    )
    .option(
      '--max-endpoints <n>',
      'distinct request names kept apart (default 200); later ones are grouped by path template (:id), then into `other`',
    );
  addCommonLoadFlags(command)
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, opts: RunSessionFlags) => {
      // Imported when it runs: `squall run --help` stays cheap (main.ts).
      const [{ runSession }, { processIO }] = await Promise.all([
        import('../../api/run.js'),
        import('../../api/io.js'),
      ]);
      const { withHistory } = await import('../../api/run-history.js');
      const io = processIO();
      const { exitCode } = await withHistory(opts, io, 'load', (judge) =>
        runSession(file, opts, io, { judge, guard: true }),
      );
      setExit(exitCode);
    });
}
