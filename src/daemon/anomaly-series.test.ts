/**
 * The learned-band series as read from a real store: gauges as 5-minute points of their minutes, the
 * tap's calls as ratios of sums per step; and the cache the anomaly job keeps between passes reads only the
 * steps since the last, yet gives what a full read gives.
 */
import Database from 'better-sqlite3';
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

test('gauges and calls per step; a cached read pass after pass equals a full read, rollups or not', async () => {
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
  await cache.read(store, HUB, cfg, now);
  for (let pass = 0; pass < 6; pass++) {
    write(store, now, now + 7 * MIN + 20_000); // passes 7 minutes apart, the last step in progress at each
    now += 7 * MIN + 20_000;
    if (pass === 3) store.rollup(now);
    expect(view(await cache.read(store, HUB, cfg, now))).toEqual(view(anomalyHistories(store, HUB, cfg, now)));
  }
});

test('error log lines and reconnects: counts per step on the steps the daemon polled the hub, 0 when quiet, none where it did not watch', async () => {
  const store = newStore();
  const cfg = defaultConfig();
  const from = T0 - 30 * MIN;
  // Polled for the first 20 minutes and the last 5: steps 0..3 and 5; step 4 has no poll.
  const polls: SampleInput[] = [];
  for (let t = from; t < T0; t += 20_000) if (t < from + 20 * MIN || t >= T0 - 5 * MIN) polls.push({ hub: HUB, name: 'hub.up', t, v: 1 });
  store.insertSamples(polls);
  const step = (i: number, s = 0) => from + i * 5 * MIN + s * 1_000;
  store.insertEvents([
    { hub: HUB, t: step(1, 1), type: 'log', data: { level: 'error', message: 'boom' } },
    { hub: HUB, t: step(1, 2), type: 'log', data: { level: 'fatal', message: 'dead' } },
    { hub: HUB, t: step(1, 3), type: 'log', data: { level: 'warn', message: 'meh' } }, // not an error
    { hub: HUB, t: step(2, 1), type: 'log_summary', data: { from: step(2), to: step(2, 60), total: 900, byLevel: { error: 400, fatal: 2, warn: 498 }, byCode: {}, sample: [] } },
    { hub: HUB, t: step(2, 5), type: 'server_status', server: 'a', data: { from: 'down', to: 'up', message: '' } },
    { hub: HUB, t: step(2, 6), type: 'server_status', server: 'b', data: { from: null, to: 'up', message: '' } }, // first seen: not a reconnect
    { hub: HUB, t: step(2, 7), type: 'server_status', server: 'a', data: { from: 'up', to: 'down', message: '' } }, // going down: not one either
    { hub: HUB, t: step(3, 1), type: 'hub_state', data: { state: 'restarting', source: 'sse', pid: 7 } },
    { hub: HUB, t: step(3, 9), type: 'server_status', server: 'a', data: { from: 'connecting', to: 'up', message: '' } },
    { hub: HUB, t: step(4, 1), type: 'log', data: { level: 'error', message: 'while nobody polled' } },
    { hub: 'http://127.0.0.1:7001', t: step(1, 4), type: 'log', data: { level: 'error', message: 'another hub' } },
  ]);
  const of = (series: string) => anomalyHistories(store, HUB, cfg, T0).find((h) => h.series === series)!;
  const steps = [0, 1, 2, 3, 5].map((i) => step(i));
  expect(of('log_errors')).toEqual({ series: 'log_errors', hub: HUB, labels: {}, points: [0, 2, 402, 0, 0].map((v, i) => ({ t: steps[i], v })) });
  expect(of('reconnects').points).toEqual([0, 0, 1, 2, 0].map((v, i) => ({ t: steps[i], v })));

  // The job's cache, pass after pass, reads what a full read does.
  const cache = new AnomalyHistoryCache();
  let now = T0;
  await cache.read(store, HUB, cfg, now);
  for (let pass = 0; pass < 4; pass++) {
    const rows: SampleInput[] = [];
    for (let t = now; t < now + 7 * MIN; t += 20_000) rows.push({ hub: HUB, name: 'hub.up', t, v: 1 });
    store.insertSamples(rows);
    store.insertEvents([{ hub: HUB, t: now + pass * MIN, type: 'log', data: { level: 'error', message: 'x' } }, { hub: HUB, t: now + 6 * MIN, type: 'hub_state', data: { state: 'restarting', source: 'poll', pid: 7 } }]);
    now += 7 * MIN;
    expect(view(await cache.read(store, HUB, cfg, now))).toEqual(view(anomalyHistories(store, HUB, cfg, now)));
  }
});

