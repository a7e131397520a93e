import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../../config/defaults.js';
import { decodeEvent } from '../../model/events.js';
import { parseHealth } from '../../sources/hub-models.js';
import type { HubSnapshot } from '../../model/hub.js';
import { alertAge, eventText, humanDuration, hubView, liveEventLine, sparkline, uptimeText } from './model.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../../test/fixtures/hub/${name}`, import.meta.url), 'utf8')) as unknown;

function snapshot(body: unknown, at: number): HubSnapshot {
  const h = parseHealth(body);
  return { target: { url: 'http://127.0.0.1:7000', origin: 'flag' }, at, monotonicAt: at, health: { ok: true, value: h.value, issues: h.issues, latencyMs: 3 }, metrics: { sources: [] }, routes: {} } as unknown as HubSnapshot;
}

const extras = { rssHistory: [], latencyHistory: [], alerts: [], events: [] };

describe('hubView', () => {
  test('a killed child the hub still calls connected is DEAD on the second look; counts and level follow', () => {
    // The captured poll after a kill -9 (uptime 0, "connected"), and the same answer 1.2 s later.
    const body = fixture('health-after-kill.json') as { timestamp: string };
    const before = snapshot(body, 1_000);
    const after = snapshot({ ...body, timestamp: new Date(Date.parse(body.timestamp) + 1_200).toISOString() }, 2_200);
    const v = hubView(after, before, extras, defaultConfig());
    const dead = v.servers.filter((s) => s.verdict === 'dead');
    expect(dead.length).toBeGreaterThan(0);
    expect(dead[0]!.label).toBe('DEAD (hub says connected)');
    expect(dead[0]!.uptime).toBe('—'); // the hub's uptime 0 of a dead server is no uptime, not "0ms"
    expect(v.servers.filter((s) => s.verdict === 'up').every((s) => /^\d+[smhd]( \d+[smh])?$/.test(s.uptime))).toBe(true);
    expect(v.counts.dead).toBe(dead.length);
    expect(v.level).toBe('red');
    expect(v.llm).toBeUndefined(); // "not exposed by this hub"
  });

  test('hostile names, errors and events are neutralised before they reach the screen', () => {
    const body = fixture('health-ready.json') as { servers: { name: string; error: unknown; status: string }[] };
    body.servers[0]!.name = '\x1b]0;pwned\x07\x1b[2Jx';
    body.servers[0]!.status = 'disconnected';
    body.servers[0]!.error = '\x9b31mred\u202eevil';
    const v = hubView(snapshot(body, 1), undefined, { ...extras, events: [{ t: 1, text: '\x1b]52;c;AAAA\x07', server: '\x1b[1m' }] }, defaultConfig());
    const text = JSON.stringify(v);
    expect(text).not.toMatch(/\u001b|\u009b|\u0007|\u202e/);
    expect(v.servers[0]!.name).toBe('\\x1b]0;pwned\\x07\\x1b[2Jx');
  });
});

test('sparkline: min to max over the last width values; flat and empty series', () => {
  expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8)).toBe('▁▂▃▄▅▆▇█');
  expect(sparkline([5, 5, 5], 10)).toBe('▄▄▄');
  expect(sparkline([], 10)).toBe('');
  expect(sparkline([1, NaN, 2, Infinity, 3], 2)).toBe('▁█');
});

test('event lines say what happened; a row that fits no catalogue entry shows its stored type', () => {
  const text = (type: string, data: unknown) => eventText(decodeEvent({ id: 1, hub: 'h', t: 1, type, server: null, data }));
  expect(text('server_status', { from: 'up', to: 'dead', message: 'm' })).toBe('status up → dead');
  expect(text('server_status', { from: null, to: 'up', message: 'm' })).toBe('status up');
  expect(text('tool_list_changed', { added: ['a', 'b'], removed: [], changed: [], count: 2 })).toBe('tools changed +2 -0');
  expect(text('tool_list_changed', { baseline: true, count: 2 })).toBe('tools changed');
  expect(text('alert_firing', { rule: 'r', severity: 'critical', fingerprint: 'f', summary: 's: down' })).toBe('ALERT critical s: down');
  expect(text('remediation', { action: 'heal_server', target: 'crashy', why: 'crashy: dead', who: 'rule server.status', dryRun: false, result: 'healed', detail: 'stopped and started' }))
    .toBe('remediation heal_server crashy: healed (stopped and started)');
  expect(text('tool_list_changed', { added: [1, 2], removed: [] })).toBe('tool_list_changed');
  expect(text('something_new', null)).toBe('something_new');
  expect(text('sse_open', undefined)).toBe('sse_open');
});

test('live SSE lines: hub state, subscriptions, warnings and transport closes; debug chatter is not shown', () => {
  expect(liveEventLine({ kind: 'hub_state', hub: 'h', at: 5, state: 'ready' })).toEqual({ t: 5, text: 'hub ready' });
  expect(liveEventLine({ kind: 'subscription', hub: 'h', at: 6, type: 'tool_list_changed', payload: { server: 'fs' } })).toEqual({ t: 6, text: 'tool_list_changed', server: 'fs' });
  expect(liveEventLine({ kind: 'log', hub: 'h', at: 7, level: 'error', message: 'boom', server: 'fs' })).toEqual({ t: 7, text: 'error: boom', server: 'fs' });
  expect(liveEventLine({ kind: 'log', hub: 'h', at: 8, level: 'debug', message: "'fs' transport closed" })).toEqual({ t: 8, text: "'fs' transport closed" });
  expect(liveEventLine({ kind: 'log', hub: 'h', at: 9, level: 'debug', message: 'tick' })).toBeUndefined();
  expect(liveEventLine({ kind: 'heartbeat', hub: 'h', at: 10 })).toBeUndefined();
});

test.each([
  [0, '0s'], [400, '0s'], [9_500, '9s'], [10_000, '10s'], [125_000, '2m 5s'], [3_600_000, '1h'], [3_725_000, '1h 2m'], [2 * 86_400_000 + 4 * 3_600_000 + 60_000, '2d 4h'],
])('durations read one way on the dashboard: %d ms is %s', (ms, text) => {
  expect(humanDuration(ms)).toBe(text);
});

test('uptime only for a running server; an alert\'s age says what it is', () => {
  expect(uptimeText('up', 10)).toBe('10s');
  expect(uptimeText('unconfirmed', 0)).toBe('0s'); // just (re)connected
  expect(uptimeText('dead', 0)).toBe('—');
  expect(uptimeText('down', 0)).toBe('—');
  expect(uptimeText('up', undefined)).toBe('—');
  expect(alertAge(9_500)).toBe('firing for 9s');
});
