/**
 * The daemon's HTTP server (node:http only): `/metrics` for Prometheus, a read-only JSON API under
 * `/api/`, and `/api/stream` (SSE). Safe by default (faults §4 item 8, §E): loopback unless a token is
 * set, a Host allowlist on every route (DNS rebinding), the token on every request when one is set (or
 * the session cookie a browser gets from the sign-in form, web-login.ts),
 * GET/HEAD only (state changes will go through checkMutation), strict headers, Node's slowloris timeouts,
 * a header size cap, bounded SSE clients, and connections counted per address and in total before any
 * parsing, shedding half-open ones to make room (connection-guard.ts).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { UsageError } from '../../config/errors.js';
import { createMetrics } from '../metrics.js';
import { API_ROUTES, toJsonBody } from './api.js';
import { ParamError, readParams } from './params.js';
import { ConnectionGuard, type GuardCounts } from './connection-guard.js';
import { AuthFailureLimiter, defaultAllowedHosts, hasBearerToken, hostWithPort, isHostAllowed, isLoopbackHost, SECURITY_HEADERS, validateListen } from './security.js';
import { SseBroadcaster } from './sse.js';
import { hasSession, loginOriginAllowed, loginPage, presentsCredential, readLoginForm, sessionCookie } from './web-login.js';
import type { DaemonView } from './view.js';

/** What the HTTP server needs from the daemon and its config. */
export interface HttpServerDeps {
  /** Default 127.0.0.1; port 0 picks a free one (tests). */
  listen: { host: string; port: number };
  /** Bearer token; required (a USAGE error at start) when `listen.host` is not loopback. At least 16 characters. */
  token?: string;
  /** Extra Host header values to accept (e.g. a proxy's `mon.example.org`), added to the bind address, localhost, 127.0.0.1 and [::1] with the port. */
  allowedHosts?: string[];
  source: DaemonView;
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
  /** SSE clients at once; more get 503. Default 16. */
  maxSseClients?: number;
  /** Server series per hub in /metrics before folding into `__other__`. Default 200. */
  maxServersPerHub?: number;
  /** SSE tick and heartbeat periods (ms). Defaults 5 s and 15 s. */
  sseTickMs?: number;
  sseHeartbeatMs?: number;
  /** Default true: the daemon's own process_* and nodejs_* metrics. */
  processMetrics?: boolean;
  /** The built web dashboard (dist/web): served at / when given. */
  webDir?: string;
  /** Overrides of HTTP_LIMITS (tests shorten the timeouts). */
  limits?: Partial<HttpLimits>;
}

/** A running server. */
export interface RunningHttpServer {
  /** `http://host:port` as bound. */
  url: string;
  /** Ends SSE streams, closes every connection and the listener. Idempotent. */
  close(): Promise<void>;
}

/** The server's size and time limits. */
export interface HttpLimits {
  maxHeaderSize: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Socket idle timeout; SSE heartbeats keep live streams well inside it. */
  idleTimeoutMs: number;
  /** How often Node checks the two timeouts above (its default, 30 s, would let a slowloris sit for 40 s). */
  checkIntervalMs: number;
  /** Connections at once; past it a half-open one is shed to make room (connection-guard.ts). */
  maxConnections: number;
  /** Connections at once from one address (127.0.0.x included). */
  maxPerAddress: number;
  /** Connections let in past the caps, served only for a loopback request with a valid credential. */
  reserveConnections: number;
}

/** Node's own slowloris defences (CVE-2018-12122) and limits, tightened for a small local API (faults E4, F3). */
export const HTTP_LIMITS: Readonly<HttpLimits> = {
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 120_000,
  checkIntervalMs: 1_000,
  maxConnections: 128,
  maxPerAddress: 32,
  reserveConnections: 8,
};

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: http.ServerResponse, status: number, body: string, type = JSON_TYPE, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

const sendError = (res: http.ServerResponse, status: number, error: string, extra: Record<string, string> = {}, more: object = {}): void =>
  send(res, status, toJsonBody({ error, ...more }), JSON_TYPE, extra);

/** The web dashboard's files by path; nothing else is served from disk. */
const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/uplot.css': { file: 'uplot.css', type: 'text/css; charset=utf-8' },
};

/** Every path the server answers, for the security sweep test: a new route must be classified there. */
export const ROUTE_PATHS: readonly string[] = ['/metrics', '/api/stream', '/favicon.ico', '/login', ...Object.keys(STATIC_FILES), ...Object.keys(API_ROUTES)];

