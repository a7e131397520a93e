import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { mergeJsonMetrics, mergePrometheusText } from './hub-metrics.js';
import type { LlmMetrics } from '../model/hub.js';

const fixture = (rel: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/${rel}`, import.meta.url), 'utf8'));

const empty = (): LlmMetrics => ({ sources: [] });

describe('mergeJsonMetrics: the fork /api/filtering/stats', () => {
  test.each(['fork/filtering-stats.json', 'fork/filtering-stats-later.json'])(
    '%s at zero load records cacheHitRate 0 and no counts',
    (file) => {
      const m = empty();
      mergeJsonMetrics(m, fixture(file), '/api/filtering/stats');
      expect(m).toEqual({ cacheHitRate: 0, sources: ['/api/filtering/stats'] });
    },
  );

  test('the flat llmCacheHitRate is read, not the category-cache cacheHitRate', () => {
    const m = empty();
    mergeJsonMetrics(m, { cacheHitRate: 0.3, llmCacheHitRate: 0.9 }, '/api/filtering/stats');
    expect(m.cacheHitRate).toBe(0.9);
  });

  test('queue depth and circuit breaker state are read from nested flat fields', () => {
    const m = empty();
    mergeJsonMetrics(m, { queue: { depth: 4 }, circuitBreaker: { state: 'HALF_OPEN' } }, 'x');
    expect(m).toMatchObject({ queueDepth: 4, circuitBreakerState: 'half_open' });
  });
});

describe('mergeJsonMetrics: the custom {llm:{…}} shape', () => {
  test('every custom field maps to its LlmMetrics field', () => {
    const m = empty();
    mergeJsonMetrics(m, {
      llm: {
        requests_total: 1000, requests_success: 930, requests_failure: 70,
        latency_p95: 2500, latency_p99: 4100, cache_hits: 70, cache_misses: 30, queue_depth: 11,
      },
    }, '/api/metrics/custom');
    expect(m).toEqual({
      requestsTotal: 1000, requestsSuccess: 930, requestsFailure: 70, p95LatencyMs: 2500, p99LatencyMs: 4100,
      cacheHits: 70, cacheMisses: 30, queueDepth: 11, sources: ['/api/metrics/custom'],
    });
  });

  test.each([
    ['negative', -1],
    ['Infinity', Infinity],
    ['a non-numeric string', 'lots'],
    ['null', null],
    ['a boolean', true],
  ])('a %s count is left undefined, never zero', (_label, v) => {
    const m = empty();
    mergeJsonMetrics(m, { llm: { requests_total: v } }, 'x');
    expect(m.requestsTotal).toBeUndefined();
    expect(m.sources).toEqual([]);
  });
});

describe('mergeJsonMetrics: the getStats() shapes', () => {
  test('llm.totalCalls/successfulCalls/p95Latency/queueDepth/circuitBreakerState and a string successRate', () => {
    const m = empty();
    mergeJsonMetrics(m, {
      llm: {
        totalCalls: 200, successfulCalls: 190, failedCalls: 10, p95Latency: 1500, p99Latency: 3000,
        queueDepth: 3, circuitBreakerState: 'CLOSED', successRate: '0.950',
      },
    }, 'getStats');
    expect(m).toEqual({
      requestsTotal: 200, requestsSuccess: 190, requestsFailure: 10, p95LatencyMs: 1500, p99LatencyMs: 3000,
      queueDepth: 3, circuitBreakerState: 'closed', successRate: 0.95, sources: ['getStats'],
    });
  });

  test('llmCache.hitRate "0.8500" with hits and misses', () => {
    const m = empty();
    mergeJsonMetrics(m, { llmCache: { hitRate: '0.8500', hits: 85, misses: 15 } }, 'getStats');
    expect(m).toEqual({ cacheHitRate: 0.85, cacheHits: 85, cacheMisses: 15, sources: ['getStats'] });
  });

  test.each([
    ['0.950', 0.95],
    ['95', 0.95],
    ['95.0', 0.95],
    [0.5, 0.5],
    [100, 1],
    ['150', undefined],
    ['', undefined],
    ['  ', undefined],
    ['NaN', undefined],
  ])('successRate %j is read as %s', (v, expected) => {
    const m = empty();
    mergeJsonMetrics(m, { llm: { successRate: v } }, 'x');
    expect(m.successRate).toBe(expected);
  });

  test('the first source to provide a field wins; later ones fill only what is missing', () => {
    const m = empty();
    mergeJsonMetrics(m, { llm: { requests_total: 10 } }, 'first');
    mergeJsonMetrics(m, { llm: { totalCalls: 99, p95Latency: 800 } }, 'second');
    expect(m.requestsTotal).toBe(10);
    expect(m.p95LatencyMs).toBe(800);
    expect(m.sources).toEqual(['first', 'second']);
  });

  test('a body that contributes nothing is not listed as a source', () => {
    const m = empty();
    mergeJsonMetrics(m, { unrelated: true }, 'a');
    mergeJsonMetrics(m, [1, 2], 'b');
    mergeJsonMetrics(m, null, 'c');
    expect(m).toEqual({ sources: [] });
  });

  test('own fields only: llm hidden behind "__proto__" is ignored', () => {
    const m = empty();
    mergeJsonMetrics(m, JSON.parse('{"__proto__":{"llm":{"requests_total":5}}}'), 'x');
    expect(m).toEqual({ sources: [] });
  });

  test('no JSON value makes it throw or produce a negative or non-finite number', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (body) => {
      const m = empty();
      mergeJsonMetrics(m, body, 'x');
      for (const [k, v] of Object.entries(m)) {
        if (typeof v === 'number') expect(Number.isFinite(v) && v >= 0, k).toBe(true);
      }
    }));
  });
});

describe('mergePrometheusText', () => {
  const names: [string, string, keyof LlmMetrics, unknown][] = [
    ['llm_requests_total', '120', 'requestsTotal', 120],
    ['llm_requests_success_total', '110', 'requestsSuccess', 110],
    ['llm_requests_failure_total', '10', 'requestsFailure', 10],
    ['llm_latency_p95_ms', '1800', 'p95LatencyMs', 1800],
    ['llm_latency_p99_ms', '3200', 'p99LatencyMs', 3200],
    ['llm_cache_hits_total', '70', 'cacheHits', 70],
    ['llm_cache_misses_total', '30', 'cacheMisses', 30],
    ['llm_queue_depth', '4', 'queueDepth', 4],
    ['llm_circuit_breaker_open', '1', 'circuitBreakerState', 'open'],
    ['llm_circuit_breaker_open', '0', 'circuitBreakerState', 'closed'],
  ];
  const withPrefixes = names.flatMap(([n, v, k, e]) => [[n, v, k, e], [`mcp_hub_${n}`, v, k, e]] as const);

  test.each(withPrefixes)('%s %s sets %s to %j', (name, value, key, expected) => {
    const m = empty();
    mergePrometheusText(m, `# HELP ${name} something\n# TYPE ${name} gauge\n${name} ${value}\n`, '/api/metrics/prometheus');
    expect(m[key]).toEqual(expected);
    expect(m.sources).toEqual(['/api/metrics/prometheus']);
  });

  test('success and failure totals imply the request total', () => {
    const m = empty();
    mergePrometheusText(m, 'llm_requests_success_total 90\nmcp_hub_llm_requests_failure_total 10\n', 'p');
    expect(m).toMatchObject({ requestsTotal: 100, requestsSuccess: 90, requestsFailure: 10 });
  });

  test('status labels split llm_requests_total and are summed across other labels', () => {
    const m = empty();
    mergePrometheusText(m, [
      'mcp_hub_llm_requests_total{model="a",status="success"} 50',
      'mcp_hub_llm_requests_total{model="b",status="success"} 40',
      'mcp_hub_llm_requests_total{model="a",status="failure"} 6',
      'mcp_hub_llm_requests_total{model="b",status="error"} 4',
    ].join('\n'), 'p');
    expect(m).toMatchObject({ requestsTotal: 100, requestsSuccess: 90, requestsFailure: 10 });
  });

  test('an unlabelled total beats the sum of labelled lines', () => {
    const m = empty();
    mergePrometheusText(m, 'llm_requests_total 200\nllm_requests_total{status="success"} 150\n', 'p');
    expect(m).toMatchObject({ requestsTotal: 200, requestsSuccess: 150 });
  });

  test('CRLF line endings and a trailing timestamp are tolerated', () => {
    const m = empty();
    mergePrometheusText(m, 'llm_queue_depth 3 1700000000000\r\nllm_latency_p95_ms 900\r\n', 'p');
    expect(m).toMatchObject({ queueDepth: 3, p95LatencyMs: 900 });
  });

  test('garbage lines are ignored and leave no source behind', () => {
    const m = empty();
    mergePrometheusText(m, [
      '<!DOCTYPE html>',
      'hello world',
      'llm_requests_total NaN',
      'llm_requests_total -5',
      'llm_requests_total 1e400',
      'llm_queue_depth',
      'llm_queue_depth abc',
      'LLM_QUEUE_DEPTH 3',
      'other_llm_queue_depth 3',
      'llm_unknown_metric 7',
      `llm_queue_depth ${'9'.repeat(5000)}`,
      '# llm_queue_depth 3',
      '',
    ].join('\n'), 'p');
    expect(m).toEqual({ sources: [] });
  });

  test('garbage around good lines does not hide them', () => {
    const m = empty();
    mergePrometheusText(m, 'junk junk\nllm_queue_depth 2\n}{\nllm_latency_p95_ms oops\n', 'p');
    expect(m).toEqual({ queueDepth: 2, sources: ['p'] });
  });

  test('values already set by a JSON route are kept', () => {
    const m = empty();
    mergeJsonMetrics(m, { llm: { queue_depth: 1 } }, 'json');
    mergePrometheusText(m, 'llm_queue_depth 9\n', 'prom');
    expect(m.queueDepth).toBe(1);
    expect(m.sources).toEqual(['json']);
  });

  test('no text makes it throw or produce a negative or non-finite number', () => {
    const line = fc.tuple(
      fc.constantFrom('', 'mcp_hub_', 'x_'),
      fc.constantFrom(...names.map(([n]) => n), 'llm_x'),
      fc.constantFrom('', '{status="success"}', '{status="failure"}', '{a="}"}'),
      fc.constantFrom(' ', '\t', ''),
      fc.oneof(fc.double().map(String), fc.string({ maxLength: 5 })),
    ).map((parts) => parts.join(''));
    fc.assert(fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
      const m = empty();
      mergePrometheusText(m, lines.join('\n'), 'p');
      for (const [k, v] of Object.entries(m)) {
        if (typeof v === 'number') expect(Number.isFinite(v) && v >= 0, k).toBe(true);
      }
    }));
  });
});
