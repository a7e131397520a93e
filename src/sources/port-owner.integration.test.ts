/**
 * Port ownership against a real mcp-hub (bound to 127.0.0.1 by our launcher's loopback preload) and our own
 * short-lived servers, which also cover the `::` and 0.0.0.0 binds of a stock hub.
 */
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { everythingServer, freePort, launchHub, testServer, type RunningHub } from '../demo/hub-launcher.js';
import { findListeners, findPortOwner, resolveHubPid } from './port-owner.js';
import { LINUX, skipNow, skipUnless } from '../../test/support/requires.js';

/** Listens on host:0; resolves undefined when that family is unavailable here (IPv6 disabled). */
async function listenOn(host: string): Promise<net.Server | undefined> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(0, host, () => resolve(server));
  });
}
const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;

describe('port owners on this machine', skipUnless(LINUX), () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await launchHub({ servers: { everything: everythingServer(), t: testServer() } });
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
  });
  const servers: net.Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });

  test('the hub port has a listener owned by the hub pid, on 127.0.0.1 only (our launcher\'s loopback preload)', () => {
    const l = findListeners(hub.port);
    expect(l.listening).toBe(true);
    expect(l.sockets.map((s) => s.address)).toEqual(['127.0.0.1']);
    const owner = findPortOwner(hub.port);
    expect(owner).toMatchObject({ supported: true, listening: true, pids: [hub.pid], addresses: ['127.0.0.1'], exposedBeyondLoopback: false });
  });

  test('a server on 127.0.0.1 is ours and not exposed', async () => {
    const s = await listenOn('127.0.0.1');
    servers.push(s as net.Server);
    const owner = findPortOwner(portOf(s as net.Server));
    expect(owner).toEqual({ supported: true, listening: true, pids: [process.pid], addresses: ['127.0.0.1'], exposedBeyondLoopback: false });
  });

  test.for([
    ['::1', '::1', false],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1', false],
    ['::', '::', true],
    ['0.0.0.0', '0.0.0.0', true],
  ] as const)('a server bound to %s decodes as %s (exposed: %s)', async ([host, address, exposed], ctx) => {
    const s = await listenOn(host);
    if (!s) return skipNow(ctx, `needs ${host.includes(':') ? 'IPv6' : 'IPv4'} on this machine: listening on ${host} failed (IPv6 disabled?)`);
    servers.push(s);
    expect(findPortOwner(portOf(s))).toEqual({ supported: true, listening: true, pids: [process.pid], addresses: [address], exposedBeyondLoopback: exposed });
  });

  test('a free port has no listener', async () => {
    const port = await freePort();
    expect(findPortOwner(port)).toMatchObject({ supported: true, listening: false, pids: [], addresses: [], exposedBeyondLoopback: false });
  });

  test('the health pid of the hub is accepted as owning the port', () => {
    expect(resolveHubPid(hub.port, [{ pid: hub.pid, via: 'health' }])).toEqual({ pid: hub.pid, via: 'health', alive: true, ownsPort: true });
  });

  test('a dead workspaces pid falls back to the port owner, and the note says so', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const r = resolveHubPid(hub.port, [{ pid: dead, via: 'workspaces' }]);
    expect(r).toMatchObject({ pid: hub.pid, via: 'port-owner', alive: true, ownsPort: true });
    expect(r.note).toContain(`workspaces pid ${dead} is not running`);
  });

  test('our own live pid as a candidate (pid reuse) is rejected for the port owner', () => {
    const r = resolveHubPid(hub.port, [{ pid: process.pid, via: 'workspaces' }]);
    expect(r).toMatchObject({ pid: hub.pid, via: 'port-owner', alive: true, ownsPort: true });
    expect(r.note).toContain(`workspaces pid ${process.pid} is alive but does not own port ${hub.port} (owner: ${hub.pid})`);
  });

  test('the hub stdio children do not hold the listening socket', () => {
    // Node opens sockets close-on-exec, so the spawned MCP servers never inherit the hub's listener.
    const owner = findPortOwner(hub.port);
    for (const c of hub.childPids()) expect(owner.pids).not.toContain(c);
  });
});
