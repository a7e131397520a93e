/**
 * `npm run demo`: the monitor's main job on an embedded default. Starts the real mcp-hub from our
 * dependencies (temp HOME, free loopback port) with server-everything and our test server, which crashes by
 * itself after ~20 s; starts the collecting daemon with its web dashboard (URL printed) and the traffic
 * tap in front of the hub, through which a client calls a tool of each server every 2 s; then, on a
 * terminal, opens the terminal dashboard (q quits), else runs `mcp-hub-monitor check` every 5 s and shows
 * the calls the daemon saw (status's tap lines) — so you watch the crash being reported, and the calls to
 * it failing, while the hub itself still says "connected". Ctrl+C stops everything.
 *
 * Flags: --crash-after <dur> (20s), --interval <dur> (5s), --duration <dur> (run this long, then stop),
 * --no-tui (the check loop even on a terminal).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../config/duration.js';
import { httpGet } from '../sources/http-get.js';
import { parseHealth } from '../sources/hub-models.js';
import { parseJsonSafe } from '../model/json.js';
import { everythingServer, freePort, launchHub, testServer, type RunningHub } from './hub-launcher.js';
import { join } from 'node:path';
import { callToolsEvery, startDemoTap, type DemoTap, type ToolCaller } from './tap-traffic.js';

const EXIT_MEANING = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];
const CLI = fileURLToPath(new URL('../../bin/mcp-hub-monitor.cjs', import.meta.url));

function flag(name: string, fallback: string): number {
  const i = process.argv.indexOf(`--${name}`);
  const text = i > 0 ? process.argv[i + 1] ?? '' : fallback;
  const ms = parseDuration(text);
  if (ms === undefined) {
    process.stderr.write(`demo: --${name}: not a duration (got ${JSON.stringify(text)}). Write e.g. 20s\n`);
    process.exit(3);
  }
  return ms;
}

function runCheck(url: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'check', '--hub', url], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (code) => resolve(code ?? 3));
  });
}

/** The daemon's view of the calls through the tap: status's `tap:` line and its worst tools. */
function tapLines(state: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'status', '--state-dir', state], { stdio: ['ignore', 'pipe', 'ignore'], env });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.once('exit', () => {
      const lines = out.split('\n');
      const from = lines.findIndex((l) => l.startsWith('tap:'));
      if (from < 0) return resolve([]);
      const to = lines.findIndex((l, i) => i > from && !l.startsWith('tap:') && !l.startsWith('  '));
      resolve(lines.slice(from, to < 0 ? undefined : to));
    });
  });
}

/** What the hub itself says about the crashed server: the lie a status-trusting monitor believes. */
async function hubOwnView(url: string, name: string): Promise<string | undefined> {
  const res = await httpGet(`${url}/api/health`, { timeoutMs: 2_000, maxBytes: 8 << 20 });
  if (!res.ok) return undefined;
  const parsed = parseJsonSafe(res.body.toString('utf8'));
  if (!parsed.ok) return undefined;
  const s = parseHealth(parsed.value).value.servers.find((x) => x.name === name);
  return s && `status=${JSON.stringify(s.status)} error=${JSON.stringify(s.error)} uptime=${s.uptimeS}`;
}

async function main(): Promise<void> {
  const crashAfter = flag('crash-after', '20s');
  const interval = flag('interval', '5s');
  const duration = process.argv.includes('--duration') ? flag('duration', '0s') : Infinity;
  const say = (line: string) => process.stdout.write(`${line}\n`);

  say('mcp-hub-monitor demo: starting the real mcp-hub from node_modules (temp HOME, free loopback port)…');
  let hub: RunningHub | undefined;
  let daemon: ChildProcess | undefined;
  let tap: DemoTap | undefined;
  let caller: ToolCaller | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nstopping the client, the tap, the daemon, the hub and every server it started…');
    await caller?.stop();
    await tap?.stop();
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon!.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    await hub?.stop();
    say('done: no process left behind.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  hub = await launchHub({
    servers: {
      everything: everythingServer(),
      crashy: testServer({ MCP_TEST_CRASH_AFTER_MS: String(crashAfter) }),
    },
  });
  say(`hub ready at ${hub.url} (pid ${hub.pid}; HOME=${hub.env.HOME})`);
  say(`servers: "everything" (@modelcontextprotocol/server-everything) and "crashy" (our SDK test server; it crashes by itself ${Math.round(crashAfter / 1000)}s after start)`);
  const port = await freePort();
  const state = join(hub.root, 'monitor-state');
  const env = { ...process.env, HOME: hub.env.HOME, XDG_STATE_HOME: hub.env.XDG_STATE_HOME };
  daemon = spawn(process.execPath, [CLI, 'daemon', '--hub', hub.url, '--state-dir', state, '--listen', `127.0.0.1:${port}`, '--interval', '2s'], {
    stdio: ['ignore', 'ignore', 'ignore'], env,
  });
  say(`daemon collecting (state in ${state}); web dashboard: http://127.0.0.1:${port}/`);
  tap = await startDemoTap(CLI, hub.url, await freePort(), state, env);
  say(`tap forwarding ${tap.url} to the hub (pid ${tap.child.pid}); the daemon gets a record of every call through it`);
  caller = callToolsEvery(tap.url, [
    { server: 'everything', tool: 'echo', arguments: { message: 'hello from the demo' } },
    { server: 'crashy', tool: 'echo', arguments: { text: 'hello from the demo' } },
  ], 2_000);
  say(`every 2s: POST ${tap.url}/api/servers/tools — everything's echo and crashy's echo, through the tap`);
  if (process.stdout.isTTY && process.stdin.isTTY && !process.argv.includes('--no-tui')) {
    say('opening the terminal dashboard (q quits) …');
    await new Promise((r) => setTimeout(r, 1_500));
    const tui = spawn(process.execPath, [CLI, 'dashboard', '--hub', hub.url, '--state-dir', state, '--interval', '2s'], { stdio: 'inherit', env: { ...process.env, HOME: hub.env.HOME } });
    await new Promise((r) => tui.once('exit', r));
    await stop(0);
    return;
  }
  say(`every ${Math.round(interval / 1000)}s: mcp-hub-monitor check --hub ${hub.url}      (Ctrl+C to stop)`);

  const started = Date.now();
  let round = 0;
  let reportedLie = false;
  while (!stopping && Date.now() - started < duration) {
    round++;
    say(`\n── check #${round} at ${new Date().toISOString().slice(11, 19)}Z, ${Math.round((Date.now() - started) / 1000)}s in ──`);
    const code = await runCheck(hub.url);
    if (stopping) break; // Ctrl+C reached the check too; its half-run is not a result
    say(`exit ${code} (${EXIT_MEANING[code] ?? 'UNKNOWN'})`);
    const seen = caller.counts();
    say(`calls through the tap, as the daemon saw them (the demo's client made ${seen.calls}, ${seen.failed} failed):`);
    for (const line of await tapLines(state, env)) say(`  ${line}`);
    if (code === 2 && !reportedLie) {
      const view = await hubOwnView(hub.url, 'crashy');
      if (view) say(`meanwhile the hub's own /api/health says of "crashy": ${view} — a monitor that trusts "status" sees nothing wrong.`);
      reportedLie = true;
    }
    const next = started + round * interval;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  await stop(0);
}

main().catch(async (err) => {
  process.stderr.write(`demo failed: ${(err as Error).message}\n`);
  process.exit(3);
});
