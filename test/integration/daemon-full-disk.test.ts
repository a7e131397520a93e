/**
 * A store that refuses writes must not blind the daemon (issue I items 1 and 2, faults F1, F2), against the
 * real mcp-hub 4.2.1 and a real webhook receiver: a hub SIGKILL is still notified, `monitor.store` fires and
 * is delivered while the writes fail, /metrics, `check --expect-daemon` and `status` say so, and once the
 * store takes writes again everything kept in memory is written (no poll lost beyond what was counted as
 * dropped) and `monitor.store` resolves. Two ways to refuse: `PRAGMA query_only` on the daemon's own
 * connection (in process, any user: every write fails, deterministically), and a real full 3 MB tmpfs with
 * the daemon as a child process (SQLITE_FULL; root only, to mount it).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { buildNotifiers } from '../../src/cli/receivers.js';
import { loadConfig } from '../../src/config/load.js';
import { startDaemon } from '../../src/daemon/daemon.js';
import { everythingServer, freePort, launchHub } from '../../src/demo/hub-launcher.js';
import { Store } from '../../src/store/store.js';
import { runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir } from '../support/daemon-process.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { condition, skipNow, skipUnless } from '../support/requires.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';
import { historyDbPath } from '../../src/config/paths.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const quiet = { info() {}, warn() {}, error() {} };

interface Batch { alerts: { status: string; labels: Record<string, string>; annotations: { summary: string } }[] }
/** The first webhook batch at or after request index `from` with an alert of `rule` in `status`. */
function batchWith(receiver: Receiver, rule: string, status: string, from = 0): Batch | undefined {
  return receiver.requests.slice(from).map((r) => JSON.parse(r.body) as Batch).find((b) => b.alerts.some((a) => a.labels.rule === rule && a.status === status));
}

function upRows(state: string): { t: number; v: number | null }[] {
  const db = new Database(historyDbPath(state), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT r.t, r.v FROM samples r JOIN series s ON s.id = r.series_id WHERE s.name = 'hub.up' ORDER BY r.t").all() as { t: number; v: number | null }[];
  } finally {
    db.close();
  }
}

test('every write refused (query_only on the daemon\'s connection): the hub kill and monitor.store reach the webhook; writes resume by themselves and nothing kept is lost', async () => {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  const state = stateDir();
  const file = join(state, 'config.yaml');
  writeFileSync(file, `probes:\n  enabled: false\nalerting:\n  group_wait: 1s\n  receivers:\n    hook: { type: webhook, url: "${receiver.url}/hook" }\n`);
  const cfg = await loadConfig(file, true);
  cfg.collect.interval = 1_000;
  const store = Store.open({ stateDir: state, quickCheck: false });
  cleanups.push(() => store.close());
  const daemon = startDaemon({ cfg, targets: [{ url: hub.url, origin: 'flag' }], stateDir: state, store, log: quiet, timeoutMs: 800, notifiers: await buildNotifiers(cfg, quiet) });
  cleanups.push(() => daemon.stop());
  await waitUntil(() => store.lastSampleTime(hub.url), { what: 'a stored poll', timeoutMs: 20_000, everyMs: 100 });

  store.db.pragma('query_only = ON');
  const refusedAt = Date.now();
  process.kill(hub.pid, 'SIGKILL');
  const down = await waitUntil(() => batchWith(receiver, 'hub.reachable', 'firing'), { what: 'hub.reachable at the webhook', timeoutMs: 20_000, everyMs: 100 });
  const storeAlert = await waitUntil(() => batchWith(receiver, 'monitor.store', 'firing'), { what: 'monitor.store at the webhook', timeoutMs: 20_000, everyMs: 100 });
  expect(down.alerts.find((a) => a.labels.rule === 'hub.reachable')).toMatchObject({ status: 'firing', labels: { severity: 'critical' } });
  expect(storeAlert.alerts[0]).toMatchObject({ labels: { rule: 'monitor.store', hub: '', severity: 'critical' }, annotations: { summary: expect.stringMatching(/^cannot write .*history\.sqlite since .*SQLITE_READONLY/) } });
  expect(daemon.health.failing).toBe(true);
  expect(daemon.health.failures).toBeGreaterThan(1);
  expect(daemon.buffer.stats.pendingSamples).toBeGreaterThan(0);
  expect(store.db.prepare('SELECT count(*) AS n FROM alerts').get()).toEqual({ n: 0 }); // all of it in memory

  const sentBefore = receiver.requests.length;
  store.db.pragma('query_only = OFF');
  const allowedAt = Date.now();
  await waitUntil(() => !daemon.health.failing, { what: 'writes resumed', timeoutMs: 20_000, everyMs: 100 });
  await waitUntil(() => batchWith(receiver, 'monitor.store', 'resolved', sentBefore), { what: 'monitor.store resolved at the webhook', timeoutMs: 20_000, everyMs: 100 });
  await waitUntil(() => daemon.buffer.stats.pendingSamples === 0 && daemon.alerting!.outbox.memoryDepth() === 0 && !daemon.alerting!.pipeline.hasUnsaved(), { what: 'the backlog flushed', timeoutMs: 20_000, everyMs: 100 });
  // Every poll of the refused period was stored (1 s polls): none lost, none dropped.
  const during = upRows(state).filter((r) => r.t > refusedAt + 1_000 && r.t < allowedAt - 1_000);
  expect(during.length).toBeGreaterThanOrEqual(Math.floor((allowedAt - refusedAt) / 1_000) - 3);
  expect(during.every((r) => r.v === 0)).toBe(true);
  expect(daemon.buffer.stats.droppedSamples).toBe(0);
  const stored = store.db.prepare("SELECT rule, state FROM alerts WHERE rule IN ('hub.reachable', 'monitor.store') ORDER BY id").all();
  expect(stored).toEqual([{ rule: 'hub.reachable', state: 'firing' }, { rule: 'monitor.store', state: 'resolved' }]);
  expect(store.db.prepare('SELECT count(*) AS n FROM notifications').get()).toEqual({ n: receiver.requests.length }); // each delivery logged
}, 90_000);

