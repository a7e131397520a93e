/**
 * The tap when things around it fail: a daemon that is away or stops reading costs clients nothing (the tap
 * buffers, counts what it drops and says so), and a hub that dies mid-call gives the client a failure and
 * the daemon a transport_error record.
 */
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterEach, expect, test } from 'vitest';
import { launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import { isolatedEnv } from '../support/cli.js';
import { FakeTapDaemon, startTap, type TapChild } from '../support/tap.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** A REST call of `tool` on the tester server. */
function callTool(base: string, tool: string, args: Record<string, unknown>, via?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/servers/tools`, { method: 'POST', ...(via ? { agent: via } : {}), headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ server_name: 'tester', tool, arguments: args }));
  });
}
const echo = (base: string, text: string) => callTool(base, 'echo', { text }, agent);

/** `n` echo calls, 16 at a time; returns how many failed. */
async function manyCalls(base: string, n: number): Promise<number> {
  let failed = 0;
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < n) {
      const k = next++;
      const r = await echo(base, `call ${k}`).catch(() => ({ status: 0, body: '' }));
      if (r.status !== 200 || !r.body.includes(`call ${k}`)) failed++;
    }
  }));
  return failed;
}

async function setup(buffer: number, moreTap = '', serverEnv: Record<string, string> = {}): Promise<{ hub: RunningHub; tap: TapChild; state: string }> {
  const hub = await launchHub({ servers: { tester: testServer(serverEnv) } });
  cleanups.push(() => hub.stop());
  const state = tempDir('mhm-tap-');
  const dir = tempDir('mhm-tap-cfg-');
  writeFileSync(join(dir, 'config.yaml'), `tap:\n  buffer: ${buffer}\n${moreTap}`);
  const tap = await startTap(hub.url, state, ['--config', join(dir, 'config.yaml')], isolatedEnv());
  cleanups.push(() => tap.stop());
  return { hub, tap, state };
}

test('with no daemon on the socket, clients see zero failed calls; the tap drops the oldest records, says so, and reports the count when the daemon comes', async () => {
  const { tap, state } = await setup(5);
  expect(await manyCalls(tap.url, 60)).toBe(0);
  // The tap's stderr is a pipe: its line may reach us a moment after the last call's answer.
  await waitUntil(() => /tap: the daemon is not taking records \(no daemon at .*tap\.sock\); the buffer of 5 is full, dropping the oldest records/.test(tap.stderr()), { what: 'the "dropping" line', describe: () => tap.stderr() });
  const daemon = new FakeTapDaemon(state);
  await daemon.listen();
  cleanups.push(() => daemon.close());
  const status = await waitUntil(() => daemon.statuses[0], { what: 'the tap\'s status on connect', timeoutMs: 15_000 });
  expect(status).toMatchObject({ dropped: 55, buffered: 5, hub: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
  await waitUntil(() => daemon.calls.length >= 5, { what: 'the 5 buffered records' });
  expect(daemon.calls.map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  await waitUntil(() => /the daemon is back at .*; 55 records dropped while it was away/.test(tap.stderr()), { what: 'the "back" line', describe: () => tap.stderr() });
}, 60_000);

test('with a daemon that stops reading, clients see zero failed calls and the tap\'s status counts what it dropped', async () => {
  const { tap, state } = await setup(50);
  const daemon = new FakeTapDaemon(state);
  await daemon.listen();
  cleanups.push(() => daemon.close());
  await waitUntil(() => daemon.statuses.length > 0, { what: 'the first status' });
  daemon.setReading(false);
  // Enough records to fill the socket's kernel buffer, the tap's write buffer and its queue of 50.
  expect(await manyCalls(tap.url, 2_500)).toBe(0);
  await waitUntil(() => /it stopped reading/.test(tap.stderr()), { what: 'the "dropping" line', describe: () => tap.stderr() });
  daemon.setReading(true);
  const status = await waitUntil(() => daemon.statuses.find((s) => s.dropped > 0), { what: 'a status counting drops', timeoutMs: 15_000 });
  expect(status.dropped + daemon.calls.length).toBeGreaterThanOrEqual(2_500);
}, 120_000);

test('a hub that dies mid-call: the client sees the failure, and in-flight calls are recorded as transport_error', async () => {
  const { hub, tap, state } = await setup(100);
  const daemon = new FakeTapDaemon(state);
  await daemon.listen();
  cleanups.push(() => daemon.close());
  const client = new Client({ name: 'doomed', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL(`${tap.url}/mcp`)));
  cleanups.push(() => client.close().catch(() => undefined));
  const hanging = client.callTool({ name: 'tester__hang', arguments: {} }).then(() => 'answered', (e: Error) => e.message);
  const restHanging = new Promise<string>((resolve) => {
    const events = http.get(`${tap.url}/api/events`, (res) => {
      res.once('data', () => {
        res.on('error', (e) => resolve(`stream error: ${e.message}`));
        res.on('aborted', () => resolve('aborted'));
        res.on('end', () => resolve('ended cleanly'));
        hub.child.kill('SIGKILL');
      });
    });
    events.on('error', (e) => resolve(`request error: ${e.message}`));
  });
  await waitUntil(() => daemon.calls.some((c) => c.method === 'initialize'), { what: 'the session to start' });
  expect(await restHanging).toMatch(/aborted|stream error/); // as a client of the hub itself sees a dropped stream
  const record = await waitUntil(() => daemon.calls.find((c) => c.tool === 'hang'), { what: 'the hang record', describe: () => daemon.calls });
  expect(record).toMatchObject({ server: 'tester', client: 'doomed', outcome: 'transport_error', errorType: 'transport_error', errorMessage: expect.stringMatching(/hub/) });
  void hanging;
  const after = await echo(tap.url, 'after').catch((e: Error) => ({ status: -1, body: e.message }));
  expect(after.status).toBe(502);
  expect(after.body).toMatch(/refused the connection/);
  expect(await waitUntil(() => daemon.calls.find((c) => c.transport === 'rest'), { what: 'the refused REST record' })).toMatchObject({ outcome: 'transport_error', tool: 'echo', server: 'tester' });
}, 60_000);

test('calls the hub never answers end as timeout at the tap\'s deadline (REST: a 504), and calls the client gives up on as client_cancelled (a session\'s notifications/cancelled, an aborted REST request)', async () => {
  const callLog = join(tempDir('mhm-tap-calls-'), 'calls.log');
  writeFileSync(callLog, '');
  const { tap, state } = await setup(100, '  deadline: 2s\n', { MCP_TEST_CALL_LOG: callLog });
  const daemon = new FakeTapDaemon(state);
  await daemon.listen();
  cleanups.push(() => daemon.close());
  // The test server writes each call it receives to callLog: "the call reached the server" is an event.
  const reached = (n: number) => waitUntil(() => readFileSync(callLog, 'utf8').split('\n').filter((l) => l === 'hang').length >= n, { what: `hang call ${n} to reach the server` });
  const recorded = (transport: string, outcome: string) => waitUntil(() => daemon.calls.find((c) => c.transport === transport && c.outcome === outcome), { what: `a ${transport} ${outcome} record`, describe: () => daemon.calls });

  const client = new Client({ name: 'impatient', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL(`${tap.url}/mcp`)));
  cleanups.push(() => client.close().catch(() => undefined));
  const abort = new AbortController();
  const aborted = client.callTool({ name: 'tester__hang', arguments: {} }, undefined, { signal: abort.signal }).then(() => 'answered', () => 'rejected');
  await reached(1);
  abort.abort('the user pressed stop'); // the SDK sends notifications/cancelled for the call
  expect(await aborted).toBe('rejected');
  expect(await recorded('sse', 'client_cancelled')).toMatchObject({ server: 'tester', tool: 'hang', client: 'impatient', errorType: 'client_cancelled' });

  const unanswered = client.callTool({ name: 'tester__hang', arguments: {} }, undefined, { timeout: 60_000 }).then(() => 'answered', () => 'rejected');
  await reached(2);
  const sseTimeout = await recorded('sse', 'timeout');
  expect(sseTimeout).toMatchObject({ server: 'tester', tool: 'hang', client: 'impatient', errorType: 'timeout', errorMessage: 'no answer within 2 s' });
  // Node's timers count whole ms from the loop's cached clock: a 2 s deadline can fire at 1999.4 ms measured.
  expect(sseTimeout.durationMs).toBeGreaterThanOrEqual(1_999);
  void unanswered; // the hub never answers it either; closing the client ends it

  const rest = await callTool(tap.url, 'hang', {});
  expect(rest).toEqual({ status: 504, body: 'mcp-hub-monitor tap: the hub did not answer within 2 s\n' });
  const restTimeout = await recorded('rest', 'timeout');
  expect(restTimeout).toMatchObject({ server: 'tester', tool: 'hang', errorType: 'timeout' });
  expect(restTimeout.durationMs).toBeGreaterThanOrEqual(1_999);

  const givingUp = http.request(`${tap.url}/api/servers/tools`, { method: 'POST', headers: { 'content-type': 'application/json' } });
  givingUp.on('error', () => { /* we hang up ourselves */ });
  givingUp.end(JSON.stringify({ server_name: 'tester', tool: 'hang', arguments: {} }));
  await reached(4);
  givingUp.destroy();
  expect(await recorded('rest', 'client_cancelled')).toMatchObject({ server: 'tester', tool: 'hang', errorType: 'client_cancelled' });
}, 60_000);
