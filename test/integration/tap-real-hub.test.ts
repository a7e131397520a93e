/**
 * The traffic tap in front of the real mcp-hub 4.2.1: REST and MCP-session tool calls through it return what
 * the hub returns and make the right records; sessions never get each other's answers; a daemon that is
 * away or stops reading costs clients nothing; streams pass unbuffered; bad input reaches the hub untouched.
 */
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import type { CallRecord } from '../../src/model/calls.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { FakeTapDaemon, startTap, type TapChild } from '../support/tap.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

function request(base: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const callTool = (base: string, server: string, tool: string, args: Record<string, unknown> = {}) =>
  request(base, 'POST', '/api/servers/tools', JSON.stringify({ server_name: server, tool, arguments: args }));

/** The hub's JSON answer without its per-call timestamp. */
const comparable = (a: Answer) => {
  let body: unknown = a.body;
  try {
    const doc = JSON.parse(a.body) as Record<string, unknown>;
    delete doc.timestamp;
    body = doc;
  } catch { /* not JSON: compared as text */ }
  return { status: a.status, type: a.headers['content-type'], body };
};

const mcpClient = async (base: string, name: string): Promise<Client> => {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL(`${base}/mcp`)));
  return client;
};

let hub: RunningHub;
let daemon: FakeTapDaemon;
let tap: TapChild;
const clients: Client[] = [];

beforeAll(async () => {
  hub = await launchHub({ servers: { tester: testServer(), victim: testServer({ MCP_TEST_ROLE: 'victim' }) } });
  const state = tempDir('mhm-tap-');
  daemon = new FakeTapDaemon(state);
  await daemon.listen();
  tap = await startTap(hub.url, state);
  await waitUntil(() => daemon.statuses.length > 0, { what: 'the tap\'s first status' });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await tap?.stop();
  await daemon?.close();
  await hub?.stop();
});

const recordFor = (pred: (c: CallRecord) => boolean, what: string) => waitUntil(() => daemon.calls.find(pred), { what, describe: () => daemon.calls.slice(-5) });

test('REST tool calls through the tap return what the hub returns and are recorded: ok, tool_error, an unknown tool', async () => {
  for (const [tool, args] of [['echo', { text: 'hello' }], ['fail', { text: 'on purpose' }], ['nope', {}]] as const) {
    const [direct, tapped] = [await callTool(hub.url, 'tester', tool, args), await callTool(tap.url, 'tester', tool, args)];
    expect(comparable(tapped)).toEqual(comparable(direct));
  }
  const echo = await recordFor((c) => c.tool === 'echo' && c.transport === 'rest', 'the echo record');
  expect(echo).toMatchObject({ hub: hub.url, server: 'tester', method: 'tools/call', outcome: 'ok', client: null, session: null });
  expect(echo.requestBytes).toBe(JSON.stringify({ server_name: 'tester', tool: 'echo', arguments: { text: 'hello' } }).length);
  expect(echo.responseBytes).toBeGreaterThan(0);
  expect(JSON.stringify(echo)).not.toContain('hello'); // never the arguments or the result
  expect(await recordFor((c) => c.tool === 'fail' && c.transport === 'rest', 'the fail record')).toMatchObject({ outcome: 'tool_error', errorType: 'tool_error' });
  expect(await recordFor((c) => c.tool === 'nope', 'the unknown tool record')).toMatchObject({ outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: expect.stringMatching(/not found/i) });
});

test('MCP-session tool calls through the tap return what the hub returns and are recorded with client, session and id', async () => {
  const [direct, tapped] = [await mcpClient(hub.url, 'direct-client'), await mcpClient(tap.url, 'tap-test-client')];
  clients.push(direct, tapped);
  expect(await tapped.listTools()).toEqual(await direct.listTools());
  expect(await tapped.callTool({ name: 'tester__echo', arguments: { text: 'via mcp' } })).toEqual(await direct.callTool({ name: 'tester__echo', arguments: { text: 'via mcp' } }));
  expect(await tapped.callTool({ name: 'tester__fail', arguments: { text: 'x' } })).toEqual(await direct.callTool({ name: 'tester__fail', arguments: { text: 'x' } }));
  const init = await recordFor((c) => c.method === 'initialize' && c.client === 'tap-test-client', 'the initialize record');
  expect(init).toMatchObject({ transport: 'sse', outcome: 'ok', server: null, tool: null });
  expect(init.session).toMatch(/^[0-9a-f-]{36}$/);
  const echo = await recordFor((c) => c.transport === 'sse' && c.tool === 'echo', 'the MCP echo record');
  expect(echo).toMatchObject({ server: 'tester', method: 'tools/call', outcome: 'ok', client: 'tap-test-client', session: init.session });
  expect(echo.requestId).toMatch(/^\d+$/);
  expect(await recordFor((c) => c.transport === 'sse' && c.tool === 'fail', 'the MCP fail record')).toMatchObject({ outcome: 'tool_error', session: init.session });
  expect(await recordFor((c) => c.transport === 'sse' && c.method === 'tools/list', 'the tools/list record')).toMatchObject({ outcome: 'ok' });
});

