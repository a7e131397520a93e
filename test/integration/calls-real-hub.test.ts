/**
 * Issue K's scenario with the real mcp-hub 4.2.1 and the daemon as a real process: a stdio child is
 * killed, then 20 REST calls to its tool fail with "Not connected" within a minute. The test plays the
 * traffic tap: it makes each call to the real hub and writes the record the tap would write for it
 * (tapLine, the real wire format) to the daemon's socket. The daemon polls only once a minute and holds
 * no SSE stream here, so nothing but the calls can tell it: within 10 s an alert names the server, the
 * tool and the error, and the server's `server.status` fires on the evidence.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, expect, test } from 'vitest';
import { launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { tapLine, TAP_SOCKET_FILE, type CallRecord } from '../../src/model/calls.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, waitForEvent } from '../support/daemon-process.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One REST tool call through the hub, timed as the tap times it. */
function callTool(hubUrl: string, server: string, tool: string): Promise<{ status: number; body: { error?: string }; start: number; durationMs: number; bytes: [number, number] }> {
  const payload = JSON.stringify({ server_name: server, tool, arguments: { text: 'hi' } });
  const start = Date.now();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(`${hubUrl}/api/servers/tools`, { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { error?: string }, start, durationMs: performance.now() - t0, bytes: [payload.length, text.length] });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.end(payload);
  });
}

/** The record the tap writes for a REST tool call (model/calls.ts). */
function restRecord(hub: string, server: string, tool: string, r: Awaited<ReturnType<typeof callTool>>): CallRecord {
  const failed = r.status >= 400;
  return {
    hub, server, tool, method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null,
    start: r.start, durationMs: r.durationMs, outcome: failed ? 'jsonrpc_error' : 'ok',
    ...(failed ? { errorCode: r.status, errorType: String(r.status), errorMessage: String(r.body.error ?? '').slice(0, 200) } : {}),
    requestBytes: r.bytes[0], responseBytes: r.bytes[1],
  };
}

test('a child killed, then 20 REST calls to its tool: within 10 s an alert names the server, the tool and the error', async () => {
  const hub = await launchHub({ servers: { crashy: testServer({ MHM_TAG: 'crashy' }) } });
  cleanups.push(() => hub.stop());
  const state = stateDir();
  const config = join(state, 'config.yaml');
  writeFileSync(config, ['probes:', '  enabled: false'].join('\n'));
  // One poll a minute and no SSE stream: the hub's own signals cannot explain an alert within 10 s.
  startDaemonProcess(hub, state, ['--config', config, '--no-sse', '--interval', '60s'], cleanups);
  await waitForEvent(state, (e) => e.type === 'hub_state'); // the first poll

  const socketPath = join(state, TAP_SOCKET_FILE);
  const tap: Socket = await waitUntil(() => new Promise<Socket>((resolve, reject) => {
    const s = connect(socketPath);
    s.once('connect', () => resolve(s)).once('error', reject);
  }), { what: 'the daemon\'s tap socket' });
  cleanups.push(() => tap.destroy());
  tap.write(tapLine({ v: 1, kind: 'status', status: { listen: '127.0.0.1:0', hub: hub.url, pid: process.pid, startedAt: Date.now(), dropped: 0, buffered: 0 } }));

  // Traffic while the child lives: fine, and nothing fires.
  for (let i = 0; i < 3; i++) {
    const r = await callTool(hub.url, 'crashy', 'echo');
    expect(r.status).toBe(200);
    tap.write(tapLine({ v: 1, kind: 'call', call: restRecord(hub.url, 'crashy', 'echo', r) }));
  }

  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MHM_TAG=crashy'))!;
  process.kill(pid, 'SIGKILL');
  await waitUntil(async () => (await callTool(hub.url, 'crashy', 'echo')).body.error === 'Not connected', { what: 'the hub failing calls to the dead child' });

  const firstCallAt = Date.now();
  for (let i = 0; i < 20; i++) {
    const r = await callTool(hub.url, 'crashy', 'echo');
    expect([r.status, r.body.error]).toEqual([500, 'Not connected']);
    tap.write(tapLine({ v: 1, kind: 'call', call: restRecord(hub.url, 'crashy', 'echo', r) }));
  }

  const callsAlert = await waitForEvent(state, (e) => e.type === 'alert_firing' && e.data!.includes('"calls.error_rate"') && e.data!.includes('crashy/echo'), 10_000);
  const deadAlert = await waitForEvent(state, (e) => e.type === 'alert_firing' && e.server === 'crashy' && e.data!.includes('"server.status"'), 1_000);
  console.log(`calls.error_rate fired ${callsAlert.t - firstCallAt} ms and server.status ${deadAlert.t - firstCallAt} ms after the first failing call`);
  expect(callsAlert.t - firstCallAt).toBeLessThan(10_000);
  expect(deadAlert.t - firstCallAt).toBeLessThan(10_000);
  expect(JSON.parse(callsAlert.data!)).toMatchObject({ severity: 'critical', summary: 'crashy/echo: success 13.0% over 23 calls in 5m (20 failed: 500 ×20: "Not connected")' });
  expect(JSON.parse(deadAlert.data!).summary).toMatch(/crashy: dead: a call through the tap \(tool echo\) failed with "Not connected"/);

  // `alerts` lists them with the server and the tool.
  const listed = await runCli(['alerts', '--state-dir', state, '--json'], isolatedEnv());
  const open = (JSON.parse(listed.stdout) as { open: { rule: string; state: string; labels: Record<string, string> }[] }).open;
  expect(open.filter((a) => a.state === 'firing').map((a) => [a.rule, a.labels.server, a.labels.tool ?? null]).sort()).toEqual([
    ['calls.error_rate', 'crashy', null], ['calls.error_rate', 'crashy', 'echo'], ['server.status', 'crashy', null],
  ]);

  // status shows the tap, the window's calls and the worst tool; check --expect-daemon the calls.* findings.
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const status = await runCli(['status', '--state-dir', state], env);
  expect(status.stdout).toMatch(/^tap: connected \(1\), 2\d calls in the last 5m, 20 failed, 0 records dropped by the taps, 0 unreadable lines$/m);
  expect(status.stdout).toMatch(/^ {4}crashy\/echo {2}2\d calls, 13% ok, P95 \d+ ms, 500 ×20: "Not connected"$/m);
  const check = await runCli(['check', '--hub', hub.url, '--state-dir', state, '--expect-daemon'], env);
  expect(check.code).toBe(2);
  expect(check.stdout).toMatch(/calls\.error_rate.*crashy\/echo.*success 13\.0% over 23 calls in 5m \(20 failed: 500 ×20: "Not connected"\)/);

  // The tap goes away: status says so, loudly, and exits 1.
  tap.destroy();
  const gone = await waitUntil(async () => {
    const r = await runCli(['status', '--state-dir', state], env);
    return /^tap: TAP GONE: a tap was connected and left .* ago; calls through the hub are not seen$/m.test(r.stdout) && r;
  }, { what: 'status saying the tap is gone', timeoutMs: 15_000, everyMs: 500 });
  expect(gone.code).toBe(1);
});
