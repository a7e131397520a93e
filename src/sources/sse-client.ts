/**
 * The SSE source: one long `GET <hub>/api/events` on `node:http` (docs/hub-api.md §3) that never gives up
 * (faults §4 item 3). It reconnects on any failure — status, content type, 204, network error, EOF,
 * watchdog, an over-long event — with exponential backoff and full jitter; a heartbeat watchdog catches a
 * half-open socket; after every (re)connect it awaits `onConnected` (resync by polling: the hub replays
 * nothing and ignores Last-Event-ID), and only then is the state trusted. Bytes become observations in
 * sse-parse.ts. It decides nothing about health: an SSE cut is an observation, never an alert.
 *
 * Holding the stream has side effects (docs/hub-api.md §3, faults A20): it counts in the hub's `activeClients`
 * and heartbeat `connections`, rewrites `workspaces.json` on every connect, and keeps an `--auto-shutdown`
 * hub alive — stopping this client may then shut that hub down. Whether to connect at all (poll-only) is
 * the caller's decision.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type https from 'node:https';
import { performance } from 'node:perf_hooks';
import { formatDuration } from '../config/duration.js';
import { DEFAULT_MAX_EVENT_BYTES, createSseDecoder } from './sse-parse.js';
import { systemClock, type SseClock, type SseCloseReason, type SseObservation } from './sse-types.js';

export type * from './sse-types.js';
export { systemClock } from './sse-types.js';

/** A connection that stayed up this long resets the backoff (as does one heartbeat). */
export const STABLE_CONNECTION_MS = 30_000;
/** stop() resolves by then even if the socket has not reported closed. */
const STOP_WAIT_MS = 1_000;
/** Decoding time per event-loop turn before we yield (see yieldIfBusy). */
const SLICE_MS = 5;

export interface SseClientOptions {
  /** Hub base URL, e.g. http://127.0.0.1:7000. */
  url: string;
  /** The hub's label, carried by every observation. */
  hub: string;
  onObservation: (o: SseObservation) => void;
  /** Resync hook, awaited after every (re)connect; a rejection resets the connection. */
  onConnected?: () => Promise<void>;
  backoff?: { initialMs?: number; maxMs?: number };
  /** No byte at all for this long closes the stream (the hub beats every 10 s). */
  watchdogMs?: number;
  maxEventBytes?: number;
  /** Deadline for the response headers. */
  connectTimeoutMs?: number;
  flood?: { maxLogEventsPerSecond?: number; sampleSize?: number };
  /** [0, 1), for the jitter. */
  random?: () => number;
  clock?: SseClock;
}

export interface SseStats {
  /** Streams opened (200 text/event-stream). */
  connects: number;
  /** Attempts made after the first one. */
  reconnects: number;
  eventsTotal: number;
  invalidTotal: Record<string, number>;
  connected: boolean;
  /** True once `onConnected` resolved for the current stream. */
  trusted: boolean;
  lastEventAt?: number;
  /** Exceptions thrown by onObservation (caught: a consumer bug must not kill the stream). */
  observerErrors: number;
}

export interface SseClient {
  /** Closes the socket and stops reconnecting; resolves within 1 s. */
  stop(): Promise<void>;
  stats(): SseStats;
}

/** Full jitter: a uniform delay in [0, min(maxMs, initialMs × 2^attempt)). */
export function backoffDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 40));
  const r = random();
  return Math.floor((Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 1) * cap);
}

const requireBuiltin = createRequire(import.meta.url);
let httpsModule: typeof https | undefined;
const lazyHttps = (): typeof https => (httpsModule ??= requireBuiltin('node:https') as typeof https);

/** One attempt: a request, and once answered, an open stream. */
interface Conn {
  req: http.ClientRequest;
  done: boolean;
  open: boolean;
  openedAt: number;
  heartbeatsAtOpen: number;
  lastByteAt: number;
  timer?: unknown; // connect deadline, then the watchdog
  closed: Promise<void>;
}

