import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { addCall, emptyStats, type CallStats } from '../model/call-stats.js';
import type { CallRecord } from '../model/calls.js';
import { callRatios, callSloInputs, evaluateCallSlo } from './call-slo.js';
import { sloWindows } from './slo.js';

const cfg = defaultConfig().slo;
const M = 60_000;
const HUB = 'http://127.0.0.1:7000';
const NOW = Date.UTC(2026, 11, 6, 12);

const call = (durationMs: number, ok = true): CallRecord => ({
  hub: HUB, server: 'files', tool: 'read', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: NOW, durationMs,
  ...(ok ? { outcome: 'ok' } : { outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: 'Not connected' }), requestBytes: 1, responseBytes: 1,
});

/** `n` calls, `failed` of them failing and `slow` of them taking 3 s (the rest 40 ms). */
function stats(n: number, failed = 0, slow = 0): CallStats {
  const s = emptyStats(HUB, '', '');
  for (let i = 0; i < n; i++) addCall(s, call(i < slow ? 3_000 : 40, i < n - failed));
  return s;
}

test('the events: a call answered OK is good for call_success; one within 2 s (a histogram bound: exact) for call_latency', () => {
  expect(callRatios(stats(100, 3, 7), 2_000)).toEqual({ success: { good: 97, total: 100 }, latency: { good: 93, total: 100 } });
  // A call of exactly 2000 ms is within 2 s (the bucket's upper bound is inclusive, as Prometheus' le).
  const edge = emptyStats(HUB, '', '');
  addCall(edge, call(2_000));
  addCall(edge, call(2_001));
  expect(callRatios(edge, 2_000).latency).toEqual({ good: 1, total: 2 });
});

test('no calls through a tap is no data, not 100 %: the SLO says so', () => {
  const i = callSloInputs(() => emptyStats(HUB, '', ''), () => 0, cfg, NOW);
  const f = evaluateCallSlo(HUB, i, cfg);
  expect(f.map((x) => [x.id, x.subject, x.status])).toEqual([
    ['slo.call_success', 'call_success', 'no_data'], ['slo.burn_rate', 'call_success', 'no_data'],
    ['slo.call_latency', 'call_latency', 'no_data'], ['slo.burn_rate', 'call_latency', 'no_data'],
  ]);
  expect(f[0]!.message).toBe('no calls seen through a tap in the last 30d: no tap in front of this hub (see `mcp-hub-monitor tap`), or no traffic');
  expect(f[1]!.message).toBe('call_success: not enough calls for burn rates');
});

test('ten minutes of calls, 2 % failing: the budget counts the bad share over the time observed, against the whole window', () => {
  // 400 calls in the 10 minutes since the first one; every window from 30 m on holds all of them.
  const calls = (w: number) => (w <= 5 * M ? stats(200, 4) : stats(400, 8));
  const f = evaluateCallSlo(HUB, callSloInputs((from) => calls(NOW - from), () => 10 * M, cfg, NOW), cfg);
  const success = f.find((x) => x.id === 'slo.call_success')!;
  expect(success).toMatchObject({ status: 'ok', value: 98, threshold: 99 });
  // 2 % bad × 10 min / (1 % × 30 d) = 0.046 %.
  expect(success.message).toBe('98.000% of 400 calls answered OK over the 10m observed of 30d (objective 99%): 0.0% of the error budget used (8 failed; the objective allows 1% of the calls)');
  expect(f.find((x) => x.id === 'slo.call_latency')).toMatchObject({ status: 'ok', value: 100 });
  // 2 % bad is twice the budget's rate: within the 6× and 14.4× burn pairs.
  expect(f.find((x) => x.id === 'slo.burn_rate' && x.subject === 'call_success')).toMatchObject({ status: 'ok', message: 'call_success burn rates within bounds' });
});

test('a dead child: every call of the last hour failing burns the budget at 100×: critical, and the whole window\'s budget is spent', () => {
  const windows = new Map(sloWindows(cfg).map((w) => [w, w <= 60 * M ? stats(100, 100) : stats(1_000, 100)]));
  const f = evaluateCallSlo(HUB, callSloInputs((from) => windows.get(NOW - from)!, () => cfg.window, cfg, NOW), cfg);
  expect(f.find((x) => x.id === 'slo.burn_rate' && x.subject === 'call_success')).toMatchObject({
    status: 'critical', message: 'call_success error budget burning 100.0× over 1h and 100.0× over 5m (threshold 14.4×)',
  });
  // 10 % of the window's calls failed against the 1 % allowed.
  expect(f.find((x) => x.id === 'slo.call_success')).toMatchObject({
    status: 'warning', message: '90.000% of 1000 calls answered OK over 30d (objective 99%): error budget exhausted (100 failed; the objective allows 1% of the calls)',
  });
});

test('slow calls spend the latency objective: 10 % above 2 s against the 5 % allowed', () => {
  const f = evaluateCallSlo(HUB, callSloInputs(() => stats(1_000, 0, 100), () => cfg.window, cfg, NOW), cfg);
  expect(f.find((x) => x.id === 'slo.call_latency')).toMatchObject({
    status: 'warning', value: 90, message: '90.000% of 1000 calls answered within 2000 ms over 30d (objective 95%): error budget exhausted (100 slower; the objective allows 5% of the calls)',
  });
  expect(f.find((x) => x.id === 'slo.call_success')).toMatchObject({ status: 'ok', value: 100 });
});
