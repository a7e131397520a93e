/**
 * How a source traces the MCP requests it makes (the daemon's probes and canaries) without knowing
 * OpenTelemetry: the daemon passes an `McpTracing` in (src/otel/client-spans.ts makes one when export is
 * on); without one a source does nothing more than before. A source says what it asked and how it ended,
 * and sends the trace context it is given with the request, so a tap in the path continues the trace.
 */
import type { CallOutcome, CallTransport } from './calls.js';

/** What a request asks, of whom, over what. */
export interface McpRequestInfo {
  /** The MCP method; a REST tool call is `tools/call`, a REST resource read `resources/read`. */
  method: string;
  /** The hub's server the request is routed to. */
  server: string | null;
  /** The tool, prompt or resource URI. */
  tool: string | null;
  /** The hub's base URL. */
  hub: string;
  transport: CallTransport;
}

/** How a request ended, in the tap's terms (src/model/calls.ts), so both sides of a call agree. */
export interface McpRequestEnding {
  outcome: CallOutcome;
  /** OpenTelemetry `error.type`: the JSON-RPC code as a string, `tool_error`, an HTTP status, `timeout`, `transport_error`. */
  errorType?: string;
  /** The JSON-RPC error code, or the HTTP status of a failed REST call. */
  errorCode?: number;
  errorMessage?: string;
  /** What the monitor made of the answer, when it is more than the outcome (a probe's `alive`, `dead`, `hung`…). */
  verdict?: string;
}

export interface McpClientSpan {
  /**
   * The W3C trace context of this request (`traceparent`, maybe `tracestate`): HTTP headers of a REST
   * call, or `params._meta` of a JSON-RPC request.
   */
  readonly traceContext: Readonly<Record<string, string>>;
  end(ending: McpRequestEnding): void;
}

export interface McpTracing {
  /** Starts the client span of a request about to be sent; undefined when nothing is traced now. */
  startClient(request: McpRequestInfo): McpClientSpan | undefined;
}
