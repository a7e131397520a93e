/**
 * The loopback preload (preload/loopback.cjs): every hub we start listens on 127.0.0.1 only, as `ss` sees
 * it, and `validate` calls that exposure OK; the preload pins only a listen() that names no host.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loopbackPreloadPath } from '../../src/config/paths.js';
import { everythingServer, launchHub, type RunningHub } from '../../src/demo/hub-launcher.js';
import { runCli } from '../support/cli.js';

/** Local addresses of the TCP listeners on `port`, from `ss -ltn` (iproute2). */
function listenersOn(port: number): string[] {
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim()).map((l) => l.trim().split(/\s+/)[3] as string);
}
const hasSs = spawnSync('ss', ['-V']).status === 0;

/** The hub's own HOME and XDG dirs (inside its temp root, removed with it), so validate finds its files. */
function hubEnv(hub: RunningHub): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('XDG_') && k !== 'MCP_HUB_URL') env[k] = v;
  return { ...env, HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME!, XDG_CONFIG_HOME: hub.env.XDG_CONFIG_HOME! };
}

/** Runs `script` in a node with the preload (and `env`), and returns what it prints as JSON. */
function underPreload(script: string, env: Record<string, string> = {}): unknown {
  const r = spawnSync(process.execPath, ['--require', loopbackPreloadPath(), '-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 10_000 });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

// Each form of net.Server#listen, closed at once; prints the address each one bound.
const LISTEN_FORMS = `
const net = require('node:net');
const forms = {
  port: (s, cb) => s.listen(0, cb),
  portOnly: (s, cb) => { s.listen(0); s.once('listening', cb); },
  callbackOnly: (s, cb) => s.listen(cb),
  portBacklog: (s, cb) => s.listen(0, 10, cb),
  options: (s, cb) => s.listen({ port: 0 }, cb),
  explicitHost: (s, cb) => s.listen(0, '127.0.0.2', cb),
  explicitHostOption: (s, cb) => s.listen({ port: 0, host: '127.0.0.2' }, cb),
  http: (s, cb) => s.listen(0, cb),
};
(async () => {
  const out = {};
  for (const [name, listen] of Object.entries(forms)) {
    const s = name === 'http' ? require('node:http').createServer() : net.createServer();
    await new Promise((r) => listen(s, r));
    out[name] = s.address().address;
    await new Promise((r) => s.close(r));
  }
  process.stdout.write(JSON.stringify(out));
})();`;

test('a listen() without a host binds 127.0.0.1; one that names a host keeps it', () => {
  expect(underPreload(LISTEN_FORMS)).toEqual({
    port: '127.0.0.1', portOnly: '127.0.0.1', callbackOnly: '127.0.0.1', portBacklog: '127.0.0.1', options: '127.0.0.1',
    explicitHost: '127.0.0.2', explicitHostOption: '127.0.0.2', http: '127.0.0.1',
  });
});

test('MCP_HUB_HOST chooses another address; a Unix socket path stays a socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mhm-preload-'));
  try {
    const sock = join(dir, 's.sock');
    const script = `const net = require('node:net');
      const a = net.createServer(); const b = net.createServer();
      a.listen(0, () => b.listen(${JSON.stringify(sock)}, () => {
        process.stdout.write(JSON.stringify({ tcp: a.address().address, unix: b.address() }));
        a.close(); b.close();
      }));`;
    expect(underPreload(script, { MCP_HUB_HOST: '127.0.0.3' })).toEqual({ tcp: '127.0.0.3', unix: sock });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.runIf(process.platform === 'linux' && hasSs)('a hub started by our launcher', () => {
  let hub: RunningHub;
  beforeAll(async () => {
    hub = await launchHub({ servers: { everything: everythingServer() } });
  }, 60_000);
  afterAll(async () => hub?.stop());

  test('listens on 127.0.0.1 only (ss), and validate reports hub.exposure OK', async () => {
    expect(listenersOn(hub.port)).toEqual([`127.0.0.1:${hub.port}`]);
    const run = await runCli(['validate', '--hub', hub.url, '--json'], hubEnv(hub));
    const checks = (JSON.parse(run.stdout) as { checks: { id: string; status: string; message: string }[] }).checks;
    expect(checks.find((c) => c.id === 'hub.exposure')).toMatchObject({ status: 'ok', message: 'listening on loopback only' });
    expect(checks.find((c) => c.id === 'hub.port')?.message).toContain(`listening on 127.0.0.1 by pid ${hub.pid}`);
  });
});
