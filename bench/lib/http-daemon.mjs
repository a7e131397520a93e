// The built daemon (dist/) with its HTTP server on loopback, for the HTTP attacks and bench:slowloris:
// it watches a hub port nobody listens on (the hub does not matter to the HTTP server), with a token from
// its config file, in a temp HOME and state dir removed by stop().
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { freePort } from '../../dist/demo/hub-launcher.js';

const CLI = fileURLToPath(new URL('../../bin/mcp-hub-monitor.cjs', import.meta.url));
export const BENCH_TOKEN = 'bench-token-0123456789abcdef';

/** Starts `daemon --listen 127.0.0.1:PORT` (token set unless `token: null`); resolves once it answers. */
export async function startHttpDaemon({ token = BENCH_TOKEN } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'mhm-attack-'));
  const state = join(home, 'state');
  const config = join(home, 'config.yaml');
  writeFileSync(config, token ? `http:\n  token: ${token}\n` : '{}\n');
  const port = await freePort();
  const deadPort = await freePort();
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.local', 'state') };
  delete env.MCP_HUB_URL;
  const child = spawn(process.execPath, [CLI, 'daemon', '--config', config, '--state-dir', state, '--hub', `http://127.0.0.1:${deadPort}`, '--listen', `127.0.0.1:${port}`, '--no-sse'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(home, { recursive: true, force: true });
  };
  const end = Date.now() + 20_000;
  for (;;) {
    const r = await probe(url, '/metrics', { token, timeoutMs: 1_000 });
    if (r.status === 200) break;
    if (Date.now() > end || child.exitCode !== null) {
      await stop();
      throw new Error(`the daemon did not serve ${url}/metrics within 20 s: ${log.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, token, pid: child.pid, log: () => log, stop };
}

/**
 * One request on a fresh connection (as a scraper whose keep-alive lapsed between scrapes). Resolves
 * { status, ms } with status 0 when nothing came back within `timeoutMs` or the connection was dropped.
 */
export function probe(base, path, { token, timeoutMs = 2_000, headers = {}, localAddress } = {}) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (status) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ status, ms: performance.now() - t0 });
    };
    const req = http.get(`${base}${path}`, { agent: false, localAddress, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode ?? 0));
      res.on('error', () => finish(0));
    });
    req.on('error', () => finish(0));
    const timer = setTimeout(() => finish(0), timeoutMs);
  });
}

export const quantile = (xs, q) => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]);
