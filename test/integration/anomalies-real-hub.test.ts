/** `anomalies` against the real mcp-hub 4.2.1: flapping, a log flood, a dead child, a truncated log. */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { waitUntil } from '../support/wait.js';

interface Result {
  exitCode: number;
  checks: { id: string; status: string; subject?: string; message: string; value?: unknown }[];
}

const hubs: RunningHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.stop()));
});

async function start(servers: Parameters<typeof launchHub>[0]['servers']): Promise<RunningHub> {
  const hub = await launchHub({ servers });
  hubs.push(hub);
  return hub;
}

async function anomalies(hub: RunningHub, window = '2s'): Promise<Result & { code: number | null }> {
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME!, XDG_CONFIG_HOME: hub.env.XDG_CONFIG_HOME! });
  const run = await runCli(['anomalies', '--json', '--window', window], env);
  expect(run.stderr).toBe('');
  return { ...(JSON.parse(run.stdout) as Result), code: run.code };
}

const one = (r: Result, id: string, subject?: string) => r.checks.find((c) => c.id === id && (subject === undefined || c.subject === subject));

function post(hub: RunningHub, path: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${hub.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

test('a quiet hub has no anomalies: CPU, memory and the log are read, nothing fires', async () => {
  const hub = await start({ everything: everythingServer(), quiet: testServer() });
  const r = await anomalies(hub);
  expect(r.code).toBe(0);
  expect(one(r, 'anomaly.cpu')!.message).toMatch(/hub and 2 children use [\d.]+% CPU/);
  expect(one(r, 'anomaly.memory')!.status).toBe('ok');
  expect(one(r, 'anomaly.log_growth')!.message).toContain('mcp-hub.log');
  expect(one(r, 'anomaly.availability')).toMatchObject({ status: 'ok' });
});

test('a server stopped and started five times is flapping', async () => {
  const hub = await start({ everything: everythingServer(), flappy: testServer() });
  for (let i = 0; i < 5; i++) {
    expect(await post(hub, '/api/servers/stop', { server_name: 'flappy' })).toBe(200);
    expect(await post(hub, '/api/servers/start', { server_name: 'flappy' })).toBe(200);
  }
  const r = await anomalies(hub);
  expect(one(r, 'anomaly.flapping')).toMatchObject({ status: 'warning' });
  expect(one(r, 'anomaly.flapping')!.message).toContain('flappy (5 reconnects)');
  expect(one(r, 'anomaly.flapping')!.message).not.toContain('everything');
});

test('one MCP client disconnect floods the log with identical lines, and the flood is reported', async () => {
  const hub = await start({ everything: everythingServer() });
  const client = new Client({ name: 'flood-maker', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL(`${hub.url}/mcp`)));
  await client.listTools();
  await client.close();
  // The hub's cleanup recursion writes ~2,168 identical lines (docs/hub-api.md §4); wait until they are on disk.
  const logFile = `${hub.env.XDG_STATE_HOME}/mcp-hub/logs/mcp-hub.log`;
  const floodLines = () => (readFileSync(logFile, 'utf8').match(/client disconnected from MCP HUB/g) ?? []).length;
  await waitUntil(() => floodLines() >= 1_000, { what: '1,000 flood lines in the log', describe: floodLines });
  const r = await anomalies(hub);
  expect(one(r, 'anomaly.log_flood')).toMatchObject({ status: 'warning' });
  expect(one(r, 'anomaly.log_flood')!.message).toMatch(/a log flood happened: \d{4,} identical lines/);
});

test('a SIGKILLed stdio child is reported dead by anomalies too', async () => {
  const hub = await start({ everything: everythingServer(), crashy: testServer() });
  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('test-server.js'))!;
  process.kill(pid, 'SIGKILL');
  const r = await anomalies(hub);
  expect(one(r, 'server.status', 'crashy')).toMatchObject({ status: 'critical', value: 'dead' });
  expect(one(r, 'anomaly.disconnections')).toMatchObject({ value: 1 });
  expect(r.code).toBe(2);
});

test('a second hub on the same port truncates the shared log; the reader recovers and still reports', async () => {
  const hub = await start({ everything: everythingServer() });
  const logFile = `${hub.env.XDG_STATE_HOME}/mcp-hub/logs/mcp-hub.log`;
  const before = readFileSync(logFile, 'utf8').length;
  // A second hub with the same HOME fails with EADDRINUSE — after truncating the shared log (docs/hub-api.md §5).
  const shared = { HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME!, XDG_DATA_HOME: hub.env.XDG_DATA_HOME!, XDG_CONFIG_HOME: hub.env.XDG_CONFIG_HOME! };
  const second = await launchHub({ servers: {}, port: hub.port, waitReady: false, env: shared });
  await second.exited;
  await second.stop();
  expect(readFileSync(logFile, 'utf8').length).toBeLessThan(before);
  const r = await anomalies(hub);
  expect(one(r, 'anomaly.log_growth')).toMatchObject({ status: 'ok' });
  expect(r.code).toBe(0);
});
