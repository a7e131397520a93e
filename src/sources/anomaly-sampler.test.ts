/**
 * The anomalies window runs on the injected clock, not on performance.now and setTimeout: its polls fall at
 * t0 + k·1 s of that clock and carry its times, and the window ends when that clock says so. The clock is a
 * ManualClock in a year no real clock shows; the hub is the fake hub, over real HTTP on 127.0.0.1.
 */
import type http from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { driveClock } from '../../test/support/drive-clock.js';
import { startFakeHub, type FakeHub } from '../../test/support/fake-hub.js';
import { ManualClock } from '../model/clock.js';
import { pollWindow } from './anomaly-sampler.js';
import { createHubAgent } from './http-get.js';

const START = Date.parse('2031-03-01T00:00:00Z');
let hub: FakeHub;
let agent: http.Agent;

beforeAll(async () => {
  hub = await startFakeHub();
  agent = createHubAgent();
});
afterAll(async () => {
  agent.destroy();
  await hub.close();
});

test('a 2.5 s window polls at 0, 1, 2 and 3 s of the injected clock, each poll stamped with its time', async () => {
  const clock = new ManualClock(START);
  const polls = await driveClock(clock, pollWindow({ url: hub.url, origin: 'flag' }, { windowMs: 2_500, timeoutMs: 2_000, agent, clock }));
  expect(polls.map((p) => p.health.ok)).toEqual([true, true, true, true]);
  polls.forEach((p, k) => {
    // Stamped when the answer came, a few 10 ms steps after the slot at most.
    expect(p.at - START).toBeGreaterThanOrEqual(k * 1_000);
    expect(p.at - START).toBeLessThan(k * 1_000 + 500);
    expect(p.monotonicAt).toBe(p.at - START);
  });
});
