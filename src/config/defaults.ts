/**
 * The default configuration without zod, for `check`, which must start fast and never load it. The schema
 * (schema.ts) is where the defaults are written; the build writes `configSchema.parse({})` to
 * dist/config/defaults.json (scripts/config-defaults.mjs) and this reads that file. Tests, which run the
 * sources, set the defaults from the schema itself (test/support/config-defaults.ts).
 */
import { readFileSync } from 'node:fs';
import type { MonitorConfig } from './schema.js';

export type { CanaryConfig, MaintenanceWindow, MonitorConfig, RemediationConfig, RouteStep, RuleOverride } from './schema.js';

export type Severity = 'ok' | 'warning' | 'critical';

// Two levels below the package root from src/config/, dist/config/ and dist/bundle/ alike.
const DEFAULTS_FILE = new URL('../../dist/config/defaults.json', import.meta.url);

let defaults: MonitorConfig | undefined;

function readDefaults(): MonitorConfig {
  try {
    return JSON.parse(readFileSync(DEFAULTS_FILE, 'utf8')) as MonitorConfig;
  } catch (err) {
    throw new Error(`cannot read the default configuration ${DEFAULTS_FILE.pathname} (${(err as Error).message}); run \`npm run build\``);
  }
}

/** A deep copy of the defaults. */
export function defaultConfig(): MonitorConfig {
  defaults ??= readDefaults();
  return structuredClone(defaults);
}

/** Uses `d` as the defaults instead of the built file: for tests, which run the sources without a build. */
export function setDefaultConfig(d: MonitorConfig): void {
  defaults = structuredClone(d);
}
