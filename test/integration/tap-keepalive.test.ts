/**
 * The tap's connections to the hub: an idle one is closed by the tap before the hub's keep-alive timeout
 * (Express: 5 s) closes it, so the tap never writes a client's request onto a socket the hub is closing
 * (the request would fail ECONNRESET and the client get a 502). Who closed a TCP connection first is the side
 * that holds it in TIME_WAIT afterwards (Linux: /proc/net/tcp).
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { condition, skipUnless } from '../support/requires.js';
import { FakeTapDaemon, startTap } from '../support/tap.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface TcpEntry { local: number; remote: number; state: string }

/** The IPv4 loopback connections of this machine: ports and state (01 established, 06 TIME_WAIT). */
function loopbackTcp(): TcpEntry[] {
  return readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).flatMap((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !f[1]!.startsWith('0100007F:')) return [];
    return [{ local: parseInt(f[1]!.split(':')[1]!, 16), remote: parseInt(f[2]!.split(':')[1]!, 16), state: f[3]! }];
  });
}

test('an idle connection to the hub is closed by the tap, before the hub\'s keep-alive timeout closes it', { ...skipUnless(condition(process.platform === 'linux', 'needs Linux (/proc/net/tcp) to see which side closed a connection')), timeout: 40_000 }, async () => {
  const hub = await launchHub({ servers: { tester: testServer() } });
  cleanups.push(() => hub.stop());
  const state = tempDir('mhm-tap-');
  const daemon = new FakeTapDaemon(state);
  await daemon.listen();
  cleanups.push(() => daemon.close());
  const tap = await startTap(hub.url, state);
  cleanups.push(() => tap.stop());
  const before = new Set(loopbackTcp().filter((e) => e.remote === hub.port).map((e) => e.local));

  const status = await new Promise<number>((resolve, reject) => {
    http.request(`${tap.url}/api/servers/tools`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject).end(JSON.stringify({ server_name: 'tester', tool: 'echo', arguments: { text: 'hi' } }));
  });
  expect(status).toBe(200);
  const upstream = loopbackTcp().find((e) => e.remote === hub.port && e.state === '01' && !before.has(e.local));
  expect(upstream, 'the tap\'s connection to the hub').toBeDefined();

  const closer = await waitUntil(() => {
    const tcp = loopbackTcp();
    if (tcp.some((e) => e.local === upstream!.local && e.remote === hub.port && e.state === '06')) return 'tap';
    if (tcp.some((e) => e.local === hub.port && e.remote === upstream!.local && e.state === '06')) return 'hub';
    return undefined;
  }, { what: 'the idle connection to be closed', timeoutMs: 15_000 });
  expect(closer).toBe('tap');
});
