/**
 * Optional LLM/cache metrics, read from whichever of these a hub serves (docs/DESIGN.md §4, docs/hub-api.md §8):
 * the fork's `/api/filtering/stats` (flat fields), a `/api/metrics/custom` `{llm:{requests_total,…}}`, the
 * fork's internal `getStats()` shapes `llm`/`llmCache` when a build exposes them, and Prometheus text at
 * `/api/metrics/prometheus`. Everything is normalised to `LlmMetrics`; a field no route serves stays
 * undefined, which the evaluator reports as "not exposed by this hub" — never as zero.
 */
import { isRecord, own } from '../model/json.js';
import { saneNumber } from './hub-models.js';
import type { LlmMetrics } from '../model/hub.js';

/** A number, or a numeric string (the fork's `toFixed()` outputs), else undefined. */
function num(v: unknown): number | undefined {
  if (typeof v === 'string' && v.trim() !== '' && v.length < 40) return saneNumber(Number(v));
  return saneNumber(v);
}

/** A rate that may be a fraction (0.93) or a percent (93); normalised to 0..1. */
function rate(v: unknown): number | undefined {
  const n = num(v);
  if (n === undefined) return undefined;
  return n > 1 ? (n <= 100 ? n / 100 : undefined) : n;
}

function setIfAbsent<K extends keyof LlmMetrics>(m: LlmMetrics, key: K, value: LlmMetrics[K] | undefined): void {
  if (value !== undefined && m[key] === undefined) m[key] = value;
}

/** Reads the custom shape `{llm:{requests_total,…}}` and the getStats shapes `llm`/`llmCache`. */
export function mergeJsonMetrics(m: LlmMetrics, body: unknown, source: string): void {
  if (!isRecord(body)) return;
  const before = JSON.stringify(m);
  const llm = own(body, 'llm');
  if (isRecord(llm)) {
    // /api/metrics/custom (the seed guide's shape)
    setIfAbsent(m, 'requestsTotal', num(own(llm, 'requests_total')));
    setIfAbsent(m, 'requestsSuccess', num(own(llm, 'requests_success')));
    setIfAbsent(m, 'requestsFailure', num(own(llm, 'requests_failure')));
    setIfAbsent(m, 'p95LatencyMs', num(own(llm, 'latency_p95')));
    setIfAbsent(m, 'p99LatencyMs', num(own(llm, 'latency_p99')));
    setIfAbsent(m, 'cacheHits', num(own(llm, 'cache_hits')));
    setIfAbsent(m, 'cacheMisses', num(own(llm, 'cache_misses')));
    setIfAbsent(m, 'queueDepth', num(own(llm, 'queue_depth')));
    // getStats().llm (the fork's internal shape)
    setIfAbsent(m, 'requestsTotal', num(own(llm, 'totalCalls')));
    setIfAbsent(m, 'requestsSuccess', num(own(llm, 'successfulCalls')));
    setIfAbsent(m, 'requestsFailure', num(own(llm, 'failedCalls')));
    setIfAbsent(m, 'p95LatencyMs', num(own(llm, 'p95Latency')));
    setIfAbsent(m, 'p99LatencyMs', num(own(llm, 'p99Latency')));
    setIfAbsent(m, 'queueDepth', num(own(llm, 'queueDepth')));
    setIfAbsent(m, 'successRate', rate(own(llm, 'successRate')));
    const cb = own(llm, 'circuitBreakerState');
    if (typeof cb === 'string') setIfAbsent(m, 'circuitBreakerState', cb.toLowerCase().slice(0, 40));
  }
  const cache = own(body, 'llmCache');
  if (isRecord(cache)) {
    setIfAbsent(m, 'cacheHits', num(own(cache, 'hits')));
    setIfAbsent(m, 'cacheMisses', num(own(cache, 'misses')));
    setIfAbsent(m, 'cacheHitRate', rate(own(cache, 'hitRate')));
  }
  // The fork's /api/filtering/stats: flat fields only, no counts (docs/hub-api.md §8).
  setIfAbsent(m, 'cacheHitRate', rate(own(body, 'llmCacheHitRate')));
  const queue = own(body, 'queue');
  if (isRecord(queue)) setIfAbsent(m, 'queueDepth', num(own(queue, 'depth')));
  const breaker = own(body, 'circuitBreaker');
  if (isRecord(breaker) && typeof own(breaker, 'state') === 'string') {
    setIfAbsent(m, 'circuitBreakerState', String(own(breaker, 'state')).toLowerCase().slice(0, 40));
  }
  if (JSON.stringify(m) !== before && !m.sources.includes(source)) m.sources.push(source);
}

/**
 * Reads Prometheus text exposition. Accepted names (with or without a `mcp_hub_` prefix):
 * `llm_requests_total` (optionally `{status="success"|"failure"}`), `llm_requests_success_total`,
 * `llm_requests_failure_total`, `llm_latency_p95_ms`, `llm_latency_p99_ms`, `llm_cache_hits_total`,
 * `llm_cache_misses_total`, `llm_queue_depth`, `llm_circuit_breaker_open` (1 = open).
 */
export function mergePrometheusText(m: LlmMetrics, text: string, source: string): void {
  const before = JSON.stringify(m);
  let success: number | undefined;
  let failure: number | undefined;
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (line.length > 4096 || line.startsWith('#')) continue;
    const match = /^(?:mcp_hub_)?(llm_[a-z0-9_]+)(\{[^}]*\})?\s+(\S+)/.exec(line.trim());
    if (!match) continue;
    const [, name, labels = '', valueText] = match;
    const value = num(Number(valueText));
    if (value === undefined) continue;
    const status = /status="([^"]*)"/.exec(labels)?.[1];
    switch (name) {
      case 'llm_requests_total':
        if (status === 'success') success = (success ?? 0) + value;
        else if (status === 'failure' || status === 'error') failure = (failure ?? 0) + value;
        else if (!status) total = value;
        break;
      case 'llm_requests_success_total': success = value; break;
      case 'llm_requests_failure_total': failure = value; break;
      case 'llm_latency_p95_ms': setIfAbsent(m, 'p95LatencyMs', value); break;
      case 'llm_latency_p99_ms': setIfAbsent(m, 'p99LatencyMs', value); break;
      case 'llm_cache_hits_total': setIfAbsent(m, 'cacheHits', value); break;
      case 'llm_cache_misses_total': setIfAbsent(m, 'cacheMisses', value); break;
      case 'llm_queue_depth': setIfAbsent(m, 'queueDepth', value); break;
      case 'llm_circuit_breaker_open': setIfAbsent(m, 'circuitBreakerState', value >= 1 ? 'open' : 'closed'); break;
      default: break;
    }
  }
  if (total === undefined && (success !== undefined || failure !== undefined)) total = (success ?? 0) + (failure ?? 0);
  setIfAbsent(m, 'requestsTotal', total);
  setIfAbsent(m, 'requestsSuccess', success);
  setIfAbsent(m, 'requestsFailure', failure);
  if (JSON.stringify(m) !== before && !m.sources.includes(source)) m.sources.push(source);
}
