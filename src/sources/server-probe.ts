/**
 * MCP probes through the hub's REST API: a liveness round trip to each server's child, and optional
 * read-only canary tool calls. Yields observations; decides nothing about health.
 *
 * Why `resources/read` of a URI nobody serves, and not `/api/servers/refresh` (which re-lists tools):
 * refresh **rewrites the hub's cached capabilities** and swallows failures, so one slow `tools/list` would
 * blank a live server's tools for every client of the hub until the next refresh. `POST
 * /api/servers/resources` goes straight to the child (the hub checks no cache for resources, unlike tools
 * and prompts), changes nothing, and the hub does not log the error. A live child answers with a JSON-RPC
 * error (-32602 "not found", or -32601 when it serves no resources): that answer is the proof of life, and
 * its round trip is the latency. Observed on mcp-hub 4.2.1 (test/fixtures/hub/probe-responses.json).
 *
 * Given an `McpTracing`, each request is an MCP client span (`resources/read`, `tools/call <tool>`) whose
 * W3C trace context goes with it as `traceparent` headers, so a tap in the path makes its span a child.
 */
import type http from 'node:http';
import { httpGet, type HttpFailure, type HttpResponse } from './http-get.js';
import { isRecord, own, parseJsonSafe } from '../model/json.js';
import type { CanaryOutcome, CanaryResult, ProbeOutcome, ProbeResult } from '../model/probe.js';
import type { McpClientSpan, McpRequestEnding, McpTracing } from '../model/mcp-tracing.js';

export const PROBE_URI = 'mcp-hub-monitor://liveness-probe';

export interface ProbeOptions {
  /** How long the child may take (passed to the hub as request_options.timeout). */
  timeoutMs: number;
  agent?: http.Agent;
  /** Our total deadline for the request; default timeoutMs plus a margin for the hub. */
  requestTimeoutMs?: number;
  /** Traces each request as an MCP client span and sends its trace context (absent: no tracing). */
  tracing?: McpTracing;
}

/** The hub gets this much longer than the child before our own total deadline cuts the request. */
const HUB_MARGIN_MS = 2_000;
const MAX_BYTES = 256 * 1024;

/** JSON-RPC codes the MCP SDK client raises itself: -32000 ConnectionClosed, -32001 RequestTimeout. */
const SDK_CONNECTION_CLOSED = -32000;
const SDK_REQUEST_TIMEOUT = -32001;

interface HubError {
  message: string;
  code: unknown;
}

function hubError(body: Buffer): HubError | undefined {
  const parsed = parseJsonSafe(body.toString('utf8'));
  if (!parsed.ok || !isRecord(parsed.value)) return undefined;
  const message = own(parsed.value, 'error');
  return typeof message === 'string' ? { message: message.slice(0, 300), code: own(parsed.value, 'code') } : undefined;
}

