import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { mergeJsonMetrics } from '../sources/hub-metrics.js';
import type { LlmMetrics } from '../model/hub.js';
import { NOT_EXPOSED, cacheHitRateOf, evaluateLlm, successRateOf } from './llm.js';
import type { Finding } from './types.js';

const HUB = 'http://127.0.0.1:7000';
const cfg = defaultConfig().check;
const fixture = (rel: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/${rel}`, import.meta.url), 'utf8'));

const metrics = (over: Partial<LlmMetrics>): LlmMetrics => ({ sources: ['test'], ...over });
const byId = (findings: Finding[]) => Object.fromEntries(findings.map((f) => [f.id, f]));
const check = (m: LlmMetrics, id: string) => byId(evaluateLlm(HUB, m, cfg))[id]!;

describe('zero load is not an outage', () => {
  test('requests_total 0 makes success rate and P95 no_data', () => {
    const f = byId(evaluateLlm(HUB, metrics({ requestsTotal: 0, requestsSuccess: 0, requestsFailure: 0, p95LatencyMs: 0 }), cfg));
    expect(f['llm.success_rate']).toMatchObject({ status: 'no_data' });
    expect(f['llm.success_rate']!.message).toMatch(/zero load is not an outage/);
    expect(f['llm.p95_latency']).toMatchObject({ status: 'no_data', message: 'no LLM requests yet' });
  });

  test('zero requests with a huge stale P95 still does not warn', () => {
    expect(check(metrics({ requestsTotal: 0, p95LatencyMs: 99_999 }), 'llm.p95_latency').status).toBe('no_data');
  });

  test('zero cache hits and zero misses is no_data', () => {
    expect(check(metrics({ cacheHits: 0, cacheMisses: 0 }), 'llm.cache_hit_rate')).toMatchObject({ status: 'no_data', message: 'no cache lookups yet' });
  });

  test('the fork filtering stats at zero load give only no_data LLM findings (the seed script said CRITICAL)', () => {
    const m: LlmMetrics = { sources: [] };
    mergeJsonMetrics(m, fixture('fork/filtering-stats.json'), '/api/filtering/stats');
    const findings = evaluateLlm(HUB, m, cfg);
    expect(findings).toHaveLength(5);
    for (const f of findings) expect(f.status, f.id).toBe('no_data');
    expect(byId(findings)['llm.cache_hit_rate']!.message).toMatch(/cannot tell no traffic from all misses/);
  });

  test('a bare success rate of 0 without counts is no_data, not critical', () => {
    expect(check(metrics({ successRate: 0 }), 'llm.success_rate').status).toBe('no_data');
  });

  test('for any traffic-free metrics, success rate and P95 are no_data', () => {
    fc.assert(fc.property(
      fc.option(fc.nat(), { nil: undefined }), fc.option(fc.nat(), { nil: undefined }), fc.option(fc.nat(100_000), { nil: undefined }),
      (requestsSuccess, requestsFailure, p95LatencyMs) => {
        const f = byId(evaluateLlm(HUB, metrics({ requestsTotal: 0, requestsSuccess, requestsFailure, p95LatencyMs }), cfg));
        expect(f['llm.success_rate']!.status).toBe('no_data');
        expect(f['llm.p95_latency']!.status).toBe('no_data');
      },
    ));
  });
});

describe('thresholds', () => {
  test.each([
    { rate: '99%', success: 99, status: 'ok' },
    { rate: '95% (at the threshold)', success: 95, status: 'ok' },
    { rate: '93%', success: 93, status: 'warning' },
    { rate: '90% (at the critical threshold)', success: 90, status: 'warning' },
    { rate: '85%', success: 85, status: 'critical' },
    { rate: '0%', success: 0, status: 'critical' },
  ])('success rate $rate is $status', ({ success, status }) => {
    const f = check(metrics({ requestsTotal: 100, requestsSuccess: success, requestsFailure: 100 - success }), 'llm.success_rate');
    expect(f.status).toBe(status);
    expect(f.value).toBe(success);
    expect(f.threshold).toBe(status === 'critical' ? 90 : 95);
  });

  test.each([
    { what: 'failures only', m: { requestsTotal: 100, requestsFailure: 7 }, value: 93, status: 'warning' },
    { what: 'success and failure without a total', m: { requestsSuccess: 85, requestsFailure: 15 }, value: 85, status: 'critical' },
    { what: 'a bare rate', m: { successRate: 0.99 }, value: 99, status: 'ok' },
  ])('success rate from $what', ({ m, value, status }) => {
    expect(check(metrics(m), 'llm.success_rate')).toMatchObject({ value, status });
  });

  test.each([
    { p95: 2500, status: 'warning' },
    { p95: 2001, status: 'warning' },
    { p95: 2000, status: 'ok' },
    { p95: 150, status: 'ok' },
  ])('P95 $p95 ms under load is $status', ({ p95, status }) => {
    expect(check(metrics({ requestsTotal: 10, p95LatencyMs: p95 }), 'llm.p95_latency').status).toBe(status);
  });

  test('P95 with no request count at all is still judged', () => {
    expect(check(metrics({ p95LatencyMs: 2500 }), 'llm.p95_latency').status).toBe('warning');
  });

  test.each([
    { what: '70 hits / 30 misses', m: { cacheHits: 70, cacheMisses: 30 }, status: 'warning', value: 70 },
    { what: '80 hits / 20 misses', m: { cacheHits: 80, cacheMisses: 20 }, status: 'ok', value: 80 },
    { what: 'a bare 70% rate', m: { cacheHitRate: 0.7 }, status: 'warning', value: 70 },
    { what: 'a bare 85% rate', m: { cacheHitRate: 0.85 }, status: 'ok', value: 85 },
  ])('cache hit rate from $what is $status', ({ m, status, value }) => {
    expect(check(metrics(m), 'llm.cache_hit_rate')).toMatchObject({ status, value });
  });

  test.each([
    { depth: 11, status: 'warning' },
    { depth: 10, status: 'ok' },
    { depth: 0, status: 'ok' },
  ])('queue depth $depth is $status', ({ depth, status }) => {
    expect(check(metrics({ queueDepth: depth }), 'llm.queue_depth')).toMatchObject({ status, value: depth });
  });

  test.each([
    { state: 'open', status: 'critical', message: /open$/ },
    { state: 'half-open', status: 'warning', message: /half-open/ },
    { state: 'half_open', status: 'warning', message: /half-open/ },
    { state: 'closed', status: 'ok', message: /closed$/ },
    { state: 'melting', status: 'warning', message: /unrecognised circuit breaker state "melting"/ },
  ])('circuit breaker $state is $status', ({ state, status, message }) => {
    const f = check(metrics({ circuitBreakerState: state }), 'llm.circuit_breaker');
    expect(f.status).toBe(status);
    expect(f.message).toMatch(message);
  });

  test('thresholds come from the config', () => {
    const strict = { ...cfg, success_rate: { warning: 99.5, critical: 99 }, queue_depth: { warning: 2 } };
    const f = byId(evaluateLlm(HUB, metrics({ requestsTotal: 1000, requestsSuccess: 992, queueDepth: 3 }), strict));
    expect(f['llm.success_rate']!.status).toBe('warning');
    expect(f['llm.queue_depth']!.status).toBe('warning');
  });
});

describe('absent metrics', () => {
  test('a hub that serves no metrics gives no_data "not exposed by this hub" for every LLM check', () => {
    const findings = evaluateLlm(HUB, { sources: [] }, cfg);
    expect(findings.map((f) => f.id)).toEqual(['llm.success_rate', 'llm.p95_latency', 'llm.cache_hit_rate', 'llm.queue_depth', 'llm.circuit_breaker']);
    for (const f of findings) {
      expect(f.status).toBe('no_data');
      expect(f.message).toBe('not exposed by this hub');
    }
    expect(NOT_EXPOSED).toBe('not exposed by this hub');
  });

  test('only successes without a total or failures cannot give a rate', () => {
    expect(successRateOf(metrics({ requestsSuccess: 50 }))).toEqual({ reason: NOT_EXPOSED });
  });

  test('hits without misses cannot give a cache rate', () => {
    expect(cacheHitRateOf(metrics({ cacheHits: 50 }))).toEqual({ reason: NOT_EXPOSED });
  });

  test('rates are always within 0..1', () => {
    fc.assert(fc.property(
      fc.option(fc.nat(), { nil: undefined }), fc.option(fc.nat(), { nil: undefined }), fc.option(fc.nat(), { nil: undefined }),
      (requestsTotal, requestsSuccess, requestsFailure) => {
        const r = successRateOf(metrics({ requestsTotal, requestsSuccess, requestsFailure }));
        if ('rate' in r) {
          expect(r.rate).toBeGreaterThanOrEqual(0);
          expect(r.rate).toBeLessThanOrEqual(1);
        }
      },
    ));
  });
});
