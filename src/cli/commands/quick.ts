import type { Command } from 'commander';
import type { QuickFlags } from '../../api/quick.js';
import { addCommonLoadFlags } from '../common-flags.js';
import { collect } from '../io.js';

const EXAMPLES = `
Examples:
  $ squall quick http://127.0.0.1:8080/health
  $ squall quick -c 50 -d 30s http://127.0.0.1:8080/api/items
  $ squall quick -R 2000 -d 1m http://127.0.0.1:8080/           # open model: 2000 requests/s
  $ squall quick -m POST -H 'Content-Type: application/json' -b '{"q":1}' http://127.0.0.1:8080/search
  $ squall quick -m PUT --body-file big.json http://127.0.0.1:8080/upload      # or -b @big.json
  $ squall quick -d 1m --ui -o html=report.html http://127.0.0.1:8080/   # live dashboard, then a report
  $ squall quick -d 30s --report-dir reports http://127.0.0.1:8080/health  # reports/get-127.0.0.1-8080-health_20261203_201500.json, …
  $ squall quick -d 30s --save --baseline main http://127.0.0.1:8080/health   # keep it; exit 99 if worse than main
  $ squall quick -d 2m --monitor-cmd 'node server.js' http://127.0.0.1:3000/   # and its memory, CPU, leaks
  $ squall quick -d 2m --monitor-pid 4242 --leak-budget 50MB/h http://127.0.0.1:3000/  # a running one
  $ squall quick --http2 -c 10 --streams 10 -d 30s http://127.0.0.1:8080/   # h2c: 10 sessions × 10 streams
  $ squall quick --http2 -k -c 4 --streams 25 -n 100000 https://127.0.0.1:8443/  # h2 over TLS (ALPN)
  $ squall quick -c 100 -d 30s --workers 2 http://127.0.0.1:8080/   # two cores: 50 connections each, one result
  $ squall quick -n 10000 --threshold 'http_req_duration:p(99)<50' --json http://127.0.0.1:8080/ > r.json
  $ squall quick -n 10000 --shard 2/4 --start-at 2026-12-05T09:00:00Z -o json=s2.json http://127.0.0.1:8080/  # one of 4 machines; then squall merge s*.json

Redirects are not followed: quick loads one URL, and a 3xx answer is counted as it is (curl
without -L). squall run follows up to 10 per request, each hop its own request, as k6 does
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
    .option(
      '--http2',
      'speak HTTP/2: h2c with prior knowledge to http:// URLs, h2 by ALPN to https://; each -c connection is one session',
    )
    .option(
      '--streams <m>',
      'with --http2: concurrent streams per session, so -c N keeps N×M requests in flight (default 1)',
    )
    .option(
      '--workers <n|auto>',
      'run the load on N worker threads (auto: the free cores), each with its share of -c, -n and -R; one merged result',
    );
  addCommonLoadFlags(command)
    .addHelpText('after', EXAMPLES)
    .action(async (url: string, opts: QuickFlags) => {
      // Imported when it runs: `squall quick --help` stays cheap (main.ts).
      const [{ quickSession }, { processIO }, { withHistory }] = await Promise.all([
        import('../../api/quick.js'),
        import('../../api/io.js'),
        import('../../api/run-history.js'),
      ]);
      const io = processIO();
      const { exitCode } = await withHistory(opts, io, 'load', (judge) =>
        quickSession(url, opts, io, { judge }),
      );
      setExit(exitCode);
    });
}