/** What a signed-out browser may load with a token set: the sign-in form and its look, no data. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/login', '/style.css', '/favicon.ico']);
/** Pages a signed-out browser is sent to /login from, instead of a bare 401. */
const PAGES = new Set(['/', '/index.html']);
const HTML_TYPE = 'text/html; charset=utf-8';

/** Starts listening; throws a USAGE error for an unsafe or invalid listen address/token, or when the port is taken. */
export async function startHttpServer(d: HttpServerDeps): Promise<RunningHttpServer> {
  validateListen(d.listen, d.token);
  const view = d.source;
  const metrics = createMetrics(view, { maxServersPerHub: d.maxServersPerHub, processMetrics: d.processMetrics, log: d.log });
  const limiter = new AuthFailureLimiter();
  const sse = new SseBroadcaster({
    maxClients: d.maxSseClients ?? 16, tickMs: d.sseTickMs ?? 5_000, heartbeatMs: d.sseHeartbeatMs ?? 15_000, log: d.log,
    headers: SECURITY_HEADERS, tick: () => toJsonBody(API_ROUTES['/api/hubs']!(view, new URLSearchParams())),
  });
  let allowedHosts: string[] = [];
  let port = d.listen.port;

  // The dashboard's few files, read once: a request never touches the filesystem.
  const web = new Map<string, string>();
  if (d.webDir) {
    for (const { file } of Object.values(STATIC_FILES)) {
      try { web.set(file, readFileSync(join(d.webDir, file), 'utf8')); } catch { /* not built: the API still works */ }
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Host first: a rebinding page must learn nothing, not even whether a token is needed (faults E1).
    if (!isHostAllowed(req.headers.host, allowedHosts, port)) return sendError(res, 403, 'Host header not allowed: use the address the server listens on');
    const who = req.socket.remoteAddress ?? '';
    if (guard.onProbation(req.socket) && !(isLoopbackHost(who) && d.token !== undefined && (hasBearerToken(req.headers.authorization, d.token) || hasSession(req.headers.cookie, d.token)))) {
      return sendError(res, 503, 'too many connections: only loopback requests with the token are served now; try again later', { 'retry-after': '5', connection: 'close' });
    }
    // One parse of the target, for the auth decision and the routing alike (a path is judged as it is served).
    const url = req.url?.startsWith('/') ? new URL(req.url, 'http://localhost') : undefined;
    const path = url?.pathname ?? '';
    if (d.token !== undefined) {
      if (!limiter.allowed(who, Date.now())) return sendError(res, 429, 'too many failed token checks; wait a minute', { 'retry-after': '60' });
      if (path === '/login') return login(req, res, d.token, who);
      if (!PUBLIC_PATHS.has(path) && !hasBearerToken(req.headers.authorization, d.token) && !hasSession(req.headers.cookie, d.token)) {
        // A wrong token or cookie is a guess; no credential at all is a browser that has not signed in yet.
        if (presentsCredential(req)) limiter.fail(who, Date.now());
        if (PAGES.has(path) && (req.method === 'GET' || req.method === 'HEAD')) return send(res, 303, '', HTML_TYPE, { location: '/login' });
        return sendError(res, 401, 'missing or wrong bearer token', { 'www-authenticate': 'Bearer realm="mcp-hub-monitor"' });
      }
    } else if (path === '/login') {
      return send(res, 303, '', HTML_TYPE, { location: '/' }); // no token: nothing to sign in to
    }
    // Nothing else changes state; future actions go through checkMutation (POST + Origin + token).
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, 405, `method ${String(req.method).slice(0, 20)} not allowed`, { allow: 'GET, HEAD', connection: 'close' });
    }
    if (!url) return sendError(res, 400, 'request target must be a path');
    if (url.pathname === '/metrics') {
      readParams(url.searchParams, []);
      return send(res, 200, await metrics.render(), metrics.contentType);
    }
    if (url.pathname === '/api/stream') {
      readParams(url.searchParams, []);
      if (req.method === 'HEAD') return send(res, 200, '', 'text/event-stream; charset=utf-8');
      if (!sse.accept(req, res)) sendError(res, 503, `too many live streams (at most ${d.maxSseClients ?? 16}); try again later`, { 'retry-after': '10' });
      return;
    }
    if (url.pathname === '/favicon.ico') return send(res, 204, '', 'image/x-icon'); // browsers ask; nothing to show
    const asset = STATIC_FILES[url.pathname];
    if (asset !== undefined && Object.hasOwn(STATIC_FILES, url.pathname) && web.has(asset.file)) {
      readParams(url.searchParams, []);
      return send(res, 200, web.get(asset.file)!, asset.type);
    }
    const route = API_ROUTES[url.pathname];
    if (route === undefined || !Object.hasOwn(API_ROUTES, url.pathname)) return sendError(res, 404, 'no such route; see /api/hubs, /api/servers, /api/series, /api/events, /api/alerts, /api/health, /api/stream, /metrics');
    return send(res, 200, toJsonBody(route(view, url.searchParams)));
  }

  /** GET shows the form; POST checks the token and sets the session cookie (see web-login.ts). */
  async function login(req: http.IncomingMessage, res: http.ServerResponse, token: string, who: string): Promise<void> {
    // same-origin, not no-referrer, on the form's page: browsers send `Origin: null` for a form posted from a
    // no-referrer page, which would hide whether the post came from us.
    if (req.method === 'GET' || req.method === 'HEAD') return send(res, 200, loginPage(), HTML_TYPE, { 'referrer-policy': 'same-origin' });
    if (req.method !== 'POST') return sendError(res, 405, 'sign in with GET (the form) or POST (the token)', { allow: 'GET, HEAD, POST', connection: 'close' });
    if (!loginOriginAllowed(req, allowedHosts, port)) return send(res, 403, loginPage('This form was sent from another site.'), HTML_TYPE);
    const given = await readLoginForm(req);
    if (given === undefined || !hasBearerToken(`Bearer ${given}`, token)) {
      limiter.fail(who, Date.now());
      return send(res, 401, loginPage('Wrong token.'), HTML_TYPE, { 'referrer-policy': 'same-origin' });
    }
    return send(res, 303, '', HTML_TYPE, { location: '/', 'set-cookie': sessionCookie(token) });
  }

  const limits: HttpLimits = { ...HTTP_LIMITS, ...d.limits };
  const guard = new ConnectionGuard(
    { maxConnections: limits.maxConnections, maxPerAddress: limits.maxPerAddress, reserve: limits.reserveConnections },
    () => reportPressure(guard, limits, d.log),
  );
  const server = http.createServer({
    maxHeaderSize: limits.maxHeaderSize,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  }, (req, res) => {
    guard.requestStarted(req, res);
    handle(req, res).catch((err: unknown) => {
      if (err instanceof ParamError) return sendError(res, 400, err.message, {}, { parameter: err.parameter });
      d.log.warn({ route: req.url?.split('?')[0]?.slice(0, 100), err: String(err) }, 'http: request failed');
      if (!res.headersSent) sendError(res, 500, 'internal error; see the daemon log');
      else res.destroy();
    });
  });
  server.timeout = limits.idleTimeoutMs;
  // Not Node's maxConnections: it drops the newest connection, which under a slowloris is every scrape.
  server.on('connection', (socket) => guard.admit(socket));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new UsageError(`http listen ${hostWithPort(d.listen.host, d.listen.port)}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}. Choose another port or stop what uses it`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(d.listen.port, d.listen.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  port = (server.address() as { port: number }).port;
  allowedHosts = [...new Set([...defaultAllowedHosts(d.listen.host, port), ...(d.allowedHosts ?? []).map((h) => h.toLowerCase())])];
  const url = `http://${hostWithPort(d.listen.host, port)}`;
  server.on('error', (err) => d.log.warn({ err: String(err) }, 'http server error'));
  d.log.info({ url, allowedHosts, auth: d.token !== undefined ? 'bearer token' : 'none (loopback only)' }, 'http server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        sse.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * Says once when the connection caps start to bite (never silent under an attack), then a minute later
 * what was shed, refused or let in on probation in that minute; the next pressure logs again.
 */
function reportPressure(guard: ConnectionGuard, limits: HttpLimits, log: HttpServerDeps['log']): void {
  log.warn({ open: guard.size, maxConnections: limits.maxConnections, maxPerAddress: limits.maxPerAddress },
    'http: connection cap reached: shedding half-open connections (slow or idle clients) to make room; loopback requests with the token keep a reserve');
  setTimeout(() => {
    const c: GuardCounts = guard.takeCounts();
    log.warn({ ...c, open: guard.size }, `http: in the last minute ${c.shed} half-open connections were shed, ${c.refused} refused, ${c.probation} let in on the reserve`);
  }, 60_000).unref();
}
