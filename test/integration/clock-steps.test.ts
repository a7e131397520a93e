/**
 * Wall-clock steps while the daemon runs (faults F7, A22): the real mcp-hub 4.2.1 with real stdio servers,
 * the daemon in-process on a manual clock whose wall time steps +2 h and then −1 h while its monotonic time
 * runs on, and the real CLI reading the store afterwards, as an operator would. Durations and ages follow
 * the monotonic clock, every stored poll counts once, and no figure is negative.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterEach, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import { ManualClock } from '../../src/model/clock.js';
import { startDaemon } from '../../src/daemon/daemon.js';
import { launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import { AlertStore } from '../../src/store/alert-store.js';
import { acquireLock } from '../../src/store/lock.js';
import { Store } from '../../src/store/store.js';
import { RecordingNotifier } from '../support/alert-harness.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const HOUR = 3_600_000;
const POLL_MS = 5_000;
/** Polls per phase: before the +2 h step, between the steps, after the −1 h step. */
const PHASE = 60;

function post(url: string, body: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Waits until the hub says every server has been up a whole second: a kill then shows as uptime going backwards. */
async function allUp(hub: RunningHub, except: string[] = []): Promise<void> {
  let servers: { name: string; status: string; uptime: number }[] = [];
  await waitUntil(async () => {
    ({ servers } = await (await fetch(`${hub.url}/api/health`)).json() as { servers: typeof servers });
    return servers.length > 0 && servers.every((s) => except.includes(s.name) || (s.status === 'connected' && s.uptime >= 1));
  }, { what: 'every server up a whole second', timeoutMs: 20_000, everyMs: 100, describe: () => servers });
}

const childPid = (hub: RunningHub, tag: string): number =>
  hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes(`MHM_TAG=${tag}`))!;

