import type { Command } from 'commander';
import { collect } from './io.js';
import { addMonitorOptions } from './monitor-flags.js';

/** `--report-dir`'s help, the same on quick, run and bench. */
export const REPORT_DIR_HELP =
  "write json, html, md and csv (Locust's three) into DIR (made if missing) as NAME_YYYYMMDD_HHMMSS.json, .html, .md, _stats.csv…: NAME the test file's name (run), METHOD-host-path (quick), bench (bench); the time is the run's start in UTC";

/**
 * The flags `squall quick` and `squall run` share, declared once so that their spelling, help
 * text and defaults cannot drift apart (they did: --timeout had a default on one command only,
 * -k, --threshold and --no-color said different things). Defaults live in the session, not here.
 */
export function addCommonLoadFlags(c: Command): Command {
  c.option('--timeout <d>', 'per-request timeout (default 10s)')
    .option(
      '--threshold <metric:expr>',
      "add a budget, e.g. 'http_req_duration:p(95)<300' (repeatable)",
      collect,
    )
    .option(
      '-o, --out <kind=path>',
      'write an output: json=r.json, html=r.html, csv=PREFIX, junit=r.xml, md=r.md, bencher=bmf.json, github-benchmark=gab.json, prometheus=HOST:PORT, prometheus-rw=URL (repeatable)',
      collect,
    )
    .option('--report-dir <dir>', REPORT_DIR_HELP)
    .option('--ui', 'serve a live dashboard on 127.0.0.1 (URL on stderr) with a Stop button')
    .option(
      '-k, --insecure',
      "https: do not verify certificates (self-signed test servers; a test file's insecureSkipTLSVerify)",
    )
    .option(
      '--cacert <file>',
      'https: trust the CA certificates of this PEM file (instead of the system ones)',
    )
    .option(
      '--shard <i/n>',
      'run shard I of N of the load (1/4 … 4/4; for many machines): VUs, iterations, connections and rates are split exactly; merge the documents with squall merge',
    )
    .option(
      '--start-at <time>',
      'start the load at TIME (ISO 8601 with its zone, e.g. 2026-12-05T09:00:00Z, or +30s from now), so that shards start together; a time past starts now',
    )
    .option('--json', 'print the result document on stdout instead of the summary')
    .option('-q, --quiet', 'no progress; print the summary only when a threshold fails')
    .option('--no-color', 'no ANSI colours (also when not a TTY, or with NO_COLOR)');
  return addHistoryFlags(addPrometheusOptions(addMonitorOptions(c)));
}

/**
 * `--save`, `--name`, `--label`, `--store`: keeping the run in the history; `--baseline`,
 * `--max-regression`, `--noise`: judging it against a saved baseline (quick, run, bench).
 */
export function addHistoryFlags(c: Command): Command {
  return c
    .option('--save', 'keep the result in the history (.squall/history.db; also SQUALL_SAVE=1)')
    .option('--name <name>', "the test's name in the history (default: the test's name, file or METHOD URL)")
    .option('--label <key=value>', 'a label kept with the saved run, e.g. env=staging (repeatable)', collect)
    .option(
      '--store <store>',
      'the history for --save and --baseline: a SQLite file or postgres://… instead of .squall/history.db (or SQUALL_STORE)',
    )
    .option(
      '--baseline <name>',
      'compare the run with this saved baseline (squall baseline set NAME ID): the table ends the summary, exit 99 on a regression',
    )
    .option(
      '--max-regression <pct>',
      "with --baseline: how much worse a metric may get (default 10%; a test file's regressions: win)",
    )
    .option('--noise <pct>', 'with --baseline: changes under this are unchanged (default 2%)');
}

/** `--prometheus-*`: how `-o prometheus` and `-o prometheus-rw` name and push. */
function addPrometheusOptions(c: Command): Command {
  return c
    .option(
      '--prometheus-names <scheme>',
      "with -o prometheus / prometheus-rw: metric names, 'squall' (default) or 'k6' (k6_http_reqs_total, … for k6's Grafana dashboards)",
    )
    .option('--prometheus-push-interval <d>', 'with -o prometheus-rw: time between pushes (default 5s)')
    .option(
      '--prometheus-linger <d>',
      'with -o prometheus: keep serving the final metrics this long after the run, so a scraper reads them (default 15s; 0 = stop at once; Ctrl-C ends it)',
    );
}
