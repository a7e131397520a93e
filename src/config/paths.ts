/** Where things live on disk, following XDG with the hub's own legacy fallbacks (docs/hub-api.md §5). */
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Env = Record<string, string | undefined>;

function home(env: Env): string {
  return env.HOME || homedir();
}

/** `$XDG_CONFIG_HOME/mcp-hub-monitor/config.yaml` (default `~/.config`). */
export function defaultConfigPath(env: Env = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(home(env), '.config'), 'mcp-hub-monitor', 'config.yaml');
}

/** The daemon's history database, in the state dir (with SQLite's `-wal` and `-shm` beside it). */
export const HISTORY_DB_FILE = 'history.sqlite';

/** `<stateDir>/history.sqlite`. */
export function historyDbPath(stateDir: string): string {
  return join(stateDir, HISTORY_DB_FILE);
}

/** `$XDG_STATE_HOME/mcp-hub/monitoring` (default `~/.local/state`). */
export function defaultStateDir(env: Env = process.env): string {
  return join(env.XDG_STATE_HOME || join(home(env), '.local', 'state'), 'mcp-hub', 'monitoring');
}

/**
 * Every place the hub may keep `workspaces.json`: the hub uses `~/.mcp-hub/` when that folder exists,
 * else `$XDG_STATE_HOME/mcp-hub/`. We read both, because a monitor may run with a different HOME layout
 * than the hub it watches was started with.
 */
export function workspacesFileCandidates(env: Env = process.env): string[] {
  const xdg = join(env.XDG_STATE_HOME || join(home(env), '.local', 'state'), 'mcp-hub', 'workspaces.json');
  const legacy = join(home(env), '.mcp-hub', 'workspaces.json');
  return existsSync(join(home(env), '.mcp-hub')) ? [legacy, xdg] : [xdg, legacy];
}

/**
 * The hub's own directory for `sub` (e.g. 'logs', ''), by its rule: `~/.mcp-hub/<sub>` when that exists,
 * else `$XDG_STATE_HOME/mcp-hub/<sub>` (default `~/.local/state`). The check is per subdirectory.
 */
export function hubStateDir(sub: string, env: Env = process.env): string {
  const legacy = join(home(env), '.mcp-hub', sub);
  if (existsSync(legacy)) return legacy;
  return join(env.XDG_STATE_HOME || join(home(env), '.local', 'state'), 'mcp-hub', sub);
}

/** `file` absolute, through symlinks when it exists (an absent file keeps its resolved path). */
export function canonicalPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}

/**
 * The loopback preload shipped with this package (`preload/loopback.cjs`): `node --require` it and mcp-hub,
 * which has no --host option, listens on 127.0.0.1 instead of every interface. Two levels below the
 * package root from src/, dist/ and dist/bundle/ alike.
 */
export function loopbackPreloadPath(): string {
  return fileURLToPath(new URL('../../preload/loopback.cjs', import.meta.url));
}
