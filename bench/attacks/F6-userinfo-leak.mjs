// F6: URL userinfo leaks. Two webhooks `http://admin:PASS@127.0.0.1:PORT/…` (Node sends the userinfo as
// `Authorization: Basic base64(admin:PASS)`), on a receiver that echoes the request's Authorization header
// and URL in its error body: one answers 400 (failed for good: notifier.broken fires, notifier-health.json
// names it), one 503 (retried: the outbox keeps its last_error). The built daemon watches a real mcp-hub with
// a dead server, so both are notified. Then every place a user or a tool can read is searched for any form
// of the secret: the password, `admin:PASS`, its base64 (standard, unpadded, URL-safe), percent-encoded.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchHub, testServer } from '../../dist/demo/hub-launcher.js';
import { HISTORY_DB_FILE } from '../../dist/config/paths.js';

const CLI = fileURLToPath(new URL('../../bin/mcp-hub-monitor.cjs', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const USER = 'admin';
const PASS = 'Pw7-canary/F6+x';

/** Every form the secret can take on the wire or in an echo. */
function forms() {
  const userinfo = `${USER}:${PASS}`;
  const b64 = Buffer.from(userinfo).toString('base64');
  return [PASS, encodeURIComponent(PASS), userinfo, b64, b64.replace(/=+$/, ''), Buffer.from(userinfo).toString('base64url')];
}
const leaks = (text) => forms().some((f) => text.includes(f));

function run(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
    child.on('close', () => resolve(out));
  });
}
const get = (url) => new Promise((resolve) => {
  http.get(url, (res) => { let b = ''; res.setEncoding('utf8').on('data', (d) => { b += d; }).on('end', () => resolve(b)); }).on('error', (e) => resolve(`error ${e.message}`));
});
const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });

export const attack = {
  id: 'F6',
  title: 'URL userinfo (Authorization: Basic) echoed by a receiver, searched for in every store, log, command output and API route',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'mhm-attack-f6-'));
    const got = { failed: 0, retried: 0 };
    const receiver = http.createServer((req, res) => {
      req.resume().on('end', () => {
        const retry = req.url.startsWith('/retry');
        got[retry ? 'retried' : 'failed']++;
        res.writeHead(retry ? 503 : 400, { 'content-type': 'text/plain' }).end(`denied: authorization=${req.headers.authorization} url=${req.url}`);
      });
    });
    await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
    const base = `http://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${receiver.address().port}`;
    const hub = await launchHub({ servers: { ok: testServer(), dead: { command: join(dir, 'no-such-server') } } });
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `probes:\n  enabled: false\nalerting:\n  group_wait: 1s\n  receivers:\n    hook: { type: webhook, url: '${base}/hook' }\n    slow: { type: webhook, url: '${base}/retry' }\n`);
    const env = { ...process.env, HOME: hub.env.HOME, XDG_STATE_HOME: hub.env.XDG_STATE_HOME, XDG_CONFIG_HOME: hub.env.XDG_CONFIG_HOME };
    const state = join(dir, 'state');
    const global = ['--state-dir', state, '--config', config];
    const listen = `127.0.0.1:${await freePort()}`;
    const daemon = spawn(process.execPath, [CLI, 'daemon', ...global, '--hub', hub.url, '--interval', '1s', '--listen', listen], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    daemon.stderr.setEncoding('utf8').on('data', (d) => { log += d; });
    try {
      const health = join(state, 'notifier-health.json');
      const end = Date.now() + 40_000;
      while (Date.now() < end && !(got.retried >= 2 && existsSync(health) && readFileSync(health, 'utf8').includes('"hook"'))) await sleep(200);
      await sleep(1_500); // the notifier.broken alert's evaluation and events
      const places = {
        'daemon log': log,
        'notifier-health.json': existsSync(health) ? readFileSync(health, 'utf8') : '',
        'GET /api/alerts': await get(`http://${listen}/api/alerts`),
        'GET /api/events': await get(`http://${listen}/api/events`),
        'GET /metrics': await get(`http://${listen}/metrics`),
        'alerts --all': await run(['alerts', '--all', ...global], env),
        'alerts --all --json': await run(['alerts', '--all', '--json', ...global], env),
        'history --events': await run(['history', '--events', ...global], env),
        status: await run(['status', ...global], env),
        'check --expect-daemon': await run(['check', '--hub', hub.url, '--expect-daemon', ...global], env),
        'notify test hook': await run(['notify', 'test', 'hook', ...global], env),
      };
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('close', r));
      places[`store files (${HISTORY_DB_FILE}*)`] = readdirSync(state).filter((f) => f.startsWith(HISTORY_DB_FILE)).map((f) => readFileSync(join(state, f)).toString('latin1')).join('');
      const found = Object.entries(places).filter(([, text]) => leaks(text)).map(([where]) => where);
      const ran = got.failed > 0 && got.retried >= 2 && places['notifier-health.json'].includes('"hook"');
      return {
        held: ran && found.length === 0,
        figure: `secret found in ${found.length} of ${Object.keys(places).length} places${found.length ? ` (${found.join(', ')})` : ''}${ran ? '' : ' (the attack did not run through: no failed and retried deliveries to judge)'}`,
      };
    } finally {
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
      await hub.stop();
      receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
