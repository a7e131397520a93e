/**
 * The tap's proxy with tracing on, in front of a plain HTTP server that records what it is sent (mcp-hub
 * drops `_meta` before it calls a child, so what the hub receives is only visible here), exporting to the
 * test receiver that decodes OTLP with the official protobuf definitions. What the hub gets must carry the
 * tap's span (the span the receiver got), keep every other `_meta` key, and stay byte-identical whenever
 * the tap cannot or must not touch it; with tracing off, a body streams through as it comes.
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { OtlpReceiver, type ReceivedSpan } from '../../test/support/otlp-receiver.js';
import { waitUntil } from '../../test/support/wait.js';
import type { CallRecord } from '../model/calls.js';
import { systemClock } from '../model/clock.js';
import { MCP_DURATION_BUCKETS_S, MCP_SERVER_DURATION } from '../otel/mcp-conventions.js';
import { startTelemetry, type Telemetry } from '../otel/telemetry.js';
import { createProxy, type Proxy } from './proxy.js';
import { CallTracing } from './tracing.js';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const CLIENT_PARENT = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;
const CAP = 4_096;

/** The upstream: records every request; answers MCP posts per request id, REST calls as the hub does. */
class FakeUpstream {
  readonly seen: Seen[] = [];
  private streams: http.ServerResponse[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      this.partial = Buffer.concat(chunks);
    });
    req.on('end', () => this.answer(req, res, Buffer.concat(chunks)));
  });
  /** What has arrived so far of the request in progress. */
  partial = Buffer.alloc(0);
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.end();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    if (req.method === 'GET' && req.url === '/mcp') {
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write('event: endpoint\ndata: /messages?sessionId=s-1\n\n');
      this.streams.push(res);
      return;
    }
    if (req.url === '/api/servers/tools') {
      const tool = (JSON.parse(body.toString()) as { tool: string }).tool;
      if (tool === 'dead') res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"Not connected"}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":{"content":[]}}');
      return;
    }
    let doc: unknown;
    try { doc = JSON.parse(body.toString()); } catch { return void res.writeHead(400).end('not json'); }
    const answers = (Array.isArray(doc) ? doc : [doc]).filter((m: { id?: unknown }) => m.id !== undefined).map((m: { id: unknown; params?: { name?: string } }) => (
      m.params?.name === 'srv__dead' ? { jsonrpc: '2.0', id: m.id, error: { code: -32603, message: 'Not connected' } } : { jsonrpc: '2.0', id: m.id, result: { content: [] } }));
    if (req.url?.startsWith('/messages')) {
      res.writeHead(202).end('Accepted');
      for (const a of answers) for (const s of this.streams) s.write(`event: message\ndata: ${JSON.stringify(a)}\n\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Array.isArray(doc) ? answers : answers[0]));
  }
}

let rx: OtlpReceiver;
let telemetry: Telemetry;
const open: (() => Promise<unknown>)[] = [];
const calls: CallRecord[] = [];

beforeAll(async () => {
  rx = await new OtlpReceiver().start();
  telemetry = await startTelemetry({
    settings: { endpoint: rx.url, headers: {}, service_name: '', metrics_interval: 200, timeout: 2_000 },
    defaultServiceName: 'mcp-hub-monitor-tap', serviceVersion: '0.0.0', log: () => undefined, spanDelayMs: 50,
  });
});
afterAll(async () => {
  await telemetry.shutdown();
  await rx.stop();
});
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c();
});

async function setUp(traced = true, recordArguments = false): Promise<{ up: FakeUpstream; tap: string; proxy: Proxy }> {
  const up = await new FakeUpstream().start();
  open.push(() => up.stop());
  const proxy = createProxy({
    hub: new URL(up.url), maxBodyBytes: CAP, deadlineMs: 5_000, observe: true, recordArguments, clock: systemClock, emit: (c) => calls.push(c),
    ...(traced ? { tracing: new CallTracing(telemetry) } : {}),
  });
  await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', r));
  open.push(() => proxy.close());
  return { up, proxy, tap: `http://127.0.0.1:${(proxy.server.address() as { port: number }).port}` };
}

function send(base: string, method: string, path: string, body: string | Buffer | undefined, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const forwarded = (up: FakeUpstream, url: string): Seen => up.seen.find((s) => s.url === url)!;
const spanWithId = (id: string): Promise<ReceivedSpan> => rx.waitFor(() => rx.spans.find((s) => s.spanId === id), 10_000, `the span ${id}`);
/** The span id of a W3C traceparent, checking it continues the client's trace. */
const spanIdOf = (traceparent: unknown): string => {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(traceparent));
  expect(m?.[1], `traceparent ${String(traceparent)}`).toBe(CLIENT_TRACE);
  return m![2]!;
};

test('Streamable HTTP: the hub gets the tap\'s span in params._meta (other keys kept), the span continues the client\'s trace', async () => {
  const { up, tap } = await setUp();
  const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'srv__echo', arguments: { n: 1 }, _meta: { traceparent: CLIENT_PARENT, tracestate: 'vendor=1', progressToken: 'p-1' } } });
  expect((await send(tap, 'POST', '/mcp', body)).status).toBe(200);
  const seen = forwarded(up, '/mcp');
  const msg = JSON.parse(seen.body.toString()) as { params: { arguments: unknown; _meta: Record<string, string> } };
  expect(Number(seen.headers['content-length'])).toBe(seen.body.length);
  expect(msg.params.arguments).toEqual({ n: 1 });
  expect(msg.params._meta.progressToken).toBe('p-1');
  expect(msg.params._meta.tracestate).toBe('vendor=1');
  const span = await spanWithId(spanIdOf(msg.params._meta.traceparent));
  expect(span).toMatchObject({ name: 'tools/call echo', kind: 'SPAN_KIND_SERVER', traceId: CLIENT_TRACE, parentSpanId: CLIENT_SPAN, status: { code: 'STATUS_CODE_UNSET' } });
  expect(span.attributes).toMatchObject({
    'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'gen_ai.operation.name': 'execute_tool', 'mcp_hub.server.name': 'srv',
    'jsonrpc.request.id': '7', 'network.transport': 'tcp', 'network.protocol.name': 'http', 'mcp_hub.transport': 'streamable_http',
  });
  expect(span.resource['service.name']).toBe('mcp-hub-monitor-tap');
});

