/**
 * Who may read when the server has a token (faults E3, F4): the bearer token (Prometheus, curl) or a
 * session from the sign-in form (web-login.ts, sessions.ts). A valid credential is checked first and never
 * limited; only failures are counted, per address and over all addresses (AuthFailureLimiter), and past a
 * limit a failure is answered 429. A wrong bearer token or sign-in token is a guess; an unknown session id
 * is not (guessing 256 random bits is hopeless, and a browser holding one from before a restart is not an
 * attacker): it gets the sign-in form and its cookie cleared.
 */
import type http from 'node:http';
import { HTML_TYPE, send, sendError } from './respond.js';
import { AUTH_LIMITS, AuthFailureLimiter, hasBearerToken, type AuthLimits } from './security.js';
import { SessionStore, SESSION_TTL_MS } from './sessions.js';
import { clearedCookie, loginOriginAllowed, loginPage, readLoginForm, requestIsHttps, sessionCookie, sessionIdOf } from './web-login.js';

/** What a signed-out browser may load with a token set: the sign-in form and its look, no data. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/login', '/style.css', '/favicon.ico']);
/** Pages a signed-out browser is sent to /login from, instead of a bare 401. */
const PAGES = new Set(['/', '/index.html', '/fleet']);
/** Sessions at once; past it the oldest ends. */
const MAX_SESSIONS = 1_000;

/** What HttpAuth needs. */
export interface HttpAuthDeps {
  token: string;
  log: { warn(o: object, m?: string): void };
  /** Monotonic ms: limiter windows and session lifetimes. */
  now: () => number;
  /** The Host allowlist and port, known once the server listens (for the forms' Origin check). */
  allowedHosts: () => readonly string[];
  port: () => number;
  limits?: Partial<AuthLimits>;
}

export class HttpAuth {
  readonly sessions: SessionStore;
  private readonly limiter: AuthFailureLimiter;

  constructor(private readonly d: HttpAuthDeps) {
    this.sessions = new SessionStore({ ttlMs: SESSION_TTL_MS, maxSessions: MAX_SESSIONS, now: d.now });
    this.limiter = new AuthFailureLimiter({ ...AUTH_LIMITS, ...d.limits }, (o) => d.log.warn(o,
      `http: ${o.failures} failed token checks from ${o.addresses} addresses in under ${o.windowS} s: every further failed check is answered 429 until the window ends; the token and signed-in sessions still work`));
  }

  /** Whether the request carries the bearer token or a live session: such a request is never limited. */
  valid(req: http.IncomingMessage): boolean {
    return hasBearerToken(req.headers.authorization, this.d.token) || this.sessions.has(sessionIdOf(req.headers.cookie));
  }

  /** Serves /login and /logout, and answers 303/401/429 for a request that may not read `path`; true when it has answered. */
  async gate(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<boolean> {
    if (path === '/login') await this.login(req, res);
    else if (path === '/logout') this.logout(req, res);
    else if (PUBLIC_PATHS.has(path) || this.valid(req)) return false;
    else this.refuse(req, res, path);
    return true;
  }

  private refuse(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    // No token at all is a browser that has not signed in yet, not a guess.
    if (req.headers.authorization !== undefined) {
      const v = this.limiter.fail(req.socket.remoteAddress ?? '', this.d.now());
      if (v.limited) return sendError(res, 429, `too many failed token checks${v.scope === 'global' ? ' (from all addresses)' : ''}; try again in ${v.retryAfterS} s`, { 'retry-after': String(v.retryAfterS) });
    }
    const clear: Record<string, string> = sessionIdOf(req.headers.cookie) !== undefined ? { 'set-cookie': clearedCookie(requestIsHttps(req)) } : {};
    if (PAGES.has(path) && (req.method === 'GET' || req.method === 'HEAD')) return send(res, 303, '', HTML_TYPE, { location: '/login', ...clear });
    return sendError(res, 401, 'missing or wrong bearer token', { 'www-authenticate': 'Bearer realm="mcp-hub-monitor"', ...clear });
  }

  /** GET shows the form; POST checks the token and starts a session. */
  private async login(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // same-origin, not no-referrer, on the form's page: browsers send `Origin: null` for a form posted from a
    // no-referrer page, which would hide whether the post came from us.
    const page = { 'referrer-policy': 'same-origin' };
    if (req.method === 'GET' || req.method === 'HEAD') return send(res, 200, loginPage(), HTML_TYPE, page);
    if (req.method !== 'POST') return sendError(res, 405, 'sign in with GET (the form) or POST (the token)', { allow: 'GET, HEAD, POST', connection: 'close' });
    if (!loginOriginAllowed(req, this.d.allowedHosts(), this.d.port())) return send(res, 403, loginPage('This form was sent from another site.'), HTML_TYPE);
    const who = req.socket.remoteAddress ?? ''; // before the body: an oversized one is cut off, and the socket with it
    const given = await readLoginForm(req);
    if (given !== undefined && hasBearerToken(`Bearer ${given}`, this.d.token)) {
      return send(res, 303, '', HTML_TYPE, { location: '/', 'set-cookie': sessionCookie(this.sessions.create(), requestIsHttps(req)) });
    }
    const v = this.limiter.fail(who, this.d.now());
    if (v.limited) return send(res, 429, loginPage(`Too many wrong tokens; try again in ${v.retryAfterS} s.`), HTML_TYPE, { ...page, 'retry-after': String(v.retryAfterS) });
    return send(res, 401, loginPage('Wrong token.'), HTML_TYPE, page);
  }

  /** POST ends this browser's session, here and in the browser. */
  private logout(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'POST') return sendError(res, 405, 'sign out with POST', { allow: 'POST', connection: 'close' });
    if (!loginOriginAllowed(req, this.d.allowedHosts(), this.d.port())) return sendError(res, 403, 'this sign-out was sent from another site');
    this.sessions.revoke(sessionIdOf(req.headers.cookie));
    return send(res, 303, '', HTML_TYPE, { location: '/login', 'set-cookie': clearedCookie(requestIsHttps(req)) });
  }
}
