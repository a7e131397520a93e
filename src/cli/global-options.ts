/** The global options every command shares (docs/DESIGN.md §4), resolved once. */
import { defaultConfigPath, defaultStateDir } from '../config/paths.js';
import { DURATION_HINT, parseDuration } from '../config/duration.js';
import { UsageError } from '../errors.js';

export interface RawGlobalOptions {
  hub?: string[];
  config?: string;
  stateDir?: string;
  json?: boolean;
  color?: boolean;
  timeout?: string;
}

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
