/**
 * The OpenTelemetry semantic conventions for MCP (development status, as of the GenAI conventions of 2026)
 * as this project applies them: span names, attributes, the duration metric and its buckets. Node builtins
 * only, so callers can build attributes without loading the SDK.
 *
 * - Span name `{mcp.method.name} {target}`, the target being the tool or prompt name (never a resource URI:
 *   unbounded), else just the method.
 * - `error.type`: the JSON-RPC error code as a string, `tool_error` for a result with `isError: true`, or the
 *   transport's failure (`timeout`, `transport_error`, `client_cancelled`, an HTTP status).
 * - Trace context travels in `params._meta` as unprefixed `traceparent` / `tracestate` (SEP-414).
 */
import { CALL_DURATION_BUCKETS_S } from '../model/call-stats.js';
import type { CallRecord } from '../model/calls.js';

export const MCP_SERVER_DURATION = 'mcp.server.operation.duration';
export const MCP_CLIENT_DURATION = 'mcp.client.operation.duration';
/** The conventions' advised explicit bucket boundaries, in seconds. */
export const MCP_DURATION_BUCKETS_S: readonly number[] = CALL_DURATION_BUCKETS_S;

export type AttributeValue = string | number | boolean;

export function mcpSpanName(method: string, tool: string | null): string {
  return (method === 'tools/call' || method === 'prompts/get') && tool ? `${method} ${tool}` : method;
}

/** Attributes known when a request starts: what is asked, of whom, over what. */
export function mcpRequestAttributes(r: {
  method: string; server: string | null; tool: string | null; requestId: string | null; session: string | null;
  transport: CallRecord['transport']; hub: string;
}): Record<string, AttributeValue> {
  const a: Record<string, AttributeValue> = { 'mcp.method.name': r.method, 'network.transport': 'tcp', 'network.protocol.name': 'http' };
  if (r.method === 'tools/call' && r.tool) {
    a['gen_ai.tool.name'] = r.tool;
    a['gen_ai.operation.name'] = 'execute_tool';
  } else if (r.method === 'prompts/get' && r.tool) a['gen_ai.prompt.name'] = r.tool;
  else if (r.method === 'resources/read' && r.tool) a['mcp.resource.uri'] = r.tool;
  if (r.requestId !== null) a['jsonrpc.request.id'] = r.requestId;
  if (r.session !== null) a['mcp.session.id'] = r.session;
  // Not a convention's attribute: which of the hub's servers the call is routed to.
  if (r.server !== null) a['mcp_hub.server.name'] = r.server;
  a['mcp_hub.transport'] = r.transport;
  try {
    const u = new URL(r.hub);
    a['server.address'] = u.hostname.replace(/^\[(.*)\]$/, '$1');
    a['server.port'] = Number(u.port || 80);
  } catch { /* a hub name that is not a URL: no address */ }
  return a;
}

/** Attributes known when it ended: how. */
export function mcpOutcomeAttributes(c: Pick<CallRecord, 'outcome' | 'errorType' | 'errorCode'>): Record<string, AttributeValue> {
  if (c.outcome === 'ok') return {};
  const a: Record<string, AttributeValue> = { 'error.type': c.errorType ?? c.outcome };
  if (c.outcome === 'jsonrpc_error' && c.errorCode !== undefined) a['rpc.response.status_code'] = String(c.errorCode);
  return a;
}

/** The metric's attributes: bounded (no session, no request id). */
export function mcpMetricAttributes(c: Pick<CallRecord, 'method' | 'server' | 'tool' | 'outcome' | 'errorType' | 'errorCode'>): Record<string, AttributeValue> {
  const a: Record<string, AttributeValue> = { 'mcp.method.name': c.method, 'network.transport': 'tcp' };
  if (c.method === 'tools/call' && c.tool) a['gen_ai.tool.name'] = c.tool;
  if (c.method === 'prompts/get' && c.tool) a['gen_ai.prompt.name'] = c.tool;
  if (c.server !== null) a['mcp_hub.server.name'] = c.server;
  return { ...a, ...mcpOutcomeAttributes(c) };
}
