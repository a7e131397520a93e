/**
 * How a request goes on when tracing is on (proxy.ts takes this branch only then; without it every body
 * streams through as it comes). A REST call keeps streaming, with the tap's span in its `traceparent` header.
 * An MCP post (`POST /messages?sessionId=`, `POST /mcp`) is held until it is complete, so each request's
 * `params._meta` can carry the tap's span context (SEP-414), then forwarded with its new length.
 */
import type http from 'node:http';
import type { Exchange } from './exchanges.js';

/** The W3C headers the tap replaces on a traced REST call. */
const TRACE_HEADERS = ['traceparent', 'tracestate'];

/**
 * Sets `up` going for a traced request. True when it took the request body over (an MCP post: the caller must
 * not pipe it); false when the body goes the usual way (a REST call, whose headers it set, or a route without
 * requests to trace).
 */
export function forwardTraced(req: http.IncomingMessage, up: http.ClientRequest, ex: Exchange, maxBodyBytes: number): boolean {
  if (ex.traceHeaders) {
    const headers = ex.traceHeaders(req.headers);
    for (const name of TRACE_HEADERS) up.removeHeader(name);
    for (const [name, value] of Object.entries(headers)) up.setHeader(name, value);
    return false;
  }
  if (!ex.traceBody) return false;
  let held: Buffer[] | undefined = [];
  let bytes = 0;
  req.on('data', (c: Buffer) => {
    bytes += c.length;
    if (!held) return;
    if (bytes <= maxBodyBytes) return void held.push(c);
    // Over the cap: not observed, so its requests get no span and no span context (they go on as the client
    // wrote them). What was held goes first, then the rest as it comes.
    for (const h of held) up.write(h);
    held = undefined;
    up.write(c);
    req.pipe(up);
  });
  req.on('end', () => {
    if (!held) return void ex.requestBody(undefined, bytes);
    const body = held.length === 1 ? held[0]! : Buffer.concat(held);
    // Not JSON, or nothing to carry a context: traceBody returns the very bytes that came.
    const out = ex.traceBody!(body, bytes);
    if (out !== body) up.setHeader('content-length', out.length);
    up.end(out);
  });
  return true;
}
