/**
 * Faults B11: file descriptors run out. The daemon runs under `ulimit -n 64` with its HTTP server on,
 * and 50 clients open connections and hold them: the server refuses what it cannot afford, while polls
 * and store writes keep the descriptors they need (the hub stays up in the history, no poll fails for
 * want of a descriptor), the daemon does not crash, and `process_open_fds` is on /metrics.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, launchHub } from '../../src/demo/hub-launcher.js';
import { CLI_PATH, isolatedEnv } from '../support/cli.js';
import { stateDir, storedSamples, waitForStored } from '../support/daemon-process.js';
import { httpRequest } from '../support/fake-daemon-view.js';
import { freePort } from '../support/prometheus.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

test('B11 under ulimit -n 64, 100 held client connections: polls keep their descriptors, no crash, open fds exported', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const state = stateDir();
  const port = await freePort();
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const cmd = `ulimit -n 64 && exec '${process.execPath}' '${CLI_PATH}' daemon --state-dir '${state}' --hub ${hub.url} --interval 5s --no-sse --listen 127.0.0.1:${port}`;
  const daemon = spawn('bash', ['-c', cmd], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  daemon.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  cleanups.push(() => { if (daemon.exitCode === null) daemon.kill('SIGKILL'); });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await httpRequest(base, '/api/health')).status === 200, { what: 'the daemon serving', timeoutMs: 15_000, describe: () => stderr });
  await waitForStored(() => storedSamples(state, 'hub.up'), (r) => r.v === 1, 'a first good poll');

  // 100 clients connect and hold their connections open (headers never finished).
  const sockets: net.Socket[] = [];
  cleanups.push(() => { for (const s of sockets) s.destroy(); });
  await Promise.all(Array.from({ length: 100 }, () => new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n'); resolve(); });
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    sockets.push(s);
  })));
  const heldFrom = Date.now();
  // Three more polls, 5 s apart, while they are held: every one answered, none failed for lack of a descriptor.
  await waitForStored(() => storedSamples(state, 'hub.up'), () => storedSamples(state, 'hub.up').filter((r) => r.t > heldFrom).length >= 3, 'three polls while the connections are held', 30_000);
  const during = storedSamples(state, 'hub.up').filter((r) => r.t > heldFrom);
  expect(during.map((r) => [r.v, r.err])).toEqual(during.map(() => [1, null]));
  expect(daemon.exitCode).toBeNull();
  expect(stderr).not.toMatch(/EMFILE/);

  for (const s of sockets) s.destroy();
  const metrics = await waitUntil(async () => {
    const r = await httpRequest(base, '/metrics');
    return r.status === 200 && r.body;
  }, { what: '/metrics answering again', timeoutMs: 15_000 });
  const fds = Number(/^process_open_fds (\d+)$/m.exec(metrics)?.[1]);
  expect(fds).toBeGreaterThan(0);
  expect(fds).toBeLessThan(64);
  expect(Number(/^process_max_fds (\d+)$/m.exec(metrics)?.[1])).toBe(64);
}, 60_000);
