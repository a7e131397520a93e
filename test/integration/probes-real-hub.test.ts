/**
 * MCP probes through the real mcp-hub 4.2.1, daemon as a real child process: the hub keeps a SIGKILLed or
 * SIGSTOPped stdio child `connected`; the probe through the hub says otherwise, and that disagreement is
 * stored as its own event. Canary tool calls record their latency.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, storedSamples, waitForEvent, waitForStored } from '../support/daemon-process.js';

/** The hub's child whose environment carries MHM_TAG=tag. */
function childWithTag(pids: number[], tag: string): number {
  const pid = pids.find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`MHM_TAG=${tag}`));
  if (pid === undefined) throw new Error(`no child tagged ${tag}`);
  return pid;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

test('a killed child and a stopped child are probe disagreements (dead, hung) while the hub says connected; canary latency is recorded', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer(), crashy: testServer({ MHM_TAG: 'crashy' }), frozen: testServer({ MHM_TAG: 'frozen' }) } });
  cleanups.push(() => hub.stop());
  const state = stateDir();
  const config = join(state, 'config.yaml');
  writeFileSync(config, [
    'probes:',
    '  interval: 1s',
    '  timeout: 1s',
    '  canaries:',
    '    - server: everything',
    '      tool: echo',
    '      arguments: { message: canary }',
  ].join('\n'));
  const daemon = startDaemonProcess(hub, state, ['--config', config, '--no-sse'], cleanups);

  // Every connected child answers the probe; the canary call succeeds with a latency.
  for (const server of ['everything', 'crashy', 'frozen']) {
    await waitForStored(() => storedSamples(state, 'server.probe_ok'), (s) => s.labels.includes(`"${server}"`) && s.v === 1, `probe of ${server}`);
  }
  const latency = await waitForStored(() => storedSamples(state, 'canary.latency_ms'), () => true, 'canary latency');
  expect(latency.v).toBeGreaterThan(0);
  expect(latency.labels).toContain('"echo"');

  const crashyPid = childWithTag(hub.childPids(), 'crashy');
  const frozenPid = childWithTag(hub.childPids(), 'frozen');
  process.kill(crashyPid, 'SIGKILL');
  process.kill(frozenPid, 'SIGSTOP');
  cleanups.push(() => { try { process.kill(frozenPid, 'SIGCONT'); } catch { /* gone */ } });

  const dead = await waitForEvent(state, (e) => e.type === 'probe_disagreement' && e.server === 'crashy');
  expect(JSON.parse(dead.data!)).toMatchObject({ hubStatus: 'connected', outcome: 'dead', detail: 'Not connected' });
  const hung = await waitForEvent(state, (e) => e.type === 'probe_disagreement' && e.server === 'frozen');
  expect(JSON.parse(hung.data!)).toMatchObject({ hubStatus: 'connected', outcome: 'hung' });

  // The hub still lists both as connected: the probe is the only live witness of the hang.
  const servers = (await (await fetch(`${hub.url}/api/servers`)).json()) as { servers: { name: string; status: string }[] };
  expect(servers.servers.filter((s) => s.name !== 'everything').map((s) => s.status)).toEqual(['connected', 'connected']);

  // validate reads the daemon's history: both disagreements are still open.
  const run = await runCli(['validate', '--hub', hub.url, '--state-dir', state, '--json'], isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! }));
  const checks = (JSON.parse(run.stdout) as { checks: { id: string; subject?: string; value?: string; status: string }[] }).checks;
  expect(checks.filter((c) => c.id === 'history.probe').map((c) => [c.subject, c.value, c.status]).sort()).toEqual([['crashy', 'dead', 'critical'], ['frozen', 'hung', 'critical']]);
  expect(run.code).toBe(2);
  daemon.kill('SIGTERM');
});
