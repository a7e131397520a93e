/**
 * The capacity inputs read from a real store's 1-hour rollups: hourly means at the middle of each hour,
 * the call volume as calls a day (an hour polled without a call is 0; an hour not polled is no point), and
 * the machine's disk series under hub "" — which is not listed as a hub.
 */
import { expect, test } from 'vitest';
import { useTempStores } from '../../test/support/temp-store.js';
import { pollScope } from '../alerts/results.js';
import { defaultConfig } from '../config/defaults.js';
import type { SampleInput } from '../store/store.js';
import { capacitySeries, DISK_SERIES, MACHINE_HUB } from './capacity-inputs.js';

const newStore = useTempStores('mhm-capacity-inputs-');
const H = 3_600_000;
const NOW = Date.parse('2026-11-25T00:00:00Z');
const HUB = 'http://127.0.0.1:7000';

test('hourly means, calls a day with the quiet hours as 0, the machine\'s disk', () => {
  const store = newStore();
  const rows: SampleInput[] = [];
  for (let t = NOW - 4 * H; t < NOW; t += 60_000) {
    rows.push({ hub: HUB, name: 'hub.up', t, v: 1 }, { hub: HUB, name: 'hub.rss_bytes', t, v: t < NOW - 2 * H ? 100 : 200 });
    rows.push({ hub: MACHINE_HUB, name: DISK_SERIES.store, t, v: 5_000 });
  }
  // Calls in the first hour only (two servers, 30 + 10), then none while the daemon kept polling.
  rows.push({ hub: HUB, name: 'calls.count', labels: { server: 'a', tool: 'x' }, t: NOW - 4 * H + 60_000, v: 30 });
  rows.push({ hub: HUB, name: 'calls.count', labels: { server: 'b', tool: 'y' }, t: NOW - 4 * H + 120_000, v: 10 });
  store.insertSamples(rows);
  while (!store.rollup(NOW).done) { /* bounded per call */ }
  const cfg = defaultConfig().capacity;
  cfg.thresholds.call_volume = 1_000;
  const series = capacitySeries(store, [HUB], cfg, NOW);
  const mid = (k: number) => NOW - (4 - k) * H + H / 2;
  expect(series.map((s) => [s.hub, s.resource, s.points])).toEqual([
    [HUB, 'rss', [{ t: mid(0), v: 100 }, { t: mid(1), v: 100 }, { t: mid(2), v: 200 }, { t: mid(3), v: 200 }]],
    [HUB, 'call_volume', [{ t: mid(0), v: 40 * 24 }, { t: mid(1), v: 0 }, { t: mid(2), v: 0 }, { t: mid(3), v: 0 }]],
    [MACHINE_HUB, 'hub_logs', []],
    [MACHINE_HUB, 'store', [0, 1, 2, 3].map((k) => ({ t: mid(k), v: 5_000 }))],
  ]);
  expect(store.listHubs()).toEqual([HUB]);
  // Without a threshold the call volume is not read at all.
  expect(capacitySeries(store, [HUB], defaultConfig().capacity, NOW).map((s) => s.resource)).toEqual(['rss', 'hub_logs', 'store']);
});

test('a poll does not speak for the capacity alerts: they are judged hourly, not resolved by every poll', () => {
  const scope = pollScope(HUB, true);
  expect(scope.rules('capacity.rss') || scope.rules('capacity.disk') || scope.rules('capacity.call_volume')).toBe(false);
  expect(scope.rules('hub.memory')).toBe(true);
});