test('the first read of 8 days goes in 6-hour slices with a pause between them, and gives what one read gives', async () => {
  const store = newStore();
  const cfg = defaultConfig();
  const rows: SampleInput[] = [];
  // Every 7 minutes for 9 days (the oldest day is outside the lookback), values varying, a tap interval each.
  for (let t = T0 - 9 * 1_440 * MIN + 13_000; t < T0; t += 7 * MIN) {
    rows.push({ hub: HUB, name: 'hub.up', t, v: 1 }, { hub: HUB, name: 'hub.health_latency_ms', t, v: 40 + ((t / MIN) % 11) });
    rows.push({ hub: HUB, name: 'calls.count', labels: { server: 'files', tool: 'read' }, t, v: 25 }, { hub: HUB, name: 'calls.duration_ms_sum', labels: { server: 'files', tool: 'read' }, t, v: 25 * ((t / MIN) % 13) });
  }
  store.insertSamples(rows);
  store.insertEvents([{ hub: HUB, t: T0 - 3 * 1_440 * MIN + 1, type: 'log', data: { level: 'error', message: 'x' } }]);
  for (let r = store.rollup(T0); !r.done; r = store.rollup(T0));
  const now = T0 + 42_000; // not on a step: the last slice is a part of one
  const cache = new AnomalyHistoryCache();
  let pauses = 0;
  const read = await cache.read(store, HUB, cfg, now, async () => { pauses++; });
  expect(pauses).toBe(8 * 4); // 8 days of 6-hour slices, and none after the last
  const whole = anomalyHistories(store, HUB, cfg, now);
  expect(view(read)).toEqual(view(whole));
  expect(read.map((h) => h.points)).toEqual(whole.map((h) => h.points));
  expect(read.map((h) => h.series)).toEqual(['health_latency', 'call_latency', 'error_ratio', 'log_errors', 'reconnects']);
  // The next pass reads the steps since: one slice, no pause.
  pauses = 0;
  await cache.read(store, HUB, cfg, now + 5 * MIN, async () => { pauses++; });
  expect(pauses).toBe(0);
});

test('an event row whose data is not JSON (a hand edit) is skipped, not a failure of the hub\'s bands', () => {
  const store = newStore();
  store.insertSamples([{ hub: HUB, name: 'hub.up', t: T0 - 2 * MIN, v: 1 }]);
  store.insertEvents([{ hub: HUB, t: T0 - MIN, type: 'log', data: { level: 'error', message: 'boom' } }]);
  const db = new Database(store.path); // another connection, as a hand edit would be
  db.prepare("INSERT INTO events (hub, t, type, data) VALUES (?, ?, 'log', '{not json')").run(HUB, T0 - MIN);
  db.close();
  expect(anomalyHistories(store, HUB, defaultConfig(), T0).find((h) => h.series === 'log_errors')!.points.map((p) => p.v)).toEqual([1]);
});

test('a hub restart seen by the stream and by a poll is one reconnect, in one read or across two slices', async () => {
  const store = newStore();
  const cfg = defaultConfig();
  const from = T0 - 30 * MIN;
  store.insertSamples(Array.from({ length: 90 }, (_, i) => ({ hub: HUB, name: 'hub.up', t: from + i * 20_000, v: 1 })));
  const restart = (t: number, source: string) => ({ hub: HUB, t, type: 'hub_state' as const, data: { state: 'restarting', source, pid: 7 } });
  // One restart at minute 10 (stream, then the poll 4 s later); one right before a step boundary whose poll lands after it.
  const edge = from + 20 * MIN;
  store.insertEvents([restart(from + 10 * MIN, 'sse'), restart(from + 10 * MIN + 4_000, 'poll'), restart(edge - 2_000, 'sse'), restart(edge + 3_000, 'poll')]);
  const reconnects = (h: ReturnType<typeof anomalyHistories>) => h.find((s) => s.series === 'reconnects')!.points.filter((p) => p.v > 0);
  expect(reconnects(anomalyHistories(store, HUB, cfg, T0))).toEqual([{ t: from + 10 * MIN, v: 1 }, { t: edge - 5 * MIN, v: 1 }]);
  // Read in two parts split at the boundary (as a later pass reads only the steps since): still once each.
  const cache = new AnomalyHistoryCache();
  await cache.read(store, HUB, cfg, edge - 1);
  expect(reconnects(await cache.read(store, HUB, cfg, T0))).toEqual([{ t: from + 10 * MIN, v: 1 }, { t: edge - 5 * MIN, v: 1 }]);
});
