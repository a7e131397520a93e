/**
 * vitest globalSetup: the default config, parsed once per run from the schema the tests run (the sources),
 * for test/support/config-defaults.ts to install in every test file. The built dist/config/defaults.json
 * may be older than the sources, and parsing in every file would load zod 100 times.
 */
import type { TestProject } from 'vitest/node';
import { configSchema, type MonitorConfig } from '../../src/config/schema.js';

declare module 'vitest' {
  export interface ProvidedContext {
    defaultConfig: MonitorConfig;
  }
}

export default function setup(project: TestProject): void {
  project.provide('defaultConfig', configSchema.parse({}));
}
