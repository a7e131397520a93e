/**
 * The Prometheus twins of `calls.error_rate` and `calls.p95_latency`, over the tap's histogram on /metrics
 * (`mcp_server_operation_duration_seconds`, views/metrics-calls.ts): per tool and per server, over
 * calls.window, judged only with calls.min_calls, at the same thresholds. The latency thresholds are
 * bucket boundaries, so histogram_quantile decides "P95 above 2 s" exactly as the daemon does from counts.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { CALLS_EVERY_MS } from '../daemon/jobs/calls.js';
import { promDuration, promNumber } from './timing.js';

const METRIC = 'mcp_server_operation_duration_seconds';

/** What alertRule needs of one alert (prometheus-rules.ts `AlertSpec`). */
export interface CallAlertSpec {
  name: string; rule: string; expr: string; severity: 'critical' | 'warning'; periodMs: number; summary: string; description: string; why: string;
}

export function callAlertSpecs(cfg: MonitorConfig): CallAlertSpec[] {
  const c = cfg.calls;
  const w = promDuration(c.window);
  const out: CallAlertSpec[] = [];
  for (const [scope, by, selector, what, Scope] of [
    ['tool', 'hub, server, gen_ai_tool_name', 'server!="",gen_ai_tool_name!=""', '{{ $labels.server }}/{{ $labels.gen_ai_tool_name }}', 'Tool'],
    ['server', 'hub, server', 'server!=""', '{{ $labels.server }}', 'Server'],
  ] as const) {
    const calls = `sum by (${by}) (increase(${METRIC}_count{${selector}}[${w}]))`;
    const failed = `sum by (${by}) (increase(${METRIC}_count{${selector},error_type!=""}[${w}]))`;
    // No failed series at all is 0 failed, not no data.
    const success = `(1 - ((${failed}) or (${calls}) * 0) / ${calls}) * 100`;
    const judged = `and on (${by}) ${calls} >= ${c.min_calls}`;
    const quantile = (q: number) => `histogram_quantile(${q}, sum by (${by}, le) (increase(${METRIC}_bucket{${selector}}[${w}])))`;
    const base = { periodMs: CALLS_EVERY_MS, description: `Calls through the traffic tap over calls.window (${w}), judged once ${scope === 'tool' ? 'the tool' : 'the server'} has calls.min_calls (${c.min_calls}).` };
    out.push(
      {
        ...base, name: `McpHub${Scope}CallErrorRate`, rule: 'calls.error_rate', severity: 'warning',
        expr: `${success} < ${promNumber(c.success_rate.warning)} >= ${promNumber(c.success_rate.critical)}\n${judged}`,
        summary: `{{ $labels.hub }}: ${what}: {{ $value | printf "%.1f" }}% of calls succeed`,
        why: `calls.error_rate per ${scope}: ${c.success_rate.critical}% ≤ success < ${c.success_rate.warning}% (calls.success_rate).`,
      },
      {
        ...base, name: `McpHub${Scope}CallErrorRate`, rule: 'calls.error_rate', severity: 'critical',
        expr: `${success} < ${promNumber(c.success_rate.critical)}\n${judged}`,
        summary: `{{ $labels.hub }}: ${what}: {{ $value | printf "%.1f" }}% of calls succeed`,
        why: `calls.error_rate per ${scope}: success < ${c.success_rate.critical}%.`,
      },
      {
        ...base, name: `McpHub${Scope}CallLatency`, rule: 'calls.p95_latency', severity: 'warning',
        expr: `${quantile(0.95)} > ${promNumber(c.p95_latency_ms.warning / 1000)}\nunless on (${by}) ${quantile(0.99)} > ${promNumber(c.p99_latency_ms.critical / 1000)}\n${judged}`,
        summary: `{{ $labels.hub }}: ${what}: P95 {{ $value | humanizeDuration }}`,
        why: `calls.p95_latency per ${scope}: P95 > ${c.p95_latency_ms.warning} ms (and P99 not above ${c.p99_latency_ms.critical} ms).`,
      },
      {
        ...base, name: `McpHub${Scope}CallLatency`, rule: 'calls.p95_latency', severity: 'critical',
        expr: `${quantile(0.99)} > ${promNumber(c.p99_latency_ms.critical / 1000)}\n${judged}`,
        summary: `{{ $labels.hub }}: ${what}: P99 {{ $value | humanizeDuration }}`,
        why: `calls.p95_latency per ${scope}: P99 > ${c.p99_latency_ms.critical} ms.`,
      },
    );
  }
  return out;
}
