import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import type { HubSnapshot, ServerInfo } from '../model/hub.js';
import { deriveRows } from './observations.js';
import { diffTools, isEmptyDiff } from './tool-diff.js';

const HUB = 'http://127.0.0.1:37373';
const T0 = Date.parse('2026-11-25T10:00:00Z');
const cfg = defaultConfig();

function server(name: string, over: Partial<ServerInfo> = {}): ServerInfo {
  return { name, status: 'connected', error: null, uptimeS: 100, lastStartedMs: T0 - 100_000, toolCount: 3, ...over };
}

function poll(t: number, servers: ServerInfo[], state = 'ready'): HubSnapshot {
  return {
    target: { url: HUB, origin: 'flag' }, at: t, monotonicAt: t - T0, metrics: { sources: [] }, routes: {},
    health: { ok: true, value: { state, serverId: 'mcp-hub', timestampMs: t, servers }, issues: [], latencyMs: 4.2 },
  };
}

function failed(t: number): HubSnapshot {
  return { target: { url: HUB, origin: 'flag' }, at: t, monotonicAt: t - T0, metrics: { sources: [] }, routes: {}, health: { ok: false, failure: 'refused', message: 'refused', latencyMs: 1 } };
}

describe('deriveRows', () => {
  test('a dead child whose next look is under a second later (uptime 0, not yet settled) stays down in the samples: server.up does not flicker 0, 1, 0', () => {
    const young = T0 - 5_000; // started 5 s ago: "uptime 0" alone cannot settle it
    const a1 = server('a', { uptimeS: 4, lastStartedMs: young });
    const first = deriveRows(poll(T0, [a1]), undefined, new Map(), cfg);
    const died = deriveRows(poll(T0 + 1_000, [server('a', { uptimeS: 0, lastStartedMs: young })]), poll(T0, [a1]), first.verdicts, cfg);
    expect(died.samples.find((s) => s.name === 'server.up')!.v).toBe(0);
    const kick = poll(T0 + 1_400, [server('a', { uptimeS: 0, lastStartedMs: young })]); // an out-of-slot look
    const next = deriveRows(poll(T0 + 2_000, [server('a', { uptimeS: 0, lastStartedMs: young })]), kick, died.verdicts, cfg);
    expect(next.samples.find((s) => s.name === 'server.up')!.v).toBe(0);
    expect(next.samples.find((s) => s.name === 'hub.servers_dead')!.v).toBe(1);
  });

  test('a healthy poll yields hub and per-server samples, and the first poll records the hub state', () => {
    const d = deriveRows(poll(T0, [server('a'), server('b')]), undefined, new Map(), cfg);
    const names = d.samples.map((s) => `${s.name}${s.labels ? `{${s.labels.server}}` : ''}=${s.v}`);
    expect(names).toEqual(expect.arrayContaining(['hub.up=1', 'hub.health_latency_ms=4.2', 'server.up{a}=1', 'server.up{b}=1', 'hub.servers_up=2', 'hub.servers_dead=0']));
    expect(d.events.map((e) => e.type)).toEqual(['hub_state', 'server_status', 'server_status']);
  });

  test('a stdio child that died (uptime back to 0, same lastStarted, still "connected") gives a server_dead event on that poll', () => {
    const a1 = server('a', { uptimeS: 100 });
    const first = deriveRows(poll(T0, [a1]), undefined, new Map(), cfg);
    const second = deriveRows(poll(T0 + 5_000, [server('a', { uptimeS: 0 })]), poll(T0, [a1]), first.verdicts, cfg);
    expect(second.events).toEqual([expect.objectContaining({ type: 'server_dead', server: 'a', data: expect.objectContaining({ from: 'up', to: 'dead' }) })]);
    expect(second.samples.find((s) => s.name === 'server.up')!.v).toBe(0);
    expect(second.samples.find((s) => s.name === 'hub.servers_dead')!.v).toBe(1);
  });

  test('a hub restart (new lastStarted for every server) is not a death', () => {
    const before = poll(T0, [server('a')]);
    const first = deriveRows(before, undefined, new Map(), cfg);
    const after = poll(T0 + 5_000, [server('a', { uptimeS: 1, lastStartedMs: T0 + 3_000 })], 'restarted');
    const d = deriveRows(after, before, first.verdicts, cfg);
    expect(d.events.map((e) => e.type)).toEqual(['hub_state']);
  });

  test('a failed poll is one hub.up 0 row with its failure class, and one poll_failed event until it recovers', () => {
    const ok = poll(T0, [server('a')]);
    const f1 = deriveRows(failed(T0 + 5_000), ok, new Map([['a', 'up']]), cfg);
    expect(f1.samples).toEqual([{ hub: HUB, name: 'hub.up', t: T0 + 5_000, v: 0, err: 'refused' }]);
    expect(f1.events.map((e) => e.type)).toEqual(['poll_failed']);
    const f2 = deriveRows(failed(T0 + 10_000), failed(T0 + 5_000), new Map(), cfg);
    expect(f2.events).toEqual([]);
    const back = deriveRows(poll(T0 + 15_000, [server('a')]), failed(T0 + 10_000), new Map([['a', 'up']]), cfg);
    expect(back.events.map((e) => e.type)).toContain('poll_recovered');
  });

  test('a disabled server has no up/down sample (it is not down)', () => {
    const d = deriveRows(poll(T0, [server('off', { status: 'disabled', uptimeS: 0 })]), undefined, new Map(), cfg);
    expect(d.samples.filter((s) => s.name === 'server.up')).toEqual([]);
  });

  test('hub.cpu_percent: the hub and its children\'s CPU since the previous poll, % of one core; none on the first poll or across a hub restart', () => {
    /** A poll whose process facts carry the tree's ticks: the hub (pid 10, started at tick 500) and one child. */
    const withTicks = (t: number, hubTicks: number, childTicks: number, hubStart = 500): HubSnapshot => ({
      ...poll(t, [server('a')]),
      process: { pid: 10, alive: true, matchesPort: true, rssBytes: 1e8, cpuTicks: { atMs: t - T0, hubKey: `10:${hubStart}`, ticks: new Map([[`10:${hubStart}`, hubTicks], ['11:600', childTicks]]) } },
    });
    const cpuOf = (cur: HubSnapshot, prev?: HubSnapshot) => deriveRows(cur, prev, new Map(), cfg).samples.filter((s) => s.name === 'hub.cpu_percent');
    expect(cpuOf(withTicks(T0, 1_000, 200))).toEqual([]);
    // 10 s apart: the hub spent 50 ticks (0.5 s, 5 %), the child 300 (3 s, 30 %).
    expect(cpuOf(withTicks(T0 + 10_000, 1_050, 500), withTicks(T0, 1_000, 200))).toEqual([{ hub: HUB, name: 'hub.cpu_percent', t: T0 + 10_000, v: 35 }]);
    expect(cpuOf(withTicks(T0 + 10_000, 20, 500, 900), withTicks(T0, 1_000, 200))).toEqual([]);
    expect(cpuOf(poll(T0 + 10_000, [server('a')]), withTicks(T0, 1_000, 200))).toEqual([]); // a remote hub: no process facts
  });
});

describe('diffTools', () => {
  const tool = (name: string, description = 'd', schema: unknown = { type: 'object' }) => ({ name, description, inputSchema: schema });

  test('added, removed and changed tools, with the fields that changed', () => {
    const d = diffTools(
      [tool('a'), tool('b'), tool('c', 'old')],
      [tool('a'), tool('c', 'new', { type: 'object', properties: { x: { type: 'string' } } }), tool('d')],
    );
    expect(d).toEqual({ added: ['d'], removed: ['b'], changed: [{ name: 'c', fields: ['description', 'inputSchema'] }] });
  });

  test('key order in a schema is not a change', () => {
    const d = diffTools([tool('a', 'd', { type: 'object', properties: {} })], [tool('a', 'd', { properties: {}, type: 'object' })]);
    expect(isEmptyDiff(d)).toBe(true);
  });

  test('entries without a name and a tool named __proto__ are handled without touching prototypes', () => {
    const before = Object.getOwnPropertyNames(Object.prototype);
    const d = diffTools([{ nope: 1 }], [JSON.parse('{"name":"__proto__","description":"x"}') as unknown]);
    expect(d.added).toEqual(['__proto__']);
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before);
  });
});
