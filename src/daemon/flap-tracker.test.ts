import { describe, expect, test } from 'vitest';
import { restartedServers } from '../evaluate/flapping.js';
import type { Finding } from '../evaluate/types.js';
import type { HubSnapshot, ServerInfo } from '../model/hub.js';
import { FlapTracker } from './flap-tracker.js';

const HUB = 'http://127.0.0.1:7000';
const cfg = { window: 600_000, changes: 3 };

function look(servers: Record<string, 'ok' | 'warning' | 'critical' | 'unconfirmed'>, hub: 'up' | 'down' | 'restarting' = 'up'): Finding[] {
  if (hub === 'down') return [{ id: 'hub.reachable', status: 'critical', hub: HUB, message: 'refused' }];
  return [
    { id: 'hub.reachable', status: 'ok', hub: HUB, message: 'answered' },
    { id: 'hub.state', status: hub === 'up' ? 'ok' : 'warning', hub: HUB, message: hub },
    ...Object.entries(servers).map(([name, s]): Finding => (s === 'unconfirmed'
      ? { id: 'server.status', status: 'no_data', hub: HUB, subject: name, value: 'unconfirmed', message: 'uptime 0' }
      : { id: 'server.status', status: s, hub: HUB, subject: name, value: s === 'ok' ? 'up' : 'down', message: s })),
  ];
}

const flapping = (out: Finding[]) => out.filter((f) => f.status === 'warning').map((f) => `${f.subject}:${f.value}`);

describe('FlapTracker', () => {
  test('counts settled up ↔ down changes per server and fires at alerting.flapping.changes', () => {
    const t = new FlapTracker(() => cfg);
    expect(t.observe(HUB, look({ a: 'ok', b: 'ok' }), [], 0)).toEqual([]); // first look: a baseline, no change
    t.observe(HUB, look({ a: 'warning', b: 'ok' }), [], 5_000);
    t.observe(HUB, look({ a: 'ok', b: 'ok' }), [], 10_000);
    expect(flapping(t.observe(HUB, look({ a: 'ok', b: 'ok' }), [], 15_000))).toEqual([]);
    const out = t.observe(HUB, look({ a: 'critical', b: 'ok' }), [], 20_000);
    expect(flapping(out)).toEqual(['a:3']);
    expect(out.find((f) => f.subject === 'a')!.message).toContain('3 state changes');
  });

  test('an unsettled look (uptime 0, just connected or died young) is no change', () => {
    const t = new FlapTracker(() => cfg);
    for (const [i, s] of (['ok', 'unconfirmed', 'ok', 'unconfirmed', 'ok'] as const).entries()) t.observe(HUB, look({ a: s }), [], i * 5_000);
    expect(t.observe(HUB, look({ a: 'ok' }), [], 30_000)).toEqual([]);
  });

  test('changes older than the window no longer count: the alert resolves, then the server is forgotten', () => {
    const t = new FlapTracker(() => cfg);
    const states = ['ok', 'warning', 'ok', 'warning'] as const;
    states.forEach((s, i) => t.observe(HUB, look({ a: s }), [], i * 5_000));
    expect(flapping(t.observe(HUB, look({ a: 'warning' }), [], 20_000))).toEqual(['a:3']);
    expect(t.observe(HUB, look({ a: 'warning' }), [], 605_001).map((f) => `${f.status}:${f.value}`)).toEqual(['ok:2']);
    expect(t.observe(HUB, look({ a: 'warning' }), [], 700_000)).toEqual([]);
  });

  test('a restart between two polls counts as two changes', () => {
    const t = new FlapTracker(() => cfg);
    t.observe(HUB, look({ a: 'ok', b: 'ok' }), [], 0);
    t.observe(HUB, look({ a: 'ok', b: 'ok' }), ['a'], 5_000);
    expect(flapping(t.observe(HUB, look({ a: 'warning', b: 'ok' }), [], 10_000))).toEqual(['a:3']);
  });

  test('a dead child (still "connected") stopped and started between two polls is one recovery, not also a restart', () => {
    const t = new FlapTracker(() => cfg);
    t.observe(HUB, look({ a: 'ok', b: 'ok' }), [], 0);
    t.observe(HUB, look({ a: 'critical', b: 'ok' }), [], 5_000); // dead: uptime went backwards
    const out = t.observe(HUB, look({ a: 'ok', b: 'ok' }), ['a'], 10_000); // a new lastStarted, connected again
    expect(out.map((f) => `${f.subject}:${f.status}:${f.value}`)).toEqual(['a:ok:2']);
  });

  test('a hub that goes away or restarts is not every server flapping: its servers\' states are forgotten meanwhile', () => {
    const t = new FlapTracker(() => cfg);
    for (let i = 0; i < 4; i++) {
      t.observe(HUB, look({ a: 'ok', b: 'ok' }), [], i * 20_000);
      t.observe(HUB, look({}, i % 2 ? 'down' : 'restarting'), [], i * 20_000 + 5_000);
      t.observe(HUB, look({ a: 'warning', b: 'warning' }, 'restarting'), [], i * 20_000 + 10_000);
    }
    expect(t.observe(HUB, look({ a: 'ok', b: 'ok' }), [], 100_000)).toEqual([]);
  });
});

function snapshot(servers: Partial<ServerInfo>[]): HubSnapshot {
  return {
    target: { url: HUB, origin: 'flag' }, at: 0, monotonicAt: 0, metrics: {} as HubSnapshot['metrics'], routes: {},
    health: { ok: true, latencyMs: 1, value: { servers: servers as ServerInfo[] } } as unknown as HubSnapshot['health'],
  };
}

describe('restartedServers', () => {
  const server = (name: string, lastStartedMs: number, status = 'connected'): Partial<ServerInfo> => ({ name, status, lastStartedMs, uptimeS: 5 });

  test('a server connected in both looks with a new lastStarted restarted in between', () => {
    expect(restartedServers(snapshot([server('a', 1), server('b', 1)]), snapshot([server('a', 2), server('b', 1)]))).toEqual(['a']);
  });

  test('every connected server restarted at once is the hub restarting them (/api/restart), not each one flapping', () => {
    expect(restartedServers(snapshot([server('a', 1), server('b', 1)]), snapshot([server('a', 2), server('b', 2)]))).toEqual([]);
  });

  test('a server that was not connected before is a start, not a restart', () => {
    expect(restartedServers(snapshot([server('a', 1, 'disconnected'), server('b', 1)]), snapshot([server('a', 2), server('b', 1)]))).toEqual([]);
  });
});
