import type { Command } from 'commander';
import { collect } from '../io.js';

const HISTORY_EXAMPLES = `
Examples:
  $ squall run api.yaml --save --label env=staging   # keep a run (saved as run N)
  $ squall history list --name api --limit 10
  $ squall history show 12                            # its facts and summary
  $ squall history export 12 > run12.json             # the result document
  $ squall history trend --name api --metric 'http_req_duration:p(95)'
  $ squall history trend --name api --metric 'http_req_duration:p(95)' -o html=trend.html
  $ squall history changes --name api --metric 'http_req_duration:p(95)'
  $ squall history rm 3 4

The history is .squall/history.db (SQLite) in the current folder, or --store PATH|postgres://…
(or SQUALL_STORE). Exit codes: 0 ok, 2 bad input (an unknown run, a store that cannot be opened).`;

interface StoreFlags {
  store?: string;
  json?: boolean;
  color?: boolean;
}

const STORE_HELP = 'the history: a SQLite file or postgres://… (default .squall/history.db, or SQUALL_STORE)';

export function registerHistory(program: Command, setExit: (code: number) => void): void {
  const history = program
    .command('history')
    .description('list, show, export, trend, changes, rm saved runs (--save keeps one)')
    .addHelpText('after', HISTORY_EXAMPLES);
  const api = () => import('../../api/history.js');
  const io = async () => (await import('../../api/io.js')).processIO();
  const limitOf = async (v: string | undefined) =>
    v === undefined
      ? undefined
      : (await import('../../config/parse-flags.js')).parsePositiveInt('--limit', v);

  history
    .command('list')
    .description('the saved runs, newest first')
    .option('--name <name>', 'only the runs of this test')
    .option('--limit <n>', 'at most this many')
    .option('--json', 'as JSON')
    .option('--store <store>', STORE_HELP)
    .action(async (o: StoreFlags & { name?: string; limit?: string }) => {
      const { historyList } = await api();
      await historyList(
        { store: o.store, cwd: process.cwd(), name: o.name, limit: await limitOf(o.limit), json: !!o.json },
        await io(),
      );
      setExit(0);
    });

  history
    .command('show')
    .description("a saved run's facts (commit, host, labels) and its summary")
    .argument('<id>', 'the run number')
    .option('--store <store>', STORE_HELP)
    .option('--no-color', 'no ANSI colours')
    .action(async (id: string, o: StoreFlags) => {
      const { historyShow, parseRunId } = await api();
      await historyShow(
        parseRunId(id),
        { store: o.store, cwd: process.cwd(), color: o.color === false ? false : undefined },
        await io(),
      );
      setExit(0);
    });

  history
    .command('export')
    .description("a saved run's result document, on stdout")
    .argument('<id>', 'the run number')
    .option('--store <store>', STORE_HELP)
    .action(async (id: string, o: StoreFlags) => {
      const { historyExport, parseRunId } = await api();
      await historyExport(parseRunId(id), { store: o.store, cwd: process.cwd() }, await io());
      setExit(0);
    });

  // trend and changes read one metric across the runs of a test: the same flags, another view.
  const metricCommand = (name: 'trend' | 'changes', description: string) => {
    const command = history
      .command(name)
      .description(description)
      .requiredOption('--name <name>', 'the test')
      .requiredOption(
        '--metric <metric>',
        "e.g. 'http_req_duration:p(95)', 'http_reqs:rate', a bench's 'warm:med'",
      )
      .option('--endpoint <name>', "one endpoint's figure, e.g. 'GET /items'")
      .option('--limit <n>', 'the newest N runs')
      .option('--json', 'as JSON')
      .option('--store <store>', STORE_HELP);
    if (name === 'trend')
      command.option(
        '-o, --out <html=path>',
        'write the trend and its change points as a page: html=PATH',
        collect,
      );
    command.action(
      async (
        o: StoreFlags & { name: string; metric: string; endpoint?: string; limit?: string; out?: string[] },
      ) => {
        const [history, { parseMetricReading }] = await Promise.all([
          api(),
          import('../../result/metric-reading.js'),
        ]);
        const view = name === 'trend' ? history.historyTrend : history.historyChanges;
        await view(
          {
            store: o.store,
            cwd: process.cwd(),
            name: o.name,
            reading: parseMetricReading(withEndpoint(o.metric, o.endpoint)),
            limit: await limitOf(o.limit),
            json: !!o.json,
            out: o.out,
          },
          await io(),
        );
        setExit(0);
      },
    );
  };
  metricCommand('trend', 'one metric across the saved runs of a test, with a sparkline');
  metricCommand('changes', "the runs where a metric's level shifted (E-Divisive means, permutation test)");

  history
    .command('rm')
    .description('remove saved runs (and the baselines that point at them)')
    .argument('<ids...>', 'run numbers')
    .option('--store <store>', STORE_HELP)
    .action(async (ids: string[], o: StoreFlags) => {
      const { historyRemove, parseRunId } = await api();
      await historyRemove(
        ids.map((x) => parseRunId(x)),
        { store: o.store, cwd: process.cwd() },
        await io(),
      );
      setExit(0);
    });
}

/** `--endpoint 'GET /x'` on `http_req_duration:p(95)` reads `http_req_duration{name:GET /x}:p(95)`. */
export function withEndpoint(metric: string, endpoint: string | undefined): string {
  if (endpoint === undefined) return metric;
  const cut = metric.lastIndexOf(':');
  return cut > 0 ? `${metric.slice(0, cut)}{name:${endpoint}}${metric.slice(cut)}` : metric;
}

const BASELINE_EXAMPLES = `
Examples:
  $ squall baseline set main last        # the newest saved run is the baseline 'main'
  $ squall baseline set release-1.4 12
  $ squall baseline list
  $ squall compare baseline:main last    # compare with it
  $ squall baseline rm release-1.4`;

export function registerBaseline(program: Command, setExit: (code: number) => void): void {
  const baseline = program
    .command('baseline')
    .description('set, list, rm named baselines (saved runs to compare against)')
    .addHelpText('after', BASELINE_EXAMPLES);
  const api = () => import('../../api/history.js');
  const io = async () => (await import('../../api/io.js')).processIO();
  baseline
    .command('set')
    .description('name a saved run as a baseline')
    .argument('<name>', 'the baseline name')
    .argument('<run>', "a run number, or 'last'")
    .option('--store <store>', STORE_HELP)
    .action(async (name: string, run: string, o: StoreFlags) => {
      await (await api()).baselineSet(name, run, { store: o.store, cwd: process.cwd() }, await io());
      setExit(0);
    });
  baseline
    .command('list')
    .description('the baselines and their runs')
    .option('--json', 'as JSON')
    .option('--store <store>', STORE_HELP)
    .action(async (o: StoreFlags) => {
      await (await api()).baselineList({ store: o.store, cwd: process.cwd(), json: !!o.json }, await io());
      setExit(0);
    });
  baseline
    .command('rm')
    .description('remove a baseline (the run stays)')
    .argument('<name>', 'the baseline name')
    .option('--store <store>', STORE_HELP)
    .action(async (name: string, o: StoreFlags) => {
      await (await api()).baselineRemove(name, { store: o.store, cwd: process.cwd() }, await io());
      setExit(0);
    });
}