test('a batch: each request gets its own span and context, a notification none; a request without params or _meta gets them', async () => {
  const { up, tap } = await setUp();
  const batch = [
    { jsonrpc: '2.0', id: 'a', method: 'tools/list' },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 'b', method: 'prompts/get', params: { name: 'srv__greet', _meta: { traceparent: CLIENT_PARENT } } },
  ];
  await send(tap, 'POST', '/mcp', JSON.stringify(batch));
  const sent = JSON.parse(forwarded(up, '/mcp').body.toString()) as { params?: { _meta?: { traceparent?: string } } }[];
  expect(sent[1]).toEqual(batch[1]);
  const list = await spanWithId(/^00-[0-9a-f]{32}-([0-9a-f]{16})-01$/.exec(sent[0]!.params!._meta!.traceparent!)![1]!);
  expect(list).toMatchObject({ name: 'tools/list', parentSpanId: '' }); // no parent: a trace of its own
  expect(await spanWithId(spanIdOf(sent[2]!.params!._meta!.traceparent))).toMatchObject({ name: 'prompts/get greet', parentSpanId: CLIENT_SPAN, attributes: expect.objectContaining({ 'gen_ai.prompt.name': 'greet' }) });
});

test('legacy SSE session: the post is traced, the answer on the session stream ends the span, a JSON-RPC error is the span\'s error', async () => {
  const { up, tap } = await setUp();
  const stream = http.get(`${tap}/mcp`, { headers: { accept: 'text/event-stream' } });
  open.push(async () => { stream.destroy(); });
  await new Promise<void>((resolve) => stream.on('response', (res) => res.once('data', () => resolve())));
  const body = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'srv__dead', arguments: {}, _meta: { traceparent: CLIENT_PARENT } } });
  expect((await send(tap, 'POST', '/messages?sessionId=s-1', body)).status).toBe(202);
  const msg = JSON.parse(forwarded(up, '/messages?sessionId=s-1').body.toString()) as { params: { _meta: { traceparent: string } } };
  const span = await spanWithId(spanIdOf(msg.params._meta.traceparent));
  expect(span).toMatchObject({ name: 'tools/call dead', parentSpanId: CLIENT_SPAN, status: { code: 'STATUS_CODE_ERROR', message: 'Not connected' } });
  expect(span.attributes).toMatchObject({ 'error.type': '-32603', 'rpc.response.status_code': '-32603', 'mcp.session.id': 's-1', 'jsonrpc.request.id': '3', 'mcp_hub.transport': 'sse' });
  // The record and the span say the same.
  expect(calls.find((c) => c.session === 's-1' && c.requestId === '3')).toMatchObject({ outcome: 'jsonrpc_error', errorMessage: 'Not connected', tool: 'dead' });
});

test('a REST call: the tap\'s span goes in the traceparent header (the client\'s is its parent), the body streams untouched; a failure is an error span', async () => {
  const { up, tap } = await setUp();
  const body = JSON.stringify({ server_name: 'srv', tool: 'dead', arguments: { _meta: { traceparent: 'not ours to change' } } });
  expect((await send(tap, 'POST', '/api/servers/tools', body, { traceparent: CLIENT_PARENT })).status).toBe(500);
  const seen = forwarded(up, '/api/servers/tools');
  expect(seen.body.toString()).toBe(body);
  const span = await spanWithId(spanIdOf(seen.headers.traceparent));
  expect(span).toMatchObject({ name: 'tools/call dead', parentSpanId: CLIENT_SPAN, status: { code: 'STATUS_CODE_ERROR', message: 'Not connected' } });
  expect(span.attributes).toMatchObject({ 'error.type': '500', 'gen_ai.tool.name': 'dead', 'mcp_hub.server.name': 'srv', 'mcp_hub.transport': 'rest' });
});

