/**
 * Signing in to the web dashboard when the server has a token. A browser cannot attach a bearer token to
 * a page load, a script or an EventSource, so the dashboard offers a form: POST /login with the token sets
 * an HttpOnly, SameSite=Strict session cookie, and the browser sends it on every same-origin request
 * (Jupyter and Grafana do the same). The cookie holds a random session id kept in the daemon's memory
 * (sessions.ts), never the token nor anything derived from it: POST /logout ends it, a restart ends them
 * all. The server speaks plain HTTP only; behind a TLS proxy that says so (`X-Forwarded-Proto: https` or
 * `Forwarded: proto=https`) the cookie is also `Secure`. Any client may send that header: it can only
 * make its own cookie stricter. The cookie only opens reads: state changes still need the bearer token
 * (checkMutation), so a cross-site page cannot ride the session.
 */
import type http from 'node:http';
import { escapeHtml } from '../html.js';
import { isHostAllowed } from './security.js';
import { SESSION_TTL_MS } from './sessions.js';

export const SESSION_COOKIE = 'mhm_session';
/** A login form is a few bytes; anything longer is not one. */
const MAX_FORM_BYTES = 4_096;

/** Whether the browser reached us over TLS, as a TLS-terminating proxy in front reports it. */
export function requestIsHttps(req: Pick<http.IncomingMessage, 'headers'>): boolean {
  const proto = req.headers['x-forwarded-proto'];
  if (typeof proto === 'string' && proto.split(',')[0]!.trim().toLowerCase() === 'https') return true;
  return /(?:^|[;,]\s*)proto="?https"?(?:[;,]|\s*$)/i.test(req.headers.forwarded ?? '');
}

/** The Set-Cookie value for a signed-in browser. */
export function sessionCookie(id: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that signs a browser out. */
export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** The session cookie's value in a Cookie header, if any. */
export function sessionIdOf(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The sign-in page: a plain form (no script; CSP allows none inline), styled by the dashboard's CSS. */
export function loginPage(error?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mcp-hub-monitor: sign in</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<main class="login">
<h1>mcp-hub-monitor</h1>
<form method="post" action="/login">
<label for="token">Token (<code>http.token</code> in the daemon's config)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
${error ? `<p class="login-error" role="alert">${escapeHtml(error)}</p>` : ''}
</main>
</body>
</html>
`;
}

/** Whether a sign-in or sign-out POST comes from a page of ours: an Origin naming another site is a cross-site form. */
export function loginOriginAllowed(req: http.IncomingMessage, allowedHosts: readonly string[], port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser form post (curl); the token is still needed
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isHostAllowed(u.host, allowedHosts, port);
  } catch {
    return false;
  }
}

/** The token from an `application/x-www-form-urlencoded` body; undefined when it is not one or too large. */
export async function readLoginForm(req: http.IncomingMessage): Promise<string | undefined> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('token') ?? undefined;
}
