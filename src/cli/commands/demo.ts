import type { Command } from 'commander';
import type { DemoOptions } from '../../config/demo.js';
import { VERSION } from '../../result/version.js';
import { collect } from '../io.js';

const EXAMPLES = `
Examples:
  $ squall demo                        # 15 s against the demo API: summary, result and HTML report in .squall/
  $ squall demo --ui                   # watch it live in the browser
  $ squall demo -d 5s -c 20
  $ squall demo --json > demo.json

What it does: starts the demo API (squall serve-demo) on a free port on 127.0.0.1, runs a mix of
reads and writes against it with budgets on latency and errors, prints the summary, writes the
result document and the HTML report, and stops the API.`;

export function registerDemo(program: Command, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description('start the built-in demo API and benchmark it, with budgets and a report')
    .option('-d, --duration <d>', 'test length', '15s')
    .option('-c, --connections <n>', 'concurrent connections', '10')
    .option(
      '-o, --out <kind=path>',
      'write an output (default json=.squall/demo-result.json and html=.squall/demo-report.html)',
      collect,
    )
    .option('--ui', 'serve a live dashboard on 127.0.0.1 (URL on stderr) with a Stop button')
    .option('--json', 'print the result document on stdout instead of the summary')
    .option('-q, --quiet', 'no progress; print the summary only when a threshold fails')
    .option('--no-color', 'no ANSI colours')
    .addHelpText('after', EXAMPLES)
    .action(async (opts: DemoOptions) => {
      // Imported when it runs: `squall demo --help` stays cheap (main.ts).
      const [{ processIO }, { checkOutputsWritable }, { runHttpLoad }, { resolveDemo }, { startDemo }] =
        await Promise.all([
          import('../../api/io.js'),
          import('../../api/outputs.js'),
          import('../../api/run-http-load.js'),
          import('../../config/demo.js'),
          import('../demo-process.js'),
        ]);
      // Validate the flags before starting anything.
      checkOutputsWritable(resolveDemo('http://127.0.0.1:1/', opts, VERSION).outputs);
      const demo = await startDemo();
      try {
        const d = resolveDemo(demo.url, opts, VERSION);
        if (!d.quiet) {
          process.stderr.write(
            `squall demo: the demo API is up at ${demo.url}\n` +
              `squall demo: a read-heavy mix over ${new Set(d.load.requests.map((r) => r.name)).size} endpoints, ` +
              `${d.load.connections} connections for ${d.load.durationMs! / 1000}s\n`,
          );
        }
        const { exitCode } = await runHttpLoad(d, { color: opts.color, io: processIO() });
        if (!d.quiet && !d.json) {
          process.stderr.write(
            '\nNext: squall serve-demo, then squall quick http://127.0.0.1:5110/prompts/1 in another terminal.\n',
          );
        }
        setExit(exitCode);
      } finally {
        await demo.stop();
      }
    });
}