const isRoot = process.getuid?.() === 0;
const TMPFS = condition(isRoot && process.platform === 'linux', 'needs root on Linux to mount a 3 MB tmpfs (a real full disk, SQLITE_FULL); the query_only test above covers the same path for any user');

/** Fills the volume of `dir` until ENOSPC with `name`. */
function fill(dir: string, name: string): string {
  const path = join(dir, name);
  const fd = openSync(path, 'a');
  try {
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}

function scrape(port: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics', timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => {
        const out = new Map<string, number>();
        for (const line of body.split('\n')) if (line && !line.startsWith('#')) out.set(line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1)));
        resolve(out);
      });
    }).on('error', reject);
  });
}

/** A 3 MB tmpfs, unmounted after the test; skips the test when it cannot be mounted. */
function smallVolume(ctx: Parameters<typeof skipNow>[0]): string {
  const vol = tempDir('mhm-tmpfs-');
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m,mode=0700', 'tmpfs', vol], { encoding: 'utf8' });
  if (mount.status !== 0) skipNow(ctx, `mount -t tmpfs failed (${mount.stderr.trim()}): needs a kernel and container that allow it`);
  cleanups.push(() => spawnSync('umount', ['-l', vol]));
  return vol;
}

test('a real full disk (3 MB tmpfs): the daemon child keeps alerting, /metrics, check --expect-daemon and status say the store cannot write; freeing space resumes writing', { ...skipUnless(TMPFS), timeout: 120_000 }, async (ctx) => {
  const vol = smallVolume(ctx);
  const state = join(vol, 'state');
  mkdirSync(state, { mode: 0o700 });
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  const port = await freePort();
  const config = join(tempDir('mhm-full-cfg-'), 'config.yaml');
  writeFileSync(config, `probes:\n  enabled: false\nhttp:\n  listen: "127.0.0.1:${port}"\nalerting:\n  group_wait: 1s\n  receivers:\n    hook: { type: webhook, url: "${receiver.url}/hook" }\n`);
  const daemon = startDaemonProcess(hub, state, ['--no-sse', '--config', config], cleanups);
  await waitUntil(async () => (await scrape(port)).get(`mcp_hub_up{hub="${hub.url}"}`) === 1, { what: 'the hub up in /metrics', timeoutMs: 20_000, everyMs: 100 });

  const filler = fill(vol, 'filler');
  const filledAt = Date.now();
  await waitUntil(async () => (await scrape(port)).get('mcp_hub_monitor_store_writable') === 0, { what: 'a refused write', timeoutMs: 10_000, everyMs: 100 });
  process.kill(hub.pid, 'SIGKILL');
  await waitUntil(() => batchWith(receiver, 'hub.reachable', 'firing'), { what: 'hub.reachable at the webhook', timeoutMs: 20_000, everyMs: 100 });
  const storeAlert = await waitUntil(() => batchWith(receiver, 'monitor.store', 'firing'), { what: 'monitor.store at the webhook', timeoutMs: 20_000, everyMs: 100 });
  expect(storeAlert.alerts[0]!.annotations.summary).toMatch(/^disk full at .*history\.sqlite since .*SQLITE_FULL.*free space on its volume/);

  const m = await scrape(port);
  expect(m.get(`mcp_hub_up{hub="${hub.url}"}`)).toBe(0);
  expect(m.get('mcp_hub_monitor_store_write_failures_total')).toBeGreaterThan(0);
  expect(m.get('mcp_hub_monitor_store_backlog_rows')).toBeGreaterThan(0);
  expect(Date.now() - m.get('mcp_hub_monitor_store_last_successful_write_timestamp_seconds')! * 1000).toBeGreaterThanOrEqual(Date.now() - filledAt - 1_500);
  const check = await runCli(['check', '--hub', hub.url, '--state-dir', state, '--expect-daemon', '--json']);
  const running = (JSON.parse(check.stdout) as { checks: { id: string; status: string; message: string }[] }).checks.find((c) => c.id === 'daemon.running')!;
  expect(running.status).toBe('warning');
  expect(running.message).toMatch(/runs but cannot write its history for .*SQLITE_FULL.*its volume is full/);
  const status = await runCli(['status', '--state-dir', state]);
  expect(status.code).toBe(1);
  expect(status.stdout).toMatch(/^store: CANNOT WRITE: the daemon cannot write its history for .*SQLITE_FULL/m);

  const sentBefore = receiver.requests.length;
  unlinkSync(filler);
  const freedAt = Date.now();
  await waitUntil(async () => (await scrape(port)).get('mcp_hub_monitor_store_writable') === 1, { what: 'writable again', timeoutMs: 15_000, everyMs: 100 });
  expect(Date.now() - freedAt).toBeLessThan(12_000);
  await waitUntil(() => batchWith(receiver, 'monitor.store', 'resolved', sentBefore), { what: 'monitor.store resolved at the webhook', timeoutMs: 20_000, everyMs: 100 });
  const after = await waitUntil(async () => { const x = await scrape(port); return x.get('mcp_hub_monitor_store_backlog_rows') === 0 && x; }, { what: 'the backlog flushed', timeoutMs: 20_000, everyMs: 100 });
  const dropped = after.get('mcp_hub_monitor_dropped_samples_total')!;
  const during = upRows(state).filter((r) => r.t > filledAt + 1_000 && r.t < freedAt - 1_000);
  expect(during.length + dropped).toBeGreaterThanOrEqual(Math.floor((freedAt - filledAt) / 1_000) - 3);
  expect((await runCli(['check', '--hub', hub.url, '--state-dir', state, '--expect-daemon', '--json'])).stdout).toMatch(/daemon running \(pid \d+\), last successful write/);
  expect(daemon.exitCode).toBeNull();
});