test('F7: after +2 h then −1 h, durations and ages follow the monotonic clock, every poll counts once, nothing is negative', async () => {
  const hub = await launchHub({ servers: { steady: testServer(), crashy: testServer({ MHM_TAG: 'crashy' }), doomed: testServer({ MHM_TAG: 'doomed' }) } });
  cleanups.push(() => hub.stop());
  await allUp(hub);
  const state = tempDir('mhm-clock-steps-');
  const lock = acquireLock(state, 'daemon'); // `status` sees this process as the running daemon
  cleanups.push(() => lock.release());
  const store = Store.open({ stateDir: state, quickCheck: false });
  cleanups.push(() => store.close());

  const cfg = defaultConfig();
  cfg.collect.interval = POLL_MS;
  cfg.collect.sse = false;
  cfg.probes.enabled = false;
  cfg.alerting.receivers = { pager: { type: 'recording' } };
  cfg.alerting.group_wait = 0;
  cfg.alerting.failure_threshold = 1; // no confirmation polls: one slot poll per advance
  // The wall clock ends where the real one is, so the CLI (on the real clock) reads the store as it would.
  const clock = new ManualClock(Date.now() - 3 * PHASE * POLL_MS - HOUR);
  const pager = new RecordingNotifier('pager', clock);
  const quiet = { info() {}, warn() {}, error() {} };
  const daemon = startDaemon({
    cfg, targets: [{ url: hub.url, origin: 'flag' }], stateDir: state, store, log: quiet, clock, timeoutMs: 2_000,
    notifiers: new Map([['pager', pager]]), random: () => 0.5,
  });
  let stopped = false;
  cleanups.push(() => (stopped ? undefined : daemon.stop()));
  const collector = daemon.collectors[0]!;
  let polls = 0;
  const mono: Record<string, number> = {};
  // One slot poll per 5 s: each advance fires it, and the next advance waits for its real HTTP round trip.
  const poll = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const before = collector.lastPollAt;
      await clock.advance(POLL_MS);
      await waitUntil(() => collector.lastPollAt !== before, { what: 'a poll', everyMs: 2 });
      await new Promise((r) => setImmediate(r));
      polls++;
      for (const server of ['doomed', 'crashy']) {
        const alertState = alertOf(server)?.state;
        if (alertState !== undefined) mono[`${server}.${alertState}`] ??= clock.monotonic();
      }
    }
  };
  const alertStore = new AlertStore(store.db);
  const alertOf = (server: string) => alertStore.openAlerts().concat(alertStore.recentResolved(0)).find((a) => a.labels.server === server);

  await poll(PHASE - 10);
  process.kill(childPid(hub, 'doomed'), 'SIGKILL');
  await poll(10);
  expect(alertOf('doomed')?.state).toBe('firing');

  clock.jumpWall(2 * HOUR);
  await poll(10);
  process.kill(childPid(hub, 'crashy'), 'SIGKILL');
  await poll(PHASE - 10);
  expect(alertOf('crashy')?.state).toBe('firing');

  clock.jumpWall(-HOUR);
  await poll(10);
  expect(await post(`${hub.url}/api/servers/stop`, { server_name: 'crashy' })).toBe(200);
  expect(await post(`${hub.url}/api/servers/start`, { server_name: 'crashy' })).toBe(200);
  await allUp(hub, ['doomed']); // a second of real uptime, or polls seconds apart on the manual clock would call it dead
  await poll(PHASE - 10);
  const crashy = alertOf('crashy')!;
  // Recovered 10 polls after the −1 h step: resolved at once (two passing polls), after firing 60 polls' worth.
  expect.soft(crashy.state, 'crashy resolves after its recovery').toBe('resolved');
  const crashyMs = (crashy.resolvedAt ?? NaN) - crashy.firedAt!;
  const crashyMono = mono['crashy.resolved']! - mono['crashy.firing']!;
  expect.soft(crashyMs, `crashy: fired to resolved, as the monotonic clock measured it (${crashyMono / 1000}s)`).toBe(crashyMono);
  for (const { batch } of pager.got) for (const a of batch.alerts) if (a.endsAt !== undefined) expect.soft(a.endsAt - a.startsAt, 'a resolved notification ends after it starts').toBeGreaterThanOrEqual(0);
  // One row per poll, 5 s apart on the stored time line but for the hole of the followed +2 h step; each
  // step is a clock_jump event saying what readers need.
  const times = (store.db.prepare("SELECT r.t FROM samples r JOIN series s ON s.id = r.series_id WHERE s.name = 'hub.up' AND s.labels = '' ORDER BY r.t").all() as { t: number }[]).map((r) => r.t);
  expect(times).toHaveLength(polls);
  const spacing = times.slice(1).map((t, i) => t - times[i]!);
  expect(spacing.filter((d) => d !== POLL_MS)).toEqual([2 * HOUR + POLL_MS]);
  const jumps = store.queryEvents({ type: 'clock_jump', from: 0, to: Number.MAX_SAFE_INTEGER, limit: 10 }).map((e) => e.data);
  expect(jumps).toEqual([{ deltaMs: 2 * HOUR, aheadMs: 0, followedMs: 2 * HOUR }, { deltaMs: -HOUR, aheadMs: HOUR, followedMs: 0 }]);

  // The operator's commands, on the real clock, while the daemon runs.
  const env = isolatedEnv();
  const alerts = await runCli(['alerts', '--all', '--state-dir', state], env);
  const status = await runCli(['status', '--state-dir', state], env);
  const summary = await runCli(['summary', '--state-dir', state, '--format', 'json'], env);
  const doomedMs = clock.monotonic() - mono['doomed.firing']!;

  for (const out of [alerts.stdout, status.stdout]) expect.soft(out, 'no negative figure').not.toMatch(/-\d+(ms|s|m|h)\b/);
  const { parseDuration } = await import('../../src/config/duration.js');
  // Still firing: for the monotonic time since it fired (plus the few real seconds the CLI took).
  const firingFor = parseDuration(/doomed.*firing for (\S+?)\)/.exec(alerts.stdout)?.[1] ?? '') ?? NaN;
  expect.soft(firingFor, `doomed firing for (monotonic ${doomedMs / 1000}s): ${alerts.stdout}`).toBeGreaterThanOrEqual(doomedMs - 10_000);
  expect.soft(firingFor).toBeLessThanOrEqual(doomedMs + 60_000);

  const lastPoll = parseDuration(/last poll (\S+) ago/.exec(status.stdout)?.[1] ?? '') ?? NaN;
  expect.soft(lastPoll, `status: last poll age: ${status.stdout}`).toBeGreaterThanOrEqual(0);
  expect.soft(lastPoll).toBeLessThan(60_000);
  expect.soft(status.code, 'status exit').toBe(0);
  const sloPolls = Number(/SLO availability: \S+ of (\d+) polls/.exec(status.stdout)?.[1]);
  expect.soft(sloPolls, 'status: SLO polls').toBe(polls);

  // The summary's period and SLO window end at the whole minute: every poll stored before it counts, once.
  const report = JSON.parse(summary.stdout) as { period: { from: number; to: number }; hubs: { availability: { current: { total: number }; window: { total: number } } }[] };
  const { current, window } = report.hubs[0]!.availability;
  const before = (store.db.prepare("SELECT count(*) AS n FROM samples r JOIN series s ON s.id = r.series_id WHERE s.name = 'hub.up' AND s.labels = '' AND r.t >= ? AND r.t < ?")
    .get(report.period.from, report.period.to) as { n: number }).n;
  expect.soft(before, 'the summary period holds all but the minute in progress').toBeGreaterThanOrEqual(polls - 12);
  expect.soft(current.total, 'summary: polls in the period').toBe(before);
  expect.soft(window.total, 'summary: SLO window polls').toBe(before);
  // The time observed is the monotonic time the daemon ran, not the 2 h the wall clock skipped.
  const observed = parseDuration(/SLO availability: .* over the (\S+) observed/.exec(status.stdout)?.[1] ?? '') ?? NaN;
  expect.soft(observed, 'status: time observed').toBeLessThanOrEqual(polls * POLL_MS + 60_000);
  expect.soft(observed).toBeGreaterThanOrEqual((polls - 1) * POLL_MS);

  stopped = true;
  await daemon.stop();
}, 120_000);

