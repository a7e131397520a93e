/**
 * The tap when things around it fail: a daemon that is away or stops reading costs clients nothing (the tap
 * buffers, counts what it drops and says so), and a hub that dies mid-call gives the client a failure and
 * the daemon a transport_error record.
 */
import http from 'node:http';
import { writeFileSync } from 'node:fs';
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
function echo(base: string, text: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/servers/tools`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ server_name: 'tester', tool: 'echo', arguments: { text } }));
  });
}

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

async function setup(buffer: number): Promise<{ hub: RunningHub; tap: TapChild; state: string }> {
  const hub = await launchHub({ servers: { tester: testServer() } });
  cleanups.push(() => hub.stop());
  const state = tempDir('mhm-tap-');
  const dir = tempDir('mhm-tap-cfg-');
  writeFileSync(join(dir, 'config.yaml'), `tap:\n  buffer: ${buffer}\n`);
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
