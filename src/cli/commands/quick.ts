import type { Command } from 'commander';
import type { QuickOptions } from '../../config/quick.js';
import { VERSION } from '../../result/version.js';
import { redactUrl } from '../../util/redact.js';
import { collect } from '../io.js';
import { addMonitorOptions } from '../monitor-flags.js';
import { addPrometheusOptions, applyPrometheusFlags, type PrometheusFlags } from '../prometheus-flags.js';

/** What the action needs, imported when it runs: `squall quick --help` stays cheap (main.ts). */
async function actionModules() {
  const [quick, format, build, thresholds, fdLimit, outputs, load] = await Promise.all([
    import('../../config/quick.js'),
    import('../../report/format.js'),
    import('../../result/build.js'),
    import('../../thresholds/index.js'),
    import('../fd-limit.js'),
    import('../outputs.js'),
    import('../run-http-load.js'),
  ]);
  return { ...quick, ...format, ...build, ...thresholds, ...fdLimit, ...outputs, ...load };
}

const EXAMPLES = `
Examples:
  $ squall quick http://127.0.0.1:8080/health
  $ squall quick -c 50 -d 30s http://127.0.0.1:8080/api/items
  $ squall quick -R 2000 -d 1m http://127.0.0.1:8080/           # open model: 2000 requests/s
  $ squall quick -m POST -H 'Content-Type: application/json' -b '{"q":1}' http://127.0.0.1:8080/search
  $ squall quick -m PUT --body-file big.json http://127.0.0.1:8080/upload      # or -b @big.json
  $ squall quick -d 1m --ui -o html=report.html http://127.0.0.1:8080/   # live dashboard, then a report
  $ squall quick -d 2m --monitor-cmd 'node server.js' http://127.0.0.1:3000/   # and its memory, CPU, leaks
  $ squall quick -d 2m --monitor-pid 4242 --leak-budget 50MB/h http://127.0.0.1:3000/  # a running one
  $ squall quick -n 10000 --threshold 'http_req_duration:p(99)<50' --json http://127.0.0.1:8080/ > r.json

Redirects are not followed: a 3xx answer is counted as it is (curl without -L; k6 follows up to
10). To follow one, use squall run with a flow that captures the Location header and requests it
(docs/http.md, "Redirects").

Proxies: HTTP_PROXY, HTTPS_PROXY and NO_PROXY (or their lower-case forms) are honoured, as curl
does; 127.0.0.1 and localhost go through the proxy too unless NO_PROXY lists them.

Exit codes: 0 ok, 99 a threshold failed, 1 the monitored process died in use, 2 bad input,
130 interrupted (results still written).`;

export function registerQuick(program: Command, setExit: (code: number) => void): void {
  const command = program
    .command('quick')
    .description('benchmark one URL: requests per second, latency percentiles, errors')
    .argument('<url>', 'the URL to load, http:// or https://')
    .option(
      '-c, --connections <n>',
      'concurrent keep-alive connections (open model: the most opened)',
      undefined,
    )
    .option('-d, --duration <d>', 'test length: 500ms, 30s, 5m, 2h (default 10s unless -n is given)')
    .option('-n, --requests <n>', 'stop after N requests')
    .option('-R, --rate <r>', 'open model: start R requests per second whatever the responses do')
    .option('-m, --method <m>', 'HTTP method', 'GET')
    .option('-H, --header <header>', "request header 'Name: value' (repeatable)", collect)
    .option(
      '-b, --body <text>',
      "request body; '@FILE' reads a file, '@-' standard input (curl's convention)",
    )
    .option(
      '--body-file <path>',
      'request body from a file, byte for byte (for bodies too big for the command line)',
    )
    .option('--timeout <d>', 'per-request timeout', '10s')
    .option('--threshold <metric:expr>', "budget, e.g. 'http_req_duration:p(95)<300' (repeatable)", collect)
    .option(
      '-o, --out <kind=path>',
      'write an output: json=r.json, html=r.html, csv=PREFIX, junit=r.xml, md=r.md, prometheus=HOST:PORT, prometheus-rw=URL (repeatable)',
      collect,
    )
    .option('--ui', 'serve a live dashboard on 127.0.0.1 (URL on stderr) with a Stop button')
    .option('-k, --insecure', 'https: do not verify the certificate (self-signed test servers)')
    .option(
      '--cacert <file>',
      'https: trust the CA certificates of this PEM file (instead of the system ones)',
    )
    .option('--json', 'print the result document on stdout instead of the summary')
    .option('-q, --quiet', 'no progress; print the summary only when a threshold fails')
    .option('--no-color', 'no ANSI colours (also when not a TTY, or with NO_COLOR)');
  addPrometheusOptions(addMonitorOptions(command))
    .addHelpText('after', EXAMPLES)
    .action(async (url: string, opts: QuickOptions & PrometheusFlags) => {
      const {
        resolveQuick,
        plural,
        HTTP_RUN_METRICS,
        validateHttpThresholdTags,
        validateThresholds,
        checkOpenFileLimit,
        checkOutputsWritable,
        runHttpLoad,
      } = await actionModules();
      const q = resolveQuick(url, opts, VERSION);
      applyPrometheusFlags(q.outputs, opts);
      validateThresholds(q.thresholds, HTTP_RUN_METRICS);
      validateHttpThresholdTags(q.thresholds);
      checkOutputsWritable(q.outputs);
      checkOpenFileLimit({
        sockets: q.load.connections,
        what:
          opts.connections === undefined
            ? `${q.load.connections} connections (the default of -c)`
            : `-c ${q.load.connections}`,
        flag: '-c',
        unit: 'connection',
      });
      if (!q.quiet) {
        const l = q.load;
        const shape =
          l.ratePerSec === undefined
            ? plural(l.connections, 'connection')
            : `${l.ratePerSec} requests/s (open model, up to ${l.connections} connections)`;
        const length = [
          l.durationMs !== undefined ? `for ${l.durationMs / 1000}s` : '',
          l.maxRequests !== undefined ? `up to ${l.maxRequests} requests` : '',
        ]
          .filter(Boolean)
          .join(', ');
        process.stderr.write(`squall quick: ${q.method} ${redactUrl(q.url.href)} — ${shape}, ${length}\n`);
      }
      const { exitCode } = await runHttpLoad(q, { color: opts.color });
      setExit(exitCode);
    });
}
