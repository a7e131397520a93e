import { expect, test } from 'vitest';
import { HUB_RESTART_SAME_MS, hubRestartTimes } from './hub-restarts.js';

const ev = (t: number, state: string | null, source = 'sse') => ({ t, data: { state, source, pid: 1 } });

test('one restart seen by the stream and by a poll is counted once; two restarts a minute apart are two', () => {
  expect(hubRestartTimes([ev(1_000, 'restarting'), ev(4_000, 'restarting', 'poll'), ev(6_000, 'ready'), ev(6_500, 'ready', 'poll')])).toEqual([1_000]);
  expect(hubRestartTimes([ev(61_000, 'restarting', 'poll'), ev(1_000, 'restarting'), ev(60_000, 'restarting')])).toEqual([1_000, 60_000]);
  expect(hubRestartTimes([ev(0, 'restarting'), ev(HUB_RESTART_SAME_MS + 1, 'restarting', 'poll')])).toHaveLength(2);
  expect(hubRestartTimes([ev(0, 'ready'), ev(1, null), { t: 2, data: null }])).toEqual([]);
});
