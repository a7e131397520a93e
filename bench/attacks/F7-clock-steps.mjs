// F7 (issue I 7): the wall clock steps +2 h, then −1 h, while the daemon runs. The real mcp-hub 4.2.1 with
// three real stdio servers, the daemon in this process on a manual clock (wall time steps, monotonic time
// does not), 180 polls at 5 s: a child killed before the +2 h step (still firing at the end), another killed
// between the steps and recovered after the −1 h one. Then the real CLI on the real clock (which the manual
// wall clock ends on): `alerts --all`, `status`, `summary --format json`. Held when no figure is negative,
// the resolved alert lasted what the monotonic clock measured, the firing one is as old as it, status
// judges a fresh last poll (exit 0), and the SLO and the summary count every stored poll once.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../../dist/config/defaults.js';
import { formatDuration, parseDuration } from '../../dist/config/duration.js';
import { ManualClock } from '../../dist/model/clock.js';
import { startDaemon } from '../../dist/daemon/daemon.js';
import { launchHub, testServer } from '../../dist/demo/hub-launcher.js';
import { AlertStore } from '../../dist/store/alert-store.js';
import { acquireLock } from '../../dist/store/lock.js';
import { Store } from '../../dist/store/store.js';

const HOUR = 3_600_000;
const POLL_MS = 5_000;
const PHASE = 60;
const CLI = fileURLToPath(new URL('../../bin/mcp-hub-monitor.cjs', import.meta.url));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(pred, what, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Every server (but `except`) up a whole second by the hub's own clock: a kill then shows as uptime going backwards. */
const allUp = (hub, except = []) => until(async () => {
  const health = await (await fetch(`${hub.url}/api/health`)).json();
  return health.servers.length > 0 && health.servers.every((s) => except.includes(s.name) || (s.status === 'connected' && s.uptime >= 1));
}, 'the servers to be up', 20_000);

const childPid = (hub, tag) => hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes(`MHM_TAG=${tag}`));

