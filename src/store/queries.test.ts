import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eventRow } from '../model/events.js';
import { HOUR_MS, MINUTE_MS } from './rollup.js';
import { Store } from './store.js';

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
let root: string;
let s: Store;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'store-queries-'));
  s = Store.open({ stateDir: join(root, 'state'), quickCheck: false });
  s.insertSamples([
    { hub: 'h1', name: 'server.up', labels: { server: 'x' }, t: T0, v: 1 },
    { hub: 'h1', name: 'server.up', labels: { server: 'x' }, t: T0 + 5_000, v: null, err: 'timeout' },
    { hub: 'h1', name: 'server.up', labels: { server: 'y' }, t: T0 + 1_000, v: 0 },
    { hub: 'h2', name: 'server.up', labels: { server: 'x' }, t: T0 + 2_000, v: 1 },
    { hub: 'h2', name: 'hub.up', t: T0 + HOUR_MS + 3_000, v: 1 },
  ]);
});
afterEach(() => {
  s.close();
  rmSync(root, { recursive: true, force: true });
});

describe('querySamples', () => {
  test('raw rows carry hub and labels; `labels` and `hub` left out match any', () => {
    const rows = s.querySamples({ name: 'server.up', from: T0, to: T0 + MINUTE_MS, resolution: 'raw' });
    // Series by series (labels, then hub), each in time order.
    expect(rows.map((r) => [r.hub, { ...r.labels }, r.t, r.v, r.err])).toEqual([
      ['h1', { server: 'x' }, T0, 1, null],
      ['h1', { server: 'x' }, T0 + 5_000, null, 'timeout'],
      ['h2', { server: 'x' }, T0 + 2_000, 1, null],
      ['h1', { server: 'y' }, T0 + 1_000, 0, null],
    ]);
  });

  test('hub and labels narrow it; labels {} means "no labels"', () => {
    expect(s.querySamples({ hub: 'h1', name: 'server.up', labels: { server: 'y' }, from: 0, to: Infinity, resolution: 'raw' }).map((r) => r.t)).toEqual([T0 + 1_000]);
    expect(s.querySamples({ hub: 'h1', name: 'server.up', from: 0, to: Infinity, resolution: 'raw' })).toHaveLength(3);
    expect(s.querySamples({ name: 'hub.up', labels: {}, from: 0, to: Infinity, resolution: 'raw' })).toHaveLength(1);
    expect(s.querySamples({ name: 'server.up', labels: {}, from: 0, to: Infinity, resolution: 'raw' })).toEqual([]);
    expect(s.querySamples({ name: 'nothing', from: 0, to: Infinity, resolution: 'raw' })).toEqual([]);
  });

  test('ranges are half-open: [from, to)', () => {
    const ts = (from: number, to: number) => s.querySamples({ hub: 'h1', name: 'server.up', labels: { server: 'x' }, from, to, resolution: 'raw' }).map((r) => r.t);
    expect(ts(T0, T0 + 5_000)).toEqual([T0]);
    expect(ts(T0 + 1, T0 + 5_001)).toEqual([T0 + 5_000]);
  });

  test('1m and 1h read the rollups (complete buckets only)', () => {
    s.rollup(T0 + 2 * HOUR_MS);
    const m = s.querySamples({ hub: 'h1', name: 'server.up', labels: { server: 'x' }, from: T0, to: T0 + HOUR_MS, resolution: '1m' });
    expect(m.map((r) => ({ ...r, labels: { ...r.labels } }))).toEqual([{ hub: 'h1', labels: { server: 'x' }, bucket: T0, n: 2, n_err: 1, sum: 1, min: 1, max: 1 }]);
    const h = s.querySamples({ name: 'hub.up', from: 0, to: Infinity, resolution: '1h' });
    expect(h.map((r) => [r.hub, r.bucket, r.n])).toEqual([['h2', T0 + HOUR_MS, 1]]);
  });
});

