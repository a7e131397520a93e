/**
 * Bad clients through the tap in front of the real mcp-hub 4.2.1: a client that never reads its MCP session
 * stream while ~54 MB of answers are sent to it (backpressure: the tap holds none of it, the data waits in
 * the hub as it would without the tap), a request body that trickles in, half-open connections that never
 * finish their headers, and malformed or oversized JSON-RPC on a live session: forwarded untouched, answered
 * as the hub answers, recorded, and no other client is slowed.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import type { CallRecord } from '../../src/model/calls.js';
import { openLegacySession } from '../support/legacy-session.js';
import { LINUX, skipUnless } from '../support/requires.js';
import { slowloris } from '../support/slowloris.js';
import { FakeTapDaemon, startTap, type TapChild } from '../support/tap.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';

let hub: RunningHub;
let daemon: FakeTapDaemon;
let tap: TapChild;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  hub = await launchHub({ servers: { tester: testServer() } });
  const state = tempDir('mhm-tap-');
  daemon = new FakeTapDaemon(state);
  await daemon.listen();
  tap = await startTap(hub.url, state);
}, 60_000);

afterAll(async () => {
  for (const c of closers.splice(0)) await c();
  await tap?.stop();
  await daemon?.close();
  await hub?.stop();
});

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

function request(base: string, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const echo = (base: string, text: string) => request(base, 'POST', '/api/servers/tools', JSON.stringify({ server_name: 'tester', tool: 'echo', arguments: { text } }));

/** `n` REST echo calls through the tap, one after another: all must come back right, each within `withinMs`. */
async function othersServed(n: number, withinMs: number): Promise<number> {
  let slowest = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await echo(tap.url, `other ${i}`);
    slowest = Math.max(slowest, performance.now() - t0);
    expect([r.status, JSON.parse(r.body).result.content[0].text]).toEqual([200, `other ${i}`]);
  }
  expect(slowest).toBeLessThan(withinMs);
  return slowest;
}

const recorded = (pred: (c: CallRecord) => boolean, what: string) => waitUntil(() => daemon.calls.find(pred), { what, describe: () => daemon.calls.slice(-5) });

test('a client that stops reading its MCP stream while ~54 MB of answers are sent to it: the tap holds none of it (backpressure to the hub), others are served, and every answer arrives once it reads again', { ...skipUnless(LINUX), timeout: 120_000 }, async () => {
  const CALLS = 600;
  const TEXT = 90_000; // under the hub's 100 KB body limit
  // The stream, read by hand: up to the endpoint event, then paused (the kernel buffers fill, then nothing moves).
  let endpoint = '';
  const chunks: string[] = [];
  let answers = 0;
  let tail = '';
  let stream!: http.IncomingMessage;
  const get = http.get(`${tap.url}/mcp`, { headers: { accept: 'text/event-stream' } });
  closers.push(() => get.destroy());
  await new Promise<void>((resolve, reject) => {
    get.on('error', reject);
    get.on('response', (res) => {
      stream = res;
      res.setEncoding('utf8').on('data', (d: string) => {
        chunks.push(d);
        // Events counted as they pass (a marker may straddle two chunks: `tail` is too short to hold a whole one).
        answers += ((tail + d).match(/event: message/g) ?? []).length;
        tail = d.slice(-13);
        const m = endpoint ? null : /event: endpoint\r?\ndata: (\S+)/.exec(chunks.join(''));
        if (m) {
          endpoint = m[1]!;
          res.pause();
          resolve();
        }
      });
    });
  });
  // The posts go straight to the hub (the session is the hub's): what passes the tap is the answers alone.
  const post = (message: unknown) => request(hub.url, 'POST', endpoint, JSON.stringify(message));
  expect((await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'never-reads', version: '1' } } })).status).toBe(202);

  const tapBefore = rssMb(tap.child.pid!);
  const hubBefore = rssMb(hub.pid);
  let tapPeak = tapBefore;
  const sampler = setInterval(() => { tapPeak = Math.max(tapPeak, rssMb(tap.child.pid!)); }, 50);
  closers.push(() => clearInterval(sampler));
  for (let i = 1; i <= CALLS; i += 50) {
    const batch = Array.from({ length: Math.min(50, CALLS + 1 - i) }, (_, k) => post({ jsonrpc: '2.0', id: i + k, method: 'tools/call', params: { name: 'tester__echo', arguments: { text: `${i + k}:`.padEnd(TEXT, 'x') } } }));
    for (const r of await Promise.all(batch)) expect(r.status).toBe(202);
  }
  // The ~54 MB now waits somewhere: in the hub, which writes to a socket nobody drains, or in the tap.
  await waitUntil(() => rssMb(hub.pid) - hubBefore > 40 || rssMb(tap.child.pid!) - tapBefore > 40, { what: 'the unread answers to pile up', timeoutMs: 30_000, describe: () => [rssMb(hub.pid) - hubBefore, rssMb(tap.child.pid!) - tapBefore] });
  // The hub itself is slow while it works through the calls (seconds per call, straight to it): once it
  // answers promptly again, calls through the tap are answered as promptly.
  await waitUntil(async () => { const t0 = performance.now(); await echo(hub.url, 'settled?'); return performance.now() - t0 < 200; }, { what: 'the hub to answer promptly again', timeoutMs: 30_000 });
  await othersServed(20, 1_000);
  tapPeak = Math.max(tapPeak, rssMb(tap.child.pid!));
  // Measured with 90 MB: 8 MB more; a tap that read the hub regardless of its client held 113 MB more.
  expect(tapPeak - tapBefore).toBeLessThan(30);

  // Reading again, the client gets every answer, in full.
  stream.resume();
  await waitUntil(() => answers >= CALLS + 1, { what: `${CALLS + 1} answers`, timeoutMs: 60_000, describe: () => answers });
  const received = chunks.join('');
  for (const id of [1, 300, CALLS]) expect(received).toContain(`"text":"${`${id}:`.padEnd(TEXT, 'x')}"`);
  clearInterval(sampler);
  // Streaming it all through at full speed costs some garbage, not the stream's size.
  expect(tapPeak - tapBefore).toBeLessThan(50);
});

