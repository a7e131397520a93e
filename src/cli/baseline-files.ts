/**
 * Where baselines live and how a command names one: `<state-dir>/baselines/<name>.json` and `.md`, written by
 * `measure`, read by `baseline`. Kept apart from both commands so either loads without the other.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../config/errors.js';
import { parseJsonSafe } from '../sources/safe-json.js';

/** Baseline names: file names without a path, a leading dot or anything a shell would trip on. */
export const BASELINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Baselines keep raw samples; past this size a file is not one of ours. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** The baselines dir inside a state dir. */
export function baselinesDir(stateDir: string): string {
  return join(stateDir, 'baselines');
}

/** The JSON file a reference names: a path ending in .json or .md (either file of a pair), or a name in the baselines dir. */
export function baselineJsonPath(stateDir: string, ref: string): string {
  if (/\.(json|md)$/.test(ref)) return resolve(ref.replace(/\.md$/, '.json'));
  if (!BASELINE_NAME.test(ref)) throw new UsageError(`baseline ${JSON.stringify(ref)}: not a baseline name or a path to a .json file. See: mcp-hub-monitor baseline list.`);
  return join(baselinesDir(stateDir), `${ref}.json`);
}

/** Reads a baseline file as text; a missing, unreadable or oversized file is a UsageError saying what to do. */
export function readBaselineText(path: string, ref: string): string {
  try {
    if (statSync(path).size > MAX_FILE_BYTES) throw new UsageError(`${path}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB; not a baseline.`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`baseline ${JSON.stringify(ref)}: no file ${path}. See: mcp-hub-monitor baseline list (or make one with: mcp-hub-monitor measure --name ${BASELINE_NAME.test(ref) ? ref : 'NAME'}).`);
    throw new UsageError(`${path}: cannot read (${code ?? (err as Error).message}).`);
  }
}

/** Reads and parses a baseline's JSON (depth-capped; never throws a SyntaxError). */
export function readBaselineJson(path: string, ref: string): unknown {
  const parsed = parseJsonSafe(readBaselineText(path, ref));
  if (!parsed.ok) throw new UsageError(`${path}: not a baseline: ${parsed.message}.`);
  return parsed.value;
}
