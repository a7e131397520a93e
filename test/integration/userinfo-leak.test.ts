/**
 * Faults F6: a webhook URL with userinfo (`http://admin:PASS@host/…`) is sent by Node as `Authorization:
 * Basic base64(admin:PASS)`. Two receivers echo that header in their error body: one rejects (400: failed for
 * good, notifier.broken fires, notifier-health.json names it), one is down (503: retried, the outbox keeps
 * last_error). With the real mcp-hub 4.2.1 and the daemon as a real child process, no form of the secret
 * (the password, `admin:PASS`, its base64 padded, unpadded or URL-safe, percent-encoded) is in the store's
 * bytes, the daemon's log, notifier-health.json, any command's output or any API route.
 */
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { freePort, launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir } from '../support/daemon-process.js';
import { startReceiver } from '../support/receiver.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';
import { HISTORY_DB_FILE } from '../../src/config/paths.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const USER = 'admin';
const PASS = 'Pw7-canary/F6+x';
const userinfo = `${USER}:${PASS}`;
const FORMS = [PASS, encodeURIComponent(PASS), userinfo, ...[userinfo, PASS].flatMap((t) => {
  const b64 = Buffer.from(t).toString('base64');
  return [b64, b64.replace(/=+$/, ''), Buffer.from(t).toString('base64url')];
})];
const leaks = (text: string) => FORMS.filter((f) => text.includes(f));

const get = (url: string) => new Promise<string>((resolve, reject) => {
  http.get(url, (res) => {
    let body = '';
    res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve(body));
  }).on('error', reject);
});

test('F6 receivers echoing the Basic auth of URL userinfo: the secret is in no store byte, log line, command output or API route', async () => {
  const rejecting = await startReceiver({ kind: 'echoAuth', status: 400 });
  const down = await startReceiver({ kind: 'echoAuth', status: 503 });
  cleanups.push(() => rejecting.close(), () => down.close());
  const dir = tempDir('mhm-userinfo-');
  const hub = await launchHub({ servers: { ok: testServer(), dead: { command: join(dir, 'no-such-server') } } });
  cleanups.push(() => hub.stop());
  const withUserinfo = (base: string) => base.replace('://', `://${USER}:${encodeURIComponent(PASS)}@`);
  const config = join(dir, 'config.yaml');
  writeFileSync(config, [
    'probes:\n  enabled: false\nalerting:\n  group_wait: 1s\n  receivers:',
    `    hook: { type: webhook, url: '${withUserinfo(rejecting.url)}/hook' }`,
    `    slow: { type: webhook, url: '${withUserinfo(down.url)}/retry' }`, '',
  ].join('\n'));
  const state = stateDir();
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const listen = `127.0.0.1:${await freePort()}`;
  const daemon = startDaemonProcess(hub, state, ['--config', config, '--listen', listen], cleanups, { env });

  // The header really went out, and was echoed back.
  await rejecting.waitFor(1, 30_000);
  expect(rejecting.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(userinfo).toString('base64')}`);
  const health = join(state, 'notifier-health.json');
  await waitUntil(() => existsSync(health) && readFileSync(health, 'utf8').includes('"hook"'), { what: 'notifier-health.json to name hook', timeoutMs: 30_000, everyMs: 100 });
  await down.waitFor(2, 30_000);
  const global = ['--state-dir', state, '--config', config];
  const events = () => runCli(['history', '--events', ...global], env);
  // The notifier.broken alert is stored firing, with its summary (the error text) in its event.
  let listed = '';
  const history = await waitUntil(async () => {
    const h = await events();
    listed = h.stdout;
    return h.stdout.includes('notifier.broken') && h;
  }, { what: 'notifier.broken in history --events', timeoutMs: 15_000, describe: () => listed.slice(-2_000) });
  expect(history.stdout).toContain('Basic <redacted>');

  const places: Record<string, string> = {
    'notifier-health.json': readFileSync(health, 'utf8'),
    'GET /api/alerts': await get(`http://${listen}/api/alerts`),
    'GET /api/events': await get(`http://${listen}/api/events`),
    'GET /metrics': await get(`http://${listen}/metrics`),
    'history --events': history.stdout,
    'alerts --all': (await runCli(['alerts', '--all', ...global], env)).stdout,
    'alerts --all --json': (await runCli(['alerts', '--all', '--json', ...global], env)).stdout,
    status: (await runCli(['status', ...global], env)).stdout,
    'check --expect-daemon': (await runCli(['check', '--hub', hub.url, '--expect-daemon', ...global], env)).stdout,
    'notify test hook': JSON.stringify(await runCli(['notify', 'test', 'hook', ...global], env)),
  };
  expect(places['GET /api/alerts']).toContain('notifier.broken');
  expect(places['notify test hook']).toContain('HTTP 400');
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('close', r));
  places['daemon log'] = daemon.stderrText();
  places['store files'] = readdirSync(state).filter((f) => f.startsWith(HISTORY_DB_FILE)).map((f) => readFileSync(join(state, f)).toString('latin1')).join('');
  expect(places['daemon log']).toContain('notification failed');
  expect(Object.fromEntries(Object.entries(places).map(([where, text]) => [where, leaks(text)]))).toEqual(Object.fromEntries(Object.keys(places).map((k) => [k, []])));
}, 120_000);
