import { describe, expect, test } from 'vitest';
import { useTempStores } from '../../test/support/temp-store.js';
import { DEFAULT_RETENTION } from './retention.js';
import { HOUR_MS, MINUTE_MS } from './rollup.js';
import { Store } from './store.js';

const DAY_MS = 24 * HOUR_MS;
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const store = useTempStores('store-retention-');
const count = (s: Store, table: string, where = '1'): number =>
  (s.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;

/** Two series with one sample an hour for 500 days, all rolled up; an event a day. */
function history(): Store {
  const s = store();
  const rows = [];
  for (let t = NOW - 500 * DAY_MS; t < NOW; t += HOUR_MS) {
    rows.push({ hub: 'h', name: 'a', t, v: 1 }, { hub: 'h', name: 'b', labels: { server: 'x' }, t, v: 2 });
  }
  s.insertSamples(rows);
  s.insertEvents(Array.from({ length: 500 }, (_, d) => ({ hub: 'h', t: NOW - d * DAY_MS - 1, type: 'sse_open' })));
  expect(s.rollup(NOW, { maxSpanMs: 600 * DAY_MS }).done).toBe(true);
  return s;
}

describe('Store.retention', () => {
  test('deletes exactly the rows older than the policy (48 h raw, 30 d minutes, 400 d hours and events)', () => {
    const s = history();
    const before = { raw: count(s, 'samples'), m: count(s, 'rollup_1m'), h: count(s, 'rollup_1h'), e: count(s, 'events') };
    const want = {
      raw: count(s, 'samples', `t < ${NOW - DEFAULT_RETENTION.rawMs}`),
      oneMinute: count(s, 'rollup_1m', `bucket < ${NOW - DEFAULT_RETENTION.oneMinuteMs}`),
      oneHour: count(s, 'rollup_1h', `bucket < ${NOW - DEFAULT_RETENTION.oneHourMs}`),
      events: count(s, 'events', `t < ${NOW - DEFAULT_RETENTION.eventsMs}`),
    };
    expect(want.raw).toBeGreaterThan(0);
    expect(want.events).toBe(100);
    expect(s.retention(NOW, DEFAULT_RETENTION, { maxRowsPerCall: 1e9 })).toEqual({ ...want, done: true });
    expect(count(s, 'samples')).toBe(before.raw - want.raw);
    expect(count(s, 'samples', `t < ${NOW - DEFAULT_RETENTION.rawMs}`)).toBe(0);
    expect(count(s, 'rollup_1m')).toBe(before.m - want.oneMinute);
    expect(count(s, 'rollup_1h')).toBe(before.h - want.oneHour);
    expect(count(s, 'events')).toBe(before.e - want.events);
    expect(count(s, 'samples', `t >= ${NOW - DEFAULT_RETENTION.rawMs}`)).toBe(2 * 48);
    expect(s.retention(NOW)).toEqual({ raw: 0, oneMinute: 0, oneHour: 0, events: 0, done: true });
  });

  test('works in chunks: no call deletes more than maxRowsPerCall, and the chunks add up', () => {
    const s = history();
    const total = count(s, 'samples', `t < ${NOW - DEFAULT_RETENTION.rawMs}`)
      + count(s, 'rollup_1m', `bucket < ${NOW - DEFAULT_RETENTION.oneMinuteMs}`)
      + count(s, 'rollup_1h', `bucket < ${NOW - DEFAULT_RETENTION.oneHourMs}`)
      + count(s, 'events', `t < ${NOW - DEFAULT_RETENTION.eventsMs}`);
    let deleted = 0;
    let calls = 0;
    for (;;) {
      const r = s.retention(NOW, DEFAULT_RETENTION, { maxRowsPerCall: 1000 });
      const n = r.raw + r.oneMinute + r.oneHour + r.events;
      expect(n).toBeLessThanOrEqual(1000);
      deleted += n;
      calls++;
      if (r.done) break;
    }
    expect(deleted).toBe(total);
    expect(calls).toBe(Math.ceil((total + 1) / 1000));
  });

  test('a chunk stops inside a series at an exact row count', () => {
    const s = history();
    expect(s.retention(NOW, DEFAULT_RETENTION, { maxRowsPerCall: 7 })).toEqual({ raw: 7, oneMinute: 0, oneHour: 0, events: 0, done: false });
  });

  test('raw rows not yet rolled up are never deleted, however old', () => {
    const s = store();
    s.insertSamples([{ hub: 'h', name: 'a', t: NOW - 10 * DAY_MS, v: 1 }, { hub: 'h', name: 'a', t: NOW - 9 * DAY_MS, v: 2 }]);
    expect(s.retention(NOW).raw).toBe(0); // no rollup ever ran
    s.rollup(NOW - 9 * DAY_MS - HOUR_MS); // folds only the first
    expect(s.retention(NOW).raw).toBe(1);
    expect(s.querySamples({ name: 'a', from: 0, to: NOW, resolution: 'raw' }).map((r) => r.v)).toEqual([2]);
  });

  test('minutes are kept until their hour is folded', () => {
    const s = store();
    s.insertSamples([{ hub: 'h', name: 'a', t: NOW - 40 * DAY_MS + 5 * MINUTE_MS, v: 1 }]);
    s.rollup(NOW - 40 * DAY_MS + 10 * MINUTE_MS); // the minute is folded, its hour is not complete
    expect(s.retention(NOW).oneMinute).toBe(0);
    s.rollup(NOW);
    expect(s.retention(NOW).oneMinute).toBe(1);
    expect(count(s, 'rollup_1h')).toBe(1);
  });

  test('a late sample older than the raw cutoff does not shrink its minute when rollups recompute', () => {
    const s = store();
    const old = NOW - 3 * DAY_MS;
    s.insertSamples([{ hub: 'h', name: 'a', t: old, v: 1 }, { hub: 'h', name: 'a', t: old + 1000, v: 1 }]);
    s.rollup(NOW);
    s.retention(NOW);
    s.insertSamples([{ hub: 'h', name: 'a', t: old + 2000, v: 1 }]); // late, into a minute whose raw rows are gone
    s.rollup(NOW);
    expect(s.querySamples({ name: 'a', from: 0, to: NOW, resolution: '1m' }).map((r) => r.n)).toEqual([2]);
  });
});
