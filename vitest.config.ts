import { defineConfig } from 'vitest/config';

/**
 * Unit files run in parallel; the end-to-end files, and the few unit files that start services or
 * measure the machine, run one at a time after them (they load two shared cores and would
 * measure each other). The accuracy checks are not here: vitest.accuracy.config.ts.
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

export default defineConfig({
  test: {
    testTimeout: 60_000,
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
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', ...SERIAL_UNIT],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
