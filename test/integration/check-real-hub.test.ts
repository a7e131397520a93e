/**
 * `check` against the real mcp-hub 4.2.1 (from devDependencies) on a free loopback port, with HOME/XDG_* in
 * a temp dir, server-everything and our own SDK test server behind it.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { everythingServer, launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import { readHubsSeen, readWorkspaceHubs } from '../../src/sources/discovery.js';
import { isPidAlive } from '../../src/sources/proc.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, waitForStored } from '../support/daemon-process.js';
import { waitUntil } from '../support/wait.js';

interface CheckJson {
  status: string;
  exitCode: number;
  level: string;
  hubs: { url: string; reachable: boolean; state: string | null; origin: string; servers: Record<string, number> }[];
  checks: { id: string; status: string; subject?: string; message: string; value?: unknown }[];
}

function testServerPid(hub: RunningHub): number {
  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('test-server.js'));
  if (pid === undefined) throw new Error('test server process not found under the hub');
  return pid;
}

async function health(hub: RunningHub): Promise<{ state: string; servers: { name: string; status: string; uptime: number }[] }> {
  return new Promise((resolve, reject) => {
    http.get(`${hub.url}/api/health`, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

/** Polls the hub's own health until `pred` holds: synchronises on what the hub reports, not on time. */
async function until(hub: RunningHub, pred: (h: Awaited<ReturnType<typeof health>>) => boolean, timeoutMs = 10_000): Promise<void> {
  let seen: unknown;
  await waitUntil(async () => pred(seen = await health(hub)), { what: 'the hub in the expected state', timeoutMs, describe: (last) => (last instanceof Error ? last : seen) });
}

describe('a ready hub with server-everything and our test server', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await launchHub({ servers: { everything: everythingServer(), crashy: testServer() } });
  });
  afterAll(async () => hub?.stop());

  test('a ready hub with no traffic exits 0 and raises no LLM alert (zero load is not an outage)', async () => {
    const run = await runCli(['check', '--hub', hub.url, '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as CheckJson;
    expect(out).toMatchObject({ status: 'ok', exitCode: 0, level: 'green' });
    expect(out.hubs[0]).toMatchObject({ url: hub.url, reachable: true, state: 'ready' });
    expect(out.hubs[0]!.servers).toMatchObject({ total: 2, up: 2, dead: 0 });
    const llm = out.checks.filter((c) => c.id.startsWith('llm.'));
    expect(llm.map((c) => c.id).sort()).toEqual(['llm.cache_hit_rate', 'llm.circuit_breaker', 'llm.p95_latency', 'llm.queue_depth', 'llm.success_rate']);
    expect(llm.every((c) => c.status === 'no_data')).toBe(true);
  });

  test('the hub is found through workspaces.json when no --hub is given', async () => {
    const run = await runCli(['check', '--json'], isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! }));
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as CheckJson).hubs).toMatchObject([{ url: hub.url, origin: 'workspaces' }]);
  });

  test('our stdio server killed with SIGKILL → exit 2 naming it, although the hub still says connected', async () => {
    process.kill(testServerPid(hub), 'SIGKILL');
    await until(hub, (h) => h.servers.some((s) => s.name === 'crashy' && s.uptime === 0));
    const own = (await health(hub)).servers.find((s) => s.name === 'crashy');
    expect(own?.status).toBe('connected'); // the hub's lie (docs/hub-api.md §6)
    const run = await runCli(['check', '--hub', hub.url]);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/CRITICAL\s+server\.status\s+crashy\s+dead: the hub says connected/);
    expect(run.stdout).toMatch(/OK\s+server\.status\s+everything/);
    const nagios = await runCli(['check', '--hub', hub.url, '--format', 'nagios']);
    expect(nagios.code).toBe(2);
    expect(nagios.stdout.split('\n')[0]).toMatch(/^MCPHUB CRITICAL - crashy: dead/);
  });
});

test('servers that fail to start are reported with the hub\'s error', async () => {
  const hub = await launchHub({
    servers: {
      everything: everythingServer(),
      failing: testServer({ MCP_TEST_FAIL_START: '1' }),
      missing: { command: '/nonexistent/bin/mcp-server-missing' },
    },
  });
  try {
    const run = await runCli(['check', '--hub', hub.url, '--json']);
    const out = JSON.parse(run.stdout) as CheckJson;
    const byName = new Map(out.checks.filter((c) => c.id === 'server.status').map((c) => [c.subject, c]));
    expect(byName.get('failing')).toMatchObject({ status: 'warning', value: 'down' });
    expect(byName.get('failing')!.message).toContain('MCP error -32000: Connection closed');
    expect(byName.get('missing')!.message).toContain('ENOENT');
    expect(out.checks.find((c) => c.id === 'servers.down')).toMatchObject({ status: 'warning', value: 2 });
    expect(run.code).toBe(1); // 2 of 3 down: the guide's "1–2 servers down" is a warning
  } finally {
    await hub.stop();
  }
});

