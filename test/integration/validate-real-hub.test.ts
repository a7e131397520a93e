/** `validate` against the real mcp-hub 4.2.1: everything found with no configuration, nothing hard-coded. */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { everythingServer, launchHub, testServer, writeHubConfig, type RunningHub } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';

interface Result {
  status: string;
  exitCode: number;
  checks: { id: string; status: string; subject?: string; message: string; value?: unknown }[];
}

const byId = (r: Result, id: string, subject?: string) => r.checks.filter((c) => c.id === id && (subject === undefined || c.subject === subject));

function hubEnv(hub: RunningHub): Record<string, string> {
  return isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME!, XDG_CONFIG_HOME: hub.env.XDG_CONFIG_HOME! });
}

async function validate(hub: RunningHub, extra: string[] = []): Promise<Result & { code: number | null; stdout: string }> {
  const run = await runCli(['validate', '--json', ...extra], hubEnv(hub));
  expect(run.stderr).toBe('');
  return { ...(JSON.parse(run.stdout) as Result), code: run.code, stdout: run.stdout };
}

describe('validate on a live hub found through workspaces.json', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await launchHub({ servers: { everything: everythingServer(), crashy: testServer() } });
  });
  afterAll(async () => hub?.stop());

  test('pid and port are found with no configuration, the port is owned by the hub, and a hub bound to loopback is healthy (exit 0)', async () => {
    const r = await validate(hub);
    expect(byId(r, 'hub.process')[0]).toMatchObject({ status: 'ok', value: hub.pid });
    expect(byId(r, 'hub.port')[0]!.status).toBe('ok');
    expect(byId(r, 'hub.port')[0]!.message).toContain(`by pid ${hub.pid}`);
    // Our launcher binds the hub to 127.0.0.1 with the loopback preload (mcp-hub alone binds every interface).
    expect(byId(r, 'hub.exposure')[0]).toMatchObject({ status: 'ok', message: 'listening on loopback only' });
    expect(byId(r, 'config.parse')[0]).toMatchObject({ status: 'ok', subject: 'mcp-servers.json' });
    expect(byId(r, 'disk.free').map((c) => c.subject).sort()).toEqual(['hub log dir', 'hub state dir', 'monitor state dir']);
    expect(byId(r, 'logs.size')[0]!.status).toBe('ok');
    expect(r.code).toBe(0);
  });

  test('a server added to the config file after start is reported as configured but not loaded; a broken entry as refused at the next start', async () => {
    const original = readFileSync(hub.configPath, 'utf8');
    try {
      const cfg = JSON.parse(original) as { mcpServers: Record<string, unknown> };
      cfg.mcpServers.later = { command: 'node', args: ['x.js'] };
      cfg.mcpServers.mixed = { command: 'node', url: 'http://example.invalid/mcp' };
      writeFileSync(hub.configPath, JSON.stringify(cfg));
      const r = await validate(hub);
      expect(byId(r, 'config.missing', 'later')[0]).toMatchObject({ status: 'warning' });
      expect(byId(r, 'config.server', 'mixed')[0]).toMatchObject({ status: 'critical' });
      expect(byId(r, 'config.server', 'mixed')[0]!.message).toContain('cannot mix stdio and sse fields');
      expect(r.code).toBe(2);
    } finally {
      writeFileSync(hub.configPath, original);
    }
  });

  test('a SIGKILLed stdio child is reported dead although the hub says connected', async () => {
    const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('test-server.js'))!;
    process.kill(pid, 'SIGKILL');
    const r = await validate(hub);
    expect(byId(r, 'server.status', 'crashy')[0]).toMatchObject({ status: 'critical', value: 'dead' });
    expect(r.code).toBe(2);
  });
});

test('a SIGKILLed hub leaves a stale workspaces.json entry: a warning next to a live hub, not a hub down', async () => {
  const live = await launchHub({ servers: { everything: everythingServer() } });
  const dead = await launchHub({ servers: { everything: everythingServer() } });
  try {
    // Put the dead hub's entry into the live hub's registry, as two hubs of one user share one file.
    process.kill(dead.pid, 'SIGKILL');
    await dead.exited;
    const registry = `${live.env.XDG_STATE_HOME}/mcp-hub/workspaces.json`;
    const both = { ...JSON.parse(readFileSync(registry, 'utf8')), ...JSON.parse(readFileSync(`${dead.env.XDG_STATE_HOME}/mcp-hub/workspaces.json`, 'utf8')) };
    writeFileSync(registry, JSON.stringify(both));
    const r = await validate(live);
    const stale = byId(r, 'workspaces.stale');
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ status: 'warning', subject: String(dead.port), value: dead.pid });
    expect(r.checks.filter((c) => c.status === 'critical')).toEqual([]);
  } finally {
    await dead.stop();
    await live.stop();
  }
});

test('a hub config the hub cannot parse is critical: it would fail (and exit 0) at its next start', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  try {
    writeFileSync(hub.configPath, '{ "mcpServers": { "x": { "command": "node", } ');
    const r = await validate(hub);
    expect(byId(r, 'config.parse')[0]).toMatchObject({ status: 'critical' });
    expect(byId(r, 'config.parse')[0]!.message).toContain('not valid JSON5');
  } finally {
    writeHubConfig(hub.configPath, {});
    await hub.stop();
  }
});
