/**
 * A config reload (SIGHUP, `mcp-hub-monitor reload`) with a tap connected, the daemon a real process on the
 * real hub: the tap's connection to `<state-dir>/tap.sock` stays open through the reload (it used to be cut,
 * losing the lines in flight), calls sent right after it are counted, and the changed `calls:` thresholds
 * judge the window from then on. Calls for a hub the daemon does not watch (localhost for 127.0.0.1) are
 * counted and said by `status`, not filed under the watched one; the degradation level in `status` and
 * `check --expect-daemon` judges the calls and says so. The test plays the tap on the socket with the tap's own lines (tapLine).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { tapLine, TAP_SOCKET_FILE, type CallRecord } from '../../src/model/calls.js';
import { CALLS_WINDOW_FILE, parseCallsWindow } from '../../src/model/calls-window.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, waitForEvent } from '../support/daemon-process.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const config = (warning: number) => [
  'probes:', '  enabled: false',
  'calls:', '  min_calls: 5', '  success_rate:', `    warning: ${warning}`, '    critical: 50',
].join('\n');

test('reload keeps the tap connected and judges the calls with the new thresholds; the level judges the calls; an unwatched hub is said', { timeout: 60_000 }, async () => {
  const hub = await launchHub({ servers: { files: testServer() } });
  cleanups.push(() => hub.stop());
  const state = stateDir();
  const file = join(state, 'config.yaml');
  writeFileSync(file, config(95));
  startDaemonProcess(hub, state, ['--config', file, '--no-sse'], cleanups);
  await waitForEvent(state, (e) => e.type === 'hub_state');

  const tap: Socket = await waitUntil(() => new Promise<Socket>((resolve, reject) => {
    const s = connect(join(state, TAP_SOCKET_FILE));
    s.once('connect', () => resolve(s)).once('error', reject);
  }), { what: 'the daemon\'s tap socket' });
  cleanups.push(() => tap.destroy());
  let closedAt: number | undefined;
  tap.on('close', () => { closedAt = Date.now(); });
  tap.write(tapLine({ v: 1, kind: 'status', status: { listen: '127.0.0.1:0', hub: hub.url, pid: process.pid, startedAt: Date.now(), dropped: 0, buffered: 0 } }));
  const send = (ok: boolean, hubName = hub.url) => {
    const call: CallRecord = {
      hub: hubName, server: 'files', tool: 'echo', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: Date.now(), durationMs: 3,
      ...(ok ? { outcome: 'ok' } : { outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: 'boom' }), requestBytes: 1, responseBytes: 1,
    };
    tap.write(tapLine({ v: 1, kind: 'call', call }));
  };
  const window = () => {
    try {
      return parseCallsWindow(readFileSync(join(state, CALLS_WINDOW_FILE), 'utf8'));
    } catch {
      return undefined;
    }
  };
  const serverRate = (calls: number) => waitUntil(() => {
    const w = window();
    const f = w?.findings.find((x) => x.id === 'calls.error_rate' && x.subject === 'files' && x.tool === undefined);
    return w?.calls === calls && f;
  }, { what: `the daemon's window to judge ${calls} calls`, timeoutMs: 15_000, everyMs: 100, describe: () => window() });

  // 8 of 10 calls succeed: 80 %, below the 95 % warning. The hub's URL with a trailing slash is the same
  // hub; with localhost for 127.0.0.1 it is another one, which this daemon does not watch: counted, said.
  for (let i = 0; i < 10; i++) send(i >= 2, i === 9 ? `${hub.url}/` : hub.url);
  send(true, hub.url.replace('127.0.0.1', 'localhost'));
  expect((await serverRate(10)).status).toBe('warning');
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const status = await runCli(['status', '--state-dir', state], env);
  expect(status.stdout).toContain(`tap: UNWATCHED HUB: taps send calls for hubs this daemon does not watch, not judged: ${hub.url.replace('127.0.0.1', 'localhost')} (1 call since the daemon started)`);
  expect(status.code).toBe(1);
  // The degradation level judges the real calls (80 % is orange), and says it did; check --expect-daemon too.
  expect(status.stdout).toMatch(/^ {4}level orange: calls through the tap over 5m: success 80\.0% of 10, P95 \d+ ms \(orange\); alerts: .*$/m);
  const check = await runCli(['check', '--hub', hub.url, '--state-dir', state, '--expect-daemon', '--json'], env);
  expect((JSON.parse(check.stdout) as { hubs: { level: string; levelReason: string }[] }).hubs[0]).toMatchObject({
    level: 'orange', levelReason: expect.stringMatching(/^calls through the tap over 5m: success 80\.0% of 10, P95 \d+ ms \(orange\); checks: /),
  });

  writeFileSync(file, config(70));
  const reloaded = await runCli(['reload', '--state-dir', state, '--config', file], env);
  expect(reloaded.code).toBe(0);
  await waitForEvent(state, (e) => e.type === 'config_reloaded');
  // The same connection, right after the reload: its call is counted, and 9 of 11 (81.8 %) is fine at 70 %.
  send(true);
  const after = await serverRate(11);
  expect(after).toMatchObject({ status: 'ok', threshold: 'warning <70%, critical <50%' });
  expect(closedAt).toBeUndefined();
  expect(window()!.tap).toMatchObject({ connected: 1, everConnected: true, badLines: 0 });
});
