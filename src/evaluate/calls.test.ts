import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { addCall, emptyStats, quantileMs, type CallStats } from '../model/call-stats.js';
import type { CallRecord } from '../model/calls.js';
import { toRuleResults } from '../alerts/results.js';
import { evaluateCalls } from './calls.js';

const cfg = defaultConfig().calls;
const HUB = 'http://127.0.0.1:7000';

function call(over: Partial<CallRecord> = {}): CallRecord {
  return {
    hub: HUB, server: 'files', tool: 'read', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null,
    start: 1_000, durationMs: 50, outcome: 'ok', requestBytes: 10, responseBytes: 20, ...over,
  };
}

/** Stats of one (server, tool) from `ok` calls of `okMs` and `failed` calls of 500 "Not connected". */
function stats(o: { server?: string; tool?: string; ok?: number; okMs?: number; failed?: number; slow?: number; slowMs?: number }): CallStats {
  const server = o.server ?? 'files';
  const tool = o.tool ?? 'read';
  const s = emptyStats(HUB, server, tool);
  for (let i = 0; i < (o.ok ?? 0); i++) addCall(s, call({ server, tool, durationMs: o.okMs ?? 50 }));
  for (let i = 0; i < (o.slow ?? 0); i++) addCall(s, call({ server, tool, durationMs: o.slowMs ?? 3_000 }));
  for (let i = 0; i < (o.failed ?? 0); i++) addCall(s, call({ server, tool, outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: 'Not connected' }));
  return s;
}

const judge = (window: CallStats[]) => evaluateCalls(HUB, window, cfg, { windowLabel: '5m' });
const status = (window: CallStats[], id: string, tool?: string) => judge(window).find((f) => f.id === id && f.tool === tool)?.status;

describe('calls.error_rate', () => {
  test.each([
    ['no calls at all: nothing to judge', [], undefined],
    ['9 calls, all failed (below min_calls 10): not judged', [stats({ failed: 9 })], 'no_data'],
    ['10 calls, all fine', [stats({ ok: 10 })], 'ok'],
    ['success 95 % exactly: fine (below 95 % warns)', [stats({ ok: 95, failed: 5 })], 'ok'],
    ['success 94 %: warning', [stats({ ok: 94, failed: 6 })], 'warning'],
    ['success 90 % exactly: warning', [stats({ ok: 90, failed: 10 })], 'warning'],
    ['success 89 %: critical', [stats({ ok: 89, failed: 11 })], 'critical'],
    ['20 calls failing Not connected: critical', [stats({ failed: 20 })], 'critical'],
  ] as const)('%s', (_, window, expected) => {
    expect(status([...window], 'calls.error_rate', 'read')).toBe(expected);
  });

  test('per tool and per server: one failing tool of a busy server fails the tool, not the server', () => {
    const window = [stats({ tool: 'read', failed: 10 }), stats({ tool: 'list', ok: 290 })];
    expect(status(window, 'calls.error_rate', 'read')).toBe('critical');
    expect(status(window, 'calls.error_rate', 'list')).toBe('ok');
    expect(status(window, 'calls.error_rate')).toBe('ok'); // 290 of 300: 96.7 %
  });

  test('the server sums its tools: tools each below min_calls are judged together', () => {
    const window = [stats({ tool: 'a', failed: 5 }), stats({ tool: 'b', failed: 5 })];
    expect(status(window, 'calls.error_rate', 'a')).toBe('no_data');
    expect(status(window, 'calls.error_rate')).toBe('critical');
  });

  test('the alert names the server, the tool and the error', () => {
    const [r] = toRuleResults(judge([stats({ failed: 20 })]).filter((f) => f.id === 'calls.error_rate' && f.tool === 'read'));
    expect(r!.labels).toEqual({ hub: HUB, server: 'files', tool: 'read' });
    expect(r!.summary).toBe('files/read: success 0.0% over 20 calls in 5m (20 failed: 500 ×20: "Not connected")');
  });

  test('calls that name no server are no server\'s', () => {
    expect(judge([stats({ server: '', tool: '', failed: 50 })])).toEqual([]);
  });
});

describe('calls.p95_latency', () => {
  test.each([
    ['all fast', { ok: 100, okMs: 100 }, 'ok'],
    ['5 of 100 above 2 s: P95 is not above 2000 ms', { ok: 95, slow: 5 }, 'ok'],
    ['6 of 100 above 2 s: P95 above 2000 ms, warning', { ok: 94, slow: 6 }, 'warning'],
    ['2 of 100 above 5 s: P99 above 5000 ms, critical', { ok: 98, slow: 2, slowMs: 6_000 }, 'critical'],
    ['1 of 100 above 5 s: P99 is not above 5000 ms', { ok: 99, slow: 1, slowMs: 6_000 }, 'ok'],
    ['9 slow calls: below min_calls', { slow: 9 }, 'no_data'],
  ] as const)('%s', (_, o, expected) => {
    expect(status([stats(o)], 'calls.p95_latency', 'read')).toBe(expected);
  });
});

test('percentiles interpolate inside the bucket, as histogram_quantile does', () => {
  const s = stats({ ok: 50, okMs: 15, slow: 50, slowMs: 1_500 });
  expect(quantileMs(s, 0.5)).toBe(20); // the top of (10, 20] ms, where the 50th call is
  expect(quantileMs(s, 0.95)).toBeCloseTo(1_000 + 1_000 * (45 / 50));
  expect(quantileMs(emptyStats(HUB, 'a', 'b'), 0.5)).toBeUndefined();
});
