/**
 * The tap's OpenTelemetry side, when `otel.enabled` is set: one SERVER span per MCP request (a REST tool call
 * counts as `tools/call`), started when the request reaches the tap and ended with its call record, so the
 * span says what the record says; and `mcp.server.operation.duration` for every call. Trace context follows
 * SEP-414: a client's `traceparent`/`tracestate` in `params._meta` (or, for REST, in the HTTP headers) is the
 * span's parent, and the forwarded request carries the tap's span instead. Only types of the SDK here: the
 * values come with the Telemetry object, which the tap command loads by a dynamic import.
 */
import type { Histogram, Span } from '@opentelemetry/api';
import type { CallRecord } from '../model/calls.js';
import { MCP_DURATION_BUCKETS_S, MCP_SERVER_DURATION, mcpMetricAttributes, mcpOutcomeAttributes, mcpRequestAttributes, mcpSpanName } from '../otel/mcp-conventions.js';
import type { Telemetry } from '../otel/telemetry.js';
import { readRequests, type RpcRequest } from './json-rpc.js';

/** A call's span: ended, with what its record says, when the record is made. */
export interface CallSpan {
  end(call: CallRecord): void;
}

/** The W3C keys of a carrier (`params._meta`, HTTP headers). */
const TRACE_KEYS = ['traceparent', 'tracestate'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class CallTracing {
  private readonly duration: Histogram;

  constructor(private readonly t: Telemetry) {
    this.duration = t.meter.createHistogram(MCP_SERVER_DURATION, {
      unit: 's', description: 'MCP requests through the traffic tap, from reaching the tap to the last byte of the answer',
      advice: { explicitBucketBoundaries: [...MCP_DURATION_BUCKETS_S] },
    });
  }

  /**
   * Every call's duration. Tool and server names come from clients: the SDK keeps at most 2,000 attribute
   * sets per metric and folds the rest into one overflow series, so a hostile client cannot grow it without end.
   */
  record(call: CallRecord): void {
    this.duration.record(call.durationMs / 1000, mcpMetricAttributes(call));
  }

  /**
   * Starts the span of a request whose trace context (if any) is in `carrier`; `propagate` receives the
   * carrier the forwarded request should hold instead (the tap's span as the parent of what follows).
   */
  start(method: string, tool: string | null, carrier: Record<string, unknown>, propagate?: (ctx: Record<string, string>) => void): CallSpan {
    const parent = this.t.extract(carrier);
    const span = this.t.tracer.startSpan(mcpSpanName(method, tool), { kind: this.t.SpanKind.SERVER, attributes: { 'mcp.method.name': method } }, parent);
    if (propagate) {
      const out: Record<string, unknown> = {};
      this.t.inject(this.t.contextWith(span, parent), out);
      propagate(out as Record<string, string>);
    }
    return { end: (call) => this.end(span, call) };
  }

  /** The REST call's span, its parent from the client's headers; the headers the hub should get instead. */
  startRest(method: string, headers: Record<string, unknown>): { span: CallSpan; headers: Record<string, string> } {
    let forward: Record<string, string> = {};
    const span = this.start(method, null, headers, (ctx) => { forward = ctx; });
    return { span, headers: forward };
  }

  /**
   * Starts a span for each request of a JSON-RPC body (one message or a batch; notifications get none) and
   * writes its context into the request's `params._meta` in place, keeping the other `_meta` keys. Returns
   * the requests as readRequests() reads them, each one's span, and whether the document changed.
   */
  traceMessages(doc: unknown, recordArguments = false): { reqs: RpcRequest[]; spans: (CallSpan | undefined)[]; changed: boolean } {
    const reqs: RpcRequest[] = [];
    const spans: (CallSpan | undefined)[] = [];
    let changed = false;
    for (const m of Array.isArray(doc) ? doc : [doc]) {
      if (!isObject(m)) continue;
      const [r] = readRequests(m, recordArguments);
      if (!r) continue;
      reqs.push(r);
      if (r.id === undefined) {
        spans.push(undefined);
        continue;
      }
      if (m.params === undefined) m.params = {};
      const params = m.params;
      const meta = isObject(params) ? (params._meta ??= {}) : undefined;
      // params or _meta of another shape: the request goes on as it came; its span starts a trace of its own.
      const carrier = isObject(meta) ? meta : undefined;
      spans.push(this.start(r.method, r.tool, carrier ?? {}, carrier && ((ctx) => {
        for (const k of TRACE_KEYS) delete carrier[k];
        Object.assign(carrier, ctx);
        changed = true;
      })));
    }
    return { reqs, spans, changed };
  }

  private end(span: Span, call: CallRecord): void {
    span.updateName(mcpSpanName(call.method, call.tool));
    span.setAttributes({ ...mcpRequestAttributes(call), ...mcpOutcomeAttributes(call) });
    // The conventions' opt-in attribute, only when the user opted in (tap.record_arguments): redacted and capped by the tap.
    if (call.arguments !== undefined && call.method === 'tools/call') span.setAttribute('gen_ai.tool.call.arguments', call.arguments);
    if (call.outcome !== 'ok') span.setStatus({ code: this.t.SpanStatusCode.ERROR, message: call.errorMessage ?? call.errorType ?? call.outcome });
    span.end();
  }
}
