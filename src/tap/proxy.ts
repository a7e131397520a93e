/**
  // Idle sockets close after 4 s (or a second before the keep-alive timeout the hub announces, whichever is
  // sooner), before Express's 5 s: a request written onto a socket the hub is closing fails ECONNRESET (a 502).
  const agent = new http.Agent({ keepAlive: true, timeout: 4_000, maxFreeSockets: 256, scheduling: 'lifo' });
  const tracing = o.tracing;
  const emit = tracing ? (call: CallRecord) => { o.emit(call); tracing.record(call); } : o.emit;
  const tracker = new CallTracker({ hub: hubName, deadlineMs: o.deadlineMs, clock: o.clock, emit });
  const ctx: ExchangeContext = { hub: hubName, maxBodyBytes: o.maxBodyBytes, recordArguments: o.recordArguments === true, clock: o.clock, tracker, emit, ...(tracing ? { tracing } : {}) };
 */
import http from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { Clock } from '../model/clock.js';
import type { CallRecord } from '../model/calls.js';
import { exchangeFor, type Exchange, type ExchangeContext, type Failure } from './exchanges.js';
import { headerObject, requestHeaders, responseHeaders } from './headers.js';
import { forwardTraced } from './traced-forward.js';
import { CallTracker } from './tracker.js';
import type { CallTracing } from './tracing.js';

export interface ProxyOptions {
  /** The hub's base URL (`http://127.0.0.1:7000`). */
  hub: URL;
  maxBodyBytes: number;
  deadlineMs: number;
  /** False: forward only, observe nothing (what observation costs is the difference). */
  observe: boolean;
  /** Record the arguments of calls, redacted and capped (`tap.record_arguments`). */
  recordArguments?: boolean;
  /** When set, a request must pass it (the bearer token); the header is not forwarded. */
  authorize?: (req: http.IncomingMessage) => boolean;
  clock: Clock;
  emit(call: CallRecord): void;
  /** OpenTelemetry export on: spans per request, trace context forwarded, the duration metric per call. */
  tracing?: CallTracing;
}

export interface Proxy {
  server: http.Server;
  tracker: CallTracker;
  close(): Promise<void>;
}

export function createProxy(o: ProxyOptions): Proxy {
  const hubName = o.hub.origin;
  const hubHost = o.hub.host;
  const hubHostname = o.hub.hostname.replace(/^\[(.*)\]$/, '$1');
  const hubPort = Number(o.hub.port) || 80;
  const base = o.hub.pathname.replace(/\/$/, '');
  // Idle sockets close after 4 s (or a second before the keep-alive timeout the hub announces, whichever is
  // sooner), before Express's 5 s: a request written onto a socket the hub is closing fails ECONNRESET (a 502).
  const agent = new http.Agent({ keepAlive: true, timeout: 4_000, maxFreeSockets: 256, scheduling: 'lifo' });
  const tracing = o.tracing;
  const emit = tracing ? (call: CallRecord) => { o.emit(call); tracing.record(call); } : o.emit;
  const tracker = new CallTracker({ hub: hubName, deadlineMs: o.deadlineMs, clock: o.clock, emit });
  const ctx: ExchangeContext = { hub: hubName, maxBodyBytes: o.maxBodyBytes, recordArguments: o.recordArguments === true, clock: o.clock, tracker, emit, ...(tracing ? { tracing } : {}) };

  const server = http.createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
    if (o.authorize && !o.authorize(req)) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="mcp-hub-monitor tap"' }).end('missing or wrong bearer token\n');
      return;
    }
    forward(req, res);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  function forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const ex: Exchange | undefined = o.observe ? exchangeFor(ctx, req.method, path, q < 0 ? '' : url.slice(q), req.headers) : undefined;
    const up = http.request({
      host: hubHostname, port: hubPort, method: req.method, path: base + url,
      // A raw list is written as it is, so nothing can be set on it later: a traced request (whose trace
      // headers or content-length traced-forward.ts sets) gets them as an object.
      headers: ex !== undefined && tracing !== undefined ? headerObject(requestHeaders(req, hubHost, o.authorize !== undefined)) : requestHeaders(req, hubHost, o.authorize !== undefined), agent,
    });
    let ended: Failure | 'done' | undefined;
    const fail = (kind: Failure, message: string): void => {
      if (ended) return;
      ended = kind;
      o.clock.clearTimeout(timer);
      ex?.failed(kind, message);
      up.destroy();
      if (kind === 'client_cancelled') return;
      if (res.headersSent) res.destroy();
      else res.writeHead(kind === 'timeout' ? 504 : 502, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(`mcp-hub-monitor tap: ${message}\n`);
    };
    let timer = o.clock.setTimeout(() => fail('timeout', `the hub did not answer within ${Math.round(o.deadlineMs / 1000)} s`), o.deadlineMs);

    // Tracing on: traced-forward.ts sets the trace headers, or holds an MCP body to write span contexts into it.
    const held = ex !== undefined && tracing !== undefined && forwardTraced(req, up, ex, o.maxBodyBytes);
    if (ex && !held) {
      const body: Buffer[] = [];
      let bytes = 0;
      relay(req, up, (c) => {
        bytes += c.length;
        if (bytes <= o.maxBodyBytes) body.push(c);
      }, () => ex.requestBody(bytes <= o.maxBodyBytes ? (body.length === 1 ? body[0]! : Buffer.concat(body)) : undefined, bytes));
    } else if (!held) relay(req, up);

    up.on('response', (upRes) => {
      if (ended) return void upRes.destroy();
      const sse = /^text\/event-stream/i.test(upRes.headers['content-type'] ?? '');
      if (sse) {
        // An event stream lives as long as its client: the deadline covered getting it started.
        o.clock.clearTimeout(timer);
        timer = undefined;
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, responseHeaders(upRes.rawHeaders));
      if (sse) res.flushHeaders();
      ex?.response(upRes.statusCode ?? 0, upRes.headers, sse);
      relay(upRes, res, ex && ((c) => ex.responseChunk(c)), () => {
        if (ended) return;
        ended = 'done';
        o.clock.clearTimeout(timer);
        ex?.responseEnd();
      });
      upRes.on('close', () => { if (!upRes.complete) fail('transport_error', 'the hub dropped the connection mid-response'); });
      upRes.on('error', () => { /* close follows */ });
    });
    up.on('error', (err: NodeJS.ErrnoException) => fail('transport_error', `the hub at ${hubName} ${err.code === 'ECONNREFUSED' ? 'refused the connection' : `failed: ${err.code ?? err.message}`}`));
    res.on('close', () => { if (!res.writableFinished) fail('client_cancelled', 'the client went away before the answer'); });
  }

  const sweeper = setInterval(() => tracker.sweep(), 1_000);
  sweeper.unref();
  return {
    server, tracker,
    close: () => new Promise<void>((resolve) => {
      clearInterval(sweeper);
      server.close(() => resolve());
      server.closeAllConnections();
      agent.destroy();
    }),
  };
}

/**
 * Forwards `from` into `to` as pipe() does (`from` waits while `to` is full; `to` ends when `from` has),
 * showing each chunk to `see` first and calling `done` after: two listeners a request instead of pipe()'s
 * dozen closures and listeners on both streams, a measurable share of what a forwarded call allocates.
 */
export function relay(from: Readable, to: Writable, see?: (chunk: Buffer) => void, done?: () => void): void {
  from.on('data', (c: Buffer) => {
    see?.(c);
    if (!to.write(c)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('end', () => {
    to.end();
    done?.();
  });
}
