// What the store attacks (bench/attacks/F1, F2, F9) share: a small real tmpfs for the state dir, the daemon
// as a real child process of the built CLI with a recording webhook and /metrics, and helpers to read what
// it says. Everything listens on 127.0.0.1 and is removed by the returned cleanups.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, unlinkSync, writeSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/mcp-hub-monitor.cjs', import.meta.url));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every 100 ms until it returns a truthy value or `timeoutMs` passes; returns the value or undefined. */
export async function until(fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await sleep(100);
  }
  return undefined;
}

/** Why a real tmpfs cannot be mounted here, or undefined when it can. */
export function tmpfsUnavailable() {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  return undefined;
}

/** Mounts a tmpfs of `size` (e.g. '3m') on a new temp dir; returns its path and a cleanup. */
export function mountTmpfs(size) {
  const dir = mkdtempSync(join(tmpdir(), 'mhm-attack-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mount -t tmpfs failed: ${r.stderr.trim()}`);
  }
  return {
    dir,
    cleanup() {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Bytes free on the filesystem of `dir`. */
export function freeBytes(dir) {
  const st = statfsSync(dir);
  return st.bavail * st.bsize;
}

/** Fills the filesystem of `dir` with `name` until ENOSPC, or with at most `maxBytes`; returns the filler's path. */
export function fillVolume(dir, name = 'filler', maxBytes = Infinity) {
  const path = join(dir, name);
  const fd = openSync(path, 'a');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let written = 0;
  try {
    for (;;) {
      if (written + chunk.length > maxBytes) break;
      let n;
      try { n = writeSync(fd, chunk); } catch (err) { if (err.code === 'ENOSPC') break; throw err; }
      written += n;
      if (n < chunk.length) {
        // The last partial chunk: fill to the byte.
        try { for (;;) writeSync(fd, Buffer.alloc(512, 0x61)); } catch (err) { if (err.code !== 'ENOSPC') throw err; }
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

export function removeFile(path) {
  try { unlinkSync(path); } catch { /* gone */ }
}

/** A webhook receiver recording every batch; `hooks` is [{ at, body }]. */
export async function startWebhook() {
  const hooks = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d) => { body += d; }).on('end', () => {
      try { hooks.push({ at: Date.now(), body: JSON.parse(body) }); } catch { hooks.push({ at: Date.now(), body: { alerts: [] } }); }
      res.end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    hooks,
    /** The first batch after `since` (epoch ms) with an alert of `rule` in `status`. */
    find(rule, status, since = 0) {
      return hooks.find((h) => h.at >= since && h.body.alerts?.some((a) => a.labels?.rule === rule && a.status === status));
    },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

/** An environment with HOME and XDG_* in `home`. */
export function isolatedEnv(home) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('XDG_') && k !== 'MCP_HUB_URL') env[k] = v;
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.local', 'state') };
}

/** A config dir (off the attacked volume) with a webhook receiver and /metrics on `port`. */
export function writeConfig(dir, hookUrl, port) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'config.yaml');
  writeFileSync(file, [
    'probes:', '  enabled: false',
    'http:', `  listen: "127.0.0.1:${port}"`,
    'alerting:', '  group_wait: 1s', '  receivers:', `    hook: { type: webhook, url: "${hookUrl}" }`, '',
  ].join('\n'));
  return file;
}

/** Starts `daemon` as a child process; its stderr is kept. */
export function startDaemon({ state, hubUrl, config, env }) {
  const child = spawn(process.execPath, [CLI, 'daemon', '--state-dir', state, '--hub', hubUrl, '--interval', '1s', '--no-sse', '--config', config], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return {
    child, exited,
    stderr: () => err,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** Runs the CLI; resolves { code, stdout, stderr }. */
export function runCli(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** GET /metrics → Map of `name{labels}` → value (undefined when the server does not answer). */
export async function scrape(port) {
  const text = await new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', timeout: 3_000 }, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (d) => { b += d; }).on('end', () => resolve(b));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => { req.destroy(); resolve(undefined); });
  });
  if (text === undefined) return undefined;
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/** The first metric whose name (labels aside) is `name`, or undefined. */
export function metric(m, name) {
  if (!m) return undefined;
  for (const [k, v] of m) if (k === name || k.startsWith(`${name}{`)) return v;
  return undefined;
}

/**
 * The rig of the full-volume attacks: a state dir on a fresh 3 MB tmpfs, a real hub, a webhook receiver,
 * a free port for the daemon's /metrics and its config; each part's cleanup pushed on `cleanups`. The
 * attack starts the daemon itself (F2 starts a second one on the full volume).
 */
export async function fullVolumeRig(id, cleanups) {
  const { everythingServer, launchHub } = await import('../../dist/demo/hub-launcher.js');
  const vol = mountTmpfs('3m');
  cleanups.push(() => vol.cleanup());
  const state = join(vol.dir, 'state');
  mkdirSync(state, { mode: 0o700 });
  const work = mkdtempSync(join(tmpdir(), `mhm-attack-${id}-`));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const hook = await startWebhook();
  cleanups.push(() => hook.close());
  const port = await freePort();
  const env = isolatedEnv(join(work, 'home'));
  const config = writeConfig(join(work, 'cfg'), hook.url, port);
  return { vol, state, hub, hook, port, env, config };
}