test('a request body that trickles in over 2 s is forwarded as it comes and answered right, while other clients are served at once', async () => {
  const body = JSON.stringify({ server_name: 'tester', tool: 'echo', arguments: { text: 'slow '.repeat(2_000) } });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(`${tap.url}/api/servers/tools`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    const parts = 20;
    const size = Math.ceil(body.length / parts);
    let k = 0;
    const timer = setInterval(() => {
      req.write(body.slice(k * size, (k + 1) * size));
      if (++k === parts) {
        clearInterval(timer);
        req.end();
      }
    }, 100);
  });
  await othersServed(20, 1_000);
  const r = await answer;
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body).result.content[0].text).toBe('slow '.repeat(2_000));
  const record = await recorded((c) => c.transport === 'rest' && c.requestBytes === Buffer.byteLength(body), 'the slow call');
  expect(record).toMatchObject({ server: 'tester', tool: 'echo', outcome: 'ok' });
  expect(record.durationMs).toBeGreaterThanOrEqual(1_500);
});

test('500 connections that never finish their headers (slowloris from 16 addresses): other clients are served at once and the tap stays small', skipUnless(LINUX), async () => {
  const before = rssMb(tap.child.pid!);
  const attack = slowloris(tap.port, 500, 16);
  closers.push(() => attack.stop());
  await attack.started;
  await othersServed(20, 1_000);
  expect(rssMb(tap.child.pid!) - before).toBeLessThan(30);
  await attack.stop();
  expect(tap.child.exitCode).toBeNull();
});

test('malformed and oversized JSON-RPC on a live MCP session: answered as the hub answers, recorded (a post the tap cannot read as _OTHER), the session goes on', async () => {
  const direct = await openLegacySession(hub.url, 'direct');
  const tapped = await openLegacySession(tap.url, 'bad-client');
  closers.push(() => direct.close(), () => tapped.close());
  const rpc = (id: number, params: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params });
  const cases: [string, string][] = [
    ['not JSON', 'not json at all'],
    ['JSON, no JSON-RPC request', '{"hello":"world"}'],
    ['params not an object', rpc(71, 'not an object')],
    ['over the hub\'s 100 KB limit', rpc(72, { name: 'tester__echo', arguments: { text: 'x'.repeat(200_000) } })],
    ['over the tap\'s 1 MB cap', rpc(73, { name: 'tester__echo', arguments: { text: 'x'.repeat(2_000_000) } })],
  ];
  for (const [what, body] of cases) {
    const [viaHub, viaTap] = [await request(hub.url, 'POST', `/messages?sessionId=${direct.sessionId}`, body), await request(tap.url, 'POST', `/messages?sessionId=${tapped.sessionId}`, body)];
    expect(viaTap, what).toEqual(viaHub);
    expect(viaTap.status, what).toBeGreaterThanOrEqual(400);
  }
  const mine = () => daemon.calls.filter((c) => c.session === tapped.sessionId && c.method !== 'initialize');
  await waitUntil(() => mine().length >= cases.length, { what: 'a record per refused post', describe: () => mine() });
  expect(mine().map((c) => [c.method, c.tool, c.requestId, c.outcome, c.errorCode, c.client])).toEqual([
    ['_OTHER', null, null, 'jsonrpc_error', 400, 'bad-client'],
    ['_OTHER', null, null, 'jsonrpc_error', 400, 'bad-client'],
    ['tools/call', null, '71', 'jsonrpc_error', 400, 'bad-client'],
    ['tools/call', 'echo', '72', 'jsonrpc_error', 413, 'bad-client'],
    ['_OTHER', null, null, 'jsonrpc_error', 413, 'bad-client'],
  ]);
  expect(mine()[4]!.requestBytes).toBe(cases[4]![1].length);
  const after = await tapped.call('tools/call', { name: 'tester__echo', arguments: { text: 'still here' } });
  expect(after).toMatchObject({ result: { content: [{ text: 'still here' }] } });
  expect(tapped.strays).toEqual([]);
});
