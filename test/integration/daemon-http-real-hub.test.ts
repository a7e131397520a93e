/**
 * The daemon's HTTP server for real: the daemon (a child process) watches the real mcp-hub with `--listen`,
 * Debian's Prometheus scrapes it, and the hub-up and dead-server series are queried from Prometheus's API
 * after a stdio child is killed. Also: the security defaults on the real command line.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { launchHub, testServer, everythingServer } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, waitForEvent } from '../support/daemon-process.js';
import { httpRequest } from '../support/fake-daemon-view.js';
import { freePort, startPrometheus } from '../support/prometheus.js';
import { waitUntil } from '../support/wait.js';
import { skipUnless, tool } from '../support/requires.js';

const PROMETHEUS = tool('prometheus', 'prometheus');
const cleanups: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

test('Prometheus scrapes the daemon: mcp_hub_up is 1, and a killed child shows as mcp_hub_server_dead 1', { ...skipUnless(PROMETHEUS), timeout: 90_000 }, async () => {
  const hub = await launchHub({ servers: { everything: everythingServer(), crashy: testServer({ MHM_TAG: 'crashy' }) } });
  cleanups.push(() => hub.stop());
  const port = await freePort();
  const state = stateDir();
  startDaemonProcess(hub, state, ['--listen', `127.0.0.1:${port}`, '--no-sse'], cleanups);
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await httpRequest(base, '/metrics')).status === 200, { what: 'the daemon serving /metrics', timeoutMs: 15_000 });
  const prom = await startPrometheus(PROMETHEUS.path!, { targets: [`127.0.0.1:${port}`] });
  cleanups.push(() => prom.stop());

  const up = await waitUntil(async () => {
    const r = await prom.query(`mcp_hub_up{hub="${hub.url}"}`);
    return r[0]?.value[1] === '1' && r;
  }, { what: 'mcp_hub_up == 1 in Prometheus', timeoutMs: 30_000, everyMs: 250, describe: () => prom.stderr() });
  expect(up[0]!.metric).toMatchObject({ job: 'mcp-hub-monitor', hub: hub.url });

  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MHM_TAG=crashy'))!;
  process.kill(pid, 'SIGKILL');
  await waitForEvent(state, (e) => e.type === 'server_dead' && e.server === 'crashy');
  const dead = await waitUntil(async () => {
    const r = await prom.query(`mcp_hub_server_dead{hub="${hub.url}",server="crashy"}`);
    return r[0]?.value[1] === '1' && r;
  }, { what: 'mcp_hub_server_dead{server="crashy"} == 1', timeoutMs: 30_000, everyMs: 250, describe: () => prom.stderr() });
  expect(dead).toHaveLength(1);
  const alive = await prom.query(`mcp_hub_server_dead{hub="${hub.url}",server="everything"}`);
  expect(alive[0]?.value[1]).toBe('0');
});

test('a non-loopback --listen without a token refuses to start, naming the fix; a foreign Host gets 403', async () => {
  // Refused before anything is created: no store, no run recorded, not even the state dir.
  const parent = stateDir();
  cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
  const fresh = join(parent, 'fresh');
  const refused = await runCli(['daemon', '--listen', '0.0.0.0:9464', '--hub', 'http://127.0.0.1:9', '--state-dir', fresh], isolatedEnv());
  expect(refused.code).toBe(3);
  expect(refused.stderr).toMatch(/^mcp-hub-monitor: http listen 0\.0\.0\.0:9464: not a loopback address, and no token is set/);
  expect(refused.stderr.trim().split('\n')).toHaveLength(1); // nothing started, so nothing logged
  expect(existsSync(fresh)).toBe(false);

  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const port = await freePort();
  startDaemonProcess(hub, stateDir(), ['--listen', `127.0.0.1:${port}`, '--no-sse'], cleanups);
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await httpRequest(base, '/api/health')).status === 200, { what: 'the daemon serving', timeoutMs: 15_000 });
  const rebinding = await httpRequest(base, '/api/hubs', { headers: { host: 'evil.example:80' } });
  expect(rebinding.status).toBe(403);
  const post = await httpRequest(base, '/api/hubs', { method: 'POST' });
  expect(post.status).toBe(405);
  const hubs = await httpRequest(base, '/api/hubs');
  expect(hubs.headers['content-security-policy']).toMatch(/default-src 'self'/);
  expect(JSON.parse(hubs.body)).toMatchObject({ hubs: [expect.objectContaining({ url: hub.url })] });
}, 60_000);
