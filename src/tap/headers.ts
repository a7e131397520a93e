/**
 * Headers across the tap as a reverse proxy handles them (RFC 9110 §7.6.1): hop-by-hop headers, and any
 * the Connection header names, stop here; the hub gets its own Host and the client's in X-Forwarded-*.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

function copyEndToEnd(headers: IncomingHttpHeaders, skip: readonly string[]): OutgoingHttpHeaders {
  const named = typeof headers.connection === 'string' ? headers.connection.toLowerCase().split(',').map((t) => t.trim()) : [];
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || skip.includes(name) || named.includes(name)) continue;
    out[name] = headers[name];
  }
  return out;
}

/**
 * What the hub receives: the client's end-to-end headers; Host the hub's own (as nginx's proxy_pass sends);
 * the client's address, Host and scheme in X-Forwarded-*; without `expect` (the tap already answered
 * 100-continue) and without the tap's own bearer token.
 */
export function requestHeaders(req: IncomingMessage, hubHost: string, dropAuthorization: boolean): OutgoingHttpHeaders {
  const out = copyEndToEnd(req.headers, dropAuthorization ? ['host', 'expect', 'authorization'] : ['host', 'expect']);
  out.host = hubHost;
  const prior = req.headers['x-forwarded-for'];
  const addr = req.socket.remoteAddress ?? '';
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${addr}` : addr;
  if (req.headers.host !== undefined) out['x-forwarded-host'] = req.headers.host;
  out['x-forwarded-proto'] = 'http';
  return out;
}

/** What the client receives: the hub's end-to-end headers. */
export function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return copyEndToEnd(headers, []);
}
