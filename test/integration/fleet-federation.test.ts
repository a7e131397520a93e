/**
 * The fleet beyond one machine, end to end with real parts (the README's "Many machines: federation"): two
 * monitor daemons (real child processes), the first watching two real mcp-hub 4.2.1 hubs and the second a
 * third, each serving /metrics; ONE Debian Prometheus scrapes both, with the targets of their exported
 * scrape.yml, and evaluates `export prometheus`'s rules. It sees the hubs of both monitors, the fleet
 * recording rules count the three hubs as one fleet, and when one hub's copy of a server is killed
 * (SIGKILL: the hub keeps calling it connected, faults A11) McpHubFleetOutlier fires for that hub —
 * which neither monitor can judge alone (min_hubs 3).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterEach, expect, test } from 'vitest';
import { freePort, launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir } from '../support/daemon-process.js';
import { httpRequest } from '../support/fake-daemon-view.js';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.js';
import { skipUnless, tool } from '../support/requires.js';
import { waitUntil } from '../support/wait.js';

const PROMETHEUS = tool('prometheus', 'prometheus');
const cleanups: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

/** One monitor's config: its /metrics address, probes often enough to see a dead child within seconds, a 1-minute fleet window. */
function monitorConfig(state: string, port: number): string {
  const file = join(state, 'config.yaml');
  writeFileSync(file, [`http:`, `  listen: 127.0.0.1:${port}`, 'probes:', '  interval: 2s', 'fleet:', '  window: 1m', ''].join('\n'));
  return file;
}

/** The targets of the scrape job `export prometheus` writes for a monitor's config. */
async function exportedTargets(config: string, dir: string): Promise<string[]> {
  const run = await runCli(['export', 'prometheus', '--config', config, '--output-dir', dir, '--scrape-interval', '1s'], isolatedEnv());
  expect(run, run.stderr).toMatchObject({ code: 0 });
  const scrape = YAML.parse(readFileSync(join(dir, 'scrape.yml'), 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
  return scrape.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets));
}

type Sample = { metric: Record<string, string>; value: [number, string] };
const firingOutliers = (prom: RunningPrometheus): Promise<Sample[]> => prom.query('ALERTS{alertname="McpHubFleetOutlier",alertstate="firing"}');

