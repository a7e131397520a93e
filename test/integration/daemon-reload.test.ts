/**
 * Config reload (faults B14) end to end: the real hub, the daemon as a real child process, a real webhook
 * receiver. A good reload takes effect (a new receiver is notified) and notifies nothing twice; a broken
 * one is reported by `reload` naming the key and the file, keeps the running config, shows on /metrics,
 * in `check --expect-daemon` and as the config.reload alert; fixing it resolves all of that. One run
 * throughout: a reload is no restart and leaves no gap.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { waitUntil } from '../support/wait.js';
import { everythingServer, freePort, launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, storedEvents, storedSamples, waitForEvent, waitForStored } from '../support/daemon-process.js';
import { startReceiver } from '../support/receiver.js';
import { historyDbPath } from '../../src/config/paths.js';
import { getText, metricValue as metric } from '../support/metrics-text.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});



function outboxCount(state: string, receiver: string): number {
  const db = new Database(historyDbPath(state), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM outbox WHERE receiver = ?').get(receiver) as { n: number }).n;
  } finally {
    db.close();
  }
}

interface Hook { status: string; alerts: { status: string; labels: Record<string, string> }[] }
const firingIn = (body: string, rule: string): string[] => (JSON.parse(body) as Hook).alerts.filter((a) => a.status === 'firing' && a.labels.rule === rule).map((a) => a.labels.server ?? '');

test('reload: a good config takes effect and notifies nothing twice; a broken one is reported, kept out and alerted on', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer(), crashy: testServer({ MHM_TAG: 'crashy' }), crashy2: testServer({ MHM_TAG: 'crashy2' }) } });
  cleanups.push(() => hub.stop());
  const a = await startReceiver();
  const b = await startReceiver();
  cleanups.push(() => a.close(), () => b.close());
  const state = stateDir();
  const config = join(state, 'config.yaml');
  const port = await freePort();
  const base = (receivers: string[]) => [
    'alerting:',
    '  group_wait: 1s',
    '  group_interval: 1s',
    '  receivers:',
    ...receivers.flatMap((r) => [`    ${r}:`, '      type: webhook', `      url: ${(r === 'a' ? a : b).url}/${r}`]),
    'probes:',
    '  enabled: false',
  ].join('\n');
  writeFileSync(config, base(['a']));
  const daemon = startDaemonProcess(hub, state, ['--config', config, '--listen', `127.0.0.1:${port}`], cleanups);
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const cli = (...args: string[]) => runCli([...args, '--state-dir', state, '--config', config], env);
  await waitForEvent(state, (e) => e.type === 'server_status' && e.server === 'crashy2');
  expect(metric(await getText(`http://127.0.0.1:${port}/metrics`), 'mcp_hub_monitor_config_last_reload_successful')).toBe(1);

  const kill = (tag: string) => {
    const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes(`MHM_TAG=${tag}\u0000`))!;
    process.kill(pid, 'SIGKILL');
  };
  kill('crashy');
  await waitForEvent(state, (e) => e.type === 'alert_firing' && e.server === 'crashy');
  await a.waitFor(1, 10_000);
  expect(firingIn(a.requests[0]!.body, 'server.status')).toEqual(['crashy']);

  // A good reload: receiver b joins. a hears nothing again until something new happens.
  writeFileSync(config, base(['a', 'b']));
  const good = await cli('reload');
  expect(good.stdout).toMatch(/^reloaded: the daemon \(pid \d+\) runs the new config/);
  expect(good.code).toBe(0);
  await waitForEvent(state, (e) => e.type === 'config_reloaded');
  // b is new, so it is told what is firing; a was told already. Both are planned in the same dispatch
  // pass (a first), so once b has its message, a repeat for a would already be in the outbox.
  await b.waitFor(1, 10_000);
  expect(firingIn(b.requests[0]!.body, 'server.status')).toEqual(['crashy']);
  expect(outboxCount(state, 'a')).toBe(1);
  kill('crashy2');
  await waitForEvent(state, (e) => e.type === 'alert_firing' && e.server === 'crashy2');
  await a.waitFor(2, 10_000);
  // The next message a gets is about crashy2: the reload did not repeat crashy's notification.
  expect(firingIn(a.requests[1]!.body, 'server.status').sort()).toEqual(['crashy', 'crashy2']);
  const bFiring = () => b.requests.flatMap((r) => firingIn(r.body, 'server.status'));
  await waitUntil(() => bFiring().includes('crashy2'), { what: 'crashy2 firing at the new receiver b', describe: bFiring }); // the new receiver is in effect

  // A broken reload: named key and file, exit 3, the daemon goes on with the previous config.
  writeFileSync(config, `${base(['a', 'b'])}\ncollect:\n  interval: fast\n`);
  const sentBefore = a.requests.length;
  const bad = await cli('reload');
  expect(bad.code).toBe(3);
  expect(bad.stdout).toContain('collect.interval');
  expect(bad.stdout).toContain(config);
  expect(bad.stdout).toMatch(/keeps running its previous config/);
  expect(daemon.exitCode).toBeNull();
  const failedAt = (await waitForEvent(state, (e) => e.type === 'config_reload_failed')).t;
  expect(metric(await getText(`http://127.0.0.1:${port}/metrics`), 'mcp_hub_monitor_config_last_reload_successful')).toBe(0);
  await waitForEvent(state, (e) => e.type === 'alert_firing' && JSON.parse(e.data!).rule === 'config.reload');
  const alerted = await a.waitFor(sentBefore + 1, 10_000);
  expect(alerted.slice(sentBefore).some((r) => firingIn(r.body, 'config.reload').length === 1)).toBe(true);
  // Still collecting on the old config after the failure.
  await waitForStored(() => storedSamples(state, 'hub.up'), (r) => r.t > failedAt && r.v === 1, 'a poll after the failed reload');
  // (check itself without the broken file: it would refuse it, exit 3, as it should.)
  const check = await runCli(['check', '--hub', hub.url, '--expect-daemon', '--state-dir', state], env);
  expect(check.code).toBe(2); // crashy and crashy2 are still dead
  expect(check.stdout).toMatch(/last config reload failed, it runs its previous config: .*collect\.interval/);
  const status = await runCli(['status', '--state-dir', state], env);
  expect(status.stdout).toMatch(/^config: the last reload \(.*\) failed, running the config loaded .*collect\.interval/m);
  expect(status.code).toBe(1);

  // Fixed: reloads, the gauge and the alert clear.
  writeFileSync(config, base(['a', 'b']));
  expect((await cli('reload')).code).toBe(0);
  await waitForEvent(state, (e) => e.type === 'alert_resolved' && JSON.parse(e.data!).rule === 'config.reload');
  expect(metric(await getText(`http://127.0.0.1:${port}/metrics`), 'mcp_hub_monitor_config_last_reload_successful')).toBe(1);

  daemon.kill('SIGTERM');
  expect(await new Promise((r) => daemon.once('exit', r))).toBe(0);
  const db = new Database(historyDbPath(state), { readonly: true });
  const runs = db.prepare('SELECT clean_stop FROM runs').all() as { clean_stop: number }[];
  db.close();
  expect(runs).toEqual([{ clean_stop: 1 }]); // three reloads, one run
  expect(storedEvents(state).filter((e) => e.type === 'config_reloaded')).toHaveLength(2);
}, 90_000);

test('reload reloads the file the daemon runs and refuses another; status reports the daemon while that file is broken', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const state = stateDir();
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  cleanups.push(() => rmSync(state, { recursive: true, force: true }), () => rmSync(dirname(env.XDG_CONFIG_HOME!), { recursive: true, force: true }));
  // The daemon runs the default config file: no --config.
  const configDir = join(env.XDG_CONFIG_HOME!, 'mcp-hub-monitor');
  const config = join(configDir, 'config.yaml');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(config, 'probes:\n  enabled: false\n');
  startDaemonProcess(hub, state, [], cleanups, { env });
  await waitForStored(() => storedSamples(state, 'hub.up'), (r) => r.v === 1, 'a first poll');
  const cli = (...args: string[]) => runCli([...args, '--state-dir', state], env);

  // Another file: refused, naming both; the daemon is not even signalled.
  const other = join(state, 'missing.yaml');
  const refused = await cli('reload', '--config', other);
  expect(refused.code).toBe(3);
  expect(refused.stdout).toContain(`runs ${config}, not ${other}`);
  expect(storedEvents(state).filter((e) => e.type.startsWith('config_reload'))).toEqual([]);
  // The same file by another name (a symlink) is the daemon's file.
  const link = join(state, 'link.yaml');
  symlinkSync(config, link);
  const same = await cli('reload', '--config', link);
  expect(same.stdout).toBe(`reloaded: the daemon (pid ${readLockPid(state)}) runs the new config from ${config}\n`);
  expect(same.code).toBe(0);

  // A broken file: two readable lines, and a hostile key in the error stays neutralised.
  writeFileSync(config, '"\\e]0;pwned\\a": 1\n');
  const bad = await cli('reload');
  expect(bad.code).toBe(3);
  const lines = bad.stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toContain(`reload failed: ${config}: \\x1b]0;pwned\\x07: unknown key`);
  expect(lines[1]).toMatch(/^the daemon \(pid \d+\) keeps running its previous config$/);
  expect(bad.stdout).not.toContain('\u001b');
  expect(bad.stdout).not.toContain('\\x0a');

  // status still reports the daemon, with the reload error, although the default config does not load.
  const status = await cli('status');
  expect(status.code).toBe(1);
  expect(status.stdout).toMatch(/^daemon: running \(pid \d+/);
  expect(status.stdout).toMatch(/^config: the last reload \(.*\) failed, running the config loaded .*unknown key/m);
  expect(status.stdout).toContain(`config: ${config} still does not load (as above), so the SLO objectives and levels below are the defaults`);
  expect(status.stdout).toMatch(new RegExp(`^  ${hub.url.replace(/[.]/g, '\\.')}  last poll`, 'm'));
}, 60_000);

function readLockPid(state: string): number {
  return (JSON.parse(readFileSync(join(state, 'daemon.lock'), 'utf8')) as { pid: number }).pid;
}

test('reload with no daemon running is exit 3 and says so', async () => {
  const state = stateDir();
  const r = await runCli(['reload', '--state-dir', state]);
  expect(r.code).toBe(3);
  expect(r.stdout).toMatch(/no daemon is running on .*nothing to reload/);
});