test('a SIGKILLed child: the hub\'s "Not connected" reaches the client through the tap and the record names server, tool and error', async () => {
  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MCP_TEST_ROLE=victim'))!;
  process.kill(pid, 'SIGKILL');
  const direct = await waitUntil(async () => { const a = await callTool(hub.url, 'victim', 'echo', { text: 'a' }); return a.body.includes('Not connected') && a; }, { what: 'the hub to fail calls to the killed child with "Not connected"' });
  const tapped = await callTool(tap.url, 'victim', 'echo', { text: 'a' });
  expect(comparable(tapped)).toEqual(comparable(direct));
  expect(JSON.parse(tapped.body)).toMatchObject({ error: 'Not connected' });
  expect(await recordFor((c) => c.server === 'victim' && c.transport === 'rest', 'the victim record')).toMatchObject({ tool: 'echo', outcome: 'jsonrpc_error', errorCode: 500, errorMessage: 'Not connected' });
  const client = await mcpClient(tap.url, 'victim-caller');
  clients.push(client);
  const err = await client.callTool({ name: 'victim__echo', arguments: { text: 'a' } }).then((r) => r, (e: Error) => e);
  const record = await recordFor((c) => c.server === 'victim' && c.transport === 'sse', 'the victim MCP record');
  expect(record).toMatchObject({ tool: 'echo', client: 'victim-caller' });
  expect(record.outcome === 'jsonrpc_error' || record.outcome === 'tool_error').toBe(true);
  expect(JSON.stringify(err)).toMatch(/Not connected/);
});

test('interleaved MCP sessions never get each other\'s answers (property: many concurrent calls with the same ids in every session)', async () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const sessions = await Promise.all(Array.from({ length: 6 }, (_, i) => mcpClient(tap.url, `interleaver-${i}`)));
  clients.push(...sessions);
  const calls = sessions.flatMap((c, i) => Array.from({ length: 30 }, (_, j) => ({ c, text: `s${i}-c${j}-${Math.floor(random() * 1e9)}`, client: `interleaver-${i}` })));
  calls.sort(() => random() - 0.5); // a random interleaving across the sessions
  const results = await Promise.all(calls.map(async ({ c, text }) => c.callTool({ name: 'tester__echo', arguments: { text } })));
  results.forEach((r, k) => expect(r.content).toEqual([{ type: 'text', text: calls[k]!.text }]));
  const mine = () => daemon.calls.filter((r) => r.client?.startsWith('interleaver-') && r.tool === 'echo');
  await waitUntil(() => mine().length >= calls.length, { what: `${calls.length} echo records`, describe: () => mine().length });
  const bySession = new Map<string, Set<string | null>>();
  for (const r of mine()) bySession.set(r.session!, (bySession.get(r.session!) ?? new Set()).add(r.client));
  expect(bySession.size).toBe(6); // one session per client, each record named by its own client
  for (const names of bySession.values()) expect(names.size).toBe(1);
  expect(mine().every((r) => r.outcome === 'ok')).toBe(true);
}, 60_000);

/** Reads a stream until `pattern` shows up, while the stream is still open; resolves with what came. */
function firstEvent(url: string, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        text += d;
        if (pattern.test(text)) {
          resolve(text);
          req.destroy();
        }
      });
      res.on('end', () => reject(new Error(`the stream ended before ${pattern}: ${text}`)));
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
  });
}

test('SSE streams pass unbuffered: an event reaches the client while the hub keeps the stream open (/api/events and /mcp)', async () => {
  expect(await firstEvent(`${tap.url}/api/events`, /event: hub_state\ndata: .*\n\n/)).toMatch(/"state":"ready"/);
  expect(await firstEvent(`${tap.url}/mcp`, /event: endpoint\ndata: \/messages\?sessionId=[0-9a-f-]+\r?\n/)).toMatch(/sessionId=/);
});

test('malformed and oversized bodies are forwarded untouched and the hub\'s answer reaches the client', async () => {
  const cases: [string, string, string | Buffer][] = [
    ['POST', '/api/servers/tools', '{"server_name": "tester", "tool": '],
    ['POST', '/api/servers/tools', Buffer.alloc(2 << 20, 0x20)], // larger than the hub's body limit and the tap's cap
    ['POST', '/messages', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'], // no sessionId
    ['POST', '/messages?sessionId=00000000-0000-0000-0000-000000000000', 'not json at all'],
  ];
  for (const [method, path, body] of cases) {
    const [direct, tapped] = [await request(hub.url, method, path, body), await request(tap.url, method, path, body)];
    expect(comparable(tapped)).toEqual(comparable(direct));
  }
  expect(await recordFor((c) => c.transport === 'rest' && c.requestBytes === 2 << 20, 'the oversized call')).toMatchObject({ server: null, tool: null, outcome: 'jsonrpc_error', errorCode: 413 });
  expect(daemon.bad).toEqual([]);
});

test('the tap listens on loopback unless a token is set, and with a token every request must carry it', async () => {
  const refused = await runCli(['tap', '--listen', '0.0.0.0:0', '--hub', hub.url, '--state-dir', tempDir('mhm-tap-')]);
  expect(refused.code).toBe(3);
  expect(refused.stderr).toMatch(/tap listen 0\.0\.0\.0:0: not a loopback address, and no token is set/);
  const dir = tempDir('mhm-tap-cfg-');
  writeFileSync(join(dir, 'config.yaml'), 'tap:\n  token: env:TAP_TOKEN\n');
  const guarded = await startTap(hub.url, tempDir('mhm-tap-'), ['--config', join(dir, 'config.yaml')], isolatedEnv({ TAP_TOKEN: 'a-long-enough-tap-token' }));
  try {
    expect((await request(guarded.url, 'GET', '/api/health')).status).toBe(401);
    const ok = await request(guarded.url, 'GET', '/api/health', undefined, { authorization: 'Bearer a-long-enough-tap-token' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ status: 'ok' });
  } finally {
    await guarded.stop();
  }
});
