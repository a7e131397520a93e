/**
 * The daemon's OpenTelemetry export end to end: the real mcp-hub 4.2.1 with real MCP servers, the daemon
 * as a real child process, and an OTLP receiver that decodes what arrives with the official protobuf
 * definitions. Its probes and canaries arrive as MCP client spans and the client duration histogram; a
 * killed child is an ERROR span; a backend that refuses is said by `status`, `check --expect-daemon`,
 * /metrics and the log; a reload that changes `otel:` restarts the export.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, freePort, launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { MCP_CLIENT_DURATION, MCP_DURATION_BUCKETS_S } from '../../src/otel/mcp-conventions.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir } from '../support/daemon-process.js';
import { OtlpReceiver } from '../support/otlp-receiver.js';
import { startTap } from '../support/tap.js';
import { waitUntil } from '../support/wait.js';
import { getText, metricValue as metric } from '../support/metrics-text.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});



async function receiver(): Promise<OtlpReceiver> {
  const rx = await new OtlpReceiver().start();
  cleanups.push(() => rx.stop());
  return rx;
}

const otelConfig = (endpoint: string) => ['otel:', '  enabled: true', `  endpoint: ${endpoint}`, '  metrics_interval: 1s', '  timeout: 2s'];

test('probes and canaries arrive as MCP client spans of service mcp-hub-monitor; a killed child is an ERROR span; the client histogram', { timeout: 90_000 }, async () => {
  const hub = await launchHub({ servers: { everything: everythingServer(), crashy: testServer({ MHM_TAG: 'crashy' }) } });
  cleanups.push(() => hub.stop());
  const rx = await receiver();
  const state = stateDir();
  const config = join(state, 'config.yaml');
  writeFileSync(config, [
    'probes:', '  interval: 1s', '  timeout: 1s',
    '  canaries:', '    - server: everything', '      tool: echo', '      arguments: { message: canary }',
    ...otelConfig(rx.url),
  ].join('\n'));
  const daemon = startDaemonProcess(hub, state, ['--config', config, '--no-sse'], cleanups);
  const probeOf = (server: string, status = 'STATUS_CODE_UNSET') => rx.spans.find((s) => s.name === 'resources/read' && s.attributes['mcp_hub.server.name'] === server && s.status.code === status);

  const alive = await rx.waitFor(() => probeOf('crashy'), 20_000, 'a probe span of crashy');
  expect(alive.kind).toBe('SPAN_KIND_CLIENT');
  expect(alive.resource['service.name']).toBe('mcp-hub-monitor');
  expect(alive.attributes).toMatchObject({
    'mcp.method.name': 'resources/read', 'mcp.resource.uri': 'mcp-hub-monitor://liveness-probe',
    'network.transport': 'tcp', 'server.address': '127.0.0.1', 'server.port': Number(new URL(hub.url).port), 'mcp_hub_monitor.probe.outcome': 'alive',
  });
  const canary = await rx.waitFor(() => rx.spans.find((s) => s.name === 'tools/call echo'), 20_000, 'the canary span');
  expect(canary).toMatchObject({ kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_UNSET' } });
  expect(canary.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'gen_ai.operation.name': 'execute_tool', 'mcp_hub.server.name': 'everything' });

  // The hub keeps a SIGKILLed stdio child `connected`; the probe through it gets "Not connected".
  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes('MHM_TAG=crashy'))!;
  process.kill(pid, 'SIGKILL');
  const dead = await rx.waitFor(() => probeOf('crashy', 'STATUS_CODE_ERROR'), 20_000, 'an ERROR probe span of crashy');
  expect(dead.status.message).toBe('Not connected');
  expect(dead.attributes).toMatchObject({ 'error.type': '500', 'mcp_hub_monitor.probe.outcome': 'dead' });

  const failed = await rx.waitFor(() => rx.metrics.filter((m) => m.name === MCP_CLIENT_DURATION).flatMap((m) => m.histogram ?? [])
    .find((p) => p.attributes['mcp_hub.server.name'] === 'crashy' && p.attributes['error.type'] === '500'), 20_000, 'a histogram point of the failed probes');
  expect(failed.count).toBeGreaterThan(0);
  expect(failed.explicitBounds).toEqual([...MCP_DURATION_BUCKETS_S]);
  expect(rx.metrics.find((m) => m.name === MCP_CLIENT_DURATION)).toMatchObject({ unit: 's', resource: { 'service.name': 'mcp-hub-monitor' } });

  // status says where it exports and that it works.
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const status = await waitUntil(async () => {
    const r = await runCli(['status', '--state-dir', state, '--config', config], env);
    return /^otel: probes and canaries as spans to http:\/\/127\.0\.0\.1:\d+\/v1\/traces: [1-9]\d* sent, 0 lost/m.test(r.stdout) ? r : undefined;
  }, { what: 'status to show the export', timeoutMs: 20_000, everyMs: 500 });
  expect(status.stdout).not.toMatch(/EXPORT FAILING/);

  daemon.kill('SIGTERM');
  expect(await new Promise((r) => daemon.once('exit', r))).toBe(0);
});

test('a refusing backend shows in status, check --expect-daemon, /metrics and the log; a reload to a working one restarts the export', { timeout: 120_000 }, async () => {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const refusing = await receiver();
  refusing.fail(1_000_000); // 401, as a wrong API key
  const working = await receiver();
  const state = stateDir();
  const config = join(state, 'config.yaml');
  const port = await freePort();
  const write = (endpoint: string) => writeFileSync(config, ['probes:', '  interval: 1s', '  timeout: 1s', ...otelConfig(endpoint)].join('\n'));
  write(refusing.url);
  const daemon = startDaemonProcess(hub, state, ['--config', config, '--no-sse', '--listen', `127.0.0.1:${port}`], cleanups);
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const cli = (...args: string[]) => runCli([...args, '--state-dir', state, '--config', config], env);

  let seen = '';
  const status = await waitUntil(async () => {
    const r = await cli('status');
    seen = r.stdout + r.stderr;
    return /^otel: EXPORT FAILING: the daemon cannot export traces to http:\/\/127\.0\.0\.1:\d+\/v1\/traces: \d+ exports failed, \d+ spans lost; last error \d+ s ago: Unauthorized$/m.test(r.stdout) ? r : undefined;
  }, { what: 'status to say the export fails', timeoutMs: 30_000, everyMs: 500, describe: () => `${seen}\n${daemon.stderrText().slice(-3000)}` });
  expect(status.code).toBe(1);
  const json = JSON.parse((await cli('status', '--json')).stdout) as { daemon: { otel: { enabled: boolean; problems: string[]; status: { traces: { failed: number; url: string } } } } };
  expect(json.daemon.otel).toMatchObject({ enabled: true, status: { traces: { url: `${refusing.url}/v1/traces` } } });
  expect(json.daemon.otel.status.traces.failed).toBeGreaterThan(0);

  const check = await runCli(['check', '--hub', hub.url, '--expect-daemon', '--state-dir', state], env);
  expect(check.stdout).toMatch(/daemon\.otel +the daemon cannot export traces to http:\/\/127\.0\.0\.1:\d+\/v1\/traces: /);
  expect(check.code).toBe(1);
  // And it is an alert, like a broken receiver: monitor.otel names the exporter and the backend's answer.
  const firing = await waitUntil(async () => {
    const r = await cli('alerts');
    return /monitor\.otel/.test(r.stdout) ? r.stdout : undefined;
  }, { what: 'the monitor.otel alert', timeoutMs: 30_000, everyMs: 500 });
  expect(firing).toMatch(/the daemon cannot export traces to .*Unauthorized/);

  const scraped = await getText(`http://127.0.0.1:${port}/metrics`);
  expect(metric(scraped, 'mcp_hub_monitor_otel_enabled')).toBe(1);
  expect(metric(scraped, 'mcp_hub_monitor_otel_export_failing{signal="traces"}')).toBe(1);
  expect(metric(scraped, 'mcp_hub_monitor_otel_export_items_total{signal="traces",result="failure"}')).toBeGreaterThan(0);
  expect(metric(scraped, 'mcp_hub_monitor_otel_export_failures_total{signal="traces"}')).toBeGreaterThan(0);
  expect(daemon.stderrText()).toMatch(/otel: traces export to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed \(\d+ lost, \d+ failed exports so far\)/);

  // Pointed at a working backend: the reload restarts the export, the spans arrive, the failure clears.
  write(working.url);
  expect((await cli('reload')).code).toBe(0);
  await working.waitFor(() => working.spans.find((s) => s.name === 'resources/read'), 20_000, 'a probe span at the new endpoint');
  await waitUntil(async () => metric(await getText(`http://127.0.0.1:${port}/metrics`), 'mcp_hub_monitor_otel_export_failing{signal="traces"}') === 0 || undefined, { what: 'the failing gauge to clear', timeoutMs: 20_000, everyMs: 250 });
  const after = await getText(`http://127.0.0.1:${port}/metrics`);
  // The counts carry over the restart: a counter never goes back.
  expect(metric(after, 'mcp_hub_monitor_otel_export_items_total{signal="traces",result="failure"}')).toBeGreaterThanOrEqual(metric(scraped, 'mcp_hub_monitor_otel_export_items_total{signal="traces",result="failure"}')!);
  expect(metric(after, 'mcp_hub_monitor_otel_export_items_total{signal="traces",result="success"}')).toBeGreaterThan(0);
  expect(daemon.stderrText()).toMatch(/otel: export restarted with the reloaded config/);
  await waitUntil(async () => ((await cli('status')).code === 0 ? true : undefined), { what: 'status to be clean again', timeoutMs: 20_000, everyMs: 500 });
  await waitUntil(async () => (/monitor\.otel/.test((await cli('alerts')).stdout) ? undefined : true), { what: 'monitor.otel to resolve', timeoutMs: 20_000, everyMs: 500 });

  daemon.kill('SIGTERM');
  expect(await new Promise((r) => daemon.once('exit', r))).toBe(0);
});

test('a probe through a tap is one trace: the tap\'s server span is the child of the daemon\'s client span', { timeout: 90_000 }, async () => {
  const hub = await launchHub({ servers: { tester: testServer() } });
  cleanups.push(() => hub.stop());
  const rx = await receiver();
  const state = stateDir();
  const config = join(state, 'config.yaml');
  writeFileSync(config, ['probes:', '  interval: 1s', '  timeout: 1s', ...otelConfig(rx.url)].join('\n'));
  const tap = await startTap(hub.url, state, ['--config', config], isolatedEnv({ OTEL_BSP_SCHEDULE_DELAY: '200' }));
  cleanups.push(() => tap.stop());
  // The daemon watches the hub through the tap, as a client of the hub would.
  startDaemonProcess({ ...hub, url: tap.url }, state, ['--config', config, '--no-sse'], cleanups);

  const pair = await rx.waitFor(() => {
    for (const server of rx.spans.filter((s) => s.kind === 'SPAN_KIND_SERVER' && s.name === 'resources/read')) {
      const client = rx.spans.find((c) => c.kind === 'SPAN_KIND_CLIENT' && c.spanId === server.parentSpanId);
      if (client) return { client, server };
    }
    return undefined;
  }, 30_000, 'a tap span whose parent is a probe span');
  expect(pair.server.traceId).toBe(pair.client.traceId);
  expect(pair.client.resource['service.name']).toBe('mcp-hub-monitor');
  expect(pair.server.resource['service.name']).toBe('mcp-hub-monitor-tap');
  expect(pair.server.attributes['mcp_hub.server.name']).toBe('tester');
  // Nested in time, within what two processes' clocks and the tap's bookkeeping after the last byte allow.
  const slackNs = 50_000_000n;
  expect(pair.server.startNs + slackNs).toBeGreaterThanOrEqual(pair.client.startNs);
  expect(pair.server.endNs).toBeLessThanOrEqual(pair.client.endNs + slackNs);
});
