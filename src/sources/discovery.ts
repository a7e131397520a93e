/**
 * Which hubs to watch, in docs/DESIGN.md §4 order: `--hub`, else config `hubs`, else `MCP_HUB_URL`, else live
 * hubs from `workspaces.json`, else running mcp-hub processes (their `--port`), else the dead entries of
 * workspaces.json (so a killed hub is reported as such), else the hubs the daemon last saw answering
 * (`hubs-seen.json` in the state dir: a hub that exited cleanly, e.g. after POST /api/hard-restart, takes its
 * workspaces.json entry with it), else `http://127.0.0.1:7000`. No pid or server name is ever hard-coded.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { workspacesFileCandidates } from '../config/paths.js';
import type { HubTarget } from '../model/hub.js';
import { findHubProcesses, isPidAlive } from './proc.js';
import { isRecord, own, parseJsonSafe } from '../model/json.js';

export const DEFAULT_HUB_URL = 'http://127.0.0.1:7000';

export interface WorkspaceHub {
  port: number;
  pid: number;
  /** The workspaces.json this entry came from. */
  file: string;
  alive: boolean;
  /** The hub's working directory and config files as given on its command line (possibly relative). */
  cwd?: string;
  configFiles: string[];
  /** `active`, or `shutting_down` while an --auto-shutdown delay runs. */
  state?: string;
  startTimeMs?: number;
}

/** Normalises a hub URL (no trailing slash); throws a one-line message on anything but http(s). */
export function normaliseHubUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`not a URL (got ${JSON.stringify(text)}). Write e.g. http://127.0.0.1:7000`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`not an http(s) URL (got ${JSON.stringify(text)}). Write e.g. http://127.0.0.1:7000`);
  }
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

/** Entries of every workspaces.json we can read; unreadable or malformed files are skipped. */
export function readWorkspaceHubs(
  env: Record<string, string | undefined> = process.env,
  alive: (pid: number) => boolean = isPidAlive,
): WorkspaceHub[] {
  const seen = new Set<number>();
  const hubs: WorkspaceHub[] = [];
  for (const file of workspacesFileCandidates(env)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const parsed = parseJsonSafe(text);
    if (!parsed.ok || !isRecord(parsed.value)) continue;
    for (const key of Object.keys(parsed.value)) {
      const entry = own(parsed.value, key);
      if (!isRecord(entry)) continue;
      const port = Number(own(entry, 'port') ?? key);
      const pid = Number(own(entry, 'pid'));
      if (!Number.isInteger(port) || port <= 0 || port > 65535 || seen.has(port)) continue;
      seen.add(port);
      const cwd = own(entry, 'cwd');
      const files = own(entry, 'config_files');
      const state = own(entry, 'state');
      const start = Date.parse(String(own(entry, 'startTime') ?? ''));
      hubs.push({
        port, pid, file, alive: Number.isInteger(pid) && alive(pid),
        cwd: typeof cwd === 'string' ? cwd : undefined,
        configFiles: Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string').slice(0, 50) : [],
        state: typeof state === 'string' ? state : undefined,
        startTimeMs: Number.isFinite(start) ? start : undefined,
      });
    }
  }
  return hubs.sort((a, b) => a.port - b.port);
}

/** `<state dir>/hubs-seen.json`: the discovered hubs the daemon watches, and when each last answered. */
export const HUBS_SEEN_FILE = 'hubs-seen.json';

export interface SeenHub {
  url: string;
  /** Epoch ms of its last answer the daemon saw. */
  lastSeenAt: number;
  pid?: number;
}

/** The hubs in hubs-seen.json; none when it is absent, oversized or not ours in shape (only node:fs: check reads it). */
export function readHubsSeen(stateDir: string): SeenHub[] {
  const file = join(stateDir, HUBS_SEEN_FILE);
  try {
    if (statSync(file).size > 64 * 1024) return [];
    const parsed = parseJsonSafe(readFileSync(file, 'utf8'));
    const hubs = parsed.ok && isRecord(parsed.value) ? own(parsed.value, 'hubs') : undefined;
    if (!Array.isArray(hubs)) return [];
    return hubs.filter(isRecord).slice(0, 50).flatMap((h) => {
      const url = own(h, 'url');
      const at = own(h, 'lastSeenAt');
      const pid = own(h, 'pid');
      if (typeof url !== 'string' || typeof at !== 'number' || !Number.isFinite(at)) return [];
      try {
        return [{ url: normaliseHubUrl(url), lastSeenAt: at, ...(Number.isInteger(pid) ? { pid: pid as number } : {}) }];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

export interface DiscoveryInput {
  flagHubs: string[];
  configHubs: string[];
  env: Record<string, string | undefined>;
  /** Where hubs-seen.json is read from, for the hubs the daemon last saw; absent = not consulted. */
  stateDir?: string;
  alive?: (pid: number) => boolean;
  /** Running hub processes (default: a /proc scan); used when workspaces.json names no live hub. */
  processes?: () => { pid: number; port: number }[];
}

/**
 * Resolves the hubs to watch. When workspaces.json lists only dead pids (a SIGKILLed hub leaves its entry,
 * docs/hub-api.md §5), those are returned rather than the 7000 default: the user should hear that the hub they
 * ran is gone, not that nothing answers on a port they never used.
 */
export function discoverHubs(input: DiscoveryInput): HubTarget[] {
  const named = (list: string[], origin: HubTarget['origin'], source: string): HubTarget[] =>
    list.map((u) => {
      try {
        return { url: normaliseHubUrl(u), origin };
      } catch (err) {
        throw new Error(`${source}: ${(err as Error).message}`);
      }
    });
  if (input.flagHubs.length) return named(input.flagHubs, 'flag', '--hub');
  if (input.configHubs.length) return named(input.configHubs, 'config', 'config hubs');
  const fromEnv = (input.env.MCP_HUB_URL ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  if (fromEnv.length) return named(fromEnv, 'env', 'MCP_HUB_URL');
  const ws = readWorkspaceHubs(input.env, input.alive);
  const live = ws.filter((h) => h.alive);
  if (live.length) return live.map((h) => ({ url: `http://127.0.0.1:${h.port}`, origin: 'workspaces', pid: h.pid, pidAlive: true }));
  // workspaces.json can lose a live hub: a failed second hub on the same port deletes its entry
  // (docs/hub-api.md §5). The hub's own command line still says which port it serves.
  const running = (input.processes ?? (() => findHubProcesses(input.env)))().sort((a, b) => a.port - b.port);
  const found: HubTarget[] = running.map((p) => ({ url: `http://127.0.0.1:${p.port}`, origin: 'process', pid: p.pid, pidAlive: true }));
  // Dead entries too, so a killed hub is reported as killed rather than silently skipped.
  for (const h of ws) {
    if (!running.some((p) => p.port === h.port)) found.push({ url: `http://127.0.0.1:${h.port}`, origin: 'workspaces', pid: h.pid, pidAlive: false });
  }
  if (found.length) return found;
  // Nothing left in workspaces.json: the hub the daemon last saw is the one to report gone, not port 7000.
  const alive = input.alive ?? isPidAlive;
  const remembered: HubTarget[] = (input.stateDir === undefined ? [] : readHubsSeen(input.stateDir)).map((h) => ({
    url: h.url, origin: 'remembered', lastSeenAt: h.lastSeenAt, ...(h.pid === undefined ? {} : { pid: h.pid, pidAlive: alive(h.pid) }),
  }));
  return remembered.length ? remembered : [{ url: DEFAULT_HUB_URL, origin: 'default' }];
}
