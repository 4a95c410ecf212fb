import type { Command } from 'commander';
import type { RunMonitorOptions } from '../../config/monitor.js';
import type { RunFlags } from '../../config/resolve-test.js';
import { badFlag } from '../../errors/index.js';
import { collect } from '../io.js';
import { addMonitorOptions } from '../monitor-flags.js';
import { addPrometheusOptions, applyPrometheusFlags, type PrometheusFlags } from '../prometheus-flags.js';

const EXAMPLES = `
Examples:
  $ squall run load-test.ts                          # TypeScript runs as is, no build step
  $ squall run load-test.yaml --vus 50 --duration 2m # flags override the file
  $ squall run api.yaml --preset stress --vus 200
  $ squall run api.yaml --preset breakpoint --rate 2000   # ramp until it breaks; see breakingPoint
  $ squall run api.yaml --host http://127.0.0.1:8080 -e API_TOKEN=dev --threshold 'http_req_duration:p(95)<300'
  $ squall run api.yaml --ui -o html=report.html -o csv=stats -o junit=results.xml
  $ squall run soak.yaml --monitor-cmd 'node server.js' --threshold 'target_rss_growth_mb_per_min:value<5'
  $ squall run soak.yaml --monitor-pid 4242 --leak-budget 100MB/h   # a running service and its children
  $ squall init --yaml && squall run load-test.yaml  # a starter test for squall serve-demo

Presets: smoke, baseline, stress, spike, burst, soak, endurance, breakpoint (docs/presets.md).
Exit codes: 0 ok, 99 a threshold failed, 1 the monitored process died in use, 2 bad input,
130 interrupted (results still written).`;

interface RunCliOptions extends RunFlags, RunMonitorOptions {
  out?: string[];
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
  ui?: boolean;
  maxEndpoints?: string;
}

/** A bound on --max-endpoints: each endpoint keeps histograms, so a million would be gigabytes. */
const MAX_ENDPOINTS_LIMIT = 100_000;

export function registerRun(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('run')
    .description('run a test file: scenarios, user types, checks, thresholds (.ts .js .mjs .yaml .yml .json)')
    .argument('<test-file>', 'the test to run')
    .option('--vus <n>', 'virtual users (the peak, for a ramp)')
    .option('-d, --duration <d>', 'test length (stages are stretched to it)')
    .option(
      '--iterations <n>',
      'stop after N iterations in total (shared-iterations; with --rate, N iterations at that rate)',
    )
    .option('-R, --rate <r>', 'open model: iterations started per second (the peak, for a ramp)')
    .option('--preset <name>', 'smoke, baseline, stress, spike, burst, soak, endurance, breakpoint')
    .option('--host <url>', 'base URL for relative paths (also SQUALL_HOST, then LOAD_TEST_HOST)')
    .option('-e, --env <K=V>', 'a value the test reads as env.K (repeatable)', collect)
    .option(
      '--threshold <metric:expr>',
      "add a budget, e.g. 'http_req_duration:p(95)<300' (repeatable)",
      collect,
    )
    .option('--timeout <d>', 'default per-request timeout (default 10s)')
    .option('-k, --insecure', "https: do not verify certificates (the test file's insecureSkipTLSVerify)")
    .option(
      '--cacert <file>',
      'https: trust the CA certificates of this PEM file (instead of the system ones)',
    )
    .option(
      '--max-endpoints <n>',
      'distinct request names kept apart (default 200); later ones are grouped by path template (:id), then into `other`',
    )
    .option(
      '-o, --out <kind=path>',
      'write an output: json=r.json, html=r.html, csv=PREFIX, junit=r.xml, md=r.md, prometheus=HOST:PORT, prometheus-rw=URL (repeatable)',
      collect,
    )
    .option('--ui', 'serve a live dashboard on 127.0.0.1 (URL on stderr) with a Stop button')
    .option('--json', 'print the result document on stdout instead of the summary')
    .option('-q, --quiet', 'no progress; print the summary only when a threshold fails')
    .option('--no-color', 'no ANSI colours');
  addPrometheusOptions(addMonitorOptions(command))
    .addHelpText('after', EXAMPLES)
    .action(async (file: string, opts: RunCliOptions & PrometheusFlags) => {
      // Imported when it runs: `squall run --help` stays cheap (main.ts).
      const [
        { monitorConfig, requireMonitorFor, resolveRunMonitor },
        { parseOutput, parsePositiveInt },
        { QUICK_OUTPUT_KINDS },
        { checkOpenFileLimit },
        { checkOutputsWritable },
      ] = await Promise.all([
        import('../../config/monitor.js'),
        import('../../config/parse-flags.js'),
        import('../../config/quick.js'),
        import('../fd-limit.js'),
        import('../outputs.js'),
      ]);
      const outputs = (opts.out ?? []).map((t) => parseOutput(t, QUICK_OUTPUT_KINDS));
      const maxEndpoints =
        opts.maxEndpoints === undefined
          ? undefined
          : parsePositiveInt('--max-endpoints', opts.maxEndpoints, MAX_ENDPOINTS_LIMIT);
      applyPrometheusFlags(outputs, opts);
      const monitor = resolveRunMonitor(opts);
      // Loaded only for `run`: the TypeScript loader, YAML, zod and undici cost every other
      // command memory (quick -c 1000's RSS budget) and start-up time.
      const [{ resolveTest }, { runHttpTest }] = await Promise.all([
        import('../../config/resolve-test.js'),
        import('../run-http-test.js'),
      ]);
      // Every problem of the file and the flags at once, the monitor's included.
      const plan = await resolveTest(file, opts, process.env, { monitored: monitor !== null });
      requireMonitorFor(plan.thresholds, monitor);
      if (monitor?.cmd !== undefined && monitor.readyUrl === undefined && plan.target === undefined) {
        throw badFlag(
          '--monitor-ready',
          `--monitor-cmd needs to know when the service is ready, and ${plan.file} has no base URL (host) ` +
            'whose port it could wait for: add --monitor-ready URL, or --host URL',
        );
      }
      checkOutputsWritable(outputs);
      const { peakVus } = await import('../../engine/peak-vus.js');
      const vus = peakVus(plan.scenarios);
      checkOpenFileLimit({
        sockets: vus,
        what: `${plan.file} at its peak of ${vus} VUs (maxVUs for arrival-rate scenarios)`,
        flag: '--vus',
        unit: 'VU',
      });
      // The monitor's settings in the document's config, as quick records them.
      const config = monitor ? { ...plan.config, monitor: monitorConfig(monitor) } : plan.config;
      const exitCode = await runHttpTest(
        { ...plan, config },
        {
          outputs,
          json: !!opts.json,
          quiet: !!opts.quiet,
          color: opts.color,
          ui: !!opts.ui,
          monitor,
          maxEndpoints,
        },
      );
      setExit(exitCode);
    });
}
