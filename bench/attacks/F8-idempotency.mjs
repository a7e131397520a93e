// F8: one Idempotency-Key per notification, not per group. (a) A group that changes 45 times: the built
// alert pipeline, outbox (SQLite) and webhook notifier deliver to a real HTTP receiver, a server of the group
// failing and recovering in turn on a manual clock; counted: notifications received and distinct keys (a
// receiver honouring the header drops every notification whose key it has seen). (b) A crash loop with a slow
// receiver: the built daemon watches a real mcp-hub with a dead server, its webhook receiver holds each
// request 2 s, and the daemon is killed (-9) as each request arrives, then restarted, 6 times; counted:
// arrivals of the page and the distinct keys they carry (one key: a receiver honouring it shows one page).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchHub, testServer } from '../../dist/demo/hub-launcher.js';
import { AlertPipeline } from '../../dist/alerts/pipeline.js';
import { Deliverer } from '../../dist/alerts/deliver.js';
import { pollScope, toRuleResults } from '../../dist/alerts/results.js';
import { defaultConfig } from '../../dist/config/defaults.js';
import { ManualClock } from '../../dist/model/clock.js';
import { createNotifier, receiverSchema } from '../../dist/notify/index.js';
import { AlertStore } from '../../dist/store/alert-store.js';
import { Store } from '../../dist/store/store.js';

const CLI = fileURLToPath(new URL('../../bin/mcp-hub-monitor.cjs', import.meta.url));
const HUB = 'http://127.0.0.1:7000';
const quiet = { info() {}, warn() {}, error() {} };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A receiver recording each request's Idempotency-Key and body; `holdMs` delays every answer. */
async function receiver(holdMs = 0) {
  const got = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d) => { body += d; }).on('end', () => {
      got.push({ key: req.headers['idempotency-key'], body: JSON.parse(body) });
      setTimeout(() => res.writeHead(200).end('ok'), holdMs);
    });
  });
  server.on('connection', (s) => s.on('error', () => {}));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, got, close: () => { server.closeAllConnections(); server.close(); } };
}

async function changingGroup() {
  const rx = await receiver();
  const dir = mkdtempSync(join(tmpdir(), 'mhm-attack-f8-'));
  const store = Store.open({ stateDir: dir, quickCheck: false });
  try {
    const clock = new ManualClock();
    const cfg = defaultConfig();
    cfg.alerting.group_wait = 0;
    cfg.alerting.group_interval = 1_000;
    cfg.alerting.receivers = { hook: { type: 'webhook', url: rx.url } };
    const notifiers = new Map([['hook', createNotifier('hook', receiverSchema.parse(cfg.alerting.receivers.hook), { log: quiet, timeoutMs: 5_000 })]]);
    const alerts = new AlertStore(store.db);
    const deliverer = new Deliverer({ store: alerts, notifiers, now: () => clock.now(), random: () => 0.5, timeoutMs: 5_000, log: quiet });
    const pipeline = new AlertPipeline({ store: alerts, cfg, now: () => clock.now(), log: quiet, onEnqueued: () => deliverer.wake() });
    const poll = (status) => pipeline.observe(toRuleResults([
      { id: 'hub.reachable', status: 'ok', hub: HUB, message: 'answers' },
      { id: 'server.status', status: 'ok', hub: HUB, subject: 'steady', message: 'connected' },
      { id: 'server.status', status, hub: HUB, subject: 'crashy', message: status === 'ok' ? 'connected' : 'dead' },
    ]), pollScope(HUB, true));
    // crashy fails and recovers in turn, polled every 5 s, until the group's 45th notification.
    for (let i = 0; rx.got.length < 45 && i < 2_000; i++) {
      poll(Math.floor(i / 3) % 2 === 0 ? 'critical' : 'ok');
      for (let s = 0; s < 5; s++) {
        await clock.advance(1_000);
        pipeline.dispatch();
        deliverer.tick();
        await deliverer.idle();
      }
    }
    return { notifications: rx.got.length, keys: new Set(rx.got.map((g) => g.key)).size };
  } finally {
    store.close();
    rx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function crashLoop(crashes = 6) {
  const rx = await receiver(2_000);
  const dir = mkdtempSync(join(tmpdir(), 'mhm-attack-f8-crash-'));
  const hub = await launchHub({ servers: { ok: testServer(), dead: { command: join(dir, 'no-such-server') } } });
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `probes:\n  enabled: false\nalerting:\n  group_wait: 1s\n  receivers:\n    hook: { type: webhook, url: '${rx.url}' }\n`);
  const env = { ...process.env, HOME: hub.env.HOME, XDG_STATE_HOME: hub.env.XDG_STATE_HOME, XDG_CONFIG_HOME: hub.env.XDG_CONFIG_HOME };
  const args = [CLI, 'daemon', '--state-dir', join(dir, 'state'), '--config', config, '--hub', hub.url, '--interval', '1s'];
  let daemon;
  try {
    for (let i = 0; i <= crashes; i++) {
      daemon = spawn(process.execPath, args, { env, stdio: 'ignore' });
      const before = rx.got.length;
      const end = Date.now() + 30_000;
      while (rx.got.length === before && Date.now() < end) await sleep(20);
      if (i < crashes) {
        daemon.kill('SIGKILL'); // mid-send: the receiver has the request, the daemon never hears back
        await new Promise((r) => daemon.once('close', r));
      }
    }
    await sleep(3_000); // the last attempt is answered and marked delivered
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('close', r));
    const pages = rx.got.filter((g) => g.body.status === 'firing');
    return { arrivals: pages.length, keys: new Set(pages.map((g) => g.key)).size };
  } finally {
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    await hub.stop();
    rx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const attack = {
  id: 'F8',
  title: 'Idempotency-Key per notification: a group changing 45 times, and a crash loop against a slow receiver',
  async run() {
    const a = await changingGroup();
    const b = await crashLoop();
    const held = a.notifications === 45 && a.keys === 45 && b.arrivals >= 2 && b.keys === 1;
    return {
      held,
      figure: `${a.notifications} notifications of one group, ${a.keys} keys; crash loop: the page arrived ${b.arrivals} times with ${b.keys} key${b.keys === 1 ? '' : 's'} (a receiver honouring it shows ${b.keys})`,
    };
  },
};
