/**
 * The fleet job on a manual clock, over a real store: every fleet.interval it reads the window's rows of
 * each hub, compares the hubs and feeds each hub's outliers to the pipeline labelled by hub and metric (and
 * server); a scope that resolves only when the fleet was judged.
 */
import { expect, test } from 'vitest';
import { useTempStores } from '../../../test/support/temp-store.js';
import type { EvaluationScope, RuleResult } from '../../alerts/lifecycle.js';
import { defaultConfig } from '../../config/defaults.js';
import { ManualClock } from '../../model/clock.js';
import type { SampleInput } from '../../store/store.js';
import { fleetJob } from './fleet.js';

const newStore = useTempStores('mhm-fleet-job-');
const HUBS = ['http://127.0.0.1:7001', 'http://127.0.0.1:7002', 'http://127.0.0.1:7003'];

/** One poll and one probe round of a hub at t: `failing` = its probes of `files` fail and the poll says it is down. */
function look(hub: string, t: number, failing: boolean): SampleInput[] {
  return [
    { hub, name: 'hub.up', t, v: 1 },
    { hub, name: 'hub.health_latency_ms', t, v: 5 },
    { hub, name: 'server.up', labels: { server: 'everything' }, t, v: 1 },
    { hub, name: 'server.up', labels: { server: 'files' }, t, v: failing ? 0 : 1 },
    { hub, name: 'server.probe_ok', labels: { server: 'everything' }, t, v: 1 },
    { hub, name: 'server.probe_ok', labels: { server: 'files' }, t, v: failing ? 0 : 1 },
  ];
}

test('a hub whose server fails while the others are fine: fleet.outlier on error ratio and on the server, resolved when it is fine again', async () => {
  const clock = new ManualClock();
  const store = newStore();
  const cfg = defaultConfig();
  const observed: { results: RuleResult[]; scope: EvaluationScope }[] = [];
  const job = fleetJob({ cfg, store, clock, hubs: () => HUBS, openAlerts: () => [], observe: (results, scope) => observed.push({ results, scope }) });
  job.start();
  for (let i = 0; i < 10; i++) store.insertSamples(HUBS.flatMap((h) => look(h, clock.now() - i * 1_000, h === HUBS[2])));
  await clock.advance(cfg.fleet.interval);
  expect(observed.map((o) => [o.scope.hub, o.scope.absentMeansOk, o.results.map((r) => [r.rule, r.status, r.labels, r.value])])).toEqual([
    [HUBS[0], true, []],
    [HUBS[1], true, []],
    [HUBS[2], true, [
      ['fleet.outlier', 'warning', { hub: HUBS[2], metric: 'error_ratio' }, 0.5],
      ['fleet.outlier', 'warning', { hub: HUBS[2], metric: 'server', server: 'files' }, 'down'],
    ]],
  ]);
  expect(observed[2]!.results[0]!.summary).toMatch(/^error ratio \(probes\) 50% over the last 10m, against 0% for the fleet's median hub/);
  expect(observed[2]!.scope.rules('fleet.outlier') && !observed[2]!.scope.rules('server.status')).toBe(true);

  // Fine again: the window still holds the failures, then it does not.
  observed.length = 0;
  await clock.advance(cfg.fleet.window);
  store.insertSamples(HUBS.flatMap((h) => look(h, clock.now() - 1, false)));
  await clock.advance(cfg.fleet.interval);
  expect(observed.at(-1)!.results).toEqual([]);
  await job.stop();
});

test('fewer than fleet.min_hubs hubs: nothing judged, and nothing resolved on that account', async () => {
  const clock = new ManualClock();
  const store = newStore();
  const cfg = defaultConfig();
  const observed: EvaluationScope[] = [];
  const two = HUBS.slice(0, 2);
  const job = fleetJob({ cfg, store, clock, hubs: () => two, openAlerts: () => [], observe: (_r, scope) => observed.push(scope) });
  job.start();
  store.insertSamples(two.flatMap((h) => look(h, clock.now(), h === two[1])));
  await clock.advance(cfg.fleet.interval);
  expect(observed.map((s) => [s.hub, s.absentMeansOk])).toEqual([[two[0], false], [two[1], false]]);
  await job.stop();
});
