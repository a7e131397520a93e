import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real hubs; two cores run two files at a time.
    maxWorkers: 2,
    // Tests run the sources: their default config is the schema's own, never a defaults.json a build left.
    setupFiles: ['test/support/setup-fast-check.ts', 'test/support/config-defaults.ts'],
    // One TMPDIR per run, removed at the end; a test that leaves something there fails the run.
    globalSetup: ['test/support/temp-root.ts', 'test/support/config-defaults-global.ts'],
    // The skip reporter ends the run with every skipped test and why (what to install to run it).
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }], './test/support/skip-reporter.ts'],
  },
});
