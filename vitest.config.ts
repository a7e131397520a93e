import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real hubs; two cores run two files at a time.
    maxWorkers: 2,
    setupFiles: ['test/support/setup-fast-check.ts'],
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
  },
});
