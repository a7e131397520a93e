/**
 * `measure`'s open-loop sampler runs on the injected clock, not on performance.now, setTimeout and
 * Date.now: each slot's health request goes out at exactly k·interval of that clock, the probes at +½ slot,
 * and the measurement's start is that clock's wall time. The clock is a ManualClock in a year no real clock
 * shows; the hub is the fake hub, over real HTTP on 127.0.0.1.
 */
import type http from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { driveClock } from '../../test/support/drive-clock.js';
import { startFakeHub, type FakeHub } from '../../test/support/fake-hub.js';
import { ManualClock } from '../model/clock.js';
import { createHubAgent } from './http-get.js';
import { runMeasurement } from './measure-sampler.js';

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

test('slots at exactly k·interval of the injected clock, probes at +½ slot, the start in its wall time', async () => {
  const clock = new ManualClock(START);
  const run = await driveClock(clock, runMeasurement([{ url: hub.url, origin: 'flag' }], {
    durationMs: 3_000, intervalMs: 1_000, probeEveryMs: 1_000, timeoutMs: 2_000, probeTimeoutMs: 1_000,
    healthAgent: agent, agent, clock,
  }));
  expect(run.startedAtMs - START).toBeGreaterThanOrEqual(0);
  expect(run.startedAtMs - START).toBeLessThan(1_000);
  const [obs] = run.hubs;
  expect(obs!.health.map((h) => [h.k, h.scheduledMs, h.actualMs, h.outcome])).toEqual([[0, 0, 0, 'ok'], [1, 1_000, 1_000, 'ok'], [2, 2_000, 2_000, 'ok']]);
  const probeTimes = obs!.probes.flatMap((p) => p.samples.map((s) => s.atMs));
  expect(probeTimes.length).toBeGreaterThan(0);
  for (const t of probeTimes) expect([500, 1_500]).toContain(t);
});