/** The JSON-RPC error code of a hub error body (the hub may send it as a numeric string), if it has one. */
function jsonRpcCode(err: HubError): number | undefined {
  const code = typeof err.code === 'string' && /^-?\d+$/.test(err.code) ? Number(err.code) : err.code;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

/** Classifies a hub error body for a call that reached (or tried to reach) a child. */
function classifyError(err: HubError): ProbeOutcome {
  const code = jsonRpcCode(err);
  if (code === SDK_REQUEST_TIMEOUT) return 'hung';
  if (code === SDK_CONNECTION_CLOSED) return 'dead';
  if (code !== undefined) return 'alive'; // any other JSON-RPC error came from the child itself
  if (/^(Not connected|Connection closed)/i.test(err.message)) return 'dead';
  if (/^Server not (connected|initialized|found)/i.test(err.message)) return 'not_connected';
  return 'hub_error';
}

/** Classifies the hub's answer to the liveness probe. Exported for tests on captured responses. */
export function classifyProbeResponse(res: { status: number; body: Buffer }): { outcome: ProbeOutcome; detail?: string } {
  if (res.status === 200) return { outcome: 'alive' };
  const err = hubError(res.body);
  if (!err) return { outcome: res.status === 404 ? 'unsupported' : 'hub_error', detail: `HTTP ${res.status}` };
  const outcome = classifyError(err);
  return { outcome, detail: outcome === 'alive' ? undefined : err.message };
}

function failureOutcome(res: HttpFailure): 'hub_error' | 'unreachable' {
  return res.failure === 'malformed' || res.failure === 'too_large' ? 'hub_error' : 'unreachable';
}

/**
 * How a request ended, for its span, in the terms the tap records REST calls in (a JSON-RPC code when the
 * hub passes one on, else the HTTP status). `verdict` is what the probe made of it: a probe's "not found" is
 * the proof of life it asks for, so an `alive` (or a canary's `ok`) request is no error.
 */
function spanEnding(res: HttpResponse | HttpFailure, verdict: ProbeOutcome | CanaryOutcome, detail: string | undefined): McpRequestEnding {
  if (!res.ok) {
    const outcome = res.failure === 'timeout' ? 'timeout' : 'transport_error';
    return { outcome, errorType: outcome, errorMessage: res.message, verdict };
  }
  if (verdict === 'alive' || verdict === 'ok') return { outcome: 'ok', verdict };
  const err = hubError(res.body);
  const code = err ? jsonRpcCode(err) : undefined;
  const message = err?.message ?? detail ?? `HTTP ${res.status}`;
  if (code !== undefined) return { outcome: 'jsonrpc_error', errorCode: code, errorType: String(code), errorMessage: message, verdict };
  if (res.status === 200) {
    return verdict === 'tool_error' ? { outcome: 'tool_error', errorType: 'tool_error', errorMessage: message, verdict } : { outcome: 'transport_error', errorType: 'hub_error', errorMessage: message, verdict };
  }
  return { outcome: 'jsonrpc_error', errorCode: res.status, errorType: String(res.status), errorMessage: message, verdict };
}

async function post(url: string, body: object, opts: ProbeOptions, span: McpClientSpan | undefined): Promise<HttpResponse | HttpFailure> {
  return httpGet(url, {
    method: 'POST',
    body: JSON.stringify(body),
    timeoutMs: opts.requestTimeoutMs ?? opts.timeoutMs + HUB_MARGIN_MS,
    maxBytes: MAX_BYTES,
    agent: opts.agent,
    // REST has no params._meta: the trace context goes as headers, where a tap in the path reads it.
    ...(span ? { headers: { ...span.traceContext } } : {}),
  });
}

/** One liveness round trip to `server`'s child through the hub at `base`. Never rejects. */
export async function probeServer(base: string, server: string, opts: ProbeOptions): Promise<ProbeResult> {
  const span = opts.tracing?.startClient({ method: 'resources/read', server, tool: PROBE_URI, hub: base, transport: 'rest' });
  const res = await post(`${base}/api/servers/resources`, { server_name: server, uri: PROBE_URI, request_options: { timeout: opts.timeoutMs } }, opts, span);
  const r: ProbeResult = res.ok ? { server, latencyMs: res.elapsedMs, ...classifyProbeResponse(res) } : { server, outcome: failureOutcome(res), latencyMs: res.elapsedMs, detail: res.message };
  span?.end(spanEnding(res, r.outcome, r.detail));
  return r;
}

export interface CanarySpec {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
}

function textOf(result: Record<string, unknown>): string | undefined {
  const content = own(result, 'content');
  if (!Array.isArray(content)) return undefined;
  const first: unknown = content[0];
  return isRecord(first) && typeof own(first, 'text') === 'string' ? String(own(first, 'text')).slice(0, 300) : undefined;
}

/** Classifies the hub's answer to a canary tool call. Exported for tests on captured responses. */
export function classifyCanaryResponse(res: { status: number; body: Buffer }): { outcome: CanaryOutcome; detail?: string } {
  if (res.status === 200) {
    const parsed = parseJsonSafe(res.body.toString('utf8'));
    const result = parsed.ok && isRecord(parsed.value) ? own(parsed.value, 'result') : undefined;
    if (!isRecord(result)) return { outcome: 'hub_error', detail: 'HTTP 200 without a result' };
    return own(result, 'isError') === true ? { outcome: 'tool_error', detail: textOf(result) } : { outcome: 'ok' };
  }
  const err = hubError(res.body);
  if (!err) return { outcome: res.status === 404 ? 'unsupported' : 'hub_error', detail: `HTTP ${res.status}` };
  const outcome = classifyError(err);
  // A JSON-RPC error from the child on a tool call is the tool failing, not a proof of health.
  return { outcome: outcome === 'alive' ? 'tool_error' : outcome, detail: err.message };
}

/** Calls a configured read-only canary tool through the hub. Never rejects. */
export async function callCanary(base: string, spec: CanarySpec, opts: ProbeOptions): Promise<CanaryResult> {
  const span = opts.tracing?.startClient({ method: 'tools/call', server: spec.server, tool: spec.tool, hub: base, transport: 'rest' });
  const res = await post(`${base}/api/servers/tools`, {
    server_name: spec.server, tool: spec.tool, arguments: spec.arguments, request_options: { timeout: opts.timeoutMs },
  }, opts, span);
  const who = { server: spec.server, tool: spec.tool };
  const r: CanaryResult = res.ok ? { ...who, latencyMs: res.elapsedMs, ...classifyCanaryResponse(res) } : { ...who, outcome: failureOutcome(res), latencyMs: res.elapsedMs, detail: res.message };
  span?.end(spanEnding(res, r.outcome, r.detail));
  return r;
}
