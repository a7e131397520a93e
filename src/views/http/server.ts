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
import { isMonitorError, UsageError, type ParamError } from '../../errors.js';
import { systemClock, type Clock } from '../../model/clock.js';
import { createMetrics } from '../metrics.js';
import { API_ROUTES, toJsonBody } from './api.js';
import { HttpAuth } from './auth.js';
import { ConnectionGuard, type GuardCounts } from './connection-guard.js';
import { readParams } from './params.js';
import { HTML_TYPE, send, sendError } from './respond.js';
import { defaultAllowedHosts, hostWithPort, isHostAllowed, isLoopbackHost, repeatedHeader, SECURITY_HEADERS, validateListen, type AuthLimits } from './security.js';
import { SseBroadcaster } from './sse.js';
import { sessionIdOf } from './web-login.js';
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
  /** Overrides of the failed-check limits (AUTH_LIMITS). */
  authLimits?: Partial<AuthLimits>;
  /** Monotonic time for the failure windows and session lifetimes; default the system's. */
  clock?: Pick<Clock, 'monotonic'>;
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

/** The web dashboard's files by path; nothing else is served from disk. */
const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/fleet': { file: 'fleet.html', type: 'text/html; charset=utf-8' },
  '/fleet.js': { file: 'fleet.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/uplot.css': { file: 'uplot.css', type: 'text/css; charset=utf-8' },
};

/** The sign-out form of the web pages, hidden unless the page goes to a signed-in browser. */
const SIGN_OUT_HIDDEN = '<form id="signout" method="post" action="/logout" hidden>';
const SIGN_OUT_SHOWN = '<form id="signout" method="post" action="/logout">';

/** Every path the server answers, for the security sweep test: a new route must be classified there. */
export const ROUTE_PATHS: readonly string[] = ['/metrics', '/api/stream', '/favicon.ico', '/login', '/logout', ...Object.keys(STATIC_FILES), ...Object.keys(API_ROUTES)];
export { PUBLIC_PATHS } from './auth.js';

/** Starts listening; throws a USAGE error for an unsafe or invalid listen address/token, or when the port is taken. */
export async function startHttpServer(d: HttpServerDeps): Promise<RunningHttpServer> {
  validateListen(d.listen, d.token);
  const view = d.source;
  const metrics = createMetrics(view, { maxServersPerHub: d.maxServersPerHub, processMetrics: d.processMetrics, log: d.log });
  const clock = d.clock ?? systemClock;
  const auth = d.token === undefined ? undefined : new HttpAuth({
    token: d.token, log: d.log, now: () => clock.monotonic(), allowedHosts: () => allowedHosts, port: () => port, limits: d.authLimits,
  });
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
    // One Host, one Authorization, one Origin: with two, Node and a proxy in front may each believe another (faults F10).
    const repeated = repeatedHeader(req);
    if (repeated) return sendError(res, 400, `${repeated.count} ${repeated.name} headers: a request carries exactly one`, { connection: 'close' });
    // Host first: a rebinding page must learn nothing, not even whether a token is needed (faults E1).
    if (!isHostAllowed(req.headers.host, allowedHosts, port)) return sendError(res, 403, 'Host header not allowed: use the address the server listens on');
    const who = req.socket.remoteAddress ?? '';
    if (guard.onProbation(req.socket) && !(isLoopbackHost(who) && auth?.valid(req))) {
      return sendError(res, 503, 'too many connections: only loopback requests with the token are served now; try again later', { 'retry-after': '5', connection: 'close' });
    }
    // One parse of the target, for the auth decision and the routing alike (a path is judged as it is served).
    const url = req.url?.startsWith('/') ? new URL(req.url, 'http://localhost') : undefined;
    const path = url?.pathname ?? '';
    if (auth) {
      if (await auth.gate(req, res, path)) return;
    } else if (path === '/login' || path === '/logout') {
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
      if (!asset.file.endsWith('.html')) return send(res, 200, web.get(asset.file)!, asset.type);
      // The sign-out button shows only to a signed-in browser (the cookie is HttpOnly: the page cannot tell).
      // Referrers same-origin: from a no-referrer page the browser posts that form with `Origin: null`.
      const signedIn = auth?.sessions.has(sessionIdOf(req.headers.cookie));
      return send(res, 200, signedIn ? web.get(asset.file)!.replace(SIGN_OUT_HIDDEN, SIGN_OUT_SHOWN) : web.get(asset.file)!, asset.type, { 'referrer-policy': 'same-origin' });
    }
    const route = API_ROUTES[url.pathname];
    if (route === undefined || !Object.hasOwn(API_ROUTES, url.pathname)) return sendError(res, 404, 'no such route; see /api/hubs, /api/servers, /api/series, /api/events, /api/alerts, /api/health, /api/fleet, /api/stream, /metrics');
    return send(res, 200, toJsonBody(route(view, url.searchParams)));
  }

  const limits: HttpLimits = { ...HTTP_LIMITS, ...d.limits };
  let pressureReport: NodeJS.Timeout | undefined;
  const guard = new ConnectionGuard(
    { maxConnections: limits.maxConnections, maxPerAddress: limits.maxPerAddress, reserve: limits.reserveConnections },
    () => { pressureReport = reportPressure(guard, limits, d.log); },
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
      if (isMonitorError(err, 'BAD_PARAMETER')) return sendError(res, 400, err.message, {}, { parameter: (err as ParamError).parameter });
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
        clearTimeout(pressureReport);
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
function reportPressure(guard: ConnectionGuard, limits: HttpLimits, log: HttpServerDeps['log']): NodeJS.Timeout {
  log.warn({ open: guard.size, maxConnections: limits.maxConnections, maxPerAddress: limits.maxPerAddress },
    'http: connection cap reached: shedding half-open connections (slow or idle clients) to make room; loopback requests with the token keep a reserve');
  return setTimeout(() => {
    const c: GuardCounts = guard.takeCounts();
    log.warn({ ...c, open: guard.size }, `http: in the last minute ${c.shed} half-open connections were shed, ${c.refused} refused, ${c.probation} let in on the reserve`);
  }, 60_000).unref();
}
