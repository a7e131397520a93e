import { expect, test } from 'vitest';
import { LiveState } from './live-state.js';

const HUB = 'http://127.0.0.1:7000';

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
