import { defineConfig } from 'vitest/config';

/**
 * Unit files run in parallel; then the end-to-end files that time nothing, two at a time; then
 * the other end-to-end files, and the few unit files that start services or measure the
 * machine, one at a time (they load two shared cores and would measure each other). The accuracy checks are not here: vitest.accuracy.config.ts.
 */

/**
 * src/ test files that spawn services, burn a core, time the event loop and CPU, drive Chromium,
 * or run the built CLI under load (monitoredRuns needs a saturated run): serial with the e2e files.
 */
const SERIAL_UNIT = [
  'src/monitor/generator-health.test.ts',
  'src/monitor/sampler.test.ts',
  'src/monitor/target-monitor.test.ts',
  'src/report/console.test.ts',
  'src/report/markdown.test.ts',
  'src/live/dashboard.test.ts',
];

/**
 * End-to-end files that time nothing (bad input, reports, docs, the store, the library's types):
 * two at a time, before the serial ones. A file that asserts on a rate, a latency, a duration
 * or a saturation does not belong here.
 */
const E2E_UNTIMED = [
  'bad-input',
  // Runs Locust, Artillery and h2load as the bench does; holds their counts to the server's.
  'bench-peers',
  // squall llm against bad answers and bad input: counts and exit codes.
  'llm-errors',
  // Responses read as a stream (stream: true | sse), YAML and TypeScript: counts only.
  'stream-requests',
  // Runs the shard workflow's scripts against a server; asserts on counts and exit codes.
  'ci-shards-workflow',
  // Runs the CI workflow's steps against a server; asserts on files, comments and exit codes.
  'ci-workflow',
  'comparison-report',
  'config-validation',
  'console-no-data',
  'convert',
  'convert-locust',
  'cross-output',
  'docs-commands',
  'errors',
  'file-outputs',
  'flow-control',
  'help',
  // Its two servers answer after 5 ms and 25 ms: a step no contention hides.
  'history-trend-html',
  'hooks',
  // Reports drawn in Chromium from real runs: asserts on what the page shows.
  'html-report',
  'html-same-words',
  'http-forms-redirects',
  // HTTP/2 servers count requests, sessions and concurrent streams; nothing timed.
  'http2',
  'import',
  'json',
  // Plays the pods of a printed Job against a server; asserts on counts, never on time.
  'k8s',
  'library',
  // The request option llm against a server of known tokens: counts and SLO verdicts.
  'llm-step',
  'report',
  'report-dir',
  'report-schema',
  'reporters-conformance',
  'result-json-schema',
  'run-init',
  'run-invalid',
  'run-k6-flags',
  'config-sources',
  'run-plan-line',
  'secrets',
  'store-sqlite',
  'ts-test-locations',
  // The transports' conformance on connections and URLs: counts at the server, bytes on the wire.
  'transport-connections',
  'transport-urls',
].map((name) => `test/e2e/${name}.test.ts`);

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Two at a time where a project allows files in parallel (vitest's default is the cores less
    // one: a single file at a time on these 2-core machines).
    maxWorkers: 2,
    hookTimeout: 30_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          exclude: SERIAL_UNIT,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e-untimed',
          include: E2E_UNTIMED,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', ...SERIAL_UNIT],
          exclude: E2E_UNTIMED,
          fileParallelism: false,
          // One at a time for sure: with the root's maxWorkers, fileParallelism alone let two run.
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
