/**
 * The traffic tap's calls on /metrics, named after the OpenTelemetry MCP semantic conventions:
 * `mcp_server_operation_duration_seconds` is `mcp.server.operation.duration` (a histogram in seconds on
 * their advisory boundaries) with `mcp_method_name`, `gen_ai_tool_name` and `error_type` (empty for a call
 * that succeeded, as OTel sets `error.type` only on failures), plus the hub and its server; and whether a tap
 * is connected, what the taps dropped, and how their OpenTelemetry export fares. Counts are since the daemon
 * started, from its read model.
 *
 * prom-client cannot be handed bucket counts, so the histogram is written here as text, escaped as
 * prom-client escapes (after metric-labels.ts has made each value safe). Bounded like every server series:
 * servers beyond the per-hub cap fold into `__other__`; the ledger bounds tools, methods and error types.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { CALL_DURATION_BUCKETS_S, mergeStats } from '../model/call-stats.js';
import type { OperationStats } from '../daemon/calls-ledger.js';
import type { LiveView } from '../daemon/live-state.js';
import { capServers, OTHER_SERVER, sanitizeLabelValue } from './http/metric-labels.js';

export const CALL_HISTOGRAM = 'mcp_server_operation_duration_seconds';
const HELP = 'Calls through the traffic tap, from the request reaching the tap to the last byte of the answer (OTel mcp.server.operation.duration), since the daemon started. error_type is empty for a call that succeeded.';

/** A label value as the text format needs it: escaped backslash, quote and newline (controls are already gone). */
const esc = (v: string): string => sanitizeLabelValue(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
/** Seconds from ms without float noise (0.004200000000000001). */
const seconds = (ms: number): number => Math.round(ms * 1000) / 1e6;

export interface CallMetrics {
  /** Sets the tap gauges and counters from the read model (before the registry renders). */
  refresh(live: LiveView, now: number): void;
  /** The histogram's text, appended to the registry's. */
  histogramText(live: LiveView, maxServersPerHub: number): string;
}

export function createCallMetrics(registers: Registry[]): CallMetrics {
  const connected = new Gauge({ name: 'mcp_hub_monitor_tap_connected', help: 'Whether a traffic tap is connected to the daemon now (absent when the daemon cannot take taps: see status).', registers });
  const dropped = new Counter({ name: 'mcp_hub_monitor_tap_dropped_records_total', help: 'Call records the taps dropped because their buffer was full while the daemon was away (as the taps last reported; a restarted tap starts again from 0).', registers });
  const unwatched = new Counter({ name: 'mcp_hub_monitor_tap_unwatched_calls_total', help: 'Calls from taps for a hub this daemon does not watch (URLs compared exactly after normalisation: localhost is not 127.0.0.1), since the daemon started: counted, not judged; `status` names the hubs.', registers });
  const badLines = new Counter({ name: 'mcp_hub_monitor_tap_bad_lines_total', help: 'Lines from taps the daemon could not read (not a call, another wire version, over the length cap, cut at a disconnect).', registers });
  const otelExported = new Counter({ name: 'mcp_hub_monitor_tap_otel_exported_total', help: 'Spans (signal="traces") and metric streams (signal="metrics") the live taps\' OpenTelemetry backend accepted, as the taps last reported.', labelNames: ['signal'], registers });
  const otelFailed = new Counter({ name: 'mcp_hub_monitor_tap_otel_failed_total', help: 'Spans and metric streams the live taps lost to failed OpenTelemetry exports, as the taps last reported.', labelNames: ['signal'], registers });
  const otelFailing = new Gauge({ name: 'mcp_hub_monitor_tap_otel_export_failing', help: 'Live taps whose last OpenTelemetry export of this signal failed (absent when no tap exports).', labelNames: ['signal'], registers });
  return {
    refresh(live, now) {
      const tap = live.calls();
      dropped.reset();
      badLines.reset();
      for (const m of [otelExported, otelFailed, otelFailing]) m.reset();
      unwatched.reset();
      if (!tap) {
        connected.remove();
        return;
      }
      if (tap.socket.listening) connected.set(tap.socket.connections > 0 ? 1 : 0);
      else connected.remove(); // no sample, rather than a 0 that reads as no tap connected
      dropped.inc(tap.ledger.tapDropped());
      unwatched.inc(tap.ledger.unwatchedCalls);
      badLines.inc(tap.socket.badLines + tap.socket.oversizedLines);
      for (const t of tap.ledger.tapOtel(now)) {
        for (const signal of ['traces', 'metrics'] as const) {
          otelExported.inc({ signal }, t[signal].exported);
          otelFailed.inc({ signal }, t[signal].failed);
          otelFailing.inc({ signal }, t[signal].failing ? 1 : 0);
        }
      }
    },
    histogramText(live, maxServersPerHub) {
      const tap = live.calls();
      if (!tap) return '';
      const series = foldForLabels(tap.ledger.operationTotals(), maxServersPerHub);
      const lines = [`# HELP ${CALL_HISTOGRAM} ${HELP}`, `# TYPE ${CALL_HISTOGRAM} histogram`];
      for (const [labels, s] of [...series].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        let cumulative = 0;
        CALL_DURATION_BUCKETS_S.forEach((le, i) => {
          cumulative += s.buckets[i]!;
          lines.push(`${CALL_HISTOGRAM}_bucket{${labels},le="${le}"} ${cumulative}`);
        });
        lines.push(`${CALL_HISTOGRAM}_bucket{${labels},le="+Inf"} ${s.calls}`);
        lines.push(`${CALL_HISTOGRAM}_sum{${labels}} ${seconds(s.sumMs)}`);
        lines.push(`${CALL_HISTOGRAM}_count{${labels}} ${s.calls}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}

/**
 * The label text of each series, servers beyond the per-hub cap folded into `__other__`; series whose
 * labels come out equal (two hostile names that sanitize alike, folded servers) are merged, never repeated.
 */
function foldForLabels(ops: readonly OperationStats[], maxServers: number): Map<string, OperationStats> {
  const serversByHub = new Map<string, Set<string>>();
  for (const o of ops) {
    let s = serversByHub.get(o.hub);
    if (!s) serversByHub.set(o.hub, (s = new Set()));
    s.add(o.server);
  }
  const folded = new Set<string>();
  for (const [hub, names] of serversByHub) {
    for (const f of capServers([...names].map((name) => ({ name })), maxServers).folded) folded.add(`${hub}\u0000${f.name}`);
  }
  const out = new Map<string, OperationStats>();
  for (const o of ops) {
    const server = folded.has(`${o.hub}\u0000${o.server}`) ? OTHER_SERVER : o.server;
    const labels = `hub="${esc(o.hub)}",server="${esc(server)}",mcp_method_name="${esc(o.method)}",gen_ai_tool_name="${esc(o.tool)}",error_type="${esc(o.errorType)}"`;
    const into = out.get(labels);
    if (into) mergeStats(into, o);
    else out.set(labels, { ...o, errorTypes: { ...o.errorTypes }, buckets: [...o.buckets] });
  }
  return out;
}