test('F7: a poll or an alert stamped in the future that no clock_jump explains (a daemon restarted right after a step back) reads "stamped … in the future: the clock stepped back", never a negative age; status cannot judge it (exit 1)', async () => {
  const state = tempDir('mhm-clock-future-');
  const lock = acquireLock(state, 'daemon');
  cleanups.push(() => lock.release());
  const hub = 'http://127.0.0.1:7000';
  const now = Date.now();
  const store = Store.open({ stateDir: state, quickCheck: false });
  // The previous run ran an hour ahead (its clock_jump is its own); this run started on the wall clock.
  const previous = store.startRun({ pid: 2 ** 22 + 1, t: now - 10 * 60_000 + HOUR, cleanStart: true });
  store.insertEvents([{ hub, t: now - 9 * 60_000 + HOUR, type: 'clock_jump', data: { deltaMs: -HOUR, aheadMs: HOUR, followedMs: 0 } }]);
  store.insertSamples(Array.from({ length: 60 }, (_, i) => ({ hub, name: 'hub.up', t: now - 10 * 60_000 + HOUR + i * 5_000, v: 1 })));
  store.stopRun(previous, now - 5 * 60_000 + HOUR, true);
  store.startRun({ pid: process.pid, t: now - 60_000, cleanStart: true });
  new AlertStore(store.db).saveAlert({
    id: 0, fingerprint: 'fp', rule: 'server.status', hub, labels: { hub, rule: 'server.status', server: 'crashy' }, severity: 'critical', state: 'firing',
    failStreak: 1, okStreak: 0, activeSince: now + HOUR - 6 * 60_000, firedAt: now + HOUR - 6 * 60_000, lastActiveAt: now + HOUR - 6 * 60_000, resolvedAt: null,
    summary: 'crashy: dead', value: null, ackedAt: null, ackedBy: null, ackComment: null, updatedAt: now + HOUR - 6 * 60_000,
  });
  store.close();

  const env = isolatedEnv();
  const status = await runCli(['status', '--state-dir', state], env);
  expect(status.stdout).toMatch(/last poll 0s ago \(stamped 5\dm(\d+s)? in the future: the clock stepped back\)/);
  expect(status.code, status.stdout).toBe(1);
  const alerts = await runCli(['alerts', '--state-dir', state], env);
  expect(alerts.stdout).toMatch(/firing for 0s \(stamped 5\dm(\d+s)? in the future: the clock stepped back\)/);
  for (const out of [status.stdout, alerts.stdout]) expect(out).not.toMatch(/-\d+(ms|s|m|h)\b/);
});
