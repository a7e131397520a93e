import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { addCall, emptyStats, type CallStats } from '../model/call-stats.js';
import { callsReport } from './report-calls.js';

const HUB = 'http://127.0.0.1:7000';

/** A (server, tool) over a period: `ok` calls of `ms` each, then failures by error type (5 ms each). */
function stats(server: string, tool: string, o: { ok?: number; ms?: number; fail?: Record<string, number> }): CallStats {
  const s = emptyStats(HUB, server, tool);
  const add = (durationMs: number, errorType?: string) => addCall(s, {
    hub: HUB, server, tool, method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: 0, durationMs,
    outcome: errorType === undefined ? 'ok' : 'jsonrpc_error', ...(errorType !== undefined ? { errorType } : {}), requestBytes: 1, responseBytes: 1,
  });
  for (let i = 0; i < (o.ok ?? 0); i++) add(o.ms ?? 10);
  for (const [type, n] of Object.entries(o.fail ?? {})) for (let i = 0; i < n; i++) add(5, type);
  return s;
}

describe('callsReport', () => {
  const current = [
    stats('search', 'query', { ok: 90, ms: 3_000 }), // P95 in the 2–5 s bucket: slow
    stats('search', 'index', { ok: 10, ms: 50 }),
    stats('files', 'read', { ok: 200, ms: 20, fail: { timeout: 4 } }),
    stats('edge', 'tool', { ok: 95, ms: 10, fail: {} }), // 5 % slow is not P95 above 2 s
    stats('edge', 'slow', { ok: 5, ms: 2_500 }),
    stats('crashy', 'echo', { ok: 2, fail: { '500': 18 } }),
    stats('', '', { ok: 50 }), // initialize, tools/list: in the totals only
  ];
  const previous = [stats('search', 'query', { ok: 40, ms: 300 }), stats('files', 'read', { ok: 100, fail: { '500': 1 } })];
  const r = callsReport(current, previous, defaultConfig())!;

  test('slow servers: P95 above 2000 ms, decided on the bucket boundary, with the previous P95', () => {
    expect(r.slowThresholdMs).toBe(2_000);
    expect(r.slowServers).toEqual([{ server: 'search', calls: 100, p95Ms: expect.closeTo(4_833.3, 1), previousP95Ms: 485, slowCalls: 90 }]);
  });

  test('error types: counts, share of the failures, and the previous period', () => {
    expect(r.errorTypes).toEqual([
      { type: '500', count: 18, sharePercent: (100 * 18) / 22, previous: 1 },
      { type: 'timeout', count: 4, sharePercent: (100 * 4) / 22, previous: 0 },
    ]);
  });

  test('top tools by calls with the previous count, success, P95 and top error', () => {
    expect(r.topTools.map((t) => [`${t.server}/${t.tool}`, t.calls, t.previousCalls])).toEqual([
      ['files/read', 204, 101], ['edge/tool', 95, 0], ['search/query', 90, 40], ['crashy/echo', 20, 0], ['search/index', 10, 0], ['edge/slow', 5, 0],
    ]);
    expect(r.topTools[3]).toMatchObject({ successPercent: 10, topError: '500' });
  });

  test('totals include calls that name no tool; no call in either period is null (not seen, not healthy)', () => {
    expect(r.current).toEqual({ calls: 474, errors: 22, successPercent: (100 * 452) / 474 });
    expect(r.previous.calls).toBe(141);
    expect(callsReport([], [], defaultConfig())).toBeNull();
    expect(callsReport([], previous, defaultConfig())!.current).toEqual({ calls: 0, errors: 0, successPercent: null });
  });
});

test('an error type named __proto__ counts like any other (the tap\'s strings are hostile)', () => {
  const r = callsReport([stats('s', 't', { fail: JSON.parse('{"__proto__": 2, "constructor": 1}') as Record<string, number> })], [], defaultConfig())!;
  expect(r.errorTypes.map((e) => [e.type, e.count])).toEqual([['__proto__', 2], ['constructor', 1]]);
});
