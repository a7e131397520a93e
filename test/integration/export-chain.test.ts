/**
 * The exports working together with the real tools, end to end: the daemon watches the real hub and
 * serves /metrics; Debian's Prometheus scrapes it and evaluates `export prometheus`'s rules; Debian's
 * Alertmanager, configured by `export alertmanager` (checked by `amtool check-config`), routes what fires
 * to a webhook. A killed stdio child arrives there as McpHubServerDead, in the Alertmanager webhook body
 * our own webhook receiver also posts (checked key for key against the real one).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { WEBHOOK_URL_PLACEHOLDER } from '../../src/export/alertmanager.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { alertmanagerTool, startAlertmanager } from '../support/alertmanager.js';
import { startDaemonProcess, stateDir, waitForEvent } from '../support/daemon-process.js';
import { httpRequest } from '../support/fake-daemon-view.js';
import { freePort, startPrometheus } from '../support/prometheus.js';
import { waitUntil } from '../support/wait.js';
import { startReceiver } from '../support/receiver.js';
import { alert, batch } from '../support/alert-batches.js';
import { renderWebhook } from '../../src/notify/webhook.js';
import { skipUnless, tool } from '../support/requires.js';

const PROMETHEUS = tool('prometheus', 'prometheus');
const ALERTMANAGER = alertmanagerTool();
const AMTOOL = tool('amtool', 'prometheus-alertmanager');
const cleanups: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

interface AmWebhook { version: string; status: string; receiver: string; groupLabels: Record<string, string>; alerts: { status: string; labels: Record<string, string> }[] }

test('daemon → Prometheus with our rules → Alertmanager with our snippet → webhook: a killed child arrives as McpHubServerDead', { ...skipUnless(PROMETHEUS, ALERTMANAGER, AMTOOL), timeout: 150_000 }, async () => {
  const hub = await launchHub({ servers: { everything: everythingServer(), crashy: testServer({ MHM_TAG: 'crashy' }) } });
  cleanups.push(() => hub.stop());
  const hook = await startReceiver();
  cleanups.push(() => hook.close());
  const state = stateDir();
  const config = join(state, 'config.yaml');
  // The daemon's own alerting is off here: what reaches the webhook comes through Prometheus and Alertmanager.
  writeFileSync(config, ['collect:', '  interval: 1s', 'alerting:', '  enabled: false', '  group_wait: 1s', '  group_interval: 1s', '  receivers:', '    ops:', '      type: webhook', '      url: http://127.0.0.1:9/unused', 'probes:', '  enabled: false', ''].join('\n'));
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });

  const rulesDir = join(state, 'prometheus');
  const exported = await runCli(['export', 'prometheus', '--config', config, '--output-dir', rulesDir, '--scrape-interval', '1s'], env);
  expect(exported.code).toBe(0);
  const amFile = join(state, 'alertmanager.yml');
  expect((await runCli(['export', 'alertmanager', '--config', config, '--output', amFile], env)).code).toBe(0);
  const amConfig = readFileSync(amFile, 'utf8');
  expect(amConfig).toContain(WEBHOOK_URL_PLACEHOLDER);
  writeFileSync(amFile, amConfig.split(WEBHOOK_URL_PLACEHOLDER).join(`${hook.url}/alertmanager`));
  const checked = spawnSync(AMTOOL.path!, ['check-config', amFile], { encoding: 'utf8' });
  expect(checked.status, checked.stdout + checked.stderr).toBe(0);
  expect(checked.stdout).toMatch(/SUCCESS/);
  const routed = spawnSync(AMTOOL.path!, ['config', 'routes', 'test', '--config.file', amFile, 'alertname=McpHubServerDead', `hub=${hub.url}`], { encoding: 'utf8' });
  expect(routed.stdout.trim()).toBe('ops');

  const port = await freePort();
  startDaemonProcess(hub, state, ['--config', config, '--listen', `127.0.0.1:${port}`, '--no-sse'], cleanups);
  await waitUntil(async () => (await httpRequest(`http://127.0.0.1:${port}`, '/metrics')).status === 200, { what: 'the daemon serving /metrics', timeoutMs: 15_000 });
  const am = await startAlertmanager(ALERTMANAGER.path!, readFileSync(amFile, 'utf8'));
  cleanups.push(() => am.stop());
  const prom = await startPrometheus(PROMETHEUS.path!, { targets: [`127.0.0.1:${port}`], ruleFiles: [join(rulesDir, 'mcp-hub-monitor.rules.yml')], alertmanager: am.address });
  cleanups.push(() => prom.stop());
  await waitUntil(async () => (await prom.get('/api/v1/rules'))?.data?.groups?.length >= 2, { what: 'the rules loaded', timeoutMs: 30_000, everyMs: 250, describe: () => prom.stderr() });
  await waitUntil(async () => (await prom.query(`mcp_hub_up{hub="${hub.url}"}`))[0]?.value[1] === '1', { what: 'mcp_hub_up == 1 in Prometheus', timeoutMs: 30_000, everyMs: 250, describe: () => prom.stderr() });
  expect(hook.requests).toEqual([]); // a healthy hub: nothing fires

  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MHM_TAG=crashy'))!;
  process.kill(pid, 'SIGKILL');
  await waitForEvent(state, (e) => e.type === 'server_dead' && e.server === 'crashy');
  const got = await waitUntil(() => {
    const bodies = hook.requests.filter((r) => r.path === '/alertmanager').map((r) => JSON.parse(r.body) as AmWebhook);
    return bodies.find((b) => b.alerts.some((a) => a.labels.alertname === 'McpHubServerDead' && a.status === 'firing'));
  }, { what: 'McpHubServerDead at the webhook', timeoutMs: 60_000, describe: () => `${prom.stderr()} ${am.stderr()} requests: ${hook.requests.length}` });
  expect(got).toMatchObject({ version: '4', status: 'firing', receiver: 'ops', groupLabels: { hub: hub.url } });
  const dead = got.alerts.filter((a) => a.labels.alertname === 'McpHubServerDead');
  expect(dead.map((a) => [a.labels.server, a.labels.severity, a.labels.job])).toEqual([['crashy', 'critical', 'mcp-hub-monitor']]);
  // Our webhook receiver posts the same shape Alertmanager just did: the same keys, body and alerts.
  const ours = renderWebhook(batch([alert('crashy')]), { max_alerts: 0 });
  const amBody = JSON.parse(hook.requests.find((r) => r.path === '/alertmanager')!.body) as Record<string, unknown> & { alerts: Record<string, unknown>[] };
  expect(Object.keys(ours).sort()).toEqual(Object.keys(amBody).sort());
  expect(Object.keys(ours.alerts[0]!).sort()).toEqual(Object.keys(amBody.alerts[0]!).sort());
  // Nothing about the live server.
  expect(hook.requests.flatMap((r) => (JSON.parse(r.body) as AmWebhook).alerts).some((a) => a.labels.server === 'everything')).toBe(false);
});
