import { describe, expect, test } from 'vitest';
import { addCall, emptyStats, type CallStats } from '../model/call-stats.js';
import type { CallRecord } from '../model/calls.js';
import { toolsPanels, topErrorType } from './tools-panel.js';

const HUB = 'http://127.0.0.1:7000';
const OTHER_HUB = 'http://127.0.0.1:7001';

/** A (server, tool)'s window: `ok` calls of `okMs` each, then failures by error type. */
function stats(hub: string, server: string, tool: string, o: { ok?: number; okMs?: number; fail?: Record<string, number> }): CallStats {
  const s = emptyStats(hub, server, tool);
  const call = (durationMs: number, errorType?: string): CallRecord => ({
    hub, server, tool, method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: 0, durationMs,
    outcome: errorType === undefined ? 'ok' : 'jsonrpc_error', ...(errorType !== undefined ? { errorType, errorMessage: 'boom' } : {}), requestBytes: 1, responseBytes: 1,
  });
  for (let i = 0; i < (o.ok ?? 0); i++) addCall(s, call(o.okMs ?? 10));
  for (const [type, n] of Object.entries(o.fail ?? {})) for (let i = 0; i < n; i++) addCall(s, call(5, type));
  return s;
}

describe('toolsPanels', () => {
  const window = [
    stats(HUB, 'files', 'read', { ok: 40, okMs: 30 }),
    stats(HUB, 'search', 'query', { ok: 10, okMs: 4_000 }),
    stats(HUB, 'search', 'index', { ok: 10, okMs: 600, fail: { timeout: 1 } }),
    stats(HUB, 'crashy', 'echo', { ok: 2, fail: { '500': 18, timeout: 2 } }),
    stats(HUB, '', '', { ok: 7 }), // initialize, tools/list: the hub's calls, no tool's
    stats(OTHER_HUB, 'x', 'y', { fail: { '500': 3 } }),
  ];
  const [panel] = toolsPanels([HUB], window);

  test('the slowest tools by P95, the most failing by failure ratio, each hub on its own', () => {
    expect(panel!.slowest.map((t) => `${t.server}/${t.tool}`)).toEqual(['search/query', 'search/index', 'files/read', 'crashy/echo']);
    expect(panel!.failing.map((t) => `${t.server}/${t.tool}`)).toEqual(['crashy/echo', 'search/index']);
    expect([panel!.calls, panel!.errors]).toEqual([40 + 10 + 11 + 22 + 7, 21]);
  });

  test('a row: calls, success %, P95 and the most frequent error type', () => {
    expect(panel!.failing[0]).toEqual({ server: 'crashy', tool: 'echo', calls: 22, errors: 20, successPercent: 9.1, p95Ms: 10, topError: '500' });
    expect(panel!.slowest[0]).toEqual({ server: 'search', tool: 'query', calls: 10, errors: 0, successPercent: 100, p95Ms: 4_850 });
  });

  test('at most `rows` per list; a hub with no calls has empty lists', () => {
    expect(toolsPanels([HUB], window, 2)[0]!.slowest).toHaveLength(2);
    expect(toolsPanels(['http://127.0.0.1:9'], window)).toEqual([{ hub: 'http://127.0.0.1:9', calls: 0, errors: 0, slowest: [], failing: [] }]);
  });

  test('the top error type: the most calls, ties by name', () => {
    expect(topErrorType(stats(HUB, 'a', 'b', { fail: { timeout: 2, '500': 2, tool_error: 1 } }))).toBe('500');
    expect(topErrorType(stats(HUB, 'a', 'b', { ok: 1 }))).toBeUndefined();
  });
});
