import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import type { LlmMetrics } from '../model/hub.js';
import { addCall, emptyStats } from '../model/call-stats.js';
import { callsLevelInput, degradation, degradationLevel, levelFromAlerts, worstLevel, type CallsLevelInput } from './level.js';
import { evaluateLlm } from './llm.js';
import { finding, type CheckStatus, type Finding, type Level } from './types.js';

const HUB = 'http://127.0.0.1:7000';
const cfg = defaultConfig();
const bands = cfg.levels;
const m = (over: Partial<LlmMetrics>): LlmMetrics => ({ sources: ['test'], ...over });
const withSuccess = (pct: number) => m({ requestsTotal: 1000, requestsSuccess: pct * 10 });
const f = (status: CheckStatus, id = 'x') => finding(HUB, id, status, status);

describe('metric bands (the guide\'s degradation levels)', () => {
  test.each<{ what: string; metrics: LlmMetrics; level: Level }>([
    { what: 'success 96% is green', metrics: withSuccess(96), level: 'green' },
    { what: 'success 95% is green (yellow is below 95)', metrics: withSuccess(95), level: 'green' },
    { what: 'success 92% is yellow', metrics: withSuccess(92), level: 'yellow' },
    { what: 'success 85% is orange', metrics: withSuccess(85), level: 'orange' },
    { what: 'success 75% is red', metrics: withSuccess(75), level: 'red' },
    { what: 'P95 900 ms is green', metrics: m({ requestsTotal: 10, p95LatencyMs: 900 }), level: 'green' },
    { what: 'P95 1500 ms is yellow', metrics: m({ requestsTotal: 10, p95LatencyMs: 1500 }), level: 'yellow' },
    { what: 'P95 3000 ms is orange', metrics: m({ requestsTotal: 10, p95LatencyMs: 3000 }), level: 'orange' },
    { what: 'P95 6000 ms is red', metrics: m({ requestsTotal: 10, p95LatencyMs: 6000 }), level: 'red' },
    { what: 'P95 6000 ms with zero requests does not count', metrics: m({ requestsTotal: 0, p95LatencyMs: 6000 }), level: 'green' },
    { what: 'cache 85% is green', metrics: m({ cacheHits: 85, cacheMisses: 15 }), level: 'green' },
    { what: 'cache 70% is yellow', metrics: m({ cacheHits: 70, cacheMisses: 30 }), level: 'yellow' },
    { what: 'cache 50% is orange', metrics: m({ cacheHits: 50, cacheMisses: 50 }), level: 'orange' },
    { what: 'cache 30% is red', metrics: m({ cacheHits: 30, cacheMisses: 70 }), level: 'red' },
    { what: 'a bare cache rate of 0 (no counts) does not count', metrics: m({ cacheHitRate: 0 }), level: 'green' },
    { what: 'no metrics served is green', metrics: { sources: [] }, level: 'green' },
    { what: 'the worst metric wins', metrics: m({ requestsTotal: 100, requestsSuccess: 96, p95LatencyMs: 1500, cacheHits: 50, cacheMisses: 50 }), level: 'orange' },
  ])('$what', ({ metrics, level }) => {
    expect(degradationLevel([], metrics, bands)).toBe(level);
  });

  test('success 85% with its critical finding is red', () => {
    const metrics = withSuccess(85);
    const findings = evaluateLlm(HUB, metrics, cfg.check);
    expect(findings.find((x) => x.id === 'llm.success_rate')!.status).toBe('critical');
    expect(degradationLevel(findings, metrics, bands)).toBe('red');
  });

  test('success 92% with its warning finding stays yellow', () => {
    const metrics = withSuccess(92);
    expect(degradationLevel(evaluateLlm(HUB, metrics, cfg.check), metrics, bands)).toBe('yellow');
  });

  test('bands come from the config', () => {
    const custom = { ...bands, success_rate: { yellow: 99, orange: 98, red: 97 } };
    expect(degradationLevel([], withSuccess(96), custom)).toBe('red');
  });
});

describe('alert-driven levels', () => {
  test.each<{ what: string; findings: Finding[]; level: Level }>([
    { what: 'no findings is green', findings: [], level: 'green' },
    { what: 'only ok and no_data is green', findings: [f('ok'), f('no_data'), f('no_data')], level: 'green' },
    { what: 'one warning is yellow', findings: [f('ok'), f('warning')], level: 'yellow' },
    { what: 'two warnings are orange', findings: [f('warning'), f('warning')], level: 'orange' },
    { what: 'five warnings are orange', findings: Array.from({ length: 5 }, () => f('warning')), level: 'orange' },
    { what: 'a critical is red', findings: [f('critical')], level: 'red' },
    { what: 'a critical among warnings is red', findings: [f('warning'), f('critical'), f('warning')], level: 'red' },
  ])('$what', ({ findings, level }) => {
    expect(degradationLevel(findings, undefined, bands)).toBe(level);
  });

  test('green metrics do not lower an alert-driven level', () => {
    expect(degradationLevel([f('warning'), f('warning')], withSuccess(100), bands)).toBe('orange');
  });

  test('the level is never below what the alerts demand', () => {
    const order: Level[] = ['green', 'yellow', 'orange', 'red'];
    const status = fc.constantFrom<CheckStatus>('ok', 'warning', 'critical', 'no_data');
    const metrics = fc.record({
      requestsTotal: fc.option(fc.nat(10_000), { nil: undefined }),
      requestsSuccess: fc.option(fc.nat(10_000), { nil: undefined }),
      p95LatencyMs: fc.option(fc.nat(20_000), { nil: undefined }),
      cacheHits: fc.option(fc.nat(1_000), { nil: undefined }),
      cacheMisses: fc.option(fc.nat(1_000), { nil: undefined }),
    }).map((r) => m(r));
    fc.assert(fc.property(fc.array(status, { maxLength: 8 }), fc.option(metrics, { nil: undefined }), (statuses, mm) => {
      const level = degradationLevel(statuses.map((s) => f(s)), mm, bands);
      const warnings = statuses.filter((s) => s === 'warning').length;
      const floor: Level = statuses.includes('critical') ? 'red' : warnings >= 2 ? 'orange' : warnings === 1 ? 'yellow' : 'green';
      expect(order.indexOf(level)).toBeGreaterThanOrEqual(order.indexOf(floor));
    }));
  });
});

