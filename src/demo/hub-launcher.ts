/**
 * Starts the real `mcp-hub` from our own dependencies on a free loopback port, with HOME and every XDG_*
 * directory in a fresh temp dir, and stops it leaving no process behind (the hub runs in its own process
 * group, so its stdio children go with it). Used by `npm run demo`, the integration tests and the benchmark.
 * The hub is bound to 127.0.0.1 by our loopback preload: mcp-hub alone listens on every interface with no
 * authentication, and no hub we start may be reachable from the network.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpGet } from '../sources/http-get.js';
import { parseJsonSafe, isRecord } from '../model/json.js';
import { childPids } from '../sources/proc.js';
import { loopbackPreloadPath } from '../config/paths.js';

const require = createRequire(import.meta.url);

export interface ServerSpec {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  disabled?: boolean;
}

export interface LaunchOptions {
  servers: Record<string, ServerSpec>;
  /** Extra hub flags, e.g. ['--auto-shutdown']. */
  hubArgs?: string[];
  port?: number;
  /** Wait for state ready (default true). */
  waitReady?: boolean;
  readyTimeoutMs?: number;
  /** Environment overrides, e.g. another hub's HOME and XDG_* to share its log and workspaces.json. */
  env?: Record<string, string>;
}

export interface RunningHub {
  url: string;
  port: number;
  pid: number;
  /** The temp dir holding HOME, XDG_* dirs, the config and the hub's stdout/stderr captures. */
  root: string;
  /** The environment the hub runs with (HOME and XDG_* inside root). */
  env: Record<string, string>;
  configPath: string;
  stdoutPath: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Pids of the hub's direct children (its stdio MCP servers). */
  childPids(): number[];
  waitReady(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL of the whole group after a grace period; removes the temp dir unless keep. */
  stop(opts?: { keepRoot?: boolean; graceMs?: number }): Promise<void>;
}

/** The hub's CLI entry point inside node_modules. */
export function hubCliPath(): string {
  return join(dirname(require.resolve('mcp-hub/package.json')), 'dist', 'cli.js');
}

/** `@modelcontextprotocol/server-everything` over stdio. */
export function everythingServer(): ServerSpec {
  const dir = dirname(require.resolve('@modelcontextprotocol/server-everything/package.json'));
  return { command: process.execPath, args: [join(dir, 'dist', 'index.js'), 'stdio'] };
}

/** Our misbehaving SDK server (dist/demo/test-server.js); see that file for its knobs. */
export function testServer(env: Record<string, string> = {}): ServerSpec {
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = here.includes(`${join('dist', 'demo')}`) ? here : join(here, '..', '..', 'dist', 'demo');
  return { command: process.execPath, args: [join(compiled, 'test-server.js')], env };
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Writes a hub config file with the given servers. */
export function writeHubConfig(path: string, servers: Record<string, ServerSpec>): void {
  const mcpServers: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(servers)) {
    mcpServers[name] = { command: s.command, args: s.args ?? [], ...(s.env ? { env: s.env } : {}), ...(s.disabled ? { disabled: true } : {}) };
  }
  writeFileSync(path, JSON.stringify({ mcpServers }, null, 2));
}

async function healthState(url: string): Promise<string | undefined> {
  const res = await httpGet(`${url}/api/health`, { timeoutMs: 1_000, maxBytes: 8 << 20 });
  if (!res.ok || res.status !== 200) return undefined;
  const parsed = parseJsonSafe(res.body.toString('utf8'));
  return parsed.ok && isRecord(parsed.value) && typeof parsed.value.state === 'string' ? parsed.value.state : undefined;
}

/** Starts a real hub and (by default) waits until it reports `ready`. */
export async function launchHub(opts: LaunchOptions): Promise<RunningHub> {
  const root = mkdtempSync(join(tmpdir(), 'mcp-hub-monitor-hub-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('XDG_')) env[k] = v;
  Object.assign(env, {
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'home', '.config'),
    XDG_STATE_HOME: join(root, 'home', '.local', 'state'),
    XDG_DATA_HOME: join(root, 'home', '.local', 'share'),
    XDG_CACHE_HOME: join(root, 'home', '.cache'),
  });
  Object.assign(env, opts.env);
  for (const d of [env.XDG_CONFIG_HOME, env.XDG_STATE_HOME, env.XDG_DATA_HOME, env.XDG_CACHE_HOME]) mkdirSync(d as string, { recursive: true });
  const configPath = join(root, 'mcp-servers.json');
  writeHubConfig(configPath, opts.servers);
  const port = opts.port ?? (await freePort());
  const stdoutPath = join(root, 'hub-stdout.jsonl');
  const out = openSync(stdoutPath, 'a');
  const err = openSync(join(root, 'hub-stderr.txt'), 'a');
  const child = spawn(process.execPath, ['--require', loopbackPreloadPath(), hubCliPath(), '--port', String(port), '--config', configPath, ...(opts.hubArgs ?? [])], {
    cwd: root, env, stdio: ['ignore', out, err], detached: true,
  });
  closeSync(out);
  closeSync(err);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid as number;
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;

  const hub: RunningHub = {
    url, port, pid, root, env, configPath, stdoutPath, child, exited,
    childPids: () => childPids(pid),
    async waitReady(timeoutMs = opts.readyTimeoutMs ?? 20_000) {
      const until = Date.now() + timeoutMs;
      let done = false;
      void exited.then(() => { done = true; });
      while (Date.now() < until) {
        if (done) throw new Error(`mcp-hub exited before it was ready (see ${root}/hub-stderr.txt)`);
        const state = await healthState(url);
        if (state === 'ready' || state === 'restarted') return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`mcp-hub on port ${port} not ready within ${timeoutMs} ms`);
    },
    async stop({ keepRoot = false, graceMs = 3_000 } = {}) {
      if (!stopped) {
        stopped = true;
        if (child.exitCode === null && child.signalCode === null) {
          try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
          const timer = new Promise((r) => setTimeout(r, graceMs));
          await Promise.race([exited, timer]);
        }
        // Whatever is left in the group (a child that ignored SIGTERM, a hub that hung) is killed.
        try { process.kill(-pid, 'SIGKILL'); } catch { /* group empty */ }
      }
      if (!keepRoot) rmSync(root, { recursive: true, force: true });
    },
  };
  if (opts.waitReady !== false) {
    try {
      await hub.waitReady();
    } catch (e) {
      await hub.stop({ keepRoot: true });
      throw e;
    }
  }
  return hub;
}
