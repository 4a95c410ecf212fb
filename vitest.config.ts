import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // The machines have 2 cores; load tests in parallel would measure each other.
    fileParallelism: false,
    reporters: ['default'],
  },
});
