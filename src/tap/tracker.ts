/**
 * The calls in flight on the MCP endpoint, matched to their answers by scope (the legacy SSE session, or one
 * Streamable HTTP exchange) and JSON-RPC id: an answer only ever ends a call of its own scope, so two
 * sessions' calls with the same id never meet. Calls that get no answer within the deadline end as
 * `timeout`; a scope that ends first ends its calls as the stream ended (`transport_error` when the hub
 * dropped it, `client_cancelled` when the client left).
 */
import type { Clock } from '../model/clock.js';
import type { CallRecord, CallTransport } from '../model/calls.js';
import type { Ending, RpcRequest } from './json-rpc.js';
import type { CallSpan } from './tracing.js';

interface Pending {
  scope: string;
  req: RpcRequest;
  session: string | null;
  transport: CallTransport;
  start: number;
  t0: number;
  requestBytes: number;
  span: CallSpan | undefined;
}

/** Client names of sessions we keep at most (a Streamable HTTP client may never send DELETE). */
const MAX_SESSIONS = 10_000;

export class CallTracker {
  private readonly pending = new Map<string, Pending>();
  private readonly clients = new Map<string, string>();

  constructor(private readonly d: { hub: string; deadlineMs: number; clock: Clock; emit(call: CallRecord): void }) {}

  /**
   * A request body forwarded in `scope`: its requests wait for answers, a cancellation ends one. With
   * tracing on, `spans[i]` is the span of `reqs[i]`, ended with its record.
   */
  requests(scope: string, session: string | null, transport: CallTransport, reqs: readonly RpcRequest[], bodyBytes: number, spans?: readonly (CallSpan | undefined)[]): void {
    const start = this.d.clock.now();
    const t0 = this.d.clock.monotonic();
    const requestBytes = reqs.length > 1 ? Math.round(bodyBytes / reqs.length) : bodyBytes;
    for (let i = 0; i < reqs.length; i++) {
      const req = reqs[i]!;
      if (req.cancels !== undefined) this.end(this.cancelled(scope, session, req.cancels), { outcome: 'client_cancelled', errorType: 'client_cancelled' }, 0);
      if (req.id === undefined) continue;
      if (req.client !== undefined && session !== null) this.nameClient(session, req.client);
      this.pending.set(`${scope}\n${req.id}`, { scope, req, session, transport, start, t0, requestBytes, span: spans?.[i] });
    }
  }

  /** An answer seen in `scope`. */
  answer(scope: string, id: string, ending: Ending, responseBytes: number): void {
    this.end(`${scope}\n${id}`, ending, responseBytes);
  }

  /** A Streamable HTTP exchange learned its session (the `mcp-session-id` of an `initialize` answer). */
  bindSession(scope: string, session: string): void {
    for (const p of this.pending.values()) {
      if (p.scope !== scope) continue;
      p.session = session;
      if (p.req.client !== undefined) this.nameClient(session, p.req.client);
    }
  }

  /** Ends every call still waiting in `scope` (its stream or exchange ended before their answers). */
  endScope(scope: string, ending: Ending): void {
    for (const [key, p] of this.pending) if (p.scope === scope) this.end(key, ending, 0);
  }

  /** The client name a session's `initialize` gave, or null. */
  clientOf(session: string): string | null {
    return this.clients.get(session) ?? null;
  }

  forgetSession(session: string): void {
    this.clients.delete(session);
  }

  /** Ends the calls older than the deadline as `timeout`; run every second or so. */
  sweep(): void {
    const now = this.d.clock.monotonic();
    for (const [key, p] of this.pending) {
      if (now - p.t0 >= this.d.deadlineMs) this.end(key, { outcome: 'timeout', errorType: 'timeout', errorMessage: `no answer within ${Math.round(this.d.deadlineMs / 1000)} s` }, 0);
    }
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * The key of the call a `notifications/cancelled` names: in its own scope (a legacy session), else in
   * its session's other scopes (Streamable HTTP sends the cancellation in a POST of its own).
   */
  private cancelled(scope: string, session: string | null, id: string): string {
    const own = `${scope}\n${id}`;
    if (this.pending.has(own) || session === null) return own;
    for (const [key, p] of this.pending) if (p.session === session && p.req.id === id) return key;
    return own;
  }

  private nameClient(session: string, client: string): void {
    if (this.clients.size >= MAX_SESSIONS && !this.clients.has(session)) this.clients.delete(this.clients.keys().next().value as string);
    this.clients.set(session, client);
  }

  private end(key: string, ending: Ending, responseBytes: number): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    const call: CallRecord = {
      hub: this.d.hub, server: p.req.server, tool: p.req.tool, method: p.req.method, transport: p.transport,
      client: (p.session !== null ? this.clients.get(p.session) : undefined) ?? p.req.client ?? null,
      session: p.session, requestId: p.req.id ?? null, start: p.start,
      durationMs: Math.max(0, this.d.clock.monotonic() - p.t0), ...ending, requestBytes: p.requestBytes, responseBytes,
      ...(p.req.arguments !== undefined ? { arguments: p.req.arguments } : {}),
    };
    this.d.emit(call);
    p.span?.end(call);
  }
}