test('two monitors, one Prometheus: the fleet is all three hubs, and McpHubFleetOutlier names the hub with a dead child', { ...skipUnless(PROMETHEUS), timeout: 120_000 }, async () => {
  const hubs = await Promise.all([1, 2, 3].map(async (n) => {
    const hub = await launchHub({ servers: { alpha: testServer({ MHM_TAG: `alpha-${n}` }), crashy: testServer({ MHM_TAG: `crashy-${n}` }) } });
    cleanups.push(() => hub.stop());
    return hub;
  }));
  const [first, sick, third] = hubs as [RunningHub, RunningHub, RunningHub];
  // Monitor A watches the first two hubs, monitor B the third.
  const [stateA, stateB] = [stateDir(), stateDir()];
  const [portA, portB] = [await freePort(), await freePort()];
  const [configA, configB] = [monitorConfig(stateA, portA), monitorConfig(stateB, portB)];
  startDaemonProcess(first, stateA, ['--hub', sick.url, '--config', configA], cleanups);
  startDaemonProcess(third, stateB, ['--config', configB], cleanups);
  const targets = [...await exportedTargets(configA, join(stateA, 'prom')), ...await exportedTargets(configB, join(stateB, 'prom'))];
  expect(targets).toEqual([`127.0.0.1:${portA}`, `127.0.0.1:${portB}`]);
  for (const t of targets) await waitUntil(async () => (await httpRequest(`http://${t}`, '/metrics')).status === 200, { what: `${t} serving /metrics`, timeoutMs: 15_000 });

  // The rules of either monitor's config (they share the fleet settings) in the one Prometheus.
  const prom = await startPrometheus(PROMETHEUS.path!, { targets, ruleFiles: [join(stateA, 'prom', 'mcp-hub-monitor.rules.yml')] });
  cleanups.push(() => prom.stop());
  const why = () => prom.stderr();

  // It sees the hubs of both monitors, each under its monitor's instance.
  const seen = await waitUntil(async () => {
    const up = await prom.query('mcp_hub_up == 1');
    return up.length === 3 && up.map((s) => [s.metric.instance, s.metric.hub]).sort();
  }, { what: 'the three hubs up in Prometheus', timeoutMs: 30_000, everyMs: 250, describe: why });
  expect(seen).toEqual([[targets[0], first.url], [targets[0], sick.url], [targets[1], third.url]].sort());

  // The fleet recording rules count the three hubs as one fleet, across the two monitors, once every hub was probed.
  const fleetCount = (metric: string) => `fleet:mcp_hub_fleet_hubs:count_1m{metric="${metric}"}`;
  for (const metric of ['health_latency_ms', 'error_ratio', 'restarts_per_hour']) {
    const counted = await waitUntil(async () => {
      const r = await prom.query(fleetCount(metric));
      return r[0]?.value[1] === '3' && r;
    }, { what: `a fleet of 3 hubs on ${metric}`, timeoutMs: 30_000, everyMs: 250, describe: why });
    expect(counted).toHaveLength(1); // one fleet: not one per monitor
  }
  expect((await prom.query('fleet:mcp_hub_fleet_hubs:count_1m{metric="error_ratio"}'))[0]?.metric.source).toBe('probes');
  expect((await prom.query('count(hub_server:mcp_hub_fleet_server_up:bool{server="crashy"} == 1)'))[0]?.value[1]).toBe('3');
  // Three alike hubs: no error ratio, server or restart outlier (latency on a shared machine is its own story).
  expect((await firingOutliers(prom)).filter((s) => s.metric.metric !== 'health_latency_ms')).toEqual([]);

  const pid = sick.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MHM_TAG=crashy-2'))!;
  process.kill(pid, 'SIGKILL');
  const fired = await waitUntil(async () => {
    const f = (await firingOutliers(prom)).filter((s) => s.metric.metric !== 'health_latency_ms');
    return f.some((s) => s.metric.metric === 'error_ratio') && f.some((s) => s.metric.metric === 'server') && f;
  }, { what: 'McpHubFleetOutlier on the error ratio and on the server', timeoutMs: 60_000, everyMs: 250, describe: async () => `${JSON.stringify(await prom.query('hub:mcp_hub_fleet_value:robust_z_1m'))} ${why()}` });
  const labels = fired.map((s) => ({ hub: s.metric.hub, metric: s.metric.metric, source: s.metric.source, server: s.metric.server, severity: s.metric.severity })).sort((a, b) => a.metric!.localeCompare(b.metric!));
  expect(labels).toEqual([
    { hub: sick.url, metric: 'error_ratio', source: 'probes', server: undefined, severity: 'warning' },
    { hub: sick.url, metric: 'server', source: undefined, server: 'crashy', severity: 'warning' },
  ]);
  // Its z against the median of the three hubs, two of them from the other monitor's side of the fleet.
  const z = await prom.query(`hub:mcp_hub_fleet_value:robust_z_1m{metric="error_ratio"}`);
  expect(z.map((s) => s.metric.hub).sort()).toEqual(hubs.map((h) => h.url).sort());
  expect(Number(z.find((s) => s.metric.hub === sick.url)!.value[1])).toBeGreaterThan(3.5);
  expect((await prom.query('fleet:mcp_hub_fleet_value:median_1m{metric="error_ratio"}'))[0]?.value[1]).toBe('0');
  // A killed child is not a restart: no restarts outlier.
  expect((await firingOutliers(prom)).filter((s) => s.metric.metric === 'restarts_per_hour')).toEqual([]);

  // The dashboard's Fleet row, from the same config, shows the three hubs of both monitors in every panel.
  const file = join(stateA, 'dashboard.json');
  expect((await runCli(['export', 'grafana', '--config', configA, '--output', file], isolatedEnv())).code).toBe(0);
  const panels = (JSON.parse(readFileSync(file, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] }).panels.filter((p) => p.title.startsWith('Fleet: '));
  expect(panels).toHaveLength(6);
  for (const p of panels) {
    const hubsShown = new Set((await prom.query(p.targets![0]!.expr)).map((s) => s.metric.hub));
    expect({ panel: p.title, hubs: [...hubsShown].sort() }).toEqual({ panel: p.title, hubs: hubs.map((h) => h.url).sort() });
  }
});
