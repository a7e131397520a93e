import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import type { LlmMetrics } from '../model/hub.js';
import { degradationLevel, worstLevel } from './level.js';
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
