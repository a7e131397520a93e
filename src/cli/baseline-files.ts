/**
 * Where baselines live and how a command names one: `<state-dir>/baselines/<name>.json` and `.md`, written by
 * `measure`, read by `baseline`. Kept apart from both commands so either loads without the other.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMonitorError, UsageError } from '../errors.js';
import { isRecord, own, parseJsonSafe } from '../model/json.js';

/** Baseline names: file names without a path, a leading dot or anything a shell would trip on. */
export const BASELINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Baselines keep raw samples; past this size a file is not one of ours. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** The baselines dir inside a state dir. */
export function baselinesDir(stateDir: string): string {
  return join(stateDir, 'baselines');
}

/**
 * The name of the pin, `<baselines>/pinned.json`: a pointer `{"name": …}` to a baseline beside it (what
 * `baseline pin` writes) or a copy of a baseline document. Not a name `measure` may save under.
 */
export const PINNED = 'pinned';

/** Which baseline is pinned: none, a pointer to `<name>.json` (which may be missing), or a copy in pinned.json. */
export type PinnedRef =
  | { kind: 'none'; file: string }
  | { kind: 'pointer'; file: string; name: string; target: string }
  | { kind: 'copy'; file: string };

/** Reads the pin; a pin that is unreadable or names no baseline is a UsageError saying so. */
export function readPinnedRef(stateDir: string): PinnedRef {
  const file = join(baselinesDir(stateDir), `${PINNED}.json`);
  try {
    statSync(file);
  } catch {
    return { kind: 'none', file };
  }
  const parsed = parseJsonSafe(readBaselineText(file, PINNED));
  if (!parsed.ok) throw new UsageError(`${file}: unreadable pin: ${parsed.message}. Pin a baseline again: mcp-hub-monitor baseline pin NAME.`);
  const doc = parsed.value;
  if (isRecord(doc) && Array.isArray(own(doc, 'hubs'))) return { kind: 'copy', file };
  // `pinned` is what early pins wrote; `name` is what `baseline pin` writes.
  const name = isRecord(doc) ? own(doc, 'name') ?? own(doc, 'pinned') : undefined;
  if (typeof name !== 'string' || !BASELINE_NAME.test(name) || name === PINNED) {
    throw new UsageError(`${file}: neither a baseline nor a pointer {"name": …} to one. Pin a baseline again: mcp-hub-monitor baseline pin NAME.`);
  }
  return { kind: 'pointer', file, name, target: join(baselinesDir(stateDir), `${name}.json`) };
}

/**
 * The JSON file a reference names: a path ending in .json or .md (either file of a pair), `pinned` (the
 * pinned baseline, wherever the pin points), or a name in the baselines dir.
 */
export function baselineJsonPath(stateDir: string, ref: string): string {
  if (/\.(json|md)$/.test(ref)) return resolve(ref.replace(/\.md$/, '.json'));
  if (!BASELINE_NAME.test(ref)) throw new UsageError(`baseline ${JSON.stringify(ref)}: not a baseline name or a path to a .json file. See: mcp-hub-monitor baseline list.`);
  if (ref === PINNED) {
    const pin = readPinnedRef(stateDir);
    if (pin.kind === 'none') throw new UsageError(`no baseline is pinned (no ${pin.file}). Pin one with: mcp-hub-monitor baseline pin NAME (see: mcp-hub-monitor baseline list).`);
    return pin.kind === 'pointer' ? pin.target : pin.file;
  }
  return join(baselinesDir(stateDir), `${ref}.json`);
}

/** Reads a baseline file as text; a missing, unreadable or oversized file is a UsageError saying what to do. */
export function readBaselineText(path: string, ref: string): string {
  try {
    if (statSync(path).size > MAX_FILE_BYTES) throw new UsageError(`${path}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB; not a baseline.`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (isMonitorError(err, 'USAGE')) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && ref === PINNED) throw new UsageError(`the pinned baseline: no file ${path}. Pin one that exists: mcp-hub-monitor baseline pin NAME (see: mcp-hub-monitor baseline list).`);
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
