import { describe, expect, test } from 'vitest';
import type { CallsWindowDoc } from '../../model/calls-window.js';
import { toolLineText, toolsView } from './tools-model.js';

const HUB = 'http://127.0.0.1:7000';
const NOW = 1_000_000;

const doc = (o: Partial<CallsWindowDoc['tap']> = {}, at = NOW - 2_000): CallsWindowDoc => ({
  at, windowMs: 300_000, tap: { connected: 1, everConnected: true, dropped: 0, badLines: 0, ...o }, calls: 32, errors: 18, findings: [], worst: [],
  panels: [{
    hub: HUB, calls: 32, errors: 18,
    failing: [{ server: 'crashy\u001b[2J', tool: 'echo', calls: 20, errors: 18, successPercent: 10, p95Ms: 10, topError: '500\u0007' }],
    slowest: [{ server: 'search', tool: 'query', calls: 10, errors: 0, successPercent: 100, p95Ms: 4_850 }, { server: 's', tool: 'a', calls: 1, errors: 0, successPercent: 100, p95Ms: 1 },
      { server: 's', tool: 'b', calls: 1, errors: 0, successPercent: 100, p95Ms: 1 }, { server: 's', tool: 'c', calls: 1, errors: 0, successPercent: 100, p95Ms: 1 }],
  }],
});

describe('toolsView', () => {
  test('a connected tap: the hub\'s most failing and slowest tools, neutralised, three of each', () => {
    const v = toolsView(doc(), HUB, NOW);
    expect(v.seen).toBe(true);
    expect(v.note).toBe('tools: 32 calls, 18 failed in the last 5m');
    expect(v.failing).toEqual([{ name: 'crashy\\x1b[2J/echo', calls: 20, success: '10%', p95: '10ms', topError: '500\\x07' }]);
    expect(v.slowest.map((t) => t.name)).toEqual(['search/query', 's/a', 's/b']);
  });

  test('no tap, a tap gone, a daemon that cannot take taps, an old window: says calls are not seen, shows no list', () => {
    const cases: [CallsWindowDoc | undefined, string][] = [
      [undefined, 'no tap connected — calls are not seen'],
      [doc({ connected: 0 }), 'no tap connected — calls are not seen (the tap left)'],
      [doc({ problem: 'socket path too long' }), 'no tap connected — calls are not seen (socket path too long)'],
      [doc({}, NOW - 60_000), 'no tap connected — calls are not seen (the daemon\'s calls window is 1m old)'],
    ];
    for (const [d, note] of cases) expect(toolsView(d, HUB, NOW)).toEqual({ seen: false, note, failing: [], slowest: [] });
  });

  test('a hub the tap saw no calls to', () => {
    expect(toolsView(doc(), 'http://127.0.0.1:9', NOW)).toMatchObject({ seen: true, note: 'tools: no calls to this hub in the last 5m', failing: [] });
  });
});

describe('toolLineText', () => {
  const t = { name: 'crashy/echo', calls: 20, success: '10%', p95: '10ms', topError: '500' };
  test('columns line up; never wider than the width, a long name cut with …', () => {
    expect(toolLineText(t, 56)).toBe(`${'crashy/echo'.padEnd(26)}    20    10%     10ms 500`);
    const long = toolLineText({ ...t, name: 'x'.repeat(100), topError: 'transport_error' }, 56);
    expect([...long].length).toBeLessThanOrEqual(56);
    expect(long.startsWith(`${'x'.repeat(25)}…`)).toBe(true);
    for (const w of [20, 40, 56, 116]) expect([...toolLineText({ ...t, topError: 'e'.repeat(200) }, w)].length).toBeLessThanOrEqual(w);
  });
});