test('/api/restart in progress is transitional: warning, never critical; restarted is up', async () => {
  // A server that takes 2.5 s to answer the handshake keeps the hub in `restarting` long enough to look.
  const hub = await launchHub({ servers: { slow: testServer({ MCP_TEST_START_DELAY_MS: '2500' }) } });
  try {
    const restart = new Promise<number>((resolve, reject) => {
      const req = http.request(`${hub.url}/api/restart`, { method: 'POST' }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', reject);
      req.end();
    });
    await until(hub, (h) => h.state === 'restarting');
    const during = await runCli(['check', '--hub', hub.url]);
    expect(during.code).toBe(1);
    expect(during.stdout).toMatch(/WARNING\s+hub\.state\s+state restarting \(transitional/);
    expect(await restart).toBe(200);
    const after = await runCli(['check', '--hub', hub.url, '--json']);
    expect(after.code).toBe(0);
    expect((JSON.parse(after.stdout) as CheckJson).hubs[0]!.state).toBe('restarted');
  } finally {
    await hub.stop();
  }
});

test('a stopped hub → exit 2 within the timeout; a SIGKILLed hub\'s stale workspaces.json entry is reported as not running', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  try {
    process.kill(hub.pid, 'SIGKILL');
    await hub.exited;
    expect(isPidAlive(hub.pid)).toBe(false);
    const explicit = await runCli(['check', '--hub', hub.url, '--timeout', '2s']);
    expect(explicit.code).toBe(2);
    expect(explicit.stdout).toContain('connection refused');
    expect(explicit.ms).toBeLessThan(2_100);
    // No --hub: discovery reads the entry the dead hub left behind and says what happened.
    const discovered = await runCli(['check', '--timeout', '2s'], env);
    expect(discovered.code).toBe(2);
    expect(discovered.stdout).toContain(`hub process ${hub.pid} is not running (stale workspaces.json entry`);
  } finally {
    await hub.stop();
  }
});

test('a hub gone after POST /api/hard-restart (its workspaces.json entry with it) is reported at the URL the daemon last saw, not 127.0.0.1:7000', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const state = stateDir();
  const cleanups: (() => unknown)[] = [];
  try {
    // The daemon finds the hub as a user's would (no --hub) and remembers it once it answers.
    startDaemonProcess(hub, state, [], cleanups, { env, discover: true });
    await waitForStored(() => readHubsSeen(state), (h) => h.url === hub.url, 'the hub in hubs-seen.json');
    // The hub sets `restarting`, SIGTERMs itself, exits 0 and removes its workspaces.json entry.
    await new Promise<void>((resolve, reject) => {
      http.request(`${hub.url}/api/hard-restart`, { method: 'POST' }, (res) => { res.resume().on('end', resolve); }).on('error', reject).end();
    });
    expect(await hub.exited).toBe(0);
    expect(readWorkspaceHubs(env)).toEqual([]);
    const before = readdirSync(state).sort();
    const run = await runCli(['check', '--state-dir', state, '--timeout', '2s'], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`${hub.url}  unreachable (refused)`);
    expect(run.stdout).toMatch(/CRITICAL +hub\.reachable +hub unreachable: connection refused: last seen answering 20\d\d-\S+Z, now gone from workspaces\.json with no mcp-hub process serving it/);
    expect(run.stdout).not.toContain('127.0.0.1:7000');
    expect(readdirSync(state).sort()).toEqual(before); // check only reads the state dir
  } finally {
    for (const c of cleanups) await c();
    await hub.stop();
    rmSync(state, { recursive: true, force: true });
    rmSync(dirname(env.XDG_CONFIG_HOME!), { recursive: true, force: true }); // isolatedEnv's own temp home
  }
});

test('--probe: a SIGSTOPped child keeps uptime and status, so only the round trip through the hub shows the hang', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer(), frozen: testServer() } });
  try {
    const pid = testServerPid(hub);
    const healthy = await runCli(['check', '--hub', hub.url, '--probe', '--json']);
    expect(healthy.code).toBe(0);
    const probes = (JSON.parse(healthy.stdout) as CheckJson).checks.filter((c) => c.id === 'server.probe');
    expect(probes.map((c) => [c.subject, c.status])).toEqual([['everything', 'ok'], ['frozen', 'ok']]);

    process.kill(pid, 'SIGSTOP');
    try {
      const plain = await runCli(['check', '--hub', hub.url]);
      expect(plain.code).toBe(0); // the hub and a plain poll see nothing wrong
      const started = Date.now();
      const probed = await runCli(['check', '--hub', hub.url, '--probe', '--timeout', '3s']);
      expect(probed.code).toBe(2);
      expect(probed.stdout).toMatch(/CRITICAL\s+server\.probe\s+frozen\s+the hub says connected, but the child did not answer within/);
      expect(Date.now() - started).toBeLessThan(3_000 + 1_500); // inside --timeout, plus process start
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  } finally {
    await hub.stop();
  }
});
