/**
 * anomaly.<series> through the real alert pipeline on a manual clock: the anomaly job over a real store
 * (two days of a flat health latency), the hub's polls going on meanwhile. A sustained shift notifies
 * once (the trigger window is the confirmation, no failure_threshold on top), the polls that answer do
 * not resolve it, and back in band for the recovery window notifies the resolve once.
 */
import { expect, test } from 'vitest';
import { anomalyJob } from '../../src/daemon/jobs/anomaly.js';
import { createHarness, HUB, notified } from '../support/alert-harness.js';
import { useTempStores } from '../support/temp-store.js';

const newStore = useTempStores('mhm-anomaly-timeline-');
const M = 60_000;
const H = 60 * M;

test('a latency shift: one firing notification while the polls go on, one resolve after the recovery window', async () => {
  const store = newStore();
  const h = createHarness(store);
  const rows = [];
  for (let t = h.clock.now() - 48 * H; t < h.clock.now(); t += M) rows.push({ hub: HUB, name: 'hub.health_latency_ms', t, v: 50 + ((t / M) % 3) - 1 });
  store.insertSamples(rows);
  const job = anomalyJob({ cfg: h.cfg, store, clock: h.clock, hubs: () => [HUB], openAlerts: () => h.alerts.openAlerts(), observe: (r, s) => h.pipeline.observe(r, s), log: { info() {}, warn() {}, error() {} } });
  job.start();
  /** `minutes` of polls (all fine) and health latencies of `ms`. */
  const minutes = async (n: number, ms: number) => {
    for (let i = 0; i < n; i++) {
      store.insertSamples([{ hub: HUB, name: 'hub.health_latency_ms', t: h.clock.now(), v: ms }]);
      h.poll({ files: 'ok' });
      await h.run(M);
    }
  };
  const team = h.receivers.get('team')!;
  await minutes(30, 50);
  expect(notified(team)).toEqual([]);
  await minutes(45, 400);
  expect(notified(team)).toEqual(['anomaly.health_latency::firing']);
  expect(team.got[0]!.batch.alerts[0]!.summary).toMatch(/health latency 400 ms, expected \d+(\.\d)?–\d+(\.\d)? ms/);
  await minutes(h.cfg.anomaly.recovery.window / M + 10, 50);
  expect(notified(team)).toEqual(['anomaly.health_latency::firing', 'anomaly.health_latency::resolved']);
  await job.stop();
}, 60_000);
