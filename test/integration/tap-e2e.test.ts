/**
 * Issue K end to end with every real part: the real mcp-hub 4.2.1, the daemon as a real process (with its
 * HTTP server) and the real tap process on the daemon's state dir. REST and MCP-session calls go through the
 * tap; then a stdio child is SIGKILLed and ~20 REST calls to its tool fail with "Not connected" through the
 * tap. Nothing in the test writes a record: what the daemon knows, it learned from the tap.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterEach, expect, test } from 'vitest';
import { launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, waitForEvent } from '../support/daemon-process.js';
import { httpRequest } from '../support/fake-daemon-view.js';
import { freePort } from '../support/prometheus.js';
import { startTap } from '../support/tap.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One REST tool call (to the tap), its status and JSON body. */
function callTool(base: string, server: string, tool: string): Promise<{ status: number; body: { error?: string } }> {
  const payload = JSON.stringify({ server_name: server, tool, arguments: { text: 'hi' } });
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/servers/tools`, { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { error?: string } });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.end(payload);
  });
}

test('through the real tap: a killed child\'s failing calls fire calls.error_rate and server.status within 10 s, and status, alerts and /metrics show the calls', { timeout: 120_000 }, async () => {
  const hub = await launchHub({ servers: { crashy: testServer({ MHM_TAG: 'crashy' }) } });
  cleanups.push(() => hub.stop());
  const state = stateDir();
  const config = join(state, 'config.yaml');
  writeFileSync(config, ['probes:', '  enabled: false'].join('\n'));
  const port = await freePort();
  // One poll a minute and no SSE stream: only the tap's calls can explain an alert within 10 s.
  startDaemonProcess(hub, state, ['--config', config, '--no-sse', '--interval', '60s', '--listen', `127.0.0.1:${port}`], cleanups);
  await waitForEvent(state, (e) => e.type === 'hub_state'); // the first poll: the socket is up
  const tap = await startTap(hub.url, state);
  cleanups.push(() => tap.stop());
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  await waitUntil(async () => /^tap: connected \(1\)/m.test((await runCli(['status', '--state-dir', state], env)).stdout), { what: 'status to see the tap connected', timeoutMs: 15_000, everyMs: 250 });

  // Traffic while the child lives, over REST and over an MCP session.
  for (let i = 0; i < 3; i++) expect((await callTool(tap.url, 'crashy', 'echo')).status).toBe(200);
  const client = new Client({ name: 'e2e-client', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL(`${tap.url}/mcp`)));
  cleanups.push(() => client.close().catch(() => undefined));
  for (let i = 0; i < 3; i++) {
    expect(await client.callTool({ name: 'crashy__echo', arguments: { text: 'via mcp' } })).toMatchObject({ content: [{ type: 'text' }] });
  }

  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MHM_TAG=crashy'))!;
  process.kill(pid, 'SIGKILL');
  // The first call that fails starts the clock. The hub first answers "Connection closed" (the call that
  // met the death), then "Not connected": the test makes calls until 20 said "Not connected".
  let firstFailAt = 0;
  let failed = 0;
  let notConnected = 0;
  const callDead = async (): Promise<boolean> => {
    const at = Date.now();
    const r = await callTool(tap.url, 'crashy', 'echo');
    if (r.status !== 500) return false;
    if (failed++ === 0) firstFailAt = at;
    if (r.body.error === 'Not connected') notConnected++;
    return r.body.error === 'Not connected';
  };
  await waitUntil(callDead, { what: 'the hub failing calls to the dead child with "Not connected", through the tap' });
  while (notConnected < 20) await callDead();
  console.log(`${failed} calls failed through the tap, ${notConnected} of them with "Not connected"`);

  const callsAlert = await waitForEvent(state, (e) => e.type === 'alert_firing' && e.data!.includes('"calls.error_rate"') && e.data!.includes('crashy/echo'), 10_000);
  const deadAlert = await waitForEvent(state, (e) => e.type === 'alert_firing' && e.server === 'crashy' && e.data!.includes('"server.status"'), 10_000);
  console.log(`through the real tap: calls.error_rate fired ${callsAlert.t - firstFailAt} ms and server.status ${deadAlert.t - firstFailAt} ms after the first failing call`);
  expect(callsAlert.t - firstFailAt).toBeLessThan(10_000);
  expect(deadAlert.t - firstFailAt).toBeLessThan(10_000);
  expect(JSON.parse(callsAlert.data!).summary).toMatch(/^crashy\/echo: success [\d.]+% over \d+ calls in 5m \((\d+) failed: 500 ×\1: "Not connected"\)$/);
  expect(JSON.parse(deadAlert.data!).summary).toMatch(/crashy: dead: a call through the tap \(tool echo\) failed with "Not connected"/);

  const listed = await runCli(['alerts', '--state-dir', state, '--json'], env);
  const open = (JSON.parse(listed.stdout) as { open: { rule: string; labels: Record<string, string> }[] }).open;
  expect(open.map((a) => [a.rule, a.labels.server, a.labels.tool ?? null])).toEqual(expect.arrayContaining([
    ['calls.error_rate', 'crashy', 'echo'], ['server.status', 'crashy', null],
  ]));

  // status: the tap connected and the window's calls (3 REST + 3 MCP ok, every failed one; plus the
  // session's initialize and tools/list), once the daemon's window has taken the last call.
  const line = new RegExp(`^tap: connected \\(1\\), \\d+ calls in the last 5m, ${failed} failed, 0 records dropped by the taps, 0 unreadable lines$`, 'm');
  const status = await waitUntil(async () => {
    const r = await runCli(['status', '--state-dir', state], env);
    return line.test(r.stdout) && r;
  }, { what: `status to count ${failed} failed calls`, timeoutMs: 15_000, everyMs: 250 });
  expect(status.stdout).toMatch(/^ {4}crashy\/echo {2}\d+ calls, [\d.]+% ok, P95 \d+ ms, 500 ×\d+: "Not connected"$/m);
  console.log(status.stdout.split('\n').filter((l) => /^(tap:|  worst tools|    \S+\/)/.test(l)).join('\n'));
  const json = JSON.parse((await runCli(['status', '--state-dir', state, '--json'], env)).stdout) as { tap: { window: { tap: { connected: number }; calls: number; errors: number }; problems: string[] } };
  expect(json.tap).toMatchObject({ window: { tap: { connected: 1 }, errors: failed }, problems: [] });
  expect(json.tap.window.calls).toBeGreaterThanOrEqual(26);

  // /metrics: the OTel histogram for the tool, failed calls under their error type.
  const metrics = (await httpRequest(`http://127.0.0.1:${port}/metrics`, '/metrics')).body;
  const count = (errorType: string, method = 'tools/call') => {
    const re = new RegExp(`^mcp_server_operation_duration_seconds_count\\{hub="[^"]+",server="crashy",mcp_method_name="${method.replace('/', '\\/')}",gen_ai_tool_name="echo",error_type="${errorType}"\\} (\\d+)$`, 'm');
    return Number(re.exec(metrics)?.[1] ?? NaN);
  };
  expect([count('500'), count('')]).toEqual([failed, 6]);

  // The tap stops: status says it is gone, and exits 1.
  await tap.stop();
  const gone = await waitUntil(async () => {
    const r = await runCli(['status', '--state-dir', state], env);
    return /^tap: TAP GONE: a tap was connected and left .* ago; calls through the hub are not seen$/m.test(r.stdout) && r;
  }, { what: 'status saying the tap is gone', timeoutMs: 15_000, everyMs: 500 });
  expect(gone.code).toBe(1);
});
