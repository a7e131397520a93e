/**
 * Reads the hub's own config files (JSON5, `mcpServers` or the VS Code `servers` key) the way mcp-hub 4.2.1
 * loads them, and applies the same per-server rules it enforces at start — so `validate` can say "the hub
 * will refuse this at its next restart" before it does (it exits 0 when it does: docs/hub-api.md §1).
 * Env values are never returned: only the names of the variables.
 */
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isRecord, own } from '../model/json.js';
import type { ConfiguredServer, HubConfigFile } from '../model/hub-config.js';

/** Refuse to read anything larger: a hub config is a few KB. */
const MAX_CONFIG_BYTES = 1024 * 1024;

function checkServer(name: string, raw: unknown): ConfiguredServer {
  const problems: string[] = [];
  if (!isRecord(raw)) {
    return { name, transport: 'invalid', disabled: false, envKeys: [], problems: ['not an object'] };
  }
  const hasCommand = own(raw, 'command') !== undefined;
  const hasUrl = own(raw, 'url') !== undefined;
  const env = own(raw, 'env');
  const envKeys = isRecord(env) ? Object.keys(env) : [];
  let transport: ConfiguredServer['transport'] = 'invalid';
  if (hasCommand && hasUrl) problems.push('cannot mix stdio and sse fields (has both command and url)');
  else if (hasCommand) {
    transport = 'stdio';
    if (!own(raw, 'command')) problems.push('missing command value');
    // The hub's own test: `env && typeof env != "object"` (so null and [] pass).
    if (env && typeof env !== 'object') problems.push('has invalid environment config (env must be an object)');
  } else if (hasUrl) {
    transport = 'sse';
    try {
      new URL(String(own(raw, 'url')));
    } catch {
      problems.push('has invalid url');
    }
    const headers = own(raw, 'headers');
    if (headers && typeof headers !== 'object') problems.push('has invalid headers config');
  } else problems.push('must include either command (for stdio) or url (for sse)');
  if (own(raw, 'dev') !== undefined && transport !== 'stdio') problems.push('dev field is only supported for stdio servers');
  if (problems.length && transport !== 'invalid' && hasCommand && hasUrl) transport = 'invalid';
  return { name, transport, disabled: own(raw, 'disabled') === true, envKeys, problems };
}

/** Parses one config text (JSON5). `json5` is passed in so callers load it lazily. */
export function parseHubConfig(path: string, text: string, json5: { parse(text: string): unknown }): HubConfigFile {
  let data: unknown;
  try {
    data = json5.parse(text);
  } catch (err) {
    return { path, ok: false, error: `not valid JSON5: ${(err as Error).message.split('\n')[0]}`, servers: [] };
  }
  if (!isRecord(data)) return { path, ok: false, error: 'the file is not a JSON object', servers: [] };
  // The hub accepts the VS Code layout `{servers:{…}}` and, when `servers` is truthy, uses it in place of
  // `mcpServers` (mcp-hub 4.2.1's loader); it only requires `typeof mcpServers == "object"`.
  const vscode = own(data, 'servers');
  const map = vscode ? vscode : own(data, 'mcpServers');
  if (typeof map !== 'object' || map === null) return { path, ok: false, error: "'mcpServers' must be an object", servers: [] };
  const entries = map as Record<string, unknown>;
  const servers = Object.keys(entries).map((name) => checkServer(name, own(entries, name)));
  return { path, ok: servers.every((s) => s.problems.length === 0), servers };
}

/** Reads and parses a config file named by workspaces.json; relative paths resolve against the hub's cwd. */
export function readHubConfig(file: string, cwd: string | undefined, json5: { parse(text: string): unknown }): HubConfigFile {
  const path = isAbsolute(file) || !cwd ? resolve(file) : resolve(cwd, file);
  try {
    const st = statSync(path);
    if (!st.isFile()) return { path, ok: false, error: 'not a regular file', servers: [] };
    if (st.size > MAX_CONFIG_BYTES) return { path, ok: false, error: `larger than ${MAX_CONFIG_BYTES} bytes; not read`, servers: [] };
    lstatSync(path); // exists as a path we may name (a symlink to a file is allowed, as dotfile managers use them)
    return parseHubConfig(path, readFileSync(path, 'utf8'), json5);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { path, ok: false, error: code === 'ENOENT' ? 'file not found (the hub skips missing files)' : `cannot read (${code})`, servers: [] };
  }
}
