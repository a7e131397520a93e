/**
 * A call failing with "Not connected" is evidence that its server's child is dead (issue K): with the real
 * mcp-hub 4.2.1, the daemon as a real process and the real tap, a killed child's failing calls make
 * /api/servers and /metrics show the server dead before the next poll — the daemon polls every 20 s here,
 * and the test checks that no poll was stored in between — and they write one `server_dead` event for the
 * death: not one per failing call, and the poll that later sees the death does not write another.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, storedSamples, waitForEvent, waitForPolls } from '../support/daemon-process.js';
import { httpRequest } from '../support/fake-daemon-view.js';
import { freePort } from '../support/prometheus.js';
import { startTap } from '../support/tap.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One REST tool call (to the tap): the hub's error, if any. */
function callTool(base: string, server: string, tool: string): Promise<string | undefined> {
  const payload = JSON.stringify({ server_name: server, tool, arguments: { text: 'hi' } });
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/servers/tools`, { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve((JSON.parse(text) as { error?: string }).error));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.end(payload);
  });
}

const POLL_EVERY_S = 20;

test('a killed child\'s "Not connected" calls through the tap: dead on /api/servers and /metrics before the next poll, one server_dead event', { timeout: 120_000 }, async () => {
  const hub = await launchHub({ servers: { crashy: testServer({ MHM_TAG: 'crashy' }) } });
  cleanups.push(() => hub.stop());
  const state = stateDir();
  const config = join(state, 'config.yaml');
  writeFileSync(config, ['probes:', '  enabled: false'].join('\n'));
  const port = await freePort();
  startDaemonProcess(hub, state, ['--config', config, '--no-sse', '--interval', `${POLL_EVERY_S}s`, '--listen', `127.0.0.1:${port}`], cleanups);
  // The first poll may find the child just connected (uptime 0, unconfirmed): the second settles it.
  await waitForEvent(state, (e) => e.type === 'server_status' && e.server === 'crashy' && /"to":"up"/.test(e.data ?? ''), (2 * POLL_EVERY_S + 10) * 1000);
  const tap = await startTap(hub.url, state);
  cleanups.push(() => tap.stop());
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  await waitUntil(async () => /^tap: connected \(1\)/m.test((await runCli(['status', '--state-dir', state], env)).stdout), { what: 'status to see the tap connected', timeoutMs: 15_000, everyMs: 250 });
  expect(await callTool(tap.url, 'crashy', 'echo')).toBeUndefined();

  const api = async () => {
    const doc = JSON.parse((await httpRequest(`http://127.0.0.1:${port}/api/servers`, '/api/servers')).body) as { hubs: { servers: { name: string; dead: boolean; up: boolean | null }[] }[] };
    return doc.hubs[0]!.servers.find((s) => s.name === 'crashy')!;
  };
  expect(await api()).toMatchObject({ up: true, dead: false });

  // Right after a poll, so the next one is POLL_EVERY_S away.
  await waitForPolls(state, 1, Date.now(), (POLL_EVERY_S + 10) * 1000);
  const pollsBefore = storedSamples(state, 'hub.up').length;
  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MHM_TAG=crashy'))!;
  process.kill(pid, 'SIGKILL');
  await waitUntil(async () => (await callTool(tap.url, 'crashy', 'echo')) === 'Not connected', { what: 'the hub failing calls to the dead child with "Not connected", through the tap' });
  const firstNotConnectedAt = Date.now();
  await waitUntil(async () => (await api()).dead, { what: '/api/servers to show crashy dead', timeoutMs: (POLL_EVERY_S + 10) * 1000, everyMs: 50 });
  const shownAfterMs = Date.now() - firstNotConnectedAt;
  const metrics = (await httpRequest(`http://127.0.0.1:${port}/metrics`, '/metrics')).body;
  const pollsBetween = storedSamples(state, 'hub.up').length - pollsBefore;
  console.log(`/api/servers showed crashy dead ${shownAfterMs} ms after the first "Not connected" call through the tap (${pollsBetween} polls stored in between; one every ${POLL_EVERY_S} s)`);
  expect(pollsBetween).toBe(0);
  expect(await api()).toMatchObject({ up: false, dead: true });
  expect(metrics).toMatch(/^mcp_hub_server_dead\{hub="[^"]+",server="crashy"\} 1$/m);
  expect(metrics).toMatch(/^mcp_hub_servers\{hub="[^"]+",status="dead"\} 1$/m);

  // More failing calls, over more than the evidence's 1 s throttle, then the next poll sees the death too.
  const until = Date.now() + 2_500;
  while (Date.now() < until) expect(await callTool(tap.url, 'crashy', 'echo')).toBe('Not connected');
  await waitForPolls(state, 1, Date.now(), (POLL_EVERY_S + 10) * 1000);
  const history = await runCli(['history', '--state-dir', state, '--events', 'server_dead'], env);
  const deaths = history.stdout.split('\r\n').filter((l) => l.includes(',server_dead,crashy,'));
  console.log(deaths.join('\n'));
  expect(deaths).toHaveLength(1);
  expect(deaths[0]).toMatch(/a call through the tap \(tool echo\) failed with .*Not connected/);
  expect(await api()).toMatchObject({ up: false, dead: true });
});
