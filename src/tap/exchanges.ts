/**
 * One observer per forwarded request, chosen by route: a REST tool/resource/prompt call, the legacy MCP
 * session stream (`GET /mcp`) and its posts (`POST /messages?sessionId=`), a Streamable HTTP exchange
 * (`POST /mcp`). Each is fed what passes through (the request body within the cap, the response as it
 * streams) and turns it into call records; none changes or holds back a byte, except with tracing on
 * (traceHeaders, traceBody: the tap's span context in what is forwarded).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../model/clock.js';
import type { CallRecord, CallTransport } from '../model/calls.js';
import { endingOf, mayNameIsError, parseJson, readRequests, readResponses, restCall, restEnding, restTarget, type Ending, type RpcRequest } from './json-rpc.js';
import { SseScanner } from './sse-scan.js';
import type { CallTracker } from './tracker.js';
import type { CallSpan, CallTracing } from './tracing.js';

/** How the tap saw a forwarded request end, when it did not end with a complete answer. */
export type Failure = 'transport_error' | 'timeout' | 'client_cancelled';

export interface Exchange {
  /** The request body once it has passed (undefined when it was larger than the cap), and its size. */
  requestBody(body: Buffer | undefined, bytes: number): void;
  response(status: number, headers: IncomingHttpHeaders, sse: boolean): void;
  responseChunk(chunk: Buffer): void;
  responseEnd(): void;
  failed(kind: Failure, message: string): void;
  /**
   * Tracing on (traced-forward.ts), a REST call: starts its span (the client's trace headers its parent) and
   * returns the trace headers the hub gets in their place.
   */
  traceHeaders?(clientHeaders: IncomingHttpHeaders): Record<string, string>;
  /**
   * Tracing on, an exchange carrying MCP requests: takes the held request body (within the cap) in place of
   * requestBody, starts a span per request and returns the body to forward, each request's `params._meta`
   * holding its span's context.
   */
  traceBody?(body: Buffer, bytes: number): Buffer;
}

export interface ExchangeContext {
  hub: string;
  maxBodyBytes: number;
  /** Record the arguments of calls (redacted, capped): the user opted in (`tap.record_arguments`). */
  recordArguments?: boolean;
  clock: Clock;
  tracker: CallTracker;
  emit(call: CallRecord): void;
  /** Set when OpenTelemetry export is on. */
  tracing?: CallTracing;
}

const failureEnding = (kind: Failure, message: string): Ending => ({ outcome: kind, errorType: kind, errorMessage: message.slice(0, 200) });

/**
 * A held MCP body, traced: its requests (with their spans) go to `track`; the body to forward comes back.
 * Re-serialising gives the hub the same values its own JSON.parse would read (the hub is a Node process).
 */
function traceRequests(c: ExchangeContext, body: Buffer, track: (reqs: RpcRequest[], spans: (CallSpan | undefined)[]) => void): Buffer {
  const doc = parseJson(body);
  const { reqs, spans, changed } = c.tracing!.traceMessages(doc, c.recordArguments);
  track(reqs, spans);
  return changed ? Buffer.from(JSON.stringify(doc)) : body;
}

/** A refused MCP post (unknown session, bad message): the hub's JSON-RPC error, else the HTTP status. */
const refusal = (status: number, doc: unknown): Ending =>
  typeof doc === 'object' && doc !== null && 'error' in doc ? endingOf(doc as Record<string, unknown>) : restEnding(status, doc);

/** Collects a body up to the cap: the bytes, or undefined once it grew past it. */
class CappedBody {
  private chunks: Buffer[] | undefined = [];
  bytes = 0;
  constructor(private readonly max: number) {}
  push(c: Buffer): void {
    this.bytes += c.length;
    if (this.chunks && this.bytes <= this.max) this.chunks.push(c);
    else this.chunks = undefined;
  }
  /** The bytes, or undefined once they grew past the cap. */
  buffer(): Buffer | undefined {
    return this.chunks ? (this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)) : undefined;
  }
  doc(): unknown {
    const b = this.buffer();
    return b ? parseJson(b) : undefined;
  }
}

/**
 * A post to the MCP endpoint whose body the tap could not read (over the cap, not JSON, no JSON-RPC
 * request in it): there is no call to match an answer to, but when the hub refuses the post, or it fails,
 * its client saw a failure, so that makes one record, its method unknown (`_OTHER`, as OpenTelemetry
 * names a method it does not know).
 */
class UnreadPost {
  private readonly start: number;
  private readonly t0: number;
  private requestBytes = 0;
  private done = false;

