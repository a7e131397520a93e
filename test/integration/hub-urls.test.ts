/**
 * Faults D13: URLs and paths the hub supplies are data, never fetched, opened or used as a path. The fake
 * hub names a trap URL as every server's authorizationUrl and remote url, and a FIFO as its config source
 * and cwd (opening a FIFO to read blocks until a writer comes, so a command that opened it would hang);
 * check, validate and the daemon run against it, and the trap hears nothing.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, storedSamples, waitForStored } from '../support/daemon-process.js';
import { startFakeHub } from '../support/fake-hub.js';
import { readyHealth } from '../support/hub-fixtures.js';
import { startReceiver } from '../support/receiver.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

test('D13 hub-supplied authorizationUrl, url, config_source and cwd are never fetched or opened by check, validate or the daemon', async () => {
  const trap = await startReceiver();
  cleanups.push(() => trap.close());
  const dir = tempDir('mhm-d13-');
  const fifo = join(dir, 'trap.fifo');
  execFileSync('mkfifo', [fifo]);
  const health = readyHealth();
  for (const s of health.servers as Record<string, unknown>[]) {
    Object.assign(s, {
      authorizationUrl: `${trap.url}/authorize?server=${String(s.name)}`,
      url: `${trap.url}/mcp`,
      config_source: fifo,
      cwd: dir,
    });
  }
  Object.assign(health, { configSource: fifo, config_source: '../../etc/passwd', authorizationUrl: `${trap.url}/hub` });
  const hub = await startFakeHub();
  cleanups.push(() => hub.close());
  hub.route('/api/health', { kind: 'ok', body: health });
  hub.route('/api/servers', { kind: 'ok', body: { servers: health.servers, timestamp: health.timestamp } });

  const env = isolatedEnv();
  const check = await runCli(['check', '--hub', hub.url, '--timeout', '3s', '--format', 'json'], env);
  expect(check.code, check.stderr).not.toBe(3);
  expect(JSON.parse(check.stdout).checks.length).toBeGreaterThan(0);
  const validate = await runCli(['validate', '--hub', hub.url, '--timeout', '3s'], env);
  expect([0, 1, 2]).toContain(validate.code);

  const state = stateDir();
  const fakeRunningHub = { url: hub.url, env: { HOME: env.HOME!, XDG_STATE_HOME: env.XDG_STATE_HOME! } };
  startDaemonProcess(fakeRunningHub as never, state, ['--no-sse'], cleanups);
  // Three polls and a probe round's worth of time: long enough for anything that would follow a URL.
  await waitForStored(() => storedSamples(state, 'hub.up'), (_r) => storedSamples(state, 'hub.up').length >= 3, 'three polls');

  expect(trap.requests).toEqual([]);
  expect(hub.requests.every((r) => r.path.startsWith('/api/'))).toBe(true);
});
