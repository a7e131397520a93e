import { expect, test } from 'vitest';
import { useFakeDaemonViews } from '../../test/support/fake-daemon-view.js';
import { readHubs } from '../views/http/snapshot.js';
import { seedLiveState } from './live-seed.js';
import { LiveState } from './live-state.js';

const HUB = 'http://127.0.0.1:7000';
const NOW = Date.parse('2026-11-25T12:00:00Z');
const views = useFakeDaemonViews('mhm-live-state-');

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

test('a hub keeps its latest poll that answered and the failed ones since, not every poll', () => {
  const live = new LiveState();
  for (let i = 0; i < 100; i++) live.observe([{ hub: HUB, name: 'hub.up', t: i, v: 1 }, { hub: HUB, name: 'server.tools', labels: { server: 'a' }, t: i, v: i }], []);
  for (let i = 100; i < 105; i++) live.observe([{ hub: HUB, name: 'hub.up', t: i, v: 0, err: 'refused' }], []);
  const h = live.hub(HUB)!;
  expect(h.lastOkPoll?.t).toBe(99);
  expect(h.lastOkPoll?.servers.get('a')?.get('server.tools')).toBe(99);
  expect(h.latestPoll).toMatchObject({ t: 104, up: { v: 0, err: 'refused' } });
  expect((h as unknown as { polls: Map<number, unknown> }).polls.size).toBe(6);
});

test('probe latencies are read once each, in recording order, after a sequence number', () => {
  const live = new LiveState();
  live.observe([{ hub: HUB, name: 'server.probe_latency_ms', labels: { server: 'a' }, t: 1, v: 10 }, { hub: HUB, name: 'server.probe_latency_ms', labels: { server: 'b' }, t: 1, v: null }], []);
  const first = live.probeLatencies(0);
  expect(first.rows.map((r) => [r.server, r.ms])).toEqual([['a', 10]]);
  expect(live.probeLatencies(first.seq).rows).toEqual([]);
  live.observe([{ hub: HUB, name: 'server.probe_latency_ms', labels: { server: 'b' }, t: 0, v: 30 }], []);
  expect(live.probeLatencies(first.seq).rows.map((r) => [r.server, r.ms])).toEqual([['b', 30]]);
});
