/**
 * Paging with the real mcp-hub 4.2.1 and the daemon as a real child process, at the default timings
 * (5 s polls, group_wait 5 s, group_interval 5 min): with a warning already notified in the hub's group,
 * a killed child and then a killed hub each reach the webhook within 10 s; five stop/start cycles of a
 * server are one `server.flapping` alert, not five pages.
 */
import http from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { startDaemonProcess, stateDir, storedEvents, waitForStored, type StoredEvent } from '../support/daemon-process.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Hooked { status: string; alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[] }
const bodies = (r: Receiver): Hooked[] => r.requests.map((q) => JSON.parse(q.body) as Hooked);
const items = (r: Receiver): string[] => bodies(r).map((b) => b.alerts.map((a) => `${a.labels.rule}:${a.labels.server ?? ''}:${a.status}`).join(' '));

function post(url: string, body: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Waits until the daemon has stored `n` events matching `pred`. */
function waitForCount(state: string, pred: (e: StoredEvent) => boolean, n: number, timeoutMs = 20_000): Promise<number> {
  return waitForStored(() => [storedEvents(state).filter(pred).length], (k) => k >= n, `${n} matching events`, timeoutMs);
}

async function setUp(servers: Parameters<typeof launchHub>[0]['servers'], alerting: string[], interval: string) {
  const hub = await launchHub({ servers });
  cleanups.push(() => hub.stop());
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  const state = stateDir();
  cleanups.push(() => rmSync(state, { recursive: true, force: true }));
  const config = join(state, 'config.yaml');
  writeFileSync(config, ['alerting:', ...alerting, '  receivers:', '    hook:', '      type: webhook', `      url: ${receiver.url}/hook`, 'probes:', '  enabled: false'].join('\n'));
  const daemon = startDaemonProcess(hub, state, ['--config', config, '--interval', interval], cleanups);
  return { hub, receiver, state, daemon };
}

test('with a warning already notified, a killed child and then a killed hub each reach the webhook within 10 s (defaults: 5 s polls, group_interval 5 min)', async () => {
  const { hub, receiver } = await setUp({
    everything: everythingServer(),
    crashy: testServer({ MHM_TAG: 'crashy' }),
    broken: { command: '/nonexistent/mcp-server-that-does-not-exist' },
  }, [], '5s');
  await receiver.waitFor(1, 40_000);
  expect(items(receiver)).toEqual(['server.status:broken:firing']);
  expect(bodies(receiver)[0]!.alerts[0]!.labels.severity).toBe('warning');

  const crashy = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MHM_TAG=crashy'))!;
  const childKilledAt = Date.now();
  process.kill(crashy, 'SIGKILL');
  await receiver.waitFor(2, 15_000);
  const childMs = Date.now() - childKilledAt;
  expect(items(receiver)[1]).toBe('server.status:broken:firing server.status:crashy:firing');

  const hubKilledAt = Date.now();
  process.kill(hub.pid, 'SIGKILL');
  await receiver.waitFor(3, 15_000);
  const hubMs = Date.now() - hubKilledAt;
  expect(items(receiver)[2]).toContain('hub.reachable::firing');
  console.log(`fault → webhook with a warning notified: child SIGKILL ${childMs} ms, hub SIGKILL ${hubMs} ms`);
  expect(childMs).toBeLessThanOrEqual(10_000);
  expect(hubMs).toBeLessThanOrEqual(10_000);
}, 90_000);

test('five stop/start cycles of a server: its first drop pages and resolves, then one server.flapping naming it and the count; the other cycles do not page', async () => {
  const { hub, receiver, state } = await setUp({ everything: everythingServer(), crashy: testServer() }, ['  group_wait: 1s', '  flapping: { window: 5m, changes: 3 }'], '1s');
  const isStatus = (to: 'firing' | 'resolved') => (e: StoredEvent) => e.type === `alert_${to}` && e.server === 'crashy' && (JSON.parse(e.data!) as { rule: string }).rule === 'server.status';
  await waitForStored(() => storedEvents(state), (e) => e.type === 'server_status' && e.server === 'crashy', 'crashy seen');
  for (let cycle = 1; cycle <= 5; cycle++) {
    expect(await post(`${hub.url}/api/servers/stop`, { server_name: 'crashy' })).toBe(200);
    await waitForCount(state, isStatus('firing'), cycle); // down long enough for its alert to fire
    expect(await post(`${hub.url}/api/servers/start`, { server_name: 'crashy' })).toBe(200);
    await waitForCount(state, isStatus('resolved'), cycle);
  }
  await receiver.waitFor(3, 15_000);
  await new Promise((r) => setTimeout(r, 3_000)); // nothing more may come
  expect(items(receiver)).toEqual(['server.status:crashy:firing', 'server.status:crashy:resolved', 'server.flapping:crashy:firing']);
  expect(bodies(receiver)[2]!.alerts[0]!.annotations.summary).toMatch(/^crashy: flapping: \d+ state changes \(up ↔ down\) in the last 5m/);
}, 120_000);
