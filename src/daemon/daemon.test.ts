/**
 * The daemon's own jobs on a manual clock: retention across a wall-clock step (faults A22), and a store that
 * refuses writes from its very start (a full volume, faults F2): it runs under the run id it will have, and
 * the run's row is stored once writing works, with its real start time.
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { useTempStores } from '../../test/support/temp-store.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { ManualClock } from '../model/clock.js';
import { startDaemon } from './daemon.js';

const HOUR = 3_600_000;
const newStore = useTempStores('mhm-daemon-unit-');
const quiet = { info() {}, warn() {}, error() {} };

function daemonOn(clock: ManualClock) {
  const store = newStore();
  const cfg = defaultConfig();
  cfg.alerting.enabled = false;
  cfg.probes.enabled = false;
  cfg.capacity.enabled = false; // its disk-usage samples would be counted below
  const daemon = startDaemon({ cfg, targets: [], stateDir: join(store.path, '..'), store, log: quiet, clock, timeoutMs: 1_000 });
  return { store, daemon };
}

const rawCount = (store: ReturnType<typeof newStore>) => (store.db.prepare('SELECT count(*) AS n FROM samples').get() as { n: number }).n;

test('A22: a +1 year step of the wall clock never makes retention delete the history it has not kept for its whole term', async () => {
  const clock = new ManualClock();
  const { store, daemon } = daemonOn(clock);
  const hub = 'http://127.0.0.1:7000';
  const start = clock.now();
  // Ten minutes of polls, and one poll three days old (beyond the 48 h raw term).
  store.insertSamples([{ hub, name: 'hub.up', t: start - 72 * HOUR, v: 1 }, ...Array.from({ length: 120 }, (_, i) => ({ hub, name: 'hub.up', t: start - 600_000 + i * 5_000, v: 1 }))]);
  clock.jumpWall(365 * 24 * HOUR);
  await clock.advance(3 * HOUR + 60_000); // three retention passes, and the rollups before them
  const stopping = daemon.stop();
  await clock.advance(1_000);
  await stopping;
  // The three-day-old poll went (48 h after it, by the monotonic clock); the last ten minutes are kept.
  expect(rawCount(store)).toBe(120);
});

test('the run row refused at the start is stored late, with its start time and id; the stop is recorded', async () => {
  const store = newStore();
  store.stopRun(store.startRun({ pid: 1, t: 1_000, cleanStart: true }), 2_000, true);
  const clock = new ManualClock();
  const cfg = defaultConfig();
  cfg.alerting.enabled = false;
  store.db.pragma('query_only = ON');
  const startedAt = clock.now();
  const daemon = startDaemon({ cfg, targets: [], stateDir: tempDir('mhm-daemon-start-state-'), store, log: quiet, clock, timeoutMs: 1_000 });
  expect(daemon.runId).toBe(2);
  expect(daemon.health.failing).toBe(true);
  expect(store.lastRun()!.id).toBe(1);

  store.db.pragma('query_only = OFF');
  await clock.advance(30_000); // the run's heartbeat retries it
  expect(store.lastRun()).toMatchObject({ id: 2, started_at: startedAt, clean_start: 1, last_beat_at: startedAt + 30_000, stopped_at: null });
  expect(daemon.health.failing).toBe(false);
  const stopping = daemon.stop();
  await clock.advance(1_000);
  await stopping;
  expect(store.lastRun()).toMatchObject({ id: 2, clean_stop: 1 });
});
