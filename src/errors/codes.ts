/**
 * The catalogue of squall's error codes. The exit code comes from here, never from the throw
 * site, so one code always means one exit status (DESIGN.md, "Exit codes").
 */
export const ERROR_CODES = {
  SQ_USAGE_UNKNOWN_FLAG: { exit: 2, title: 'Unknown flag' },
  SQ_USAGE_UNKNOWN_COMMAND: { exit: 2, title: 'Unknown command' },
  SQ_USAGE_BAD_FLAG: { exit: 2, title: 'A flag has an invalid value' },
  SQ_USAGE_MISSING_ARG: { exit: 2, title: 'A required argument is missing' },
  SQ_CONFIG_INVALID: { exit: 2, title: 'Invalid configuration' },
  SQ_CONFIG_FILE_NOT_FOUND: { exit: 2, title: 'The test file does not exist or cannot be read' },
  SQ_CONFIG_FILE_TYPE: { exit: 2, title: 'The test file is not of a kind squall runs' },
  SQ_CONFIG_SYNTAX: { exit: 2, title: 'The YAML or JSON test file does not parse' },
  SQ_CONFIG_UNKNOWN_KEY: { exit: 2, title: 'The test file has a key squall does not know' },
  SQ_CONFIG_UNKNOWN_EXECUTOR: { exit: 2, title: 'A scenario names an executor that does not exist' },
  SQ_CONFIG_UNKNOWN_PRESET: { exit: 2, title: 'The test names a preset that does not exist' },
  SQ_CONFIG_MISSING_ENV: { exit: 2, title: 'The test file reads an env value that is not set' },
  SQ_CONFIG_NO_TARGET: { exit: 2, title: 'A relative URL with no base URL to resolve it against' },
  SQ_SCRIPT_LOAD: { exit: 2, title: 'The test script failed to load' },
  SQ_THRESHOLD_SYNTAX: { exit: 2, title: 'A threshold expression does not parse' },
  SQ_THRESHOLD_UNKNOWN_METRIC: { exit: 2, title: 'A threshold names a metric that does not exist' },
  SQ_SCRIPT_ERROR: { exit: 1, title: 'The test script threw in setup(), teardown() or a think function' },
  SQ_RESULT_READ: { exit: 2, title: 'A saved result cannot be read as a squall result document' },
  SQ_OUTPUT_WRITE: { exit: 1, title: 'An output file could not be written' },
  SQ_DEMO_START: { exit: 1, title: 'The demo API could not start' },
  SQ_MONITOR_NO_PROCESS: { exit: 2, title: 'The process to monitor is not running' },
  SQ_MONITOR_START: { exit: 1, title: 'The service to monitor exited or never became ready' },
  SQ_MONITOR_EXITED: { exit: 1, title: 'The monitored process exited while it was in use' },
  SQ_LIMIT_OPEN_FILES: { exit: 2, title: 'The load needs more open files than the limit (ulimit -n) allows' },
  SQ_BENCH_EMPTY: { exit: 2, title: 'No benchmark to run: no bench file, or a file that registers none' },
  SQ_STORE_OPEN: { exit: 2, title: 'The history store cannot be opened' },
  SQ_STORE_SCHEMA: { exit: 2, title: 'The history store was written by a newer squall' },
  SQ_STORE_NO_RUN: { exit: 2, title: 'No run with that id in the history store' },
  SQ_STORE_WRITE: { exit: 1, title: 'A run could not be saved in the history store' },
  SQ_HISTORY_NOT_FOUND: { exit: 2, title: 'A run or baseline named is not in the history' },
  SQ_COMPARE_MISMATCH: { exit: 2, title: 'The two results compared are of different kinds' },
  SQ_MERGE_MISMATCH: { exit: 2, title: 'The results given to squall merge are not shards of one test' },
  SQ_CONVERT_INPUT: {
    exit: 2,
    title: 'squall convert cannot read the file as a k6, Artillery or Locust test',
  },
  SQ_IMPORT_INPUT: {
    exit: 2,
    title: 'squall import cannot read the HAR file, OpenAPI spec or curl command',
  },
  SQ_WORKER_FAILED: { exit: 1, title: 'A worker thread of --workers crashed, exited or stopped answering' },
  SQ_INTERNAL: { exit: 1, title: 'A squall bug' },
} as const satisfies Record<string, { exit: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * How to fix each code, as docs/errors.md says it (a test keeps the two equal). A Record over
 * every code, so a new code does not compile until it has its hint.
 */
const HINTS: Record<ErrorCode, string> = {
  SQ_USAGE_UNKNOWN_FLAG:
    'see `squall --help` or `squall <command> --help`; the message suggests the nearest flag',
  SQ_USAGE_UNKNOWN_COMMAND:
    'see `squall --help`; the message lists the commands and suggests the nearest one',
  SQ_USAGE_BAD_FLAG: 'the message names the flag, quotes the value and says what is accepted',
  SQ_USAGE_MISSING_ARG: 'give it, e.g. `squall quick <url>`',
  SQ_CONFIG_INVALID: 'the message names the file, line and key path',
  SQ_CONFIG_FILE_NOT_FOUND: 'check the path; `squall init` writes a starter test',
  SQ_CONFIG_FILE_TYPE: 'rename it, or write the test in one of those forms',
  SQ_CONFIG_SYNTAX: 'fix the syntax at the line shown',
  SQ_CONFIG_UNKNOWN_KEY: 'the message suggests the nearest key; docs/test-file.md lists them',
  SQ_CONFIG_UNKNOWN_EXECUTOR: "use one of k6's six executors (docs/test-file.md)",
  SQ_CONFIG_UNKNOWN_PRESET: 'docs/presets.md lists the eight presets',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the hint quotes squall's own ${env.NAME} syntax
  SQ_CONFIG_MISSING_ENV: '`-e NAME=value`, export it, or write `${env.NAME:-default}`',
  SQ_CONFIG_NO_TARGET: 'set `target:` in the file, `--host`, or `SQUALL_HOST`',
  SQ_SCRIPT_LOAD: 'fix the script at the line shown',
  SQ_THRESHOLD_SYNTAX: "k6's syntax: `METRIC{tag:value}:p(95)<300`; the message lists the accepted parts",
  SQ_THRESHOLD_UNKNOWN_METRIC:
    'the message suggests the nearest metric; a custom metric must be declared in the test',
  SQ_SCRIPT_ERROR: 'fix the script at the line shown; once the load ran, every output is written first',
  SQ_RESULT_READ:
    'the message names the file and what it found; give it a file written by `-o json=` or `--json`',
  SQ_OUTPUT_WRITE: 'the summary is still printed; check the path and the disk',
  SQ_DEMO_START: "the message carries the demo's own output",
  SQ_MONITOR_NO_PROCESS: 'check the pid with `ps -p PID`; or let squall start the service with `--cmd`',
  SQ_MONITOR_START: 'the message carries its exit code or signal and its last output lines; check `--ready`',
  SQ_MONITOR_EXITED:
    "the results are still written; the message and `monitor.exit` carry the time (and a started service's last output)",
  SQ_LIMIT_OPEN_FILES:
    'raise it (`ulimit -n N`, up to `ulimit -Hn`) or lower `-c` / `--vus`; the message says how far',
  SQ_BENCH_EMPTY:
    "name `*.bench.ts` files or folders holding them; a file calls `bench('name', fn)` from 'squall'",
  SQ_STORE_OPEN:
    'the message names the file or server (host:port) and why; check the path, its folder or the server (`pg_isready`)',
  SQ_STORE_SCHEMA: 'upgrade squall to the version that wrote the store, or give another store with `--store`',
  SQ_STORE_NO_RUN: '`squall history list` shows the ids it holds',
  SQ_STORE_WRITE: "the run's own outputs are written first; the message names the store and why",
  SQ_HISTORY_NOT_FOUND: '`squall history list` and `squall baseline list` show what the history holds',
  SQ_COMPARE_MISMATCH: 'compare two load-test results (quick or run), or two bench results',
  SQ_MERGE_MISMATCH:
    'merge the documents written with --shard 1/N … N/N of one test, each shard once; the message names the file',
  SQ_CONVERT_INPUT:
    'the message names the file and line; convert reads k6 scripts (.js), Artillery YAML and locustfiles (.py)',
  SQ_IMPORT_INPUT:
    'the message names the file (or the curl flag) and what is wrong; import reads HAR 1.2 (JSON), OpenAPI 3.0/3.1 or Swagger 2.0 (YAML or JSON), and a curl command line',
  SQ_WORKER_FAILED: 'the message names the worker and why; what the other workers measured is written first',
  SQ_INTERNAL: 'report it with the command you ran; `SQUALL_DEBUG=1` prints the stack',
};

/** One code's catalogue entry: exit status, title and hint. */
export function errorInfo(code: ErrorCode): { exit: number; title: string; hint: string } {
  return { ...ERROR_CODES[code], hint: HINTS[code] };
}
