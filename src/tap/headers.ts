/**
 * Headers across the tap as a reverse proxy handles them (RFC 9110 §7.6.1): hop-by-hop headers, and any
 * the Connection header names, stop here; the hub gets its own Host and the client's in X-Forwarded-*.
 * Both directions work on Node's raw header lists (`[name, value, name, value, …]`, as received, repeated
 * names kept): node:http writes such a list as it is, without building a header object per request and
 * setting each header through its checks again.
 */
import type { IncomingMessage } from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

/** The names the Connection headers of `raw` list (also hop-by-hop), lower-cased; usually none. */
function connectionNamed(raw: readonly string[]): string[] | undefined {
  let named: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection') {
      for (const t of raw[i + 1]!.toLowerCase().split(',')) (named ??= []).push(t.trim());
    }
  }
  return named;
}

/** Copies the end-to-end headers of `raw` onto `out`, but `skip`; returns the X-Forwarded-For values seen (not copied). */
function copyEndToEnd(raw: readonly string[], out: string[], skip: ReadonlySet<string>): string[] | undefined {
  const named = connectionNamed(raw);
  let forwardedFor: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || skip.has(name) || named?.includes(name)) continue;
    if (name === 'x-forwarded-for') (forwardedFor ??= []).push(raw[i + 1]!);
    else out.push(raw[i]!, raw[i + 1]!);
  }
  return forwardedFor;
}

const REQUEST_SKIP = new Set(['host', 'expect']);
const REQUEST_SKIP_AUTH = new Set(['host', 'expect', 'authorization']);
const NOTHING = new Set<string>();

/**
 * What the hub receives: the client's end-to-end headers; Host the hub's own (as nginx's proxy_pass sends);
 * the client's address, Host and scheme in X-Forwarded-*; without `expect` (the tap already answered
 * 100-continue) and without the tap's own bearer token.
 */
export function requestHeaders(req: IncomingMessage, hubHost: string, dropAuthorization: boolean): string[] {
  const out = ['host', hubHost];
  const prior = copyEndToEnd(req.rawHeaders, out, dropAuthorization ? REQUEST_SKIP_AUTH : REQUEST_SKIP);
  const addr = req.socket.remoteAddress ?? '';
  out.push('x-forwarded-for', prior ? `${prior.join(', ')}, ${addr}` : addr);
  const host = req.headers.host;
  if (host !== undefined) out.push('x-forwarded-host', host);
  out.push('x-forwarded-proto', 'http');
  return out;
}

/** What the client receives: the hub's end-to-end headers. */
export function responseHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  const forwardedFor = copyEndToEnd(raw, out, NOTHING);
  if (forwardedFor) for (const v of forwardedFor) out.push('x-forwarded-for', v);
  return out;
}

/** A raw list as a header object (repeated names as arrays), for a request whose headers are set afterwards. */
export function headerObject(raw: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const had = out[name];
    out[name] = had === undefined ? raw[i + 1]! : Array.isArray(had) ? [...had, raw[i + 1]!] : [had, raw[i + 1]!];
  }
  return out;
}
