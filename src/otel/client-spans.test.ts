/**
 * The daemon's probes and canaries as MCP client spans: the real probe functions against a local HTTP
 * server answering what mcp-hub 4.2.1 answered (test/fixtures/hub/probe-responses.json), the real SDK, and
 * the spans as the OTLP receiver decodes them with the official protobuf definitions.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { OtlpReceiver, type ReceivedSpan } from '../../test/support/otlp-receiver.js';
import { callCanary, probeServer, PROBE_URI } from '../sources/server-probe.js';
import { mcpClientTracing, VERDICT_ATTRIBUTE } from './client-spans.js';
import { MCP_CLIENT_DURATION, MCP_DURATION_BUCKETS_S } from './mcp-conventions.js';
import { startTelemetry, type Telemetry } from './telemetry.js';

const CAPTURED = JSON.parse(readFileSync(new URL('../../test/fixtures/hub/probe-responses.json', import.meta.url), 'utf8')) as Record<string, { status: number; body: unknown }>;

interface Seen { url: string; headers: http.IncomingHttpHeaders }

const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

/** A hub stand-in that answers each path with a captured answer (or never, for `hang`) and records what it got. */
async function hub(answers: Record<string, string>): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      const name = answers[req.url ?? ''];
      if (name === 'hang') return;
      const c = CAPTURED[name!]!;
      res.writeHead(c.status, { 'content-type': 'application/json' }).end(JSON.stringify(c.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push({ close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

async function traced(): Promise<{ rx: OtlpReceiver; t: Telemetry }> {
  const rx = await new OtlpReceiver().start();
  open.push({ close: () => rx.stop() });
  const t = await startTelemetry({
    settings: { endpoint: rx.url, headers: {}, service_name: '', metrics_interval: 200, timeout: 2_000 },
    defaultServiceName: 'mcp-hub-monitor', serviceVersion: '0.0.0', log: () => undefined, env: {}, spanDelayMs: 50,
  });
  open.push({ close: () => t.shutdown() });
  return { rx, t };
}

const traceparentOf = (s: ReceivedSpan) => `00-${s.traceId}-${s.spanId}-01`;

describe('probe and canary requests as MCP client spans', () => {
  test('a probe is a CLIENT span resources/read whose traceparent goes with the request; the expected "not found" is no error', async () => {
    const { rx, t } = await traced();
    const h = await hub({ '/api/servers/resources': 'alive-resources' });
    const r = await probeServer(h.base, 'everything', { timeoutMs: 1_000, tracing: mcpClientTracing(t) });
    expect(r.outcome).toBe('alive');
    const span = await rx.waitFor(() => rx.spans.find((s) => s.name === 'resources/read'));
    expect(span.kind).toBe('SPAN_KIND_CLIENT');
    expect(span.parentSpanId).toBe('');
    expect(span.status.code).toBe('STATUS_CODE_UNSET');
    const port = Number(new URL(h.base).port);
    expect(span.attributes).toEqual({
      'mcp.method.name': 'resources/read', 'mcp.resource.uri': PROBE_URI, 'mcp_hub.server.name': 'everything', 'mcp_hub.transport': 'rest',
      'network.transport': 'tcp', 'network.protocol.name': 'http', 'server.address': '127.0.0.1', 'server.port': port,
      [VERDICT_ATTRIBUTE]: 'alive',
    });
    expect(h.seen[0]!.headers.traceparent).toBe(traceparentOf(span));
  });

  test('a canary is tools/call <tool>; a dead, hung, failing or silent one is an ERROR span with error.type', async () => {
    const { rx, t } = await traced();
    const tracing = mcpClientTracing(t);
    const spec = (tool: string) => ({ server: 'test', tool, arguments: {} });
    const dead = await hub({ '/api/servers/tools': 'canary-dead' });
    const hung = await hub({ '/api/servers/tools': 'canary-hung' });
    const toolError = await hub({ '/api/servers/tools': 'canary-tool-error' });
    const silent = await hub({ '/api/servers/tools': 'hang' });
    const ok = await hub({ '/api/servers/tools': 'canary-ok' });
    expect((await callCanary(dead.base, spec('dead'), { timeoutMs: 1_000, tracing })).outcome).toBe('dead');
    expect((await callCanary(hung.base, spec('hung'), { timeoutMs: 1_000, tracing })).outcome).toBe('hung');
    expect((await callCanary(toolError.base, spec('bad_args'), { timeoutMs: 1_000, tracing })).outcome).toBe('tool_error');
    expect((await callCanary(silent.base, spec('silent'), { timeoutMs: 50, requestTimeoutMs: 200, tracing })).outcome).toBe('unreachable');
    expect((await callCanary(ok.base, spec('echo'), { timeoutMs: 1_000, tracing })).outcome).toBe('ok');

    const names = ['tools/call dead', 'tools/call hung', 'tools/call bad_args', 'tools/call silent', 'tools/call echo'];
    await rx.waitFor(() => names.every((n) => rx.spans.some((s) => s.name === n)) || undefined);
    const byName = (n: string) => rx.spans.find((s) => s.name === n)!;
    const pick = (s: ReceivedSpan) => [s.status.code, s.status.message, s.attributes['error.type'], s.attributes['rpc.response.status_code'], s.attributes[VERDICT_ATTRIBUTE]];
    // "Not connected" comes with no JSON-RPC code: the HTTP status, as the tap records a failed REST call.
    expect(pick(byName('tools/call dead'))).toEqual(['STATUS_CODE_ERROR', 'Not connected', '500', '500', 'dead']);
    expect(pick(byName('tools/call hung'))).toEqual(['STATUS_CODE_ERROR', 'MCP error -32001: Request timed out', '-32001', '-32001', 'hung']);
    expect(pick(byName('tools/call bad_args'))).toEqual(['STATUS_CODE_ERROR', expect.stringContaining('Invalid arguments for tool echo'), 'tool_error', undefined, 'tool_error']);
    expect(pick(byName('tools/call silent'))).toEqual(['STATUS_CODE_ERROR', expect.stringContaining('no complete response'), 'timeout', undefined, 'unreachable']);
    expect(pick(byName('tools/call echo'))).toEqual(['STATUS_CODE_UNSET', '', undefined, undefined, 'ok']);
    expect(byName('tools/call echo').attributes).toMatchObject({ 'gen_ai.tool.name': 'echo', 'gen_ai.operation.name': 'execute_tool', 'mcp.method.name': 'tools/call' });
    for (const [h, n] of [[dead, 'tools/call dead'], [ok, 'tools/call echo']] as const) expect(h.seen[0]!.headers.traceparent).toBe(traceparentOf(byName(n)));
  });

  test('each request is one observation of mcp.client.operation.duration, in seconds, with the advised buckets and bounded attributes', async () => {
    const { rx, t } = await traced();
    const tracing = mcpClientTracing(t);
    const h = await hub({ '/api/servers/resources': 'alive-resources', '/api/servers/tools': 'canary-dead' });
    await probeServer(h.base, 'everything', { timeoutMs: 1_000, tracing });
    await probeServer(h.base, 'everything', { timeoutMs: 1_000, tracing });
    await callCanary(h.base, { server: 'test', tool: 'echo', arguments: {} }, { timeoutMs: 1_000, tracing });
    const m = await rx.waitFor(() => rx.metrics.find((x) => x.name === MCP_CLIENT_DURATION && x.histogram?.length === 2));
    expect(m.unit).toBe('s');
    const points = new Map(m.histogram!.map((p) => [p.attributes['mcp.method.name'], p]));
    expect(points.get('resources/read')).toMatchObject({ count: 2, explicitBounds: [...MCP_DURATION_BUCKETS_S], attributes: { 'mcp.method.name': 'resources/read', 'network.transport': 'tcp', 'mcp_hub.server.name': 'everything' } });
    expect(points.get('tools/call')).toMatchObject({ count: 1, attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'error.type': '500', 'rpc.response.status_code': '500', 'mcp_hub.server.name': 'test' } });
    expect(points.get('resources/read')!.sum).toBeGreaterThan(0);
    expect(points.get('resources/read')!.sum).toBeLessThan(5);
  });

  test('without tracing a probe sends no trace context', async () => {
    const h = await hub({ '/api/servers/resources': 'alive-resources' });
    await probeServer(h.base, 'everything', { timeoutMs: 1_000 });
    expect(h.seen[0]!.headers.traceparent).toBeUndefined();
  });
});
