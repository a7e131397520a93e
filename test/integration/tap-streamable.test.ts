/**
 * The tap in front of servers that speak Streamable HTTP (`POST/GET/DELETE /mcp`), as hubs and forks that
 * serve it do: the real `@modelcontextprotocol/server-everything` in its streamableHttp mode (answers as SSE
 * streams), and the SDK's StreamableHTTPServerTransport answering JSON (test/support/streamable-server.ts).
 * Real SDK clients on StreamableHTTPClientTransport go through the tap; what they get equals what they get
 * directly, and the records name client, session, outcome and the end of the session.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, expect, test } from 'vitest';
import { loopbackPreloadPath } from '../../src/config/paths.js';
import { freePort } from '../../src/demo/hub-launcher.js';
import type { CallRecord } from '../../src/model/calls.js';
import { isolatedEnv } from '../support/cli.js';
import { startStreamableServer } from '../support/streamable-server.js';
import { FakeTapDaemon, startTap, type TapChild } from '../support/tap.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';

const require = createRequire(import.meta.url);
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** server-everything in streamableHttp mode on a free port, bound to 127.0.0.1 by our loopback preload. */
async function startEverything(): Promise<string> {
  const port = await freePort();
  const main = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
  const child: ChildProcess = spawn(process.execPath, ['--require', loopbackPreloadPath(), main, 'streamableHttp'], { env: { ...isolatedEnv(), PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise((r) => child.once('exit', r));
  cleanups.push(async () => { child.kill('SIGKILL'); await exited; });
  await waitUntil(() => {
    if (child.exitCode !== null) throw new Error(`server-everything exited ${child.exitCode}: ${err}`);
    return err.includes(`listening on port ${port}`);
  }, { what: 'server-everything to listen', describe: () => err });
  return `http://127.0.0.1:${port}`;
}

async function tapFor(upstream: string, config = ''): Promise<{ tap: TapChild; daemon: FakeTapDaemon }> {
  const state = tempDir('mhm-tap-');
  const daemon = new FakeTapDaemon(state);
  await daemon.listen();
  cleanups.push(() => daemon.close());
  const dir = tempDir('mhm-tap-cfg-');
  writeFileSync(join(dir, 'config.yaml'), `tap:\n${config || '  buffer: 1000\n'}`);
  const tap = await startTap(upstream, state, ['--config', join(dir, 'config.yaml')]);
  cleanups.push(() => tap.stop());
  return { tap, daemon };
}

async function connect(base: string, name: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`));
  await client.connect(transport);
  cleanups.push(() => client.close().catch(() => undefined));
  return { client, transport };
}

/** A raw POST /mcp: its status and body. */
function post(base: string, body: unknown, session: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const recorded = (daemon: FakeTapDaemon, pred: (c: CallRecord) => boolean, what: string) =>
  waitUntil(() => daemon.calls.find(pred), { what, describe: () => daemon.calls.slice(-5) });

test('server-everything on Streamable HTTP through the tap: answers as direct, records with client and session, a tool error, and DELETE ends the session', async () => {
  const upstream = await startEverything();
  const { tap, daemon } = await tapFor(upstream);
  const direct = await connect(upstream, 'direct');
  const tapped = await connect(tap.url, 'se-client');
  const session = tapped.transport.sessionId!;
  expect(session).toMatch(/^[0-9a-f-]{36}$/);

  expect(await tapped.client.listTools()).toEqual(await direct.client.listTools());
  const calls = [{ name: 'echo', arguments: { message: 'through the tap' } }, { name: 'get-sum', arguments: { a: 2, b: 3 } }, { name: 'no-such-tool', arguments: {} }];
  for (const call of calls) expect(await tapped.client.callTool(call)).toEqual(await direct.client.callTool(call));

  const init = await recorded(daemon, (c) => c.method === 'initialize', 'the initialize record');
  expect(init).toMatchObject({ transport: 'streamable_http', client: 'se-client', session, outcome: 'ok', requestId: '0' });
  const echo = await recorded(daemon, (c) => c.tool === 'echo', 'the echo record');
  expect(echo).toMatchObject({ transport: 'streamable_http', method: 'tools/call', client: 'se-client', session, outcome: 'ok' });
  expect(echo.responseBytes).toBeGreaterThan(0);
  expect(await recorded(daemon, (c) => c.tool === 'get-sum', 'the get-sum record')).toMatchObject({ outcome: 'ok', session });
  expect(await recorded(daemon, (c) => c.tool === 'no-such-tool', 'the unknown tool record')).toMatchObject({ outcome: 'tool_error', errorType: 'tool_error', session, client: 'se-client' });
  expect(await recorded(daemon, (c) => c.method === 'tools/list', 'the tools/list record')).toMatchObject({ outcome: 'ok', session });

  // DELETE through the tap ends the session at the server; a call on it afterwards is refused as directly.
  await tapped.transport.terminateSession();
  const late = { jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name: 'echo', arguments: { message: 'late' } } };
  const [viaTap, viaDirect] = [await post(tap.url, late, session), await post(upstream, late, session)];
  expect(viaTap).toEqual(viaDirect);
  expect(viaTap.status).toBe(400);
  const refused = await recorded(daemon, (c) => c.requestId === '99', 'the refused call');
  // The JSON-RPC error the server sent, as for any refused MCP message; the session's client is forgotten.
  expect(refused).toMatchObject({ session, client: null, outcome: 'jsonrpc_error', errorCode: -32000, errorType: '-32000', errorMessage: 'Bad Request: No valid session ID provided' });
  expect(daemon.calls.filter((c) => c.tool !== null).map((c) => c.tool)).toEqual(['echo', 'get-sum', 'no-such-tool', 'echo']);
  expect(daemon.bad).toEqual([]);
}, 60_000);

test('JSON answers (enableJsonResponse) through the tap: ok, a tool error, a JSON-RPC error, and a call that never ends is a 504 and a timeout record', async () => {
  const server = await startStreamableServer({ json: true });
  cleanups.push(() => server.close());
  const { tap, daemon } = await tapFor(server.url, '  deadline: 2s\n');
  const { client, transport } = await connect(tap.url, 'json-client');
  const session = transport.sessionId!;
  expect(await client.callTool({ name: 'echo', arguments: { text: 'json' } })).toEqual({ content: [{ type: 'text', text: 'json' }] });
  expect(await client.callTool({ name: 'fail', arguments: { text: 'no' } })).toMatchObject({ isError: true });
  expect(String(await client.callTool({ name: 'boom', arguments: {} }).catch((e: Error) => e.message))).toMatch(/unknown tool boom/);
  const hang = { jsonrpc: '2.0', id: 'h-1', method: 'tools/call', params: { name: 'hang', arguments: {} } };
  expect(await post(tap.url, hang, session)).toEqual({ status: 504, body: 'mcp-hub-monitor tap: the hub did not answer within 2 s\n' });

  const byTool = (tool: string) => recorded(daemon, (c) => c.tool === tool, `the ${tool} record`);
  expect(await byTool('echo')).toMatchObject({ transport: 'streamable_http', client: 'json-client', session, outcome: 'ok' });
  expect(await byTool('fail')).toMatchObject({ outcome: 'tool_error', session });
  expect(await byTool('boom')).toMatchObject({ outcome: 'jsonrpc_error', errorCode: -32603, errorMessage: expect.stringMatching(/unknown tool boom/), session });
  const timedOut = await byTool('hang');
  expect(timedOut).toMatchObject({ outcome: 'timeout', errorType: 'timeout', requestId: 'h-1', session, client: 'json-client' });
  // Node's timers count whole milliseconds from the event loop's cached clock, which can lag the monotonic
  // clock read at the call's start by up to 1 ms: a 2 s deadline can fire at 1999.4 ms of measured time.
  expect(timedOut.durationMs).toBeGreaterThanOrEqual(1_999);

  await transport.terminateSession();
  expect(server.sessions()).toBe(0);
}, 60_000);

test('SSE answers: a call the client cancels (notifications/cancelled arrives in another POST) is client_cancelled, not a timeout; other calls of the session go on', async () => {
  const server = await startStreamableServer({ json: false });
  cleanups.push(() => server.close());
  const { tap, daemon } = await tapFor(server.url, '  deadline: 3s\n');
  const { client, transport } = await connect(tap.url, 'sse-client');
  const abort = new AbortController();
  const hanging = client.callTool({ name: 'hang', arguments: {} }, undefined, { signal: abort.signal }).then(() => 'answered', () => 'rejected');
  await recorded(daemon, (c) => c.method === 'initialize', 'the initialize record');
  await waitUntil(() => server.called.includes('hang'), { what: 'the hang call to reach the server' });
  abort.abort('the user pressed stop');
  expect(await hanging).toBe('rejected');
  expect(await client.callTool({ name: 'echo', arguments: { text: 'after' } })).toEqual({ content: [{ type: 'text', text: 'after' }] });
  const cancelled = await recorded(daemon, (c) => c.tool === 'hang', 'the hang record');
  expect(cancelled).toMatchObject({ outcome: 'client_cancelled', errorType: 'client_cancelled', session: transport.sessionId, client: 'sse-client' });
  expect(await recorded(daemon, (c) => c.tool === 'echo', 'the echo record')).toMatchObject({ outcome: 'ok', session: transport.sessionId });
}, 60_000);
