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
  SQ_INTERNAL: { exit: 1, title: 'A squall bug' },
} as const satisfies Record<string, { exit: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