/** Starts the SSE source for one hub; it runs until stop(). */
export function startSseClient(opts: SseClientOptions): SseClient {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const initialMs = Math.max(1, opts.backoff?.initialMs ?? 1_000);
  const maxMs = Math.max(initialMs, opts.backoff?.maxMs ?? 30_000);
  const watchdogMs = opts.watchdogMs ?? 25_000;
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
  const base = opts.url.endsWith('/') ? opts.url : `${opts.url}/`;
  const target = new URL('api/events', base); // throws on a URL that config validation let through
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new TypeError(`${opts.url}: not an http(s) URL`);
  const op = `GET ${target.href}`;
  const maxEventBytes = opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;

  let observerErrors = 0;
  const emit = (o: SseObservation) => {
    try {
      opts.onObservation(o);
    } catch {
      observerErrors++;
    }
  };
  const decoder = createSseDecoder({ hub: opts.hub, emit, maxEventBytes, flood: opts.flood, clock });

  let stopped = false;
  let attempts = 0;
  let reconnects = 0;
  let failures = 0; // consecutive, for the backoff exponent
  let connects = 0;
  let trusted = false;
  let unsupportedReported = false;
  let conn: Conn | undefined;
  let retryTimer: unknown;

  const end = (c: Conn, reason: SseCloseReason, detail: string) => {
    if (c.done) return;
    c.done = true;
    if (c.timer !== undefined) clock.clearTimeout(c.timer);
    c.req.destroy();
    decoder.flush(); // a flood summary belongs before the close that ends it
    const wasOpen = c.open;
    const at = clock.now();
    if (wasOpen) {
      trusted = false;
      // A stream that proved itself resets the backoff: up long enough, or the hub's heartbeat arrived.
      if (at - c.openedAt >= STABLE_CONNECTION_MS || decoder.counters.heartbeats > c.heartbeatsAtOpen) failures = 0;
    }
    if (conn === c) conn = undefined;
    let retryInMs: number | undefined;
    if (reason !== 'stopped' && !stopped) {
      // 204 means "no stream here": retry at the slowest pace, forever, and say so once per streak.
      retryInMs = reason === 'unsupported' ? maxMs : backoffDelayMs(failures, initialMs, maxMs, random);
      failures++;
      retryTimer = clock.setTimeout(() => {
        retryTimer = undefined;
        connect();
      }, retryInMs);
    }
    const quiet = reason === 'unsupported' && unsupportedReported;
    unsupportedReported = reason === 'unsupported';
    if (!quiet) emit({ kind: 'close', hub: opts.hub, at, reason, detail, wasOpen, ...(retryInMs !== undefined ? { retryInMs } : {}) });
  };

  // libuv hands over up to 32 socket reads (2 MiB) in one go; in a flood that is ~15,000 events without a
  // break. After SLICE_MS of decoding in one turn of the event loop, pause and resume on setImmediate, so
  // timers (the watchdog, polls, other hubs) run in between (faults A18: never block for 50 ms).
  let sliceStart = 0;
  let inSlice = false;
  const startSlice = () => {
    if (inSlice) return;
    inSlice = true;
    sliceStart = performance.now();
    setImmediate(() => { inSlice = false; });
  };
  const yieldIfBusy = (res: http.IncomingMessage) => {
    if (performance.now() - sliceStart <= SLICE_MS || res.isPaused()) return;
    res.pause();
    setImmediate(() => res.resume());
  };

  const armWatchdog = (c: Conn, ms: number) => {
    c.timer = clock.setTimeout(() => {
      const idle = clock.now() - c.lastByteAt;
      if (idle >= watchdogMs) end(c, 'watchdog', `${op}: no data for ${formatDuration(idle)} (watchdog ${formatDuration(watchdogMs)})`);
      else armWatchdog(c, Math.max(1, watchdogMs - idle));
    }, ms);
  };

  const onResponse = (c: Conn, res: http.IncomingMessage) => {
    if (c.done) return void res.destroy();
    if (c.timer !== undefined) clock.clearTimeout(c.timer);
    const status = res.statusCode ?? 0;
    const type = String(res.headers['content-type'] ?? '');
    if (status === 204) return end(c, 'unsupported', `${op}: 204 No Content, SSE unsupported; retrying every ${formatDuration(maxMs)}`);
    if (status !== 200) return end(c, 'status', `${op}: HTTP ${status}`);
    if (!/^text\/event-stream\s*(;|$)/i.test(type)) return end(c, 'content_type', `${op}: content type "${type.slice(0, 80)}", not text/event-stream`);

    c.open = true;
    c.openedAt = c.lastByteAt = clock.now();
    c.heartbeatsAtOpen = decoder.counters.heartbeats;
    connects++;
    unsupportedReported = false;
    decoder.reset();
    emit({ kind: 'open', hub: opts.hub, at: c.openedAt, url: target.href });
    armWatchdog(c, watchdogMs);
    res.on('data', (chunk: Buffer) => {
      if (c.done) return;
      const at = clock.now();
      c.lastByteAt = at;
      startSlice();
      if (!decoder.push(chunk, at)) return end(c, 'too_large', `${op}: an event over the ${maxEventBytes}-byte cap; connection reset`);
      yieldIfBusy(res);
    });
    res.on('end', () => end(c, 'eof', `${op}: the hub ended the stream`));
    // A chunked stream cut without its last chunk (a SIGKILLed hub, curl exit 18) aborts instead.
    res.on('aborted', () => end(c, 'error', `${op}: connection closed mid-stream`));
    res.on('error', (e: Error) => end(c, 'error', `${op}: ${e.message}`));
    res.on('close', () => end(c, 'error', `${op}: connection closed mid-stream`));

    trusted = false;
    const resync = opts.onConnected;
    if (!resync) {
      trusted = true;
      return;
    }
    let pending: Promise<void>;
    try {
      pending = Promise.resolve(resync()); // started at once: the resync runs while events keep flowing
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending.then(
      () => { if (!c.done && conn === c) trusted = true; },
      (e: unknown) => end(c, 'error', `${op}: resync after connect failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  };

  const connect = () => {
    if (stopped) return;
    if (attempts++ > 0) reconnects++;
    const lib = target.protocol === 'https:' ? lazyHttps() : http;
    const req = lib.request(target, {
      method: 'GET',
      agent: false, // its own socket: the stream holds it for hours
      headers: { accept: 'text/event-stream', 'cache-control': 'no-cache' },
    });
    let closedResolve!: () => void;
    const c: Conn = {
      req, done: false, open: false, openedAt: 0, heartbeatsAtOpen: 0, lastByteAt: 0,
      closed: new Promise<void>((r) => { closedResolve = r; }),
    };
    conn = c;
    req.on('close', () => closedResolve());
    req.on('socket', (s) => s.setKeepAlive(true, 10_000));
    c.timer = clock.setTimeout(() => end(c, 'error', `${op}: no response headers within ${formatDuration(connectTimeoutMs)}`), connectTimeoutMs);
    req.on('response', (res) => onResponse(c, res));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ECONNREFUSED' ? 'connection refused (is the hub running?)' : `${e.code ?? 'error'}: ${e.message}`;
      end(c, 'error', `${op}: ${why}`);
    });
    req.end();
  };

  connect();

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
      retryTimer = undefined;
      const c = conn;
      if (c) end(c, 'stopped', `${op}: stopped`);
      decoder.flush();
      if (c) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([c.closed, new Promise<void>((r) => { timer = setTimeout(r, STOP_WAIT_MS); })]);
        clearTimeout(timer);
      }
    },
    stats: () => ({
      connects,
      reconnects,
      eventsTotal: decoder.counters.eventsTotal,
      invalidTotal: { ...decoder.counters.invalidTotal },
      connected: conn?.open === true && !conn.done,
      trusted,
      ...(decoder.counters.lastEventAt !== undefined ? { lastEventAt: decoder.counters.lastEventAt } : {}),
      observerErrors,
    }),
  };
}
