/**
 * The HTTP server's defences (faults §4 item 8 and §E): loopback by default and a token for anything
 * else, a `Host` allowlist against DNS rebinding, constant-time token checks with per-address and global
 * limits on failures, POST + Origin + token for anything that changes state, and strict response headers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { UsageError } from '../../errors.js';

/** Headers on every response: nothing here may be framed, sniffed, cached or leak a referrer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Shortest token accepted: a guessable token on a network port is no token. */
export const MIN_TOKEN_LENGTH = 16;

/** True for 127.0.0.0/8, ::1, an IPv4-mapped loopback, and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** `host:port` as a Host header writes it (IPv6 in brackets). */
export function hostWithPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`.toLowerCase();
}

/** The default Host allowlist: the bind address, localhost, 127.0.0.1 and [::1], each with the port. */
export function defaultAllowedHosts(bindHost: string, port: number): string[] {
  return [...new Set([hostWithPort(bindHost, port), `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])];
}

/**
 * Whether a Host header names us. An allowlist entry without a port also matches that name with our
 * port (a proxy in front may send either form).
 */
export function isHostAllowed(host: string | undefined, allowed: readonly string[], port: number): boolean {
  if (host === undefined || host === '') return false;
  const h = host.toLowerCase();
  const withPort = /:\d+$/.test(h) ? h : `${h}:80`; // no port in Host means the scheme's default
  return allowed.some((a) => {
    const e = a.toLowerCase();
    return h === e || withPort === e || (!/:\d+$/.test(e) && h === `${e}:${port}`);
  });
}

/** Throws a USAGE error (exit 3) when the listen address, port or token cannot be served safely. */
export function validateListen(listen: { host: string; port: number }, token: string | undefined, section = 'http'): void {
  if (!Number.isInteger(listen.port) || listen.port < 0 || listen.port > 65_535) {
    throw new UsageError(`${section} listen port: a whole number from 0 to 65535 (got ${JSON.stringify(listen.port)})`);
  }
  if (token !== undefined && (token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token))) {
    throw new UsageError(`${section} token: at least ${MIN_TOKEN_LENGTH} printable ASCII characters without spaces (got ${token.length} characters). Generate one with: openssl rand -hex 24`);
  }
  if (!isLoopbackHost(listen.host) && token === undefined) {
    throw new UsageError(`${section} listen ${hostWithPort(listen.host, listen.port)}: not a loopback address, and no token is set: anyone who can reach it could read your hubs' state. Set a token (env:NAME or file:/path), or listen on 127.0.0.1`);
  }
}

/**
 * Headers a request carries at most once, each judged by us and by anything in front of us: Host
 * (RFC 9112 §3.2 says a server answers 400 to two), Authorization (one set of credentials,
 * RFC 9110 §11.6.2) and Origin (RFC 6454 §7.3). Node keeps the first and drops the rest, while a proxy may
 * route or check by the last, so two are refused rather than guessed at. Cookie may come in several lines
 * (HTTP/2 splits it, RFC 9113 §8.2.3) and Node joins them as a gateway must: it is not in this list.
 */
const SINGLE_HEADERS = ['host', 'authorization', 'origin'] as const;

/** The first of SINGLE_HEADERS the request repeats, and how often; undefined when none is. */
export function repeatedHeader(req: Pick<IncomingMessage, 'headersDistinct'>): { name: string; count: number } | undefined {
  for (const name of SINGLE_HEADERS) {
    const count = req.headersDistinct[name]?.length ?? 0;
    if (count > 1) return { name, count };
  }
  return undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Whether `Authorization: Bearer <token>` carries the token; compared in constant time (hashes, so lengths never leak). */
export function hasBearerToken(authorization: string | undefined, token: string): boolean {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  const given = m?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token)) && m !== null;
}

/** The outcome of a state-changing request's checks. */
export type MutationCheck = { ok: true } | { ok: false; status: 401 | 403 | 405; error: string };

/** What checkMutation compares against. */
export interface MutationContext {
  allowedHosts: readonly string[];
  port: number;
  /** Without a token nothing can change state: a page on another site could otherwise drive a loopback server. */
  token?: string;
}

