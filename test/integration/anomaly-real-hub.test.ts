/**
 * The learned bands on the daemon's real history: a daemon (a real child process) minutes old on a real
 * mcp-hub 4.2.1 has minutes of each series, far from the day a band needs, so every series it records is
 * learning: the anomaly job's pass says so on /metrics (its progress, no band), `status` prints "learning,
 * N% of the history needed" per series, and no anomaly alert exists. The hub runs on this machine, so the
 * daemon samples its process tree's CPU between polls (hub.cpu_percent, mcp_hub_process_tree_cpu_ratio), and
 * counts its error log lines and reconnects per step: those series learn too.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, freePort, launchHub } from '../../src/demo/hub-launcher.js';
import { historyDbPath } from '../../src/config/paths.js';
import { httpRequest } from '../support/fake-daemon-view.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, storedSamples, waitForStored } from '../support/daemon-process.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const anomalyAlerts = (state: string): number => {
  const db = new Database(historyDbPath(state), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM alerts WHERE rule LIKE 'anomaly.%'").get() as { n: number }).n;
  } finally {
    db.close();
  }
};

/** A real hub with one server and a daemon on it (HTTP on a free port, an anomaly pass every second). */
async function daemonOnRealHub(config: string[], flags: string[]) {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const state = stateDir();
  const file = join(state, 'config.yaml');
  const port = await freePort();
  writeFileSync(file, ['http:', `  listen: 127.0.0.1:${port}`, 'anomaly:', '  interval: 1s', ...config].join('\n'));
  startDaemonProcess(hub, state, ['--config', file, ...flags], cleanups);
  return { hub, state, port };
}

test('a daemon minutes old on a real hub: every series learning on /metrics and in status, no anomaly alert', async () => {
  const { hub, state, port } = await daemonOnRealHub(['probes:', '  interval: 2s'], []);
  await waitForStored(() => storedSamples(state, 'server.probe_latency_ms'), () => true, 'probe latency of everything', 30_000);
  // The CPU of the hub and its servers between two polls: a share of one core, never negative, at most all cores.
  const cpu = await waitForStored(() => storedSamples(state, 'hub.cpu_percent'), () => true, 'CPU of the hub\'s process tree', 30_000);
  expect(cpu.v).toBeGreaterThanOrEqual(0);
  expect(cpu.v).toBeLessThanOrEqual(100 * availableParallelism());

  // A pass of the anomaly job over the store after the first probe: both series there, learning.
  const progress = await waitUntil(async () => {
    const r = await httpRequest(`http://127.0.0.1:${port}`, '/metrics');
    const lines = r.body.split('\n').filter((l) => l.startsWith('mcp_hub_monitor_anomaly_'));
    const has = (series: string) => lines.some((l) => l.includes(`series="${series}"`));
    return ['probe_latency', 'health_latency', 'cpu', 'log_errors', 'reconnects'].every(has) && r.body.includes(`mcp_hub_process_tree_cpu_ratio{hub="${hub.url}"}`) && lines;
  }, { what: 'the learning progress of health and probe latency, CPU, log errors and reconnects on /metrics, and the CPU', timeoutMs: 30_000, everyMs: 250 });
  expect(progress.filter((l) => l.startsWith('mcp_hub_monitor_anomaly_band'))).toEqual([]);
  for (const line of progress) {
    expect(line).toMatch(/^mcp_hub_monitor_anomaly_learning_progress\{/);
    const v = Number(line.split(' ').at(-1));
    expect(v, line).toBeGreaterThanOrEqual(0); // seconds of the day it needs (a 5-minute step at most)
    expect(v, line).toBeLessThan(0.01);
  }

  const out = await runCli(['status', '--state-dir', state], isolatedEnv());
  const section = out.stdout.slice(out.stdout.indexOf('learned normal'));
  expect(section.split('\n').slice(0, 2)).toEqual(['learned normal (anomaly.*):', `  ${hub.url}`]);
  expect(section).toMatch(/^ {4}health latency: learning, 0% of the history needed$/m);
  expect(section).toMatch(/^ {4}probe latency everything: learning, 0% of the history needed$/m);
  for (const label of ['CPU', 'log errors', 'reconnects']) expect(section).toMatch(new RegExp(`^ {4}${label}: learning, 0% of the history needed$`, 'm'));
  const json = JSON.parse((await runCli(['status', '--state-dir', state, '--json'], isolatedEnv())).stdout) as { anomaly: { enabled: boolean; series: { hub: string; series: string; labels: Record<string, string>; mode: string; progress: number }[] } };
  expect(json.anomaly.enabled).toBe(true);
  const probe = json.anomaly.series.find((s) => s.series === 'probe_latency')!;
  expect(probe).toMatchObject({ hub: hub.url, labels: { server: 'everything' }, mode: 'learning' });
  expect(probe.progress).toBeLessThan(0.01);
  expect(json.anomaly.series.every((s) => s.mode === 'learning')).toBe(true);
  expect(anomalyAlerts(state)).toBe(0);
}, 90_000);

test('a daemon started with --no-sse: no log-errors band learnt from the zeros of a log it never read; status says why, with reconnects still learning', async () => {
  const { state, port } = await daemonOnRealHub([], ['--no-sse']);
  // A pass after a poll: reconnects learning on /metrics, and no log errors series beside it.
  const lines = await waitUntil(async () => {
    const r = await httpRequest(`http://127.0.0.1:${port}`, '/metrics');
    const anomaly = r.body.split('\n').filter((l) => l.startsWith('mcp_hub_monitor_anomaly_'));
    return anomaly.some((l) => l.includes('series="reconnects"')) && anomaly;
  }, { what: 'the reconnects series learning on /metrics', timeoutMs: 30_000, everyMs: 250 });
  expect(lines.filter((l) => l.includes('series="log_errors"'))).toEqual([]);
  // status reads the daemon's --no-sse from its lock: the config file does not say it.
  const out = await runCli(['status', '--state-dir', state], isolatedEnv());
  const section = out.stdout.slice(out.stdout.indexOf('learned normal'));
  expect(section).toContain("\n  log errors: not judged: poll-only (collect.sse false or --no-sse), and the hub's log lines come only from its event stream\n");
  expect(section).toMatch(/^ {4}reconnects: learning, 0% of the history needed$/m);
  expect(section).not.toMatch(/^ {4}log errors:/m);
}, 60_000);