test('bodies the tap cannot trace reach the hub byte-identical: over the cap, not JSON, a chunked body over the cap', async () => {
  const { up, tap } = await setUp();
  const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'srv__echo', arguments: { pad: 'x'.repeat(CAP) }, _meta: { traceparent: CLIENT_PARENT } } });
  const before = rx.spans.length;
  await send(tap, 'POST', '/messages?sessionId=big', big);
  expect(forwarded(up, '/messages?sessionId=big').body.toString()).toBe(big);
  await send(tap, 'POST', '/messages?sessionId=junk', '{"jsonrpc":"2.0", "id": 1, "method":');
  expect(forwarded(up, '/messages?sessionId=junk').body.toString()).toBe('{"jsonrpc":"2.0", "id": 1, "method":');
  // A chunked body over the cap: what was held, then the rest as it came.
  await new Promise<void>((resolve, reject) => {
    const req = http.request(`${tap}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    for (let i = 0; i < big.length; i += 1000) req.write(big.slice(i, i + 1000));
    req.end();
  });
  expect(forwarded(up, '/mcp').body.toString()).toBe(big);
  telemetry.tracer.startSpan('marker').end(); // the batch after these requests holds no span of theirs
  await rx.waitFor(() => rx.spans.find((s) => s.name === 'marker'));
  expect(rx.spans.slice(before).map((s) => s.name)).toEqual(['marker']);
});

test('a chunked MCP body within the cap is forwarded rewritten with its length', async () => {
  const { up, tap } = await setUp();
  const body = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'srv__echo', _meta: { traceparent: CLIENT_PARENT } } });
  await new Promise<void>((resolve, reject) => {
    const req = http.request(`${tap}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.write(body.slice(0, 20));
    req.end(body.slice(20));
  });
  const seen = forwarded(up, '/mcp');
  expect(seen.headers['transfer-encoding']).toBeUndefined();
  expect(Number(seen.headers['content-length'])).toBe(seen.body.length);
  await spanWithId(spanIdOf((JSON.parse(seen.body.toString()) as { params: { _meta: { traceparent: string } } }).params._meta.traceparent));
});

test('every call is counted in mcp.server.operation.duration, in seconds on the advised buckets', async () => {
  const { tap } = await setUp();
  await send(tap, 'POST', '/api/servers/tools', JSON.stringify({ server_name: 'metered', tool: 'echo' }));
  const m = await rx.waitFor(() => rx.metrics.find((x) => x.name === MCP_SERVER_DURATION && x.histogram?.some((p) => p.attributes['mcp_hub.server.name'] === 'metered')));
  expect(m.unit).toBe('s');
  const p = m.histogram!.find((x) => x.attributes['mcp_hub.server.name'] === 'metered')!;
  expect(p.explicitBounds).toEqual([...MCP_DURATION_BUCKETS_S]);
  expect(p.attributes).toEqual({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'mcp_hub.server.name': 'metered', 'network.transport': 'tcp' });
  expect(p.count).toBe(1);
});

test('tracing off: an MCP body streams to the hub as it comes (no holding) and arrives as the client wrote it, no trace header added', async () => {
  const { up, tap } = await setUp(false);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'srv__echo', _meta: { traceparent: CLIENT_PARENT } } });
  const req = http.request(`${tap}/messages?sessionId=off`, { method: 'POST', headers: { 'content-type': 'application/json' } });
  const answered = new Promise<void>((resolve, reject) => { req.on('response', (res) => { res.resume(); res.on('end', resolve); }); req.on('error', reject); });
  req.write(body.slice(0, 30));
  await waitUntil(() => up.partial.toString() === body.slice(0, 30), { what: 'the first part at the hub before the rest is sent', describe: () => up.partial.toString() });
  req.end(body.slice(30));
  await answered;
  const seen = forwarded(up, '/messages?sessionId=off');
  expect(seen.body.toString()).toBe(body);
  expect(seen.headers.traceparent).toBeUndefined();
});

test('tool arguments reach a span only when the user opted in (tap.record_arguments), and redacted', async () => {
  for (const recordArguments of [false, true]) {
    const { up, tap } = await setUp(true, recordArguments);
    const id = recordArguments ? 'args-on' : 'args-off';
    const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'srv__echo', arguments: { text: 'hello', password: 'hunter2-hunter2' }, _meta: { traceparent: CLIENT_PARENT } } });
    expect((await send(tap, 'POST', '/mcp', body)).status).toBe(200);
    const meta = (JSON.parse(forwarded(up, '/mcp').body.toString()) as { params: { _meta: Record<string, string> } }).params._meta;
    const span = await spanWithId(spanIdOf(meta.traceparent));
    expect(span.attributes['jsonrpc.request.id']).toBe(id);
    if (!recordArguments) expect(span.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    else expect(JSON.parse(String(span.attributes['gen_ai.tool.call.arguments']))).toEqual({ text: 'hello', password: '<redacted>' });
    expect(JSON.stringify(span.attributes)).not.toContain('hunter2');
  }
});