/**
 * The gate for any future state-changing route (ack, silence, reload): POST only (405), an `Origin` that
 * is one of our allowed hosts (403: cross-site forms and no-cors fetches carry theirs, faults E2), and
 * the bearer token (401), compared in constant time.
 */
export function checkMutation(req: Pick<IncomingMessage, 'method' | 'headers'>, ctx: MutationContext): MutationCheck {
  if (req.method !== 'POST') return { ok: false, status: 405, error: 'state-changing routes accept POST only' };
  const origin = req.headers.origin;
  let originHost: string | undefined;
  try {
    const u = new URL(origin ?? '');
    if (u.protocol === 'http:' || u.protocol === 'https:') originHost = u.host; // u.host drops a default port
  } catch { /* missing, "null" or malformed */ }
  if (originHost === undefined || !isHostAllowed(originHost, ctx.allowedHosts, ctx.port)) {
    return { ok: false, status: 403, error: 'the Origin header must name this server (cross-site requests cannot change state)' };
  }
  if (ctx.token === undefined) return { ok: false, status: 403, error: 'state changes need a token; the server has none configured' };
  if (!hasBearerToken(req.headers.authorization, ctx.token)) return { ok: false, status: 401, error: 'missing or wrong bearer token' };
  return { ok: true };
}

/** AuthFailureLimiter's limits: failed checks per address and over all addresses, per window. */
export interface AuthLimits {
  perAddress: number;
  global: number;
  windowMs: number;
  /** Addresses remembered at once; past it the oldest is forgotten (the global count is not). */
  maxAddresses: number;
}

/** Ten failures a minute per address (faults E3), sixty a minute over all addresses (faults F4). */
export const AUTH_LIMITS: Readonly<AuthLimits> = { perAddress: 10, global: 60, windowMs: 60_000, maxAddresses: 10_000 };

/** What the limiter says about one failed check. */
export type FailureVerdict = { limited: false } | { limited: true; retryAfterS: number; scope: 'address' | 'global' };

/**
 * Counts failed credential checks, per client address and over all of them, in fixed windows. Only
 * failures are counted and only failures are refused: the caller checks the credential first, and a valid
 * one is never limited (10 wrong guesses from 127.0.0.1 used to lock out every client there, Prometheus
 * included). Past the global limit every failed check is answered 429 whatever its address, so spreading
 * guesses over 12,000 loopback addresses no longer helps; `onGlobalLimit` is told once per window.
 */
export class AuthFailureLimiter {
  private readonly byAddress = new Map<string, { since: number; n: number }>();
  private window = { since: -Infinity, n: 0, addresses: new Set<string>(), told: false };

  constructor(
    private readonly limits: AuthLimits = AUTH_LIMITS,
    private readonly onGlobalLimit: (o: { failures: number; addresses: number; windowS: number }) => void = () => {},
  ) {}

  /** Records one failed check from `address` at `now` (monotonic ms); says whether to answer 429. */
  fail(address: string, now: number): FailureVerdict {
    const { perAddress, global, windowMs, maxAddresses } = this.limits;
    if (now - this.window.since >= windowMs) this.window = { since: now, n: 0, addresses: new Set(), told: false };
    const w = this.window;
    w.n++;
    if (w.addresses.size < maxAddresses) w.addresses.add(address);
    let a = this.byAddress.get(address);
    if (!a || now - a.since >= windowMs) {
      this.byAddress.delete(address);
      while (this.byAddress.size >= maxAddresses) this.byAddress.delete(this.byAddress.keys().next().value!);
      a = { since: now, n: 0 };
      this.byAddress.set(address, a); // re-inserted: the map stays oldest window first
    }
    a.n++;
    if (w.n > global) {
      if (!w.told) {
        w.told = true;
        this.onGlobalLimit({ failures: w.n, addresses: w.addresses.size, windowS: windowMs / 1000 });
      }
      return { limited: true, retryAfterS: Math.max(1, Math.ceil((w.since + windowMs - now) / 1000)), scope: 'global' };
    }
    if (a.n > perAddress) return { limited: true, retryAfterS: Math.max(1, Math.ceil((a.since + windowMs - now) / 1000)), scope: 'address' };
    return { limited: false };
  }
}
