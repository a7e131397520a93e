/** The global options every command shares (docs/DESIGN.md §4), resolved once. */
import { defaultConfigPath, defaultStateDir } from '../config/paths.js';
import { DURATION_HINT, parseDuration } from '../config/duration.js';
import { UsageError } from '../errors.js';
import type { GLOBAL_OPTIONS, OptionValues } from './options.js';

/** The global options as parsed: `hub?: string[]`, `stateDir?: string`, `color?: boolean`, … */
export type RawGlobalOptions = OptionValues<typeof GLOBAL_OPTIONS>;

export interface GlobalOptions {
  hubs: string[];
  configFile: string;
  configExplicit: boolean;
  stateDir: string;
  json: boolean;
  color: boolean;
  /** From --timeout; undefined = the config's (default 5s). */
  timeoutMs?: number;
}

/** Validates and resolves raw commander options; throws UsageError with a one-line message. */
export function resolveGlobalOptions(raw: RawGlobalOptions, env: Record<string, string | undefined> = process.env): GlobalOptions {
  let timeoutMs: number | undefined;
  if (raw.timeout !== undefined) {
    timeoutMs = parseDuration(raw.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) {
      throw new UsageError(`--timeout: not a duration (got ${JSON.stringify(raw.timeout)}). ${DURATION_HINT}`);
    }
  }
  return {
    hubs: raw.hub ?? [],
    configFile: raw.config ?? defaultConfigPath(env),
    configExplicit: raw.config !== undefined,
    stateDir: raw.stateDir ?? defaultStateDir(env),
    json: Boolean(raw.json),
    color: raw.color !== false,
    timeoutMs,
  };
}