  constructor(private readonly c: ExchangeContext, private readonly transport: CallTransport) {
    this.start = c.clock.now();
    this.t0 = c.clock.monotonic();
  }
  /** True when `reqs` (what the body held) leaves nothing to match: this post is then recorded on its own. */
  unread(reqs: readonly RpcRequest[], bytes: number): boolean {
    this.requestBytes = bytes;
    return reqs.length === 0;
  }
  end(session: string | null, ending: Ending, responseBytes: number): void {
    if (this.done) return;
    this.done = true;
    this.c.emit({
      hub: this.c.hub, server: null, tool: null, method: '_OTHER', transport: this.transport, client: session !== null ? this.c.tracker.clientOf(session) : null,
      session, requestId: null, start: this.start, durationMs: Math.max(0, this.c.clock.monotonic() - this.t0), ...ending, requestBytes: this.requestBytes, responseBytes,
    });
  }
}

/** `POST /api/servers/tools|resources|prompts`: one call per request. */
class RestExchange implements Exchange {
  private readonly start: number;
  private readonly t0: number;
  private server: string | null = null;
  private tool: string | null = null;
  private arguments: string | undefined;
  private requestBytes = 0;
  private status = 0;
  private readonly body: CappedBody;
  private done = false;
  private span: CallSpan | undefined;

  constructor(private readonly c: ExchangeContext, private readonly call: { method: string; target: string }) {
    this.start = c.clock.now();
    this.t0 = c.clock.monotonic();
    this.body = new CappedBody(c.maxBodyBytes);
  }
  requestBody(body: Buffer | undefined, bytes: number): void {
    this.requestBytes = bytes;
    if (body) ({ server: this.server, tool: this.tool, arguments: this.arguments } = restTarget(parseJson(body), this.call.target, this.c.recordArguments));
  }
  traceHeaders(clientHeaders: IncomingHttpHeaders): Record<string, string> {
    const { span, headers } = this.c.tracing!.startRest(this.call.method, clientHeaders);
    this.span = span;
    return headers;
  }
  response(status: number): void { this.status = status; }
  responseChunk(chunk: Buffer): void { this.body.push(chunk); }
  responseEnd(): void {
    const body = this.body.buffer();
    const plainOk = this.status >= 200 && this.status < 300 && (body === undefined || !mayNameIsError(body));
    this.finish(plainOk ? { outcome: 'ok' } : restEnding(this.status, body ? parseJson(body) : undefined));
  }
  failed(kind: Failure, message: string): void { this.finish(failureEnding(kind, message)); }

  private finish(ending: Ending): void {
    if (this.done) return;
    this.done = true;
    const call: CallRecord = {
      hub: this.c.hub, server: this.server, tool: this.tool, method: this.call.method, transport: 'rest',
      client: null, session: null, requestId: null, start: this.start, durationMs: Math.max(0, this.c.clock.monotonic() - this.t0),
      ...ending, requestBytes: this.requestBytes, responseBytes: this.body.bytes, ...(this.arguments !== undefined ? { arguments: this.arguments } : {}),
    };
    this.c.emit(call);
    this.span?.end(call);
  }
}

/** `GET /mcp`: the legacy session stream; answers to the session's posts arrive on it. */
class SessionStream implements Exchange {
  private session: string | undefined;
  private scanner: SseScanner | undefined;
  private done = false;

  constructor(private readonly c: ExchangeContext) {}
  requestBody(): void {}
  response(status: number, _h: IncomingHttpHeaders, sse: boolean): void {
    if (status === 200 && sse) this.scanner = new SseScanner(this.c.maxBodyBytes, (e) => this.event(e.event, e.data, e.bytes));
  }
  responseChunk(chunk: Buffer): void { this.scanner?.push(chunk); }
  responseEnd(): void { this.close('transport_error', 'the hub ended the MCP session stream'); }
  failed(kind: Failure, message: string): void { this.close(kind === 'timeout' ? 'transport_error' : kind, message); }

