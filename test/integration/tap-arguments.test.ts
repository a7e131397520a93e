/**
 * tap.record_arguments, through the real tap in front of the real mcp-hub 4.2.1. Off (the default): nothing
 * of a call's arguments reaches the daemon's socket, in any encoding. On: the arguments arrive redacted and
 * capped, and the real daemon shows the last failing calls with them in `status` and on
 * /api/calls/recent-failures, secrets never among them.
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
import { FakeTapDaemon, startTap } from '../support/tap.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PLAIN = 'plain-canary-7f3e9a';
const PASSWORD = 'pw-canary-4d1c88';
const TOKEN = 'ghp_Zq8Xw2Vb6Nm4Lk9Jh3Gf7Ds1Ap5Oi0Uy2Tr';

/** The ways a string could travel unnoticed in a text. */
const encodings = (s: string): string[] => [
  s, Buffer.from(s).toString('base64'), Buffer.from(s).toString('base64url'), Buffer.from(s).toString('hex'), Buffer.from(s).toString('hex').toUpperCase(),
  encodeURIComponent(s), [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''), s.slice(4, -4),
];
const leaked = (text: string, secret: string): string[] => encodings(secret).filter((e) => text.includes(e));

/** With a hub-hostile label: a bidi override and a C1 CSI, which must reach no terminal raw. */
const args = { text: PLAIN, password: PASSWORD, note: `token ${TOKEN} here`, label: 'a\u202eb\u009b31mc' };

function restCall(base: string, tool: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/servers/tools`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ server_name: 'tester', tool, arguments: args }));
  });
}

/** REST and MCP-session calls of echo and fail with `args`, through `tap`. */
async function traffic(base: string): Promise<void> {
  expect((await restCall(base, 'echo')).status).toBe(200);
  expect((await restCall(base, 'fail')).status).toBe(200);
  const client = new Client({ name: 'args-client', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL(`${base}/mcp`)));
  cleanups.push(() => client.close().catch(() => undefined));
  await client.callTool({ name: 'tester__echo', arguments: args });
  await client.callTool({ name: 'tester__fail', arguments: args });
}

test('off (the default): nothing of the arguments reaches the daemon\'s socket in any encoding; on: they arrive redacted, secrets in no encoding', async () => {
  const hub = await launchHub({ servers: { tester: testServer() } });
  cleanups.push(() => hub.stop());
  for (const on of [false, true]) {
    const state = tempDir('mhm-tap-');
    const daemon = new FakeTapDaemon(state);
    await daemon.listen();
    cleanups.push(() => daemon.close());
    const dir = tempDir('mhm-tap-cfg-');
    writeFileSync(join(dir, 'config.yaml'), on ? 'tap:\n  record_arguments: true\n' : 'tap:\n  buffer: 100\n');
    const tap = await startTap(hub.url, state, ['--config', join(dir, 'config.yaml')]);
    cleanups.push(() => tap.stop());
    await traffic(tap.url);
    const calls = () => daemon.calls.filter((c) => c.tool === 'echo' || c.tool === 'fail');
    await waitUntil(() => calls().length >= 4, { what: '4 records', describe: () => daemon.calls });
    expect(leaked(daemon.raw, PASSWORD)).toEqual([]);
    expect(leaked(daemon.raw, TOKEN)).toEqual([]);
    if (!on) {
      expect(leaked(daemon.raw, PLAIN)).toEqual([]);
      expect(calls().every((c) => c.arguments === undefined)).toBe(true);
    } else {
      for (const c of calls()) expect(JSON.parse(c.arguments!)).toEqual({ text: PLAIN, password: '<redacted>', note: '<redacted> here', label: args.label });
    }
    await tap.stop();
  }
}, 60_000);

test('on: the real daemon shows the last failing calls with their redacted arguments in status and on /api/calls/recent-failures', async () => {
  const hub = await launchHub({ servers: { tester: testServer() } });
  cleanups.push(() => hub.stop());
  const state = stateDir();
  const config = join(state, 'config.yaml');
  writeFileSync(config, ['probes:', '  enabled: false', 'tap:', '  record_arguments: true'].join('\n'));
  const port = await freePort();
  startDaemonProcess(hub, state, ['--config', config, '--no-sse', '--interval', '60s', '--listen', `127.0.0.1:${port}`], cleanups);
  await waitForEvent(state, (e) => e.type === 'hub_state');
  const tap = await startTap(hub.url, state, ['--config', config]);
  cleanups.push(() => tap.stop());
  await traffic(tap.url);

  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const status = await waitUntil(async () => {
    const r = await runCli(['status', '--state-dir', state, '--config', config], env);
    return (r.stdout.match(/^ {4}.* tester\/fail/gm) ?? []).length >= 2 && r;
  }, { what: 'status to list the two failing calls', timeoutMs: 20_000, everyMs: 250 });
  const recorded = '{"text":"plain-canary-7f3e9a","password":"<redacted>","note":"<redacted> here","label":"a\u202eb\u009b31mc"}';
  const shown = recorded.replace('\u202e', '<U+202E>').replace('\u009b', '\\u009b');
  expect(status.stdout).toMatch(/^ {2}recent failures:\n {4}\S+ ago {2}tester\/fail \(client args-client\): tool_error\n {6}arguments: .*\n {4}\S+ ago {2}tester\/fail: tool_error\n {6}arguments: .*$/m);
  expect(status.stdout.split('\n').filter((l) => l.startsWith('      arguments: '))).toEqual([`      arguments: ${shown}`, `      arguments: ${shown}`]);

  const api = JSON.parse((await httpRequest(`http://127.0.0.1:${port}/api/calls/recent-failures`, '/api/calls/recent-failures')).body) as { failures: Record<string, unknown>[] };
  expect(api.failures.map((f) => [f.tool, f.method, f.outcome, f.client, f.arguments])).toEqual([
    ['fail', 'tools/call', 'tool_error', 'args-client', recorded],
    ['fail', 'tools/call', 'tool_error', null, recorded],
  ]);
  expect(status.stdout).not.toMatch(/[\u202e\u009b]/);
  // The secrets are nowhere the daemon writes or shows.
  const windowFile = readFileSync(join(state, 'calls-window.json'), 'utf8');
  for (const text of [status.stdout, JSON.stringify(api), windowFile]) {
    expect(leaked(text, PASSWORD)).toEqual([]);
    expect(leaked(text, TOKEN)).toEqual([]);
  }
}, 90_000);
