/**
 * A daemon whose store refuses writes from its very start (a full volume, faults F2): it runs under the
 * run id it will have, and the run's row is stored once writing works, with its real start time.
 */
import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { useTempStores } from '../../test/support/temp-store.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { ManualClock } from './clock.js';
import { startDaemon } from './daemon.js';

const newStore = useTempStores('mhm-daemon-start-');
const quiet = { info() {}, warn() {}, error() {} };

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
