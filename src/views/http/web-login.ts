/**
 * Signing in to the web dashboard when the server has a token. A browser cannot attach a bearer token to
 * a page load, a script or an EventSource, so the dashboard offers a form: POST /login with the token sets
 * an HttpOnly, SameSite=Strict session cookie, and the browser sends it on every same-origin request
 * (Jupyter and Grafana do the same). The cookie holds an HMAC of the token, never the token: changing the
 * token ends every session. The cookie only opens reads: state changes still need the bearer token
 * (checkMutation), so a cross-site page cannot ride the session.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { escapeHtml } from '../html.js';
import { isHostAllowed } from './security.js';

export const SESSION_COOKIE = 'mhm_session';
const SESSION_DAYS = 30;
/** A login form is a few bytes; anything longer is not one. */
const MAX_FORM_BYTES = 4_096;

/** The cookie value for `token`, computed once per token (every signed-in request checks it). */
let memo: { token: string; value: string } | undefined;
function sessionValue(token: string): string {
  if (memo?.token !== token) memo = { token, value: createHmac('sha256', token).update('mcp-hub-monitor web session v1').digest('base64url') };
  return memo.value;
}

/** The Set-Cookie value for a signed-in browser. */
export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${sessionValue(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_DAYS * 86_400}`;
}

/** The Set-Cookie value that signs a browser out. */
export const CLEARED_COOKIE = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;

/** The session cookie's value in a Cookie header, if any. */
function cookieValue(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether the request carries a valid session cookie; compared in constant time. */
export function hasSession(cookieHeader: string | undefined, token: string): boolean {
  const given = cookieValue(cookieHeader);
  if (given === undefined) return false;
  const want = Buffer.from(sessionValue(token));
  const got = Buffer.from(given);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Whether the request presented a credential at all (a wrong one counts as a failed guess). */
export function presentsCredential(req: http.IncomingMessage): boolean {
  return req.headers.authorization !== undefined || cookieValue(req.headers.cookie) !== undefined;
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

/** Whether a login POST comes from a page of ours: an Origin naming another site is a cross-site form. */
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
