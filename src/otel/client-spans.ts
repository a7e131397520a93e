/**
 * The MCP requests the monitor makes itself (the daemon's probes and canaries) as OpenTelemetry CLIENT
 * spans and the `mcp.client.operation.duration` histogram, per the MCP semantic conventions. Loaded with
 * telemetry.ts (by a dynamic import, when export is on); it touches the SDK only through the `Telemetry`
 * it is given, so the sources that call it stay free of OpenTelemetry.
 */
import { performance } from 'node:perf_hooks';
import type { McpClientSpan, McpRequestEnding, McpRequestInfo, McpTracing } from '../model/mcp-tracing.js';
import { MCP_CLIENT_DURATION, MCP_DURATION_BUCKETS_S, mcpMetricAttributes, mcpOutcomeAttributes, mcpRequestAttributes, mcpSpanName } from './mcp-conventions.js';
import type { Telemetry } from './telemetry.js';

/** Not a convention's attribute: what the monitor made of the answer (a probe's alive, dead, hung…). */
export const VERDICT_ATTRIBUTE = 'mcp_hub_monitor.probe.outcome';

export function mcpClientTracing(t: Telemetry): McpTracing {
  const duration = t.meter.createHistogram(MCP_CLIENT_DURATION, {
    unit: 's',
    description: 'Duration of the MCP requests the monitor makes (probes and canaries through the hub), as the client sees them.',
    advice: { explicitBucketBoundaries: [...MCP_DURATION_BUCKETS_S] },
  });
  return {
    startClient(r: McpRequestInfo): McpClientSpan {
      const started = performance.now();
      const span = t.tracer.startSpan(mcpSpanName(r.method, r.tool), {
        kind: t.SpanKind.CLIENT,
        attributes: mcpRequestAttributes({ ...r, requestId: null, session: null }),
      });
      const traceContext: Record<string, string> = {};
      t.inject(t.contextWith(span), traceContext);
      return {
        traceContext,
        end(e: McpRequestEnding): void {
          span.setAttributes(mcpOutcomeAttributes(e));
          if (e.verdict !== undefined) span.setAttribute(VERDICT_ATTRIBUTE, e.verdict);
          if (e.outcome !== 'ok') span.setStatus({ code: t.SpanStatusCode.ERROR, message: e.errorMessage ?? e.errorType ?? e.outcome });
          span.end();
          duration.record((performance.now() - started) / 1000, mcpMetricAttributes({ method: r.method, server: r.server, tool: r.tool, ...e }));
        },
      };
    },
  };
}