describe('worstLevel', () => {
  test.each<[Level[], Level]>([
    [[], 'green'],
    [['green', 'green'], 'green'],
    [['yellow', 'green'], 'yellow'],
    [['green', 'orange', 'yellow'], 'orange'],
    [['red', 'orange'], 'red'],
  ])('worstLevel(%j) is %s', (levels, expected) => {
    expect(worstLevel(levels)).toBe(expected);
  });
});

describe('the real calls through the tap', () => {
  const calls = (n: number, failed: number, p95Ms?: number): CallsLevelInput => ({ calls: n, errors: failed, ...(p95Ms !== undefined ? { p95Ms } : {}), windowLabel: '5m', minCalls: 10 });

  test.each<{ what: string; c: CallsLevelInput | undefined; level: Level; reason: string }>([
    { what: 'no tap: the level is the findings\', and the reason says so', c: undefined, level: 'green', reason: 'no calls through a tap (the level is judged from the polls\' and probes\' findings); alerts: none firing' },
    { what: 'healthy calls are green', c: calls(400, 1, 85), level: 'green', reason: 'calls through the tap over 5m: success 99.8% of 400, P95 85 ms; alerts: none firing' },
    { what: 'success 88 % is orange', c: calls(100, 12, 40), level: 'orange', reason: 'calls through the tap over 5m: success 88.0% of 100, P95 40 ms (orange); alerts: none firing' },
    { what: 'success 70 % is red', c: calls(100, 30, 40), level: 'red', reason: 'calls through the tap over 5m: success 70.0% of 100, P95 40 ms (red); alerts: none firing' },
    { what: 'P95 1500 ms is yellow', c: calls(100, 0, 1_500), level: 'yellow', reason: 'calls through the tap over 5m: success 100.0% of 100, P95 1500 ms (yellow); alerts: none firing' },
    { what: 'fewer calls than calls.min_calls do not move it', c: calls(3, 3, 9_000), level: 'green', reason: 'calls through the tap over 5m: 3, fewer than calls.min_calls (10): not judged; alerts: none firing' },
    { what: 'no call in the window is no tap\'s verdict', c: calls(0, 0), level: 'green', reason: 'no calls through a tap (the level is judged from the polls\' and probes\' findings); alerts: none firing' },
  ])('$what', ({ c, level, reason }) => {
    expect(degradation([], undefined, bands, c)).toEqual({ level, reason });
  });

  test('beside the alerts: the worst of both, each said with its own level', () => {
    expect(degradation([f('critical'), f('warning')], undefined, bands, calls(100, 12, 40))).toEqual({
      level: 'red', reason: 'calls through the tap over 5m: success 88.0% of 100, P95 40 ms (orange); alerts: 1 critical, 1 warning (red)',
    });
    expect(degradation([f('warning')], withSuccess(92), bands, calls(100, 0, 40), 'checks')).toEqual({
      level: 'yellow', reason: 'calls through the tap over 5m: success 100.0% of 100, P95 40 ms; LLM metrics: success 92.0% (yellow); checks: 1 warning (yellow)',
    });
  });

  test('a hub\'s input sums its calls of the window, every server and tool and the calls that name none; other hubs\' are not its', () => {
    const stats = (hub: string, server: string, n: number, failed: number, ms: number) => {
      const s = emptyStats(hub, server, server === '' ? '' : 'echo');
      for (let i = 0; i < n; i++) {
        addCall(s, { hub, server, tool: 'echo', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: 0, durationMs: ms,
          ...(i < failed ? { outcome: 'jsonrpc_error' as const, errorCode: 500 } : { outcome: 'ok' as const }), requestBytes: 1, responseBytes: 1 });
      }
      return s;
    };
    const window = [stats(HUB, 'a', 50, 5, 30), stats(HUB, '', 10, 0, 3), stats(HUB, 'b', 40, 15, 3_000), stats('http://127.0.0.1:7001', 'a', 100, 100, 30)];
    const c = callsLevelInput(window, HUB, cfg.calls, '5m');
    expect(c).toMatchObject({ calls: 100, errors: 20, windowLabel: '5m', minCalls: 10 });
    expect(c.p95Ms).toBeGreaterThan(2_000);
    expect(degradation([], undefined, bands, c).level).toBe('orange'); // 80 % (red is below 80) and a P95 between 2 and 5 s
  });

  test('levelFromAlerts: the firing alerts and the calls', () => {
    const open = [{ hub: HUB, rule: 'calls.error_rate', state: 'firing', severity: 'warning' }, { hub: 'other', rule: 'x', state: 'firing', severity: 'critical' }];
    expect(levelFromAlerts(HUB, open, bands, calls(100, 12, 40))).toEqual({
      level: 'orange', reason: 'calls through the tap over 5m: success 88.0% of 100, P95 40 ms (orange); alerts: 1 warning (yellow)',
    });
  });
});