describe('queryEvents', () => {
  beforeEach(() => {
    s.insertEvents([
      { hub: 'h1', t: T0, type: 'job_result', data: { job: 'validate', status: 'ok', exitCode: 0, durationMs: 5, problems: [{ id: 'a', status: 'ok', message: 'm' }] } },
      { hub: 'h1', t: T0 + 10, type: 'servers_updated', server: 'x' },
    ]);
    // Rows the typed insert refuses (a hand edit, an older shape): they read back as unknown events.
    const raw = s.db.prepare('INSERT INTO events (hub, t, type, server, data) VALUES (?, ?, ?, NULL, ?)');
    raw.run('h2', T0 + 20, 'hub_state', '"plain string"');
    raw.run('h1', T0 + 20, 'hub_state', null);
  });

  test('filters by hub, type, both or neither, oldest first, with data parsed back', () => {
    const q = (over: object) => s.queryEvents({ from: T0, to: T0 + 100, limit: 100, ...over }).map(eventRow).map((e) => [e.hub, e.t, e.type]);
    expect(q({})).toEqual([['h1', T0, 'job_result'], ['h1', T0 + 10, 'servers_updated'], ['h2', T0 + 20, 'hub_state'], ['h1', T0 + 20, 'hub_state']]);
    expect(q({ hub: 'h1' })).toHaveLength(3);
    expect(q({ type: 'hub_state' })).toHaveLength(2);
    expect(q({ hub: 'h1', type: 'hub_state' })).toEqual([['h1', T0 + 20, 'hub_state']]);
    const [first, second, third, fourth] = s.queryEvents({ from: T0, to: T0 + 100, limit: 4 });
    expect(first).toMatchObject({ type: 'job_result', server: null, data: { job: 'validate', problems: [{ id: 'a', status: 'ok', message: 'm' }] } });
    expect(second).toMatchObject({ type: 'servers_updated', server: 'x', data: undefined });
    expect(third).toEqual({ id: 3, hub: 'h2', t: T0 + 20, type: 'unknown', storedType: 'hub_state', server: null, data: 'plain string' });
    expect(fourth).toMatchObject({ type: 'unknown', storedType: 'hub_state', data: undefined });
  });

  test('limit and order: the newest N', () => {
    const e = s.queryEvents({ from: 0, to: Infinity, limit: 2, order: 'desc' });
    expect(e.map((x) => [x.hub, x.t])).toEqual([['h1', T0 + 20], ['h2', T0 + 20]]);
    expect(s.queryEvents({ from: 0, to: Infinity, limit: 0 })).toEqual([]);
  });
});

describe('series listing and last sample time', () => {
  test('listSeries, listHubs and lastSampleTime per hub and overall', () => {
    expect(s.listHubs()).toEqual(['h1', 'h2']);
    expect(s.listSeries('h2').map((x) => x.name)).toEqual(['hub.up', 'server.up']);
    expect(s.listSeries()).toHaveLength(4);
    expect(s.lastSampleTime('h1')).toBe(T0 + 5_000);
    expect(s.lastSampleTime('h2')).toBe(T0 + HOUR_MS + 3_000);
    expect(s.lastSampleTime()).toBe(T0 + HOUR_MS + 3_000);
    expect(s.lastSampleTime('nope')).toBeUndefined();
  });
});

describe('eventTypes and eventHubs', () => {
  test('the distinct stored values, sorted; none in an empty table', () => {
    expect(s.eventTypes()).toEqual([]);
    const dead = { from: 'up', to: 'dead', message: 'uptime stayed 0' };
    s.insertEvents([
      { hub: 'h2', t: T0, type: 'server_dead', server: 'x', data: dead },
      { hub: 'h1', t: T0 + 1, type: 'hub_state', data: { state: 'ready', source: 'poll', pid: 1 } },
      { hub: 'h1', t: T0 + 2, type: 'server_dead', server: 'y', data: dead },
      { hub: '', t: T0 + 3, type: 'config_reloaded', data: { hubs: [] } },
    ]);
    expect(s.eventTypes()).toEqual(['config_reloaded', 'hub_state', 'server_dead']);
    expect(s.eventHubs()).toEqual(['', 'h1', 'h2']);
  });
});

describe('minutesOfName', () => {
  test('per series and minute: the rollups before the watermark, raw samples after it, each sample once, failed ones left out', () => {
    const rows = [0, 20_000, 40_000, MINUTE_MS, MINUTE_MS + 30_000, 2 * MINUTE_MS + 10_000].map((dt, i) => ({ hub: 'h1', name: 'lat', labels: { server: 'x' }, t: T0 + dt, v: i + 1 }));
    s.insertSamples([...rows, { hub: 'h1', name: 'lat', labels: { server: 'x' }, t: T0 + 2 * MINUTE_MS + 20_000, v: null, err: 'timeout' }]);
    s.rollup(T0 + 2 * MINUTE_MS); // folds the first two minutes only
    const minutes = s.minutesOfName('h1', 'lat', T0, T0 + 3 * MINUTE_MS);
    expect(minutes.map((m) => [m.labelsText, m.t - T0, m.n, m.sum])).toEqual([
      ['{"server":"x"}', 0, 3, 6],
      ['{"server":"x"}', MINUTE_MS, 2, 9],
      ['{"server":"x"}', 2 * MINUTE_MS, 1, 6],
    ]);
    // Before any rollup: all of it raw, the same minutes.
    const other = Store.open({ stateDir: join(root, 'other'), quickCheck: false });
    try {
      other.insertSamples(rows);
      expect(other.minutesOfName('h1', 'lat', T0, T0 + 3 * MINUTE_MS).map((m) => [m.t - T0, m.n, m.sum])).toEqual([[0, 3, 6], [MINUTE_MS, 2, 9], [2 * MINUTE_MS, 1, 6]]);
    } finally {
      other.close();
    }
  });
});
