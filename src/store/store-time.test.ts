import { expect, test } from 'vitest';
import { useTempStores } from '../../test/support/temp-store.js';
import { storeTime } from './store-time.js';

const HOUR = 3_600_000;
const newStore = useTempStores('mhm-store-time-');
const T0 = Date.parse('2026-11-25T00:00:00Z');

test('F7: after a step back during the live run, "now" is the wall clock plus the lead its last clock_jump recorded', () => {
  const store = newStore();
  expect(storeTime(store, T0)).toEqual({ now: T0, aheadMs: 0 }); // no run yet
  const old = store.startRun({ pid: 1, t: T0 - 10 * HOUR, cleanStart: true });
  store.insertEvents([{ hub: 'h', t: T0 - 9 * HOUR, type: 'clock_jump', data: { deltaMs: -HOUR, aheadMs: HOUR, followedMs: 0 } }]);
  store.stopRun(old, T0 - 8 * HOUR, true);
  // A new run starts on the wall clock: the old run's lead is not this one's.
  store.startRun({ pid: 2, t: T0 - 2 * HOUR, cleanStart: true });
  expect(storeTime(store, T0)).toEqual({ now: T0, aheadMs: 0 });
  const run = store.lastRun()!.id;
  store.insertEvents([
    { hub: 'h', t: T0 - HOUR, type: 'clock_jump', data: { deltaMs: 2 * HOUR, aheadMs: 0, followedMs: 2 * HOUR } },
    { hub: 'h', t: T0 - HOUR / 2, type: 'clock_jump', data: { deltaMs: -HOUR, aheadMs: HOUR, followedMs: 0 } },
  ]);
  store.beat(run, T0 - HOUR / 4);
  expect(storeTime(store, T0)).toEqual({ now: T0 + HOUR, aheadMs: HOUR, steppedAt: T0 - HOUR / 2 });
  // A later step forward that caught the wall clock up ends the lead.
  store.insertEvents([{ hub: 'h', t: T0, type: 'clock_jump', data: { deltaMs: 3 * HOUR, aheadMs: 0, followedMs: 2 * HOUR } }]);
  store.beat(run, T0 + 5_000);
  expect(storeTime(store, T0)).toEqual({ now: T0, aheadMs: 0 });
});

test('F7: a run that started right after one that ran ahead does not take that run\'s lead for its own (its steps are stamped after this start)', () => {
  const store = newStore();
  const ahead = store.startRun({ pid: 1, t: T0 - 10 * 60_000 + HOUR, cleanStart: true });
  store.insertEvents([{ hub: 'h', t: T0 - 9 * 60_000 + HOUR, type: 'clock_jump', data: { deltaMs: -HOUR, aheadMs: HOUR, followedMs: 0 } }]);
  store.stopRun(ahead, T0 - 5 * 60_000 + HOUR, true);
  const run = store.startRun({ pid: 2, t: T0 - 60_000, cleanStart: true });
  store.beat(run, T0);
  expect(storeTime(store, T0)).toEqual({ now: T0, aheadMs: 0 });
});
