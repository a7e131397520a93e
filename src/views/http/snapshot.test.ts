import { expect, test } from 'vitest';
import { useFakeDaemonViews } from '../../../test/support/fake-daemon-view.js';
import { seedLiveState } from '../../daemon/live-seed.js';
import { LiveState } from '../../daemon/live-state.js';
import { readHubs } from './snapshot.js';

const HUB = 'http://127.0.0.1:7000';
const views = useFakeDaemonViews('mhm-snapshot-');

test('verdicts and the hub state follow new events between reads; the latest by time wins, whatever order rows were stored in', () => {
  const t0 = Date.parse('2026-11-25T12:00:00Z');
  const v = views(t0).watch(HUB);
  v.poll(HUB, t0 - 10_000, { servers: [{ name: 'a', up: true }, { name: 'b', up: true }] });
  let [hub] = readHubs(v);
  expect(hub!.servers.map((s) => [s.name, s.verdict, s.dead])).toEqual([['a', 'up', false], ['b', 'up', false]]);
  expect(hub!.state).toBe('ready');

  // New events after the first read are seen by the next one.
  v.poll(HUB, t0 - 5_000, { state: 'restarting', servers: [{ name: 'a', up: false, verdict: 'dead' }, { name: 'b', up: true }] });
  [hub] = readHubs(v);
  expect(hub!.servers.find((s) => s.name === 'a')).toMatchObject({ verdict: 'dead', dead: true });
  expect(hub!.state).toBe('restarting');
  expect(hub!.counts).toEqual({ up: 1, down: 0, dead: 1 });

  // A row stored late with an older time does not override the newer verdict or state.
  v.record([], [
    { hub: HUB, t: t0 - 8_000, type: 'server_status', server: 'a', data: { from: null, to: 'up', message: 'connected' } },
    { hub: HUB, t: t0 - 8_000, type: 'hub_state', data: { state: 'ready', source: 'poll', pid: null } },
  ]);
  [hub] = readHubs(v);
  expect(hub!.servers.find((s) => s.name === 'a')!.verdict).toBe('dead');
  expect(hub!.state).toBe('restarting');

  // Verdicts from before this run's start are not this run's.
  v.health = { ...v.health, startedAt: t0 - 1_000 };
  [hub] = readHubs(v);
  expect(hub!.servers.map((s) => s.verdict)).toEqual([undefined, undefined]);
  expect(hub!.state).toBe('restarting'); // the hub state is the latest ever
});

test('a failed poll (hub.up 0 with its error class) reads as unreachable, with the servers of the last poll that answered', () => {
  const t0 = Date.parse('2026-11-25T12:00:00Z');
  const v = views(t0).watch(HUB);
  v.poll(HUB, t0 - 10_000, { latencyMs: 7, servers: [{ name: 'a', up: true, tools: 3 }] });
  v.poll(HUB, t0 - 5_000, { err: 'refused' });
  const [hub] = readHubs(v);
  expect(hub).toMatchObject({ up: false, state: 'unreachable', pollError: 'refused', healthLatencyMs: 7, serversAt: t0 - 10_000 });
  expect(hub!.servers.map((s) => [s.name, s.tools])).toEqual([['a', 3]]);
});

const NOW = Date.parse('2026-11-25T12:00:00Z');

function history(): ReturnType<typeof views> {
  const v = views(NOW).watch(HUB);
  v.poll(HUB, NOW - 20_000, { state: 'ready', latencyMs: 4, rssBytes: 7e7, servers: [{ name: 'a', up: true, uptimeS: 9, tools: 3 }, { name: 'b', up: true, tools: 1 }, { name: 'off' }] });
  v.poll(HUB, NOW - 15_000, { state: 'ready', latencyMs: 5, rssBytes: 7e7, servers: [{ name: 'a', up: false, verdict: 'dead', tools: 3 }, { name: 'b', up: true, tools: 1 }, { name: 'off' }] });
  v.probe(HUB, NOW - 14_000, 'b', true, 25);
  v.probe(HUB, NOW - 14_000, 'a', false);
  v.poll(HUB, NOW - 10_000, { err: 'timeout' });
  return v;
}

