/**
 * The tap's OpenTelemetry export with real parts: the real mcp-hub 4.2.1 with the test server, the tap as a
 * real process with `otel:` pointing at the test receiver (which decodes OTLP with the official protobuf
 * definitions), an MCP SDK client over legacy SSE through the tap and REST calls. A client's traceparent is
 * continued, the conventions' attributes are there, failures are error spans, the duration histogram comes
 * with the advised buckets; a refusing backend costs clients nothing and is said to the daemon, and `status`
 * and `check` of a real daemon show it; SIGTERM sends what the tap still holds, within the export deadline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import { MCP_DURATION_BUCKETS_S, MCP_SERVER_DURATION } from '../../src/otel/mcp-conventions.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, waitForEvent } from '../support/daemon-process.js';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { FakeTapDaemon, startTap, type TapChild } from '../support/tap.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const parentOf = (span: string) => `00-${TRACE}-${span}-01`;

let hub: RunningHub;
let rx: OtlpReceiver;
let daemon: FakeTapDaemon;
let tap: TapChild;
const cleanups: (() => unknown)[] = [];

/** A config file exporting to `endpoint`, and the env that sends finished spans within 200 ms. */
function otelConfig(endpoint: string, extra = ''): { args: string[]; env: Record<string, string> } {
  const file = join(tempDir('mhm-otel-cfg-'), 'config.yaml');
  writeFileSync(file, `otel:\n  enabled: true\n  endpoint: ${endpoint}\n  metrics_interval: 1s\n  timeout: 2s\n${extra}`);
  return { args: ['--config', file], env: isolatedEnv({ OTEL_BSP_SCHEDULE_DELAY: '200' }) };
}

beforeAll(async () => {
  hub = await launchHub({ servers: { tester: testServer(), victim: testServer({ MCP_TEST_ROLE: 'victim' }) } });
  rx = await new OtlpReceiver().start();
  const state = tempDir('mhm-tap-otel-');
  daemon = new FakeTapDaemon(state);
  await daemon.listen();
  const { args, env } = otelConfig(rx.url);
  tap = await startTap(hub.url, state, args, env);
}, 60_000);

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(async () => {
  await tap?.stop();
  await daemon?.close();
  await rx?.stop();
  await hub?.stop();
});

