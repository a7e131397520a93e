import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import type { ProbeResult } from '../model/probe.js';
import { useTempStores } from '../../test/support/temp-store.js';
import { startAlerting } from './alerting.js';
import { ManualClock } from '../model/clock.js';
import { dispatchJob } from './jobs/dispatch.js';
import { WriteBuffer } from './write-buffer.js';
import { RecordingNotifier } from '../../test/support/alert-harness.js';
import { StoreHealth } from './store-health.js';
import { historyDbPath } from '../config/paths.js';

const HUB = 'http://127.0.0.1:7000';
const newStore = useTempStores('mhm-alerting-');
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const storeHealth = (stateDir: string, clock: ManualClock) =>
  new StoreHealth({ dbPath: historyDbPath(stateDir), stateDir, clock, log: { info() {}, warn() {}, error() {} }, lastSuccessAt: clock.now() });

test('an idle probe round (some servers only) neither resolves nor touches the alert of a server it did not probe; a full round does', async () => {
  const store = newStore();
  const stateDir = mkdtempSync(join(tmpdir(), 'mhm-alerting-state-'));
  dirs.push(stateDir);
  const clock = new ManualClock();
  const alerting = startAlerting({
    cfg: defaultConfig(), store, clock, log: { info() {}, warn() {}, error() {} },
    buffer: new WriteBuffer(store, { maxRows: 1_000 }), notifiers: new Map(),
    stateDir, health: storeHealth(stateDir, clock),
  });
  const hung: ProbeResult = { server: 'frozen', outcome: 'hung', latencyMs: 5_000 };
  const alive = (server: string): ProbeResult => ({ server, outcome: 'alive', latencyMs: 3 });
  const frozen = () => alerting.alertStore.openAlerts().filter((a) => a.labels.server === 'frozen').map((a) => [a.state, a.okStreak]);

  alerting.onProbeRound(HUB, [alive('quiet'), hung], [], true, false);
  expect(frozen()).toEqual([['firing', 0]]); // server.probe fires on the first failure
  for (let i = 0; i < 3; i++) alerting.onProbeRound(HUB, [alive('quiet')], [], true, false);
  expect(frozen()).toEqual([['firing', 0]]);
  // A full round that no longer lists it: gone, which counts as passing (two passes resolve).
  alerting.onProbeRound(HUB, [alive('quiet')], [], true, true);
  alerting.onProbeRound(HUB, [alive('quiet')], [], true, true);
  expect(frozen()).toEqual([]);
  const stopping = alerting.stop();
  await clock.advance(1_000);
  await stopping;
});

test('F7: when the time line follows a forward step (+25 h), a firing alert keeps its age, is not reminded early, and a notification waiting to retry does not expire', async () => {
  const store = newStore();
  const stateDir = mkdtempSync(join(tmpdir(), 'mhm-alerting-state-'));
  dirs.push(stateDir);
  const clock = new ManualClock();
  const cfg = defaultConfig();
  cfg.alerting.receivers = { team: { type: 'recording' }, flaky: { type: 'recording' } };
  cfg.alerting.group_wait = 0;
  const team = new RecordingNotifier('team', clock);
  const flaky = new RecordingNotifier('flaky', clock);
  flaky.answer = () => ({ kind: 'retry', error: 'HTTP 503' });
  const alerting = startAlerting({
    cfg, store, clock, log: { info() {}, warn() {}, error() {} },
    buffer: new WriteBuffer(store, { maxRows: 1_000 }), notifiers: new Map([['team', team], ['flaky', flaky]]), random: () => 0.5,
    stateDir, health: storeHealth(stateDir, clock),
  });
  const tick = dispatchJob(clock, alerting); // the 1 s tick the daemon runs beside it
  tick.start();
  alerting.onProbeRound(HUB, [{ server: 'frozen', outcome: 'hung', latencyMs: 5_000 }], [], true, true);
  await clock.advance(2_000);
  expect(team.got).toHaveLength(1);
  const HOUR = 3_600_000;
  clock.jumpWall(25 * HOUR); // what the daemon's time line does on a forward step …
  alerting.shiftTimes(25 * HOUR); // … and what it tells alerting
  await clock.advance(10_000);
  const [alert] = alerting.alertStore.openAlerts();
  expect(clock.now() - alert!.firedAt!).toBe(12_000);
  expect(team.got).toHaveLength(1); // repeat_interval is 4 h: 12 s have passed
  const flakyRows = store.db.prepare("SELECT state FROM outbox WHERE receiver = 'flaky'").all();
  expect(flakyRows).toEqual([{ state: 'pending' }]); // retrying, within its 24 h horizon
  const stopping = Promise.all([tick.stop(), alerting.stop()]);
  await clock.advance(1_000);
  await stopping;
});