test('seeded from the store after a restart, the read model answers as the one that saw every row', () => {
  const v = history();
  const observed = readHubs(v);
  expect(observed[0]).toMatchObject({ up: false, state: 'unreachable', pollError: 'timeout', serversAt: NOW - 15_000, counts: { up: 1, down: 0, dead: 1 } });
  const seeded = new LiveState();
  seeded.openAlerts = () => v.liveState.openAlerts();
  seedLiveState(seeded, v.db, [HUB], { now: NOW, lookbackMs: 5 * 60_000, since: v.health.startedAt });
  v.live = () => seeded;
  expect(readHubs(v)).toEqual(observed);
});

test('a restart seeds nothing older than the lookback, and no verdict from before the run', () => {
  const v = history();
  const seeded = new LiveState();
  seedLiveState(seeded, v.db, [HUB], { now: NOW, lookbackMs: 5_000, since: NOW });
  expect(seeded.hub(HUB)?.latestPoll).toBeUndefined();
  expect(seeded.hub(HUB)?.lastOkPoll).toBeUndefined();
  expect([...seeded.hub(HUB)!.verdicts]).toEqual([]);
  expect(seeded.hub(HUB)!.hubState?.value).toBe('ready'); // the hub state is the latest ever
});

test('a death recorded after the poll\'s samples (a call through the tap failed "Not connected") shows now: dead, not up', () => {
  const t0 = Date.parse('2026-11-25T12:00:00Z');
  const v = views(t0).watch(HUB);
  v.poll(HUB, t0 - 10_000, { servers: [{ name: 'a', up: true }, { name: 'b', up: true }] });
  v.record([], [{ hub: HUB, t: t0 - 2_000, type: 'server_dead', server: 'a', data: { from: 'up', to: 'dead', message: 'dead: a call through the tap failed with "Not connected"' } }]);
  const [hub] = readHubs(v);
  expect(hub!.servers.map((s) => [s.name, s.up, s.dead])).toEqual([['a', false, true], ['b', true, false]]);
  expect(hub!.counts).toEqual({ up: 1, down: 0, dead: 1 });
  // The next poll that finds it up again (restarted) wins over the older death.
  v.poll(HUB, t0 - 1_000, { servers: [{ name: 'a', up: true, verdict: 'up' }, { name: 'b', up: true }] });
  expect(readHubs(v)[0]!.servers.find((s) => s.name === 'a')).toMatchObject({ up: true, dead: false });
});

test('the level judges the tap\'s calls of the window beside the firing alerts, and says so', async () => {
  const { CallsLedger } = await import('../../daemon/calls-ledger.js');
  const { newTapSocketStats } = await import('../../daemon/jobs/tap-socket.js');
  const t0 = Date.parse('2026-11-25T12:00:00Z');
  const v = views(t0).watch(HUB);
  v.poll(HUB, t0 - 5_000, { servers: [{ name: 'a', up: true }] });
  expect(readHubs(v)[0]).toMatchObject({ level: 'green', levelReason: 'no calls through a tap (the level is judged from the polls\' and probes\' findings); alerts: none firing' });
  const ledger = new CallsLedger();
  for (let i = 0; i < 100; i++) {
    ledger.note({
      hub: HUB, server: 'a', tool: 'echo', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: t0 - 60_000, durationMs: 30,
      ...(i < 12 ? { outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: 'boom' } : { outcome: 'ok' }), requestBytes: 1, responseBytes: 1,
    }, t0 - 60_000);
  }
  v.liveState.tap = { ledger, socket: { ...newTapSocketStats('/nonexistent'), listening: true, connections: 1, accepted: 1 } };
  expect(readHubs(v)[0]).toMatchObject({ level: 'orange', levelReason: expect.stringMatching(/^calls through the tap over 5m: success 88\.0% of 100, P95 \d+ ms \(orange\); alerts: none firing$/) });
});
