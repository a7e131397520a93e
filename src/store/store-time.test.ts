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
  store.insertEvents([
    { hub: 'h', t: T0 - HOUR, type: 'clock_jump', data: { deltaMs: 2 * HOUR, aheadMs: 0, followedMs: 2 * HOUR } },
    { hub: 'h', t: T0 - HOUR / 2, type: 'clock_jump', data: { deltaMs: -HOUR, aheadMs: HOUR, followedMs: 0 } },
  ]);
  expect(storeTime(store, T0)).toEqual({ now: T0 + HOUR, aheadMs: HOUR, steppedAt: T0 - HOUR / 2 });
  // A later step forward that caught the wall clock up ends the lead.
  store.insertEvents([{ hub: 'h', t: T0, type: 'clock_jump', data: { deltaMs: 3 * HOUR, aheadMs: 0, followedMs: 2 * HOUR } }]);
  expect(storeTime(store, T0)).toEqual({ now: T0, aheadMs: 0 });
});
