/**
 * A SIGSTOPped stdio child of the real mcp-hub stays `connected` with a moving uptime; only a round trip
 * through the hub finds it. The daemon's idle probes fire `server.probe` within 15 s (its full round is once
 * a minute), and `validate` probes by default (`--no-probe` skips it).
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, storedEvents, storedSamples, waitForEvent, waitForStored } from '../support/daemon-process.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function hubWithFrozenChild(): Promise<{ hub: RunningHub; freeze: () => number }> {
  const hub = await launchHub({ servers: { everything: everythingServer(), frozen: testServer({ MHM_TAG: 'frozen' }) } });
  cleanups.push(() => hub.stop());
  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes('MHM_TAG=frozen'));
  if (pid === undefined) throw new Error('no frozen child');
  const freeze = () => {
    process.kill(pid, 'SIGSTOP');
    cleanups.push(() => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } });
    return Date.now();
  };
  return { hub, freeze };
}

function env(hub: RunningHub): Record<string, string> {
  const e = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  // isolatedEnv made a temp home for XDG_CONFIG_HOME (HOME is the hub's, removed with it).
  cleanups.push(() => rmSync(dirname(e.XDG_CONFIG_HOME!), { recursive: true, force: true }));
  return e;
}

test('the daemon at its default probe settings fires server.probe for a SIGSTOPped child within 15 s', async () => {
  const { hub, freeze } = await hubWithFrozenChild();
  const state = stateDir();
  cleanups.push(() => rmSync(state, { recursive: true, force: true }));
  const daemon = startDaemonProcess(hub, state, [], cleanups);
  // Collecting (a poll stored), then the child stops: the next full probe round is a minute away.
  await waitForStored(() => storedSamples(state, 'hub.up'), (s) => s.v === 1, 'first poll');
  const stoppedAt = freeze();
  const fired = await waitForEvent(state, (e) => e.type === 'alert_firing' && e.server === 'frozen', 20_000);
  expect(JSON.parse(fired.data!)).toMatchObject({ rule: 'server.probe', severity: 'critical' });
  expect(fired.t - stoppedAt).toBeLessThanOrEqual(15_000);
  const disagreement = await waitForEvent(state, (e) => e.type === 'probe_disagreement' && e.server === 'frozen');
  expect(JSON.parse(disagreement.data!)).toMatchObject({ outcome: 'hung' });
  // The healthy child never alerted.
  expect(storedEvents(state).filter((e) => e.type === 'alert_firing' && e.server === 'everything')).toEqual([]);
  daemon.kill('SIGTERM');
});

test('validate probes by default: the hung child is server.probe CRITICAL; --no-probe skips the round trip', async () => {
  const { hub, freeze } = await hubWithFrozenChild();
  const e = env(hub);
  freeze();
  const probed = await runCli(['validate', '--hub', hub.url, '--json'], e);
  const checks = (JSON.parse(probed.stdout) as { checks: { id: string; subject?: string; status: string; value?: unknown }[] }).checks;
  expect(checks.filter((c) => c.id === 'server.probe').map((c) => [c.subject, c.status, c.value])).toEqual([
    ['everything', 'ok', expect.any(Number)], ['frozen', 'critical', 'hung'],
  ]);
  // The hub itself still says connected with a moving uptime.
  expect(checks.find((c) => c.id === 'server.status' && c.subject === 'frozen')).toMatchObject({ status: 'ok' });
  expect(probed.code).toBe(2);

  const skipped = await runCli(['validate', '--hub', hub.url, '--json', '--no-probe'], e);
  expect((JSON.parse(skipped.stdout) as { checks: { id: string }[] }).checks.filter((c) => c.id === 'server.probe')).toEqual([]);
  expect(skipped.code).toBe(0);
});
