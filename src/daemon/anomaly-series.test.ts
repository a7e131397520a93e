/**
 * The learned-band series as read from a real store: gauges as 5-minute points of their minutes, the
 * tap's calls as ratios of sums per step; and the cache the anomaly job keeps between passes reads only the
 * steps since the last, yet gives what a full read gives.
 */
import { expect, test } from 'vitest';
import { useTempStores } from '../../test/support/temp-store.js';
import { defaultConfig } from '../config/defaults.js';
import type { SampleInput, Store } from '../store/store.js';
import { anomalyHistories, AnomalyHistoryCache } from './anomaly-series.js';

const newStore = useTempStores('mhm-anomaly-series-');
const HUB = 'http://127.0.0.1:7000';
const MIN = 60_000;
const T0 = Date.parse('2026-11-25T00:00:00Z');

/** A poll every 20 s and a tap interval every minute over [from, to), values varying with time. */
function write(store: Store, from: number, to: number): void {
  const rows: SampleInput[] = [];
  for (let t = from; t < to; t += 20_000) {
    rows.push({ hub: HUB, name: 'hub.health_latency_ms', t, v: 40 + ((t / 20_000) % 7) });
    rows.push({ hub: HUB, name: 'server.probe_latency_ms', labels: { server: 'files' }, t, v: 5 + ((t / 20_000) % 3) });
    if (t % MIN === 0) {
      const labels = { server: 'files', tool: 'read' };
      rows.push({ hub: HUB, name: 'calls.count', labels, t, v: 4 }, { hub: HUB, name: 'calls.duration_ms_sum', labels, t, v: 4 * (20 + ((t / MIN) % 5)) });
      if ((t / MIN) % 4 === 0) rows.push({ hub: HUB, name: 'calls.errors', labels: { ...labels, error_type: '500' }, t, v: 1 });
    }
  }
  store.insertSamples(rows);
}

const view = (h: ReturnType<typeof anomalyHistories>) => h.map((s) => [s.series, { ...s.labels }, s.points.length, s.points.at(0), s.points.at(-1)]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

test('gauges and calls per step; a cached read pass after pass equals a full read, rollups or not', () => {
  const store = newStore();
  const cfg = defaultConfig();
  write(store, T0 - 3 * 60 * MIN, T0);
  const full = anomalyHistories(store, HUB, cfg, T0);
  // Three hours: 36 steps of each series (no RSS recorded, so no RSS series).
  expect(full.map((h) => [h.series, { ...h.labels }, h.points.length])).toEqual([
    ['health_latency', {}, 36], ['probe_latency', { server: 'files' }, 36], ['call_latency', { server: 'files', tool: 'read' }, 36], ['error_ratio', { server: 'files', tool: 'read' }, 36],
  ]);
  // 5 minutes of 4 calls: 20 calls a step, 1 or 2 of them failing (every 4th minute).
  expect(full.find((h) => h.series === 'error_ratio')!.points.slice(0, 4).map((p) => p.v)).toEqual([2 / 20, 1 / 20, 1 / 20, 1 / 20]);

  const cache = new AnomalyHistoryCache();
  let now = T0;
  cache.read(store, HUB, cfg, now);
  for (let pass = 0; pass < 6; pass++) {
    write(store, now, now + 7 * MIN + 20_000); // passes 7 minutes apart, the last step in progress at each
    now += 7 * MIN + 20_000;
    if (pass === 3) store.rollup(now);
    expect(view(cache.read(store, HUB, cfg, now))).toEqual(view(anomalyHistories(store, HUB, cfg, now)));
  }
});