test('a daemon started on a full volume says "disk full at PATH" and keeps watching: a hub SIGKILL is notified; with no space held back it exits 3 in one line, leaving no lock', { ...skipUnless(TMPFS), timeout: 120_000 }, async (ctx) => {
  const vol = smallVolume(ctx);
  const state = join(vol, 'state');
  mkdirSync(state, { mode: 0o700 });
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  const config = join(tempDir('mhm-full-cfg-'), 'config.yaml');
  writeFileSync(config, `probes:\n  enabled: false\nalerting:\n  group_wait: 1s\n  receivers:\n    hook: { type: webhook, url: "${receiver.url}/hook" }\n`);
  const first = startDaemonProcess(hub, state, ['--no-sse', '--config', config], cleanups);
  await waitUntil(() => existsSync(historyDbPath(state)) && upRows(state).length > 0, { what: 'a stored poll', timeoutMs: 20_000, everyMs: 100 });
  expect(existsSync(join(state, 'disk-reserve'))).toBe(true); // held back while there was room
  first.kill('SIGTERM');
  await new Promise((r) => first.once('exit', r));

  fill(vol, 'filler');
  const daemon = startDaemonProcess(hub, state, ['--no-sse', '--config', config], cleanups);
  await waitUntil(() => /disk full at [^"]*history\.sqlite/.test(daemon.stderrText()), { what: '"disk full at" in the log', timeoutMs: 20_000, everyMs: 100, describe: () => daemon.stderrText().slice(-2_000) });
  process.kill(hub.pid, 'SIGKILL');
  await waitUntil(() => batchWith(receiver, 'hub.reachable', 'firing'), { what: 'hub.reachable at the webhook', timeoutMs: 20_000, everyMs: 100 });
  expect(daemon.exitCode).toBeNull();
  expect(daemon.stderrText()).not.toMatch(/internal error|\n\s+at /);
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));

  // Nothing held back any more (it was given back, and the volume has no room to set it aside again).
  expect(existsSync(join(state, 'disk-reserve'))).toBe(false);
  fill(vol, 'filler-2');
  const last = await runCli(['daemon', '--state-dir', state, '--hub', hub.url, '--no-sse', '--config', config]);
  expect(last.code).toBe(3);
  expect(last.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^mcp-hub-monitor: disk full at .*history\.sqlite: cannot .*\. Free space on (that|the) volume.*then .*again\.$/)]);
  expect(existsSync(join(state, 'daemon.lock'))).toBe(false);
});