function rest(base: string, server: string, tool: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/servers/tools`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ server_name: server, tool, arguments: { text: 'hi' } }));
  });
}

async function mcpClient(base: string, name: string): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL(`${base}/mcp`)));
  cleanups.push(() => client.close().catch(() => undefined));
  return client;
}

const spanWhere = (pred: (s: ReceivedSpan) => boolean, what: string): Promise<ReceivedSpan> => rx.waitFor(() => rx.spans.find(pred), 15_000, what);

test('an MCP session call with a traceparent in _meta: a SERVER span in the client\'s trace, its parent the client\'s span, with the conventions\' attributes', async () => {
  const client = await mcpClient(tap.url, 'otel-client');
  const result = await client.callTool({ name: 'tester__echo', arguments: { text: 'traced' }, _meta: { traceparent: parentOf('b7ad6b7169203331') } });
  expect(result.content).toEqual([{ type: 'text', text: 'traced' }]);
  const span = await spanWhere((s) => s.traceId === TRACE && s.parentSpanId === 'b7ad6b7169203331', 'the span of the traced MCP call');
  expect(span).toMatchObject({ name: 'tools/call echo', kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_UNSET' } });
  expect(span.attributes).toMatchObject({
    'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'gen_ai.operation.name': 'execute_tool', 'mcp_hub.server.name': 'tester',
    'network.transport': 'tcp', 'network.protocol.name': 'http', 'mcp_hub.transport': 'sse', 'server.address': '127.0.0.1',
  });
  expect(span.attributes['jsonrpc.request.id']).toMatch(/^\d+$/);
  expect(span.attributes['mcp.session.id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(span.resource['service.name']).toBe('mcp-hub-monitor-tap');
  // The session's other requests have spans of their own, in traces of their own.
  expect(await spanWhere((s) => s.name === 'initialize' && s.attributes['mcp.session.id'] === span.attributes['mcp.session.id'], 'the initialize span')).toMatchObject({ parentSpanId: '' });
});

test('a REST call gets a span (its traceparent header the parent); failing calls are error spans: tool_error, and a killed child\'s "Not connected"', async () => {
  expect((await rest(tap.url, 'tester', 'echo', { traceparent: parentOf('1111111111111111') })).status).toBe(200);
  expect(await spanWhere((s) => s.parentSpanId === '1111111111111111', 'the REST span')).toMatchObject({
    name: 'tools/call echo', traceId: TRACE, attributes: expect.objectContaining({ 'mcp_hub.transport': 'rest', 'gen_ai.tool.name': 'echo', 'mcp_hub.server.name': 'tester' }),
  });

  const client = await mcpClient(tap.url, 'otel-failing');
  expect((await client.callTool({ name: 'tester__fail', arguments: { text: 'x' }, _meta: { traceparent: parentOf('2222222222222222') } })).isError).toBe(true);
  expect(await spanWhere((s) => s.parentSpanId === '2222222222222222', 'the tool_error span')).toMatchObject({
    name: 'tools/call fail', status: { code: 'STATUS_CODE_ERROR', message: 'tool_error' }, attributes: expect.objectContaining({ 'error.type': 'tool_error' }),
  });

  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MCP_TEST_ROLE=victim'))!;
  process.kill(pid, 'SIGKILL');
  await waitUntil(async () => (await rest(hub.url, 'victim', 'echo')).body.includes('Not connected'), { what: 'the hub to fail calls to the killed child with "Not connected"' });
  expect(JSON.parse((await rest(tap.url, 'victim', 'echo', { traceparent: parentOf('3333333333333333') })).body)).toMatchObject({ error: 'Not connected' });
  const dead = await spanWhere((s) => s.parentSpanId === '3333333333333333', 'the "Not connected" span');
  expect(dead).toMatchObject({ name: 'tools/call echo', status: { code: 'STATUS_CODE_ERROR', message: 'Not connected' } });
  expect(dead.attributes).toMatchObject({ 'error.type': '500', 'mcp_hub.server.name': 'victim' });
  const failed = await rx.waitFor(() => rx.metrics.filter((x) => x.name === MCP_SERVER_DURATION).flatMap((x) => x.histogram ?? []).find((p) => p.attributes['error.type'] === '500'), 15_000, 'the failed calls\' duration series');
  expect(failed.attributes).toMatchObject({ 'mcp_hub.server.name': 'victim', 'gen_ai.tool.name': 'echo', 'rpc.response.status_code': '500' });
});

test('mcp.server.operation.duration arrives as a histogram in seconds on the advised buckets', async () => {
  for (let i = 0; i < 3; i++) expect((await rest(tap.url, 'tester', 'echo')).status).toBe(200);
  // Cumulative: the newest export's point counts these calls and those of the tests before.
  const point = () => rx.metrics.filter((x) => x.name === MCP_SERVER_DURATION).flatMap((x) => x.histogram ?? [])
    .filter((p) => p.attributes['gen_ai.tool.name'] === 'echo' && p.attributes['mcp_hub.server.name'] === 'tester' && p.attributes['error.type'] === undefined).at(-1);
  await rx.waitFor(() => (point()?.count ?? 0) >= 3, 15_000, 'the duration histogram of echo');
  expect(rx.metrics.find((x) => x.name === MCP_SERVER_DURATION)!.unit).toBe('s');
  const p = point()!;
  expect(p.explicitBounds).toEqual([...MCP_DURATION_BUCKETS_S]);
  expect(p.bucketCounts.reduce((a, b) => a + b, 0)).toBe(p.count);
  expect(p.sum).toBeGreaterThan(0);
  expect(p.sum).toBeLessThan(MCP_DURATION_BUCKETS_S[MCP_DURATION_BUCKETS_S.length - 1]!);
  expect(p.attributes).toEqual({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'mcp_hub.server.name': 'tester', 'network.transport': 'tcp' });
});

test('a backend that refuses: every call still goes through, and the tap tells the daemon (and its log) that the export fails', async () => {
  rx.fail(1_000);
  cleanups.push(() => rx.fail(0));
  const client = await mcpClient(tap.url, 'otel-refused');
  const results = [
    ...await Promise.all(Array.from({ length: 10 }, () => rest(tap.url, 'tester', 'echo'))),
    ...await Promise.all(Array.from({ length: 10 }, (_, i) => client.callTool({ name: 'tester__echo', arguments: { text: `r${i}` } }))),
  ];
  expect(results.filter((r) => 'status' in r && r.status !== 200)).toEqual([]);
  expect(results.filter((r) => !('status' in r) && r.isError === true)).toEqual([]);
  const status = await waitUntil(() => daemon.statuses.find((s) => s.otel?.traces.failing), { what: 'a status saying the traces export fails', timeoutMs: 20_000, describe: () => daemon.statuses.at(-1) });
  expect(status.otel!.traces).toMatchObject({ url: `${rx.url}/v1/traces`, failing: true });
  expect(status.otel!.traces.failed).toBeGreaterThan(0);
  expect(status.otel!.traces.lastError).toMatch(/Unauthorized|401/);
  expect(tap.stderr()).toMatch(/otel: traces export to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed/);
});

test('with a real daemon: status and check --expect-daemon say the tap\'s export fails', { timeout: 90_000 }, async () => {
  const refusing = await new OtlpReceiver().start();
  cleanups.push(() => refusing.stop());
  refusing.fail(1_000_000);
  const state = stateDir();
  const daemonConfig = join(state, 'config.yaml');
  writeFileSync(daemonConfig, 'probes:\n  enabled: false\n');
  startDaemonProcess(hub, state, ['--config', daemonConfig, '--no-sse', '--interval', '60s'], cleanups);
  await waitForEvent(state, (e) => e.type === 'hub_state');
  const { args, env } = otelConfig(refusing.url);
  const t = await startTap(hub.url, state, args, env);
  cleanups.push(() => t.stop());
  expect((await rest(t.url, 'tester', 'echo')).status).toBe(200);
  const cliEnv = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const status = await waitUntil(async () => {
    const r = await runCli(['status', '--state-dir', state], cliEnv);
    return /^tap: OTEL EXPORT FAILING: the tap on 127\.0\.0\.1:\d+ cannot export traces to http:\/\/127\.0\.0\.1:\d+\/v1\/traces: \d+ exports failed, \d+ spans lost; last error \d+ s ago: .+$/m.test(r.stdout) && r;
  }, { what: 'status to say the tap\'s export fails', timeoutMs: 30_000, everyMs: 500 });
  expect(status.stdout).toMatch(/^tap: OpenTelemetry export of 127\.0\.0\.1:\d+: traces to http:\/\/127\.0\.0\.1:\d+\/v1\/traces 0 spans sent, \d+ lost/m);
  const check = await runCli(['check', '--hub', hub.url, '--expect-daemon', '--state-dir', state], cliEnv);
  expect(check.code).toBeGreaterThanOrEqual(1); // the victim killed above may make it critical
  expect(check.stdout).toMatch(/^ {2}WARNING {3}calls\.tap +the tap on 127\.0\.0\.1:\d+ cannot export traces to http:\/\/127\.0\.0\.1:\d+\/v1\/traces: \d+ exports failed, \d+ spans lost; last error \d+ s ago: Unauthorized$/m);
});

test('SIGTERM: the tap sends the spans it still holds before it exits; a backend that never answers holds the exit no longer than the export deadline', async () => {
  const { args } = otelConfig(rx.url);
  const state = tempDir('mhm-tap-otel-stop-');
  // Spans leave only every minute: only the flush at exit can send this one.
  const slow = await startTap(hub.url, state, args, isolatedEnv({ OTEL_BSP_SCHEDULE_DELAY: '60000' }));
  expect((await rest(slow.url, 'tester', 'echo', { traceparent: parentOf('4444444444444444') })).status).toBe(200);
  await slow.stop();
  expect(slow.child.exitCode).toBe(0);
  expect(rx.spans.find((s) => s.parentSpanId === '4444444444444444')).toMatchObject({ name: 'tools/call echo' });

  const silent = http.createServer(() => { /* never answers */ });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => { silent.closeAllConnections(); silent.close(() => r()); }));
  const hung = otelConfig(`http://127.0.0.1:${(silent.address() as { port: number }).port}`);
  const stuck = await startTap(hub.url, tempDir('mhm-tap-otel-stuck-'), hung.args, isolatedEnv({ OTEL_BSP_SCHEDULE_DELAY: '60000' }));
  expect((await rest(stuck.url, 'tester', 'echo')).status).toBe(200);
  const stopping = Date.now();
  await stuck.stop();
  expect(Date.now() - stopping).toBeLessThan(2_000 + 1_500); // otel.timeout 2s, and the process's own exit
});
