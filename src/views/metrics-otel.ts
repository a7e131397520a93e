/**
 * The daemon's OpenTelemetry export on /metrics: whether it is on, what it sent and lost, and whether it
 * fails now — so an OTLP backend that refuses (a wrong API key, a collector that is down) is seen where the
 * rest of the monitor's health is, not only in its log. Counts survive export restarts by config reloads.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { exportFailing, type OtelExportHealth } from '../otel/status.js';

const SIGNALS = ['traces', 'metrics'] as const;

export interface OtelMetrics {
  refresh(health: OtelExportHealth | undefined): void;
}

export function createOtelMetrics(registers: Registry[]): OtelMetrics {
  const enabled = new Gauge({ name: 'mcp_hub_monitor_otel_enabled', help: 'Whether the daemon exports OpenTelemetry (otel.enabled, unless OTEL_SDK_DISABLED=true).', registers });
  const items = new Counter({
    name: 'mcp_hub_monitor_otel_export_items_total', labelNames: ['signal', 'result'], registers,
    help: 'Spans (signal="traces") and metric streams (signal="metrics") the daemon exported over OTLP: result="success" the backend accepted, result="failure" lost to failed exports.',
  });
  const failures = new Counter({ name: 'mcp_hub_monitor_otel_export_failures_total', help: 'OTLP export requests of the daemon that failed (refused, unreachable, timed out).', labelNames: ['signal'], registers });
  const failing = new Gauge({
    name: 'mcp_hub_monitor_otel_export_failing', labelNames: ['signal'], registers,
    help: 'Whether the daemon\'s OTLP export of the signal fails now: its last export failed, or export is enabled but could not start (absent while export is off).',
  });
  return {
    refresh(h) {
      enabled.set(h?.enabled ? 1 : 0);
      for (const m of [items, failures, failing]) m.reset();
      if (!h?.enabled) return;
      for (const signal of SIGNALS) {
        const c = h.status?.[signal];
        failing.set({ signal }, h.startError !== undefined || (c !== undefined && exportFailing(c)) ? 1 : 0);
        if (!c) continue;
        items.inc({ signal, result: 'success' }, c.exported);
        items.inc({ signal, result: 'failure' }, c.failed);
        failures.inc({ signal }, c.failedExports);
      }
    },
  };
}
