/**
 * The fleet end to end: three real mcp-hub 4.2.1 hubs, each with the same two real stdio servers, watched
 * by one daemon (a real child process). One hub's copy of a server is killed (SIGKILL: the hub keeps
 * calling it connected, faults A11, so its probes fail): `fleet.outlier` fires naming that hub, on its error
 * ratio and on that server, and `status --fleet` shows the three hubs and the outliers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { freePort, launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import { historyDbPath } from '../../src/config/paths.js';
import { httpRequest } from '../support/fake-daemon-view.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, storedAlerts, storedEvents, waitForPolls, waitForStored } from '../support/daemon-process.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The fleet.outlier alerts firing now. */
const firingAlerts = (state: string) => storedAlerts(state, 'fleet.outlier').filter((a) => a.state === 'firing');

test('one hub of three with a dead server: fleet.outlier names it (error ratio, the server), status --fleet shows the fleet', async () => {
  const hubs: RunningHub[] = [];
  for (const n of [1, 2, 3]) {
    const hub = await launchHub({ servers: { alpha: testServer({ MHM_TAG: `alpha-${n}` }), crashy: testServer({ MHM_TAG: `crashy-${n}` }) } });
    cleanups.push(() => hub.stop());
    hubs.push(hub);
  }
  const [first, second, sick] = hubs as [RunningHub, RunningHub, RunningHub];
  const state = stateDir();
  const config = join(state, 'config.yaml');
  const port = await freePort();
  writeFileSync(config, [
    'http:',
    `  listen: 127.0.0.1:${port}`,
    'alerting:',
    '  group_wait: 1s',
    'probes:',
    '  interval: 2s',
    'fleet:',
    '  interval: 1s',
    '  window: 1m',
  ].join('\n'));
  startDaemonProcess(first, state, ['--hub', second.url, '--hub', sick.url, '--config', config], cleanups);
  // Every hub polled and probed before anything happens: no fleet outlier among three alike hubs.
  const probed = (hub: RunningHub) => waitForStored(() => readProbes(state, hub.url), (n) => n >= 2, `probes of ${hub.url}`, 30_000);
  for (const hub of hubs) await probed(hub);
  expect(firingAlerts(state).filter((a) => a.rule === 'fleet.outlier')).toEqual([]);

  const pid = sick.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MHM_TAG=crashy-3'))!;
  process.kill(pid, 'SIGKILL');
  const fired = await waitForStored(() => firingAlerts(state).filter((a) => a.rule === 'fleet.outlier'), (a) => JSON.parse(a.labels).metric === 'error_ratio', 'fleet.outlier on error_ratio', 30_000);
  expect(fired.hub).toBe(sick.url);
  expect(JSON.parse(fired.labels)).toEqual({ rule: 'fleet.outlier', hub: sick.url, metric: 'error_ratio' });
  expect(fired.summary).toMatch(/^error ratio \(probes\) \d+(\.\d)?% over the last 1m, against 0% for the fleet's median hub/);
  const server = await waitForStored(() => firingAlerts(state).filter((a) => a.rule === 'fleet.outlier'), (a) => JSON.parse(a.labels).metric === 'server', 'fleet.outlier on the server', 15_000);
  expect(JSON.parse(server.labels)).toEqual({ rule: 'fleet.outlier', hub: sick.url, metric: 'server', server: 'crashy' });
  // The hub's polls do not speak for the fleet: the alert stays firing through polls (it does not flap).
  await waitForPolls(state, 3);
  expect(firingAlerts(state).filter((a) => a.rule === 'fleet.outlier' && JSON.parse(a.labels).metric === 'error_ratio').map((a) => a.hub)).toEqual([sick.url]);
  expect(storedEvents(state).filter((e) => e.type === 'alert_resolved' && e.data!.includes('"fleet.outlier"'))).toEqual([]);
  // Only the sick hub stands out.
  expect(firingAlerts(state).filter((a) => a.rule === 'fleet.outlier').every((a) => a.hub === sick.url)).toBe(true);

  // The daemon's /api/fleet says the same.
  const api = JSON.parse((await httpRequest(`http://127.0.0.1:${port}`, '/api/fleet')).body) as { hubs: { hub: string }[]; outliers: { hub: string; metric: string }[] };
  expect(api.hubs.map((h) => h.hub).sort()).toEqual(hubs.map((h) => h.url).sort());
  expect(api.outliers.filter((o) => o.metric === 'error_ratio').map((o) => o.hub)).toEqual([sick.url]);

  const env = isolatedEnv();
  const json = await runCli(['status', '--fleet', '--json', '--state-dir', state, '--config', config], env);
  expect(json.code).toBe(1);
  const doc = JSON.parse(json.stdout) as { hubs: { hub: string; serversUp: number; serversDown: number; errorSource: string }[]; outliers: { hub: string; metric: string; server?: string }[] };
  expect(doc.hubs.map((h) => [h.hub, h.serversUp, h.serversDown, h.errorSource]).sort()).toEqual(
    [[first.url, 2, 0, 'probes'], [second.url, 2, 0, 'probes'], [sick.url, 1, 1, 'probes']].sort());
  expect(doc.outliers.map((o) => [o.hub, o.metric, o.server ?? null])).toEqual(expect.arrayContaining([[sick.url, 'error_ratio', null], [sick.url, 'server', 'crashy']]));
  // A killed child is not a restart (the hub shows it connected with uptime 0): no restart outlier.
  expect(doc.outliers.filter((o) => o.metric === 'restarts_per_hour')).toEqual([]);
  const text = await runCli(['status', '--fleet', '--state-dir', state, '--config', config], env);
  expect(text.code).toBe(1);
  expect(text.stdout).toMatch(/^fleet over the last 1m: 3 hubs\n/);
  for (const hub of hubs) expect(text.stdout).toContain(`  ${hub.url}`);
  expect(text.stdout).toMatch(new RegExp(`outliers: \\d+ outliers? \\(fleet\\.outlier\\)\\n(.*\\n)*  ${sick.url.replace(/[.:/]/g, '\\$&')}  error_ratio: error ratio \\(probes\\)`));
  expect(text.stdout).toContain(`${sick.url}  crashy: server crashy is down on this hub while up on the 2 other hubs`);
}, 120_000);

function readProbes(state: string, hub: string): number[] {
  try {
    const db = new Database(historyDbPath(state), { readonly: true, fileMustExist: true });
    try {
      const r = db.prepare("SELECT count(*) AS n FROM samples r JOIN series s ON s.id = r.series_id WHERE s.hub = ? AND s.name = 'server.probe_ok'").get(hub) as { n: number };
      return [r.n];
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}