  private event(name: string, data: string, bytes: number): void {
    if (name === 'endpoint') {
      const m = /[?&]sessionId=([^&#\s]+)/.exec(data);
      if (m) this.session = decodeURIComponent(m[1]!);
      return;
    }
    if (name !== 'message' || this.session === undefined) return;
    for (const r of readResponses(parseJson(data))) this.c.tracker.answer(this.session, r.id, r.ending, bytes);
  }

  private close(kind: Failure, message: string): void {
    if (this.done || this.session === undefined) return;
    this.done = true;
    this.c.tracker.endScope(this.session, failureEnding(kind, message));
    this.c.tracker.forgetSession(this.session);
  }
}

/** `POST /messages?sessionId=`: the hub answers 202 and the answers come on the session stream. */
class SessionPost implements Exchange {
  private reqs: RpcRequest[] = [];
  private status = 0;
  private readonly body: CappedBody;
  private readonly post: UnreadPost;
  private unread = false;

  constructor(private readonly c: ExchangeContext, private readonly session: string) {
    this.body = new CappedBody(c.maxBodyBytes);
    this.post = new UnreadPost(c, 'sse');
  }
  requestBody(body: Buffer | undefined, bytes: number): void {
    this.track(body ? readRequests(parseJson(body), this.c.recordArguments) : [], bytes);
  }
  traceBody(body: Buffer, bytes: number): Buffer {
    return traceRequests(this.c, body, (reqs, spans) => this.track(reqs, bytes, spans));
  }
  private track(reqs: RpcRequest[], bytes: number, spans?: (CallSpan | undefined)[]): void {
    this.reqs = reqs;
    this.unread = this.post.unread(reqs, bytes);
    if (!this.unread) this.c.tracker.requests(this.session, this.session, 'sse', reqs, bytes, spans);
  }
  response(status: number): void { this.status = status; }
  responseChunk(chunk: Buffer): void { if (this.status >= 300) this.body.push(chunk); }
  responseEnd(): void {
    if (this.status < 300) return;
    this.endAll(refusal(this.status, this.body.doc()), this.body.bytes);
  }
  failed(kind: Failure, message: string): void { this.endAll(failureEnding(kind, message), 0); }

  private endAll(ending: Ending, bytes: number): void {
    if (this.unread) return this.post.end(this.session, ending, bytes);
    for (const r of this.reqs) if (r.id !== undefined) this.c.tracker.answer(this.session, r.id, ending, bytes);
  }
}

let exchangeSeq = 0;

/** `POST /mcp` (Streamable HTTP): the answers come in this exchange's response, JSON or an SSE stream. */
class StreamableExchange implements Exchange {
  private readonly scope = `x${++exchangeSeq}`;
  private status = 0;
  private json: CappedBody | undefined;
  private scanner: SseScanner | undefined;
  private readonly post: UnreadPost;
  private unread = false;

  constructor(private readonly c: ExchangeContext, private readonly session: string | null) {
    this.post = new UnreadPost(c, 'streamable_http');
  }
  requestBody(body: Buffer | undefined, bytes: number): void {
    this.track(body ? readRequests(parseJson(body), this.c.recordArguments) : [], bytes);
  }
  traceBody(body: Buffer, bytes: number): Buffer {
    return traceRequests(this.c, body, (reqs, spans) => this.track(reqs, bytes, spans));
  }
  private track(reqs: RpcRequest[], bytes: number, spans?: (CallSpan | undefined)[]): void {
    this.unread = this.post.unread(reqs, bytes);
    if (!this.unread) this.c.tracker.requests(this.scope, this.session, 'streamable_http', reqs, bytes, spans);
  }
  response(status: number, headers: IncomingHttpHeaders, sse: boolean): void {
    this.status = status;
    const sid = headers['mcp-session-id'];
    if (typeof sid === 'string' && sid !== this.session) this.c.tracker.bindSession(this.scope, sid);
    if (sse && status < 300) this.scanner = new SseScanner(this.c.maxBodyBytes, (e) => this.answers(parseJson(e.data), e.bytes));
    else this.json = new CappedBody(this.c.maxBodyBytes);
  }
  responseChunk(chunk: Buffer): void {
    if (this.scanner) this.scanner.push(chunk);
    else this.json?.push(chunk);
  }
  responseEnd(): void {
    if (this.json) {
      const doc = this.json.doc();
      if (this.status < 300) this.answers(doc, this.json.bytes);
      else if (this.unread) this.post.end(this.session, refusal(this.status, doc), this.json.bytes);
      else this.c.tracker.endScope(this.scope, refusal(this.status, doc));
    }
    this.c.tracker.endScope(this.scope, failureEnding('transport_error', 'the hub ended the exchange without an answer'));
  }
  failed(kind: Failure, message: string): void {
    if (this.unread) this.post.end(this.session, failureEnding(kind, message), 0);
    else this.c.tracker.endScope(this.scope, failureEnding(kind, message));
  }

  private answers(doc: unknown, bytes: number): void {
    for (const r of readResponses(doc)) this.c.tracker.answer(this.scope, r.id, r.ending, bytes);
  }
}

/** The observer for a request, or undefined for routes the tap only forwards. */
export function exchangeFor(c: ExchangeContext, method: string | undefined, path: string, search: string, headers: IncomingHttpHeaders): Exchange | undefined {
  if (method === 'POST') {
    const rest = restCall(path);
    if (rest) return new RestExchange(c, rest);
    if (path === '/messages') {
      const session = new URLSearchParams(search).get('sessionId');
      return session ? new SessionPost(c, session) : undefined;
    }
    if (path === '/mcp') {
      const sid = headers['mcp-session-id'];
      return new StreamableExchange(c, typeof sid === 'string' ? sid : null);
    }
  }
  if (method === 'GET' && path === '/mcp') return new SessionStream(c);
  if (method === 'DELETE' && path === '/mcp' && typeof headers['mcp-session-id'] === 'string') c.tracker.forgetSession(headers['mcp-session-id']);
  return undefined;
}
