/**
 * The tap's forwarding: every request to the hub as it comes, every response back as it comes (backpressure
 * holds both ways and an SSE stream is never buffered), with a deadline on each outbound request (the whole
 * exchange, or until the response headers for an event stream, which lives as long as its client), checked
 * by one sweep a second. Observation rides along (exchanges.ts) and never changes what passes.
 */
import http from 'node:http';
import type { Clock } from '../model/clock.js';
import type { CallRecord } from '../model/calls.js';
import { exchangeFor, type Exchange, type ExchangeContext, type Failure } from './exchanges.js';
import { rawHeader, requestHeaders, responseHeaders } from './headers.js';
import { CallTracker } from './tracker.js';

export interface ProxyOptions {
  /** The hub's base URL (`http://127.0.0.1:7000`). */
  hub: URL;
  maxBodyBytes: number;
  deadlineMs: number;
  /** False: forward only, observe nothing (what observation costs is the difference). */
  observe: boolean;
  /** When set, a request must pass it (the bearer token); the header is not forwarded. */
  authorize?: (req: http.IncomingMessage) => boolean;
  clock: Clock;
  emit(call: CallRecord): void;
}

export interface Proxy {
  server: http.Server;
  tracker: CallTracker;
  close(): Promise<void>;
}

/** A forwarded request waiting for the hub's answer (its headers, for an event stream). */
interface Waiting {
  t0: number;
  fail(kind: Failure, message: string): void;
}

export function createProxy(o: ProxyOptions): Proxy {
  const hubName = o.hub.origin;
  const hubHost = o.hub.host;
  const hubHostname = o.hub.hostname.replace(/^\[(.*)\]$/, '$1');
  const hubPort = Number(o.hub.port) || 80;
  const base = o.hub.pathname.replace(/\/$/, '');
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo' });
  const tracker = new CallTracker({ hub: hubName, deadlineMs: o.deadlineMs, clock: o.clock, emit: o.emit });
  const ctx: ExchangeContext = { hub: hubName, maxBodyBytes: o.maxBodyBytes, clock: o.clock, tracker, emit: o.emit };
  const timeoutMessage = `the hub did not answer within ${Math.round(o.deadlineMs / 1000)} s`;
  // In start order, so the oldest come first: one sweep a second ends the late ones (no timer per request).
  const waiting = new Set<Waiting>();

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
      headers: requestHeaders(req, hubHost, o.authorize !== undefined), agent,
    });
    let ended: Failure | 'done' | undefined;
    const wait: Waiting = {
      t0: o.clock.monotonic(),
      fail(kind: Failure, message: string): void {
        if (ended) return;
        ended = kind;
        waiting.delete(wait);
        ex?.failed(kind, message);
        up.destroy();
        if (kind === 'client_cancelled') return;
        if (res.headersSent) res.destroy();
        else res.writeHead(kind === 'timeout' ? 504 : 502, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(`mcp-hub-monitor tap: ${message}\n`);
      },
    };
    waiting.add(wait);

    // By hand rather than pipe(): the same backpressure with fewer listeners per request.
    const body: Buffer[] | undefined = ex ? [] : undefined;
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      if (body) {
        bytes += c.length;
        if (bytes <= o.maxBodyBytes) body.push(c);
      }
      if (!up.write(c)) {
        req.pause();
        up.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      up.end();
      if (ex) ex.requestBody(bytes <= o.maxBodyBytes ? (body!.length === 1 ? body![0]! : Buffer.concat(body!)) : undefined, bytes);
    });

    up.on('response', (upRes) => {
      if (ended) return void upRes.destroy();
      const raw = upRes.rawHeaders;
      const sse = EVENT_STREAM.test(rawHeader(raw, 'content-type') ?? '');
      // An event stream lives as long as its client: the deadline covered getting it started.
      if (sse) waiting.delete(wait);
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, responseHeaders(raw));
      if (sse) res.flushHeaders();
      ex?.response(upRes.statusCode ?? 0, upRes, sse);
      upRes.on('data', (c: Buffer) => {
        ex?.responseChunk(c);
        if (!res.write(c)) {
          upRes.pause();
          res.once('drain', () => upRes.resume());
        }
      });
      upRes.on('end', () => {
        if (ended) return; // the failure already answered the client, or the client left
        res.end();
        ended = 'done';
        waiting.delete(wait);
        ex?.responseEnd();
      });
      upRes.on('close', () => { if (!upRes.complete) wait.fail('transport_error', 'the hub dropped the connection mid-response'); });
      upRes.on('error', () => { /* close follows */ });
    });
    up.on('error', (err: NodeJS.ErrnoException) => wait.fail('transport_error', `the hub at ${hubName} ${err.code === 'ECONNREFUSED' ? 'refused the connection' : `failed: ${err.code ?? err.message}`}`));
    res.on('close', () => { if (!res.writableFinished) wait.fail('client_cancelled', 'the client went away before the answer'); });
  }

  const sweeper = setInterval(() => {
    const now = o.clock.monotonic();
    for (const w of waiting) {
      if (now - w.t0 < o.deadlineMs) break; // the rest started later
      w.fail('timeout', timeoutMessage);
    }
    tracker.sweep();
  }, 1_000);
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

const EVENT_STREAM = /^text\/event-stream/i;
