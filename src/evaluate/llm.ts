/**
 * The seed guide's LLM thresholds, done right: a metric no route serves, or a rate whose denominator is
 * zero (no requests yet), is `no_data` — zero load is not an outage (the seed's check-alerts.sh exits 2 on
 * an idle, healthy hub: test/fixtures/fork/check-alerts.output.txt).
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { LlmMetrics } from '../model/hub.js';
import { finding, type Finding } from './types.js';

export const NOT_EXPOSED = 'not exposed by this hub';

const pct = (x: number) => `${Number((x * 100).toFixed(1))}%`;

/** Success rate as 0..1, or a reason it cannot be computed. */
export function successRateOf(m: LlmMetrics): { rate: number } | { reason: string } {
  const total = m.requestsTotal ?? (m.requestsSuccess !== undefined && m.requestsFailure !== undefined ? m.requestsSuccess + m.requestsFailure : undefined);
  if (total !== undefined) {
    if (total === 0) return { reason: 'no LLM requests yet (zero load is not an outage)' };
    if (m.requestsSuccess !== undefined) return { rate: Math.min(1, m.requestsSuccess / total) };
    if (m.requestsFailure !== undefined) return { rate: Math.max(0, 1 - m.requestsFailure / total) };
  }
  // A bare rate of exactly 0 with no counts is what the fork reports before its first call.
  if (m.successRate !== undefined && m.successRate > 0) return { rate: m.successRate };
  if (m.successRate === 0) return { reason: 'success rate 0 with no request count: no LLM requests yet, or not counted' };
  return { reason: NOT_EXPOSED };
}

/** Cache hit rate as 0..1, or a reason it cannot be computed. */
export function cacheHitRateOf(m: LlmMetrics): { rate: number } | { reason: string } {
  if (m.cacheHits !== undefined && m.cacheMisses !== undefined) {
    const lookups = m.cacheHits + m.cacheMisses;
    return lookups === 0 ? { reason: 'no cache lookups yet' } : { rate: m.cacheHits / lookups };
  }
  if (m.cacheHitRate !== undefined && m.cacheHitRate > 0) return { rate: m.cacheHitRate };
  if (m.cacheHitRate === 0) return { reason: 'hit rate 0 with no lookup count: cannot tell no traffic from all misses' };
  return { reason: NOT_EXPOSED };
}

/** True when the hub served a request count of zero (latency percentiles are then meaningless). */
function idle(m: LlmMetrics): boolean {
  return m.requestsTotal === 0;
}

/** Findings for the LLM success rate, P95 latency, cache hit rate, queue depth and circuit breaker. */
export function evaluateLlm(hub: string, m: LlmMetrics, cfg: MonitorConfig['check']): Finding[] {
  const out: Finding[] = [];
  const sr = successRateOf(m);
  if ('reason' in sr) out.push(finding(hub, 'llm.success_rate', 'no_data', sr.reason));
  else {
    const p = sr.rate * 100;
    const status = p < cfg.success_rate.critical ? 'critical' : p < cfg.success_rate.warning ? 'warning' : 'ok';
    out.push(finding(hub, 'llm.success_rate', status, `LLM success rate ${pct(sr.rate)}`, {
      value: Number(p.toFixed(2)), threshold: status === 'critical' ? cfg.success_rate.critical : cfg.success_rate.warning,
    }));
  }

  if (m.p95LatencyMs === undefined) out.push(finding(hub, 'llm.p95_latency', 'no_data', NOT_EXPOSED));
  else if (idle(m)) out.push(finding(hub, 'llm.p95_latency', 'no_data', 'no LLM requests yet'));
  else {
    const status = m.p95LatencyMs > cfg.p95_latency_ms.warning ? 'warning' : 'ok';
    out.push(finding(hub, 'llm.p95_latency', status, `LLM P95 latency ${Math.round(m.p95LatencyMs)} ms`, {
      value: m.p95LatencyMs, threshold: cfg.p95_latency_ms.warning,
    }));
  }

  const cr = cacheHitRateOf(m);
  if ('reason' in cr) out.push(finding(hub, 'llm.cache_hit_rate', 'no_data', cr.reason));
  else {
    const p = cr.rate * 100;
    out.push(finding(hub, 'llm.cache_hit_rate', p < cfg.cache_hit_rate.warning ? 'warning' : 'ok', `LLM cache hit rate ${pct(cr.rate)}`, {
      value: Number(p.toFixed(2)), threshold: cfg.cache_hit_rate.warning,
    }));
  }

  if (m.queueDepth === undefined) out.push(finding(hub, 'llm.queue_depth', 'no_data', NOT_EXPOSED));
  else {
    out.push(finding(hub, 'llm.queue_depth', m.queueDepth > cfg.queue_depth.warning ? 'warning' : 'ok', `LLM queue depth ${m.queueDepth}`, {
      value: m.queueDepth, threshold: cfg.queue_depth.warning,
    }));
  }

  const cb = m.circuitBreakerState;
  if (cb === undefined) out.push(finding(hub, 'llm.circuit_breaker', 'no_data', NOT_EXPOSED));
  else {
    const norm = cb.replace(/[_\s]/g, '-');
    const status = norm === 'open' ? 'critical' : norm === 'closed' ? 'ok' : 'warning';
    const message = norm === 'open' ? 'LLM circuit breaker open' : norm === 'closed' ? 'LLM circuit breaker closed'
      : norm === 'half-open' ? 'LLM circuit breaker half-open (probing)' : `unrecognised circuit breaker state ${JSON.stringify(cb)}`;
    out.push(finding(hub, 'llm.circuit_breaker', status, message, { value: cb }));
  }
  return out;
}
