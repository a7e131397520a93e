/** locateHubProcess on real sockets: a hub served by this very process is found by its port, a remote one is not looked for. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeHub, type FakeHub } from '../../test/support/fake-hub.js';
import { LINUX, skipUnless } from '../../test/support/requires.js';
import { locateHubProcess } from './hub-process.js';

let hub: FakeHub;
beforeAll(async () => { hub = await startFakeHub(); });
afterAll(async () => { await hub.close(); });

test('a remote hub: no lookup, and the reason', () => {
  expect(locateHubProcess('http://192.0.2.7:37373', 1234)).toEqual({
    port: 37373, candidates: [], unavailable: 'remote hub: process facts are only read for hubs on this machine',
  });
});

describe('a hub on this machine', skipUnless(LINUX), () => {
  test('without a pid in its health: the owner of its port, checked', () => {
    const found = locateHubProcess(hub.url, undefined, { workspaces: [] });
    expect(found).toMatchObject({ port: hub.port, candidates: [], pid: process.pid, resolved: { via: 'port-owner', alive: true, ownsPort: true } });
    expect(found.unavailable).toBeUndefined();
  });

  test('a stale workspaces.json pid is named, and the port owner used instead', () => {
    const dead = 2 ** 22 + 1; // above the kernel's pid_max: never a live process
    const found = locateHubProcess(hub.url, undefined, { workspaces: [{ port: hub.port, pid: dead, file: 'workspaces.json', alive: false, configFiles: [] }] });
    expect(found.pid).toBe(process.pid);
    expect(found.resolved?.note).toContain(`workspaces pid ${dead} is not running (stale workspaces.json entry)`);
  });
});