function cli(args, home) {
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.local', 'state') };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

async function run() {
  const cleanups = [];
  try {
    const hub = await launchHub({ servers: { steady: testServer(), crashy: testServer({ MHM_TAG: 'crashy' }), doomed: testServer({ MHM_TAG: 'doomed' }) } });
    cleanups.push(() => hub.stop());
    await allUp(hub);
    const root = mkdtempSync(join(tmpdir(), 'mhm-attack-f7-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const state = join(root, 'state');
    const store = Store.open({ stateDir: state, quickCheck: false });
    cleanups.push(() => store.close());
    const lock = acquireLock(state, 'daemon'); // `status` sees this process as the running daemon
    cleanups.push(() => lock.release());

    const cfg = defaultConfig();
    Object.assign(cfg.collect, { interval: POLL_MS, sse: false });
    cfg.probes.enabled = false;
    Object.assign(cfg.alerting, { receivers: { pager: { type: 'recording' } }, group_wait: 0, failure_threshold: 1 });
    const clock = new ManualClock(Date.now() - 3 * PHASE * POLL_MS - HOUR); // ends on the real clock
    const sent = [];
    const pager = { channel: 'recording', minIntervalMs: 0, send: async (batch) => { sent.push(batch); return { kind: 'sent', status: 200 }; } };
    const daemon = startDaemon({ cfg, targets: [{ url: hub.url, origin: 'flag' }], stateDir: state, store, clock, timeoutMs: 2_000, notifiers: new Map([['pager', pager]]), random: () => 0.5, log: { info() {}, warn() {}, error() {} } });
    let stopped = false;
    cleanups.push(() => (stopped ? undefined : daemon.stop()));
    const collector = daemon.collectors[0];
    const alerts = new AlertStore(store.db);
    const alertOf = (server) => [...alerts.openAlerts(), ...alerts.recentResolved(0)].find((a) => a.labels.server === server);
    const mono = {};
    let polls = 0;
    const poll = async (n) => {
      for (let i = 0; i < n; i++) {
        const before = collector.lastPollAt;
        await clock.advance(POLL_MS);
        await until(() => collector.lastPollAt !== before, 'a poll');
        await new Promise((r) => setImmediate(r));
        polls++;
        for (const server of ['doomed', 'crashy']) {
          const s = alertOf(server)?.state;
          if (s !== undefined) mono[`${server}.${s}`] ??= clock.monotonic();
        }
      }
    };

    await poll(PHASE - 10);
    process.kill(childPid(hub, 'doomed'), 'SIGKILL');
    await poll(10);
    clock.jumpWall(2 * HOUR);
    await poll(10);
    process.kill(childPid(hub, 'crashy'), 'SIGKILL');
    await poll(PHASE - 10);
    clock.jumpWall(-HOUR);
    await poll(10);
    await post(`${hub.url}/api/servers/stop`, { server_name: 'crashy' });
    await post(`${hub.url}/api/servers/start`, { server_name: 'crashy' });
    await allUp(hub, ['doomed']);
    await poll(PHASE - 10);
    stopped = true;
    await daemon.stop({ endRun: false }); // the run stays open: `status` reads a running daemon

    const home = join(root, 'home');
    const [listed, status, summary] = [await cli(['alerts', '--all', '--state-dir', state], home), await cli(['status', '--state-dir', state], home), await cli(['summary', '--state-dir', state, '--format', 'json'], home)];
    const crashy = alertOf('crashy');
    const crashyMs = crashy?.state === 'resolved' ? crashy.resolvedAt - crashy.firedAt : NaN;
    const crashyMono = mono['crashy.resolved'] - mono['crashy.firing'];
    const doomedMono = clock.monotonic() - mono['doomed.firing'];
    const firingForText = /doomed.*firing for (\S+?)\)/.exec(listed.stdout)?.[1] ?? '?';
    const firingFor = parseDuration(firingForText) ?? NaN;
    const lastPollText = /last poll (\S+) ago/.exec(status.stdout)?.[1] ?? '?';
    const lastPoll = parseDuration(lastPollText) ?? NaN;
    const sloPolls = Number(/SLO availability: \S+ of (\d+) polls/.exec(status.stdout)?.[1]);
    const report = JSON.parse(summary.stdout);
    // The daily summary covers whole minutes: the polls of the minute in progress are left for the next one.
    const inProgress = store.db.prepare("SELECT count(*) AS n FROM samples r JOIN series s ON s.id = r.series_id WHERE s.name = 'hub.up' AND s.labels = '' AND r.t >= ? AND r.t < ?").get(report.period.to, report.period.to + 60_000).n;
    const counted = report.hubs[0].availability.current.total;
    const negatives = (`${listed.stdout}${status.stdout}`.match(/-\d+(ms|s|m|h)\b/g) ?? []).length
      + sent.flatMap((b) => b.alerts).filter((a) => a.endsAt !== undefined && a.endsAt < a.startsAt).length
      + [...alerts.openAlerts(), ...alerts.recentResolved(0)].filter((a) => a.resolvedAt !== null && a.resolvedAt < a.firedAt).length;
    const held = negatives === 0 && crashyMs === crashyMono && firingFor >= doomedMono - 10_000 && firingFor <= doomedMono + 60_000
      && lastPoll >= 0 && lastPoll < 60_000 && status.code === 0 && sloPolls === polls && counted === polls - inProgress;
    const figure = `after +2 h then −1 h: ${negatives} negative figures; the alert recovered after the −1 h step ${crashy?.state === 'resolved' ? `resolved after ${formatDuration(crashyMs)} (monotonic ${formatDuration(crashyMono)})` : `still ${crashy?.state ?? 'absent'}`}; `
      + `the one fired before +2 h "firing for ${firingForText}" (monotonic ${formatDuration(doomedMono)}); status "last poll ${lastPollText} ago", exit ${status.code}; `
      + `SLO polls ${sloPolls} of ${polls}; summary ${counted} of ${polls} (${inProgress} in the minute in progress)`;
    return { held, figure };
  } finally {
    for (const c of cleanups.reverse()) {
      try { await c(); } catch { /* best effort */ }
    }
  }
}

export const attack = { id: 'F7', title: 'Wall-clock steps (+2 h, then −1 h) while the daemon runs', run };
