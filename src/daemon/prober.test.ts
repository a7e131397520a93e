import { expect, test } from 'vitest';
import { deriveProbeRows } from './prober.js';

const HUB = 'http://127.0.0.1:7000';

test('a connected server that stops answering is one probe_disagreement, then probe_recovered when it answers', () => {
  const alive = { server: 'fs', outcome: 'alive' as const, latencyMs: 3.456 };
  const dead = { server: 'fs', outcome: 'dead' as const, latencyMs: 2, detail: 'Not connected' };
  const r1 = deriveProbeRows(HUB, 1, [alive], [], new Map());
  expect(r1.events).toEqual([]);
  expect(r1.samples).toEqual([
    { hub: HUB, name: 'server.probe_ok', labels: { server: 'fs' }, t: 1, v: 1 },
    { hub: HUB, name: 'server.probe_latency_ms', labels: { server: 'fs' }, t: 1, v: 3.46 },
  ]);
  const r2 = deriveProbeRows(HUB, 2, [dead], [], r1.outcomes);
  expect(r2.events).toEqual([{ hub: HUB, t: 2, type: 'probe_disagreement', server: 'fs', data: { hubStatus: 'connected', outcome: 'dead', detail: 'Not connected', latencyMs: 2 } }]);
  expect(r2.samples).toEqual([{ hub: HUB, name: 'server.probe_ok', labels: { server: 'fs' }, t: 2, v: 0, err: 'dead' }]);
  // Still dead: a sample, no repeated event.
  const r3 = deriveProbeRows(HUB, 3, [dead], [], r2.outcomes);
  expect(r3.events).toEqual([]);
  const r4 = deriveProbeRows(HUB, 4, [alive], [], r3.outcomes);
  expect(r4.events).toEqual([{ hub: HUB, t: 4, type: 'probe_recovered', server: 'fs', data: { after: 'dead' } }]);
});

test('a hub that does not answer says nothing about the child: a null sample, no disagreement', () => {
  const r = deriveProbeRows(HUB, 1, [{ server: 'fs', outcome: 'unreachable', latencyMs: 5 }], [], new Map([['probe\0fs', 'alive']]));
  expect(r.events).toEqual([]);
  expect(r.samples).toEqual([{ hub: HUB, name: 'server.probe_ok', labels: { server: 'fs' }, t: 1, v: null, err: 'unreachable' }]);
});

test('not_connected is left to the poll (the hub is consistent)', () => {
  const r = deriveProbeRows(HUB, 1, [{ server: 'fs', outcome: 'not_connected', latencyMs: 1 }], [], new Map());
  expect(r).toMatchObject({ samples: [], events: [] });
});

test('canaries: latency when ok, failure events on change only, recovery', () => {
  const ok = { server: 'e', tool: 'echo', outcome: 'ok' as const, latencyMs: 10 };
  const bad = { server: 'e', tool: 'echo', outcome: 'tool_error' as const, latencyMs: 10, detail: 'boom' };
  const r1 = deriveProbeRows(HUB, 1, [], [ok], new Map());
  expect(r1.samples.map((s) => [s.name, s.v])).toEqual([['canary.ok', 1], ['canary.latency_ms', 10]]);
  const r2 = deriveProbeRows(HUB, 2, [], [bad], r1.outcomes);
  expect(r2.events).toEqual([{ hub: HUB, t: 2, type: 'canary_failed', server: 'e', data: { tool: 'echo', outcome: 'tool_error', detail: 'boom' } }]);
  expect(deriveProbeRows(HUB, 3, [], [bad], r2.outcomes).events).toEqual([]);
  expect(deriveProbeRows(HUB, 4, [], [ok], r2.outcomes).events).toEqual([{ hub: HUB, t: 4, type: 'canary_recovered', server: 'e', data: { tool: 'echo', after: 'tool_error' } }]);
});
