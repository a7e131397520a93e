/**
 * The CPU ticks a poll reads of a local hub's process tree (PollOptions.cpuTicks, for hub.cpu_percent): a
 * real process standing in for the hub (its command line names the port, as the hub's does) and busy
 * children of it, behind the fake hub's /api/health naming its pid. Not read unless asked, nor for a pid
 * whose command line does not name the port (faults A24).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeHub, type FakeHub } from '../../test/support/fake-hub.js';
import { readyHealth } from '../../test/support/hub-fixtures.js';
import { condition, skipUnless } from '../../test/support/requires.js';
import { cpuBetween } from './process-meter.js';
import { pollHub } from './hub-client.js';
import { hasProcFs } from './proc.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

/** A process whose argv holds `--port <port>`, with one child spinning on a core; resolves once both run. */
async function fakeHubProcess(port: number): Promise<ChildProcess> {
  const spin = 'const end = Date.now() + 60_000; while (Date.now() < end) {}';
  const parent = `const { spawn } = require('node:child_process'); const c = spawn(process.execPath, ['-e', ${JSON.stringify(spin)}], { stdio: 'ignore' }); process.on('SIGTERM', () => { c.kill(); process.exit(0); }); console.log('up'); setInterval(() => {}, 1000);`;
  const p = spawn(process.execPath, ['-e', parent, '--', '--port', String(port)], { stdio: ['ignore', 'pipe', 'ignore'] });
  cleanups.push(async () => { if (p.exitCode === null) { p.kill('SIGTERM'); await once(p, 'exit'); } });
  await once(p.stdout!, 'data');
  return p;
}

/** The ready health naming its process as the hub does: workspaces.allActive[<its port>].pid. */
const healthNaming = (port: number, pid: number) => ({ ...readyHealth(), workspaces: { current: String(port), allActive: { [port]: { pid, port } } } });

const PROC = condition(hasProcFs('/proc'), 'reads the process tree from Linux /proc');

async function hubWithPid(pid: number): Promise<FakeHub> {
  const hub = await startFakeHub();
  cleanups.push(() => hub.close());
  hub.route('/api/health', { kind: 'ok', body: healthNaming(hub.port, pid) });
  return hub;
}

const poll = (hub: FakeHub, cpuTicks: boolean) => pollHub({ url: hub.url, origin: 'flag' }, { deadline: performance.now() + 5_000, healthOnly: true, cpuTicks });

describe('the tree\'s CPU ticks', skipUnless(PROC), () => {
test('a local hub\'s tree: its children\'s CPU between two polls, read only when asked', async () => {
  const hub0 = await startFakeHub();
  cleanups.push(() => hub0.close());
  const proc = await fakeHubProcess(hub0.port);
  hub0.route('/api/health', { kind: 'ok', body: healthNaming(hub0.port, proc.pid!) });
  const first = await poll(hub0, true);
  expect(first.process).toMatchObject({ pid: proc.pid, alive: true, matchesPort: true });
  expect(first.process!.cpuTicks!.ticks.size).toBeGreaterThanOrEqual(2); // the hub and its spinning child
  await new Promise((r) => setTimeout(r, 500)); // CPU is time passing: half a second of the child spinning
  const second = await poll(hub0, true);
  const cpu = cpuBetween(first.process!.cpuTicks!, second.process!.cpuTicks!)!;
  expect(cpu.childrenCpuPercent).toBeGreaterThan(20); // a core busy; ticks are 10 ms, the machine shared
  expect((await poll(hub0, false)).process!.cpuTicks).toBeUndefined();
});

test('a pid whose command line does not name the hub\'s port is not the hub: no ticks read', async () => {
  const hub = await hubWithPid(process.pid);
  const s = await poll(hub, true);
  expect(s.process).toMatchObject({ pid: process.pid, alive: true, matchesPort: false });
  expect(s.process!.cpuTicks).toBeUndefined();
});
});
