/**
 * A fault-injecting fake MCP hub (docs/faults.md §7.2): one `node:http` server on 127.0.0.1:0 whose routes
 * switch behaviour at run time, for what the real mcp-hub cannot be made to do on demand — hang, drip,
 * 500, truncate, lie, impostor, huge, deep or hostile bodies.
 *
 * Defaults: `/api/health` serves hub/health-ready.json (fresh times, no `workspaces`: see hub-fixtures.ts);
 * every other path gets Express's HTML 404, as the real hub answers an unknown `/api/*` route.
 *
 * A new behaviour is one member of `Mode` and one `case` in `serve()` (the switch is exhaustive, so the
 * compiler points at the missing case). SSE modes (`sse*`, faults A14–A19) serve `/api/events` as the real
 * hub does (docs/hub-api.md §3): `text/event-stream`, one `event:`/`data:` pair per event, held open until the
 * mode ends it or close() destroys the socket.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  GARBAGE_TEXT, HUGE_PREFIX, HUGE_SUFFIX, deepHealthText, gzipBomb, hostileHealthText, html404Page, impostorBody,
  lieHealth, readyHealth,
} from './hub-fixtures.js';

/** What a route does; `kind` discriminates. Bodies given as objects are served as JSON. */
export type Mode =
  /** 200 (or `status`) with the body: a fixture or any JSON. */
  | { kind: 'ok'; body: string | object; contentType?: string; status?: number }
  /** Accepts the request and never writes a byte. */
  | { kind: 'silent' }
  /** 200 with `body` (default: the ready health), after `delayMs`: a hub slowed down (faults B8). */
  | { kind: 'slow'; delayMs: number; body?: string | object }
  /** 200 headers at once, then `body` (default: the ready health) and whitespace after it, slowly, forever. */
  | { kind: 'drip'; bytesPerSecond: number; body?: string | object }
  /** An error status with a body, e.g. 500 JSON. */
  | { kind: 'status'; code: number; body: string | object; contentType?: string }
  /** Express's HTML 404 page ("Cannot GET <path>"). */
  | { kind: 'html404' }
  /**
   * Only the first `bytes` bytes of `body`, then the socket ends. `framing: 'close'` (default) sends no
   * length, so the cut body is a complete HTTP response of bad JSON; `'length'` declares the full length,
   * so the client sees the connection close mid-body.
   */
  | { kind: 'truncate'; body: string | object; bytes: number; framing?: 'close' | 'length' }
  /** 200 with text that is not JSON. */
  | { kind: 'garbage' }
  /**
   * A `bytes`-long JSON-ish body, streamed with backpressure (never held in memory), chunked unless
   * `declareLength`; with `gzip`, a small gzip body that inflates to `bytes`.
   */
  | { kind: 'huge'; bytes: number; gzip?: boolean; declareLength?: boolean }
  /** The ready health with servers[0].capabilities.tools[0].inputSchema nested `depth` levels. */
  | { kind: 'deep'; depth: number }
  /** The ready health with hostile server names, `__proto__` keys and an escape-laden error. */
  | { kind: 'hostile' }
  /** 200 JSON `{status:'ok', server_id:'something-else'}`. */
  | { kind: 'impostor' }
  /**
   * The ready health with `server` connected and `uptime` (0: a dead stdio child), its `lastStarted` 60 s
   * before this mode was set and held there, as the real hub holds it.
   */
  | { kind: 'lie'; server: string; uptime: number }
  /** The ready health with `state` replaced and times set to now; `onlyUp` drops its 2 disconnected servers. */
  | { kind: 'state'; state: string; onlyUp?: boolean }
  /**
   * SSE: a captured stream replayed verbatim, `file` (under test/fixtures/, e.g. `sse/main-sse-events.txt`)
   * or `text`, `repeat` times (default 1). `speed`: 'instant' (default; as fast as the client reads) or
   * events per second. Afterwards the stream is held open like a live hub's, or ended when `end`.
   */
  | { kind: 'sseReplay'; file?: string; text?: string; speed?: 'instant' | number; repeat?: number; end?: boolean }
  /** SSE: the hub_state snapshot, a log every 20 ms, and after `afterMs` half an event, then the socket is destroyed. */
  | { kind: 'sseCut'; afterMs: number }
  /** SSE: one event (the hub_state snapshot), then silence forever with the socket open (faults A15). */
  | { kind: 'sseHalfOpen' }
  /**
   * SSE: the snapshot, one kind of garbage (faults A16, D6, D9), then a heartbeat, held open (or ended
   * when `end`). `huge_line` streams a `bytes`-long (default 200 MiB) data line with no newline, with
   * backpressure, never held in memory.
   */
  | { kind: 'sseGarbage'; garbage: SseGarbage; bytes?: number; end?: boolean }
  /** SSE route answering a status instead of a stream: 500, 404 HTML, 204, or 200 `text/html`. */
  | { kind: 'sseStatus'; code: number; body?: string; contentType?: string }
  /** SSE in the fork's batched wire format (docs/hub-api.md §8): `file` replayed, then `heartbeat_batch` every `everyMs` (default 10 s). */
  | { kind: 'sseBatched'; everyMs?: number; file?: string }
  /** SSE as an idle upstream hub: the snapshot, then `heartbeat` every `everyMs`. */
  | { kind: 'sseHeartbeats'; everyMs: number };

/** What `sseGarbage` sends between the snapshot and the heartbeat. */
export type SseGarbage =
  | 'not_json' // data that is not JSON
  | 'unknown_event' // an event name the hub never sends
  | 'no_blank_line' // two events with no blank line between them (one event of two data lines)
  | 'cr_only' // the whole stream with CR-only line endings (valid SSE)
  | 'bom' // a UTF-8 BOM before the first event (valid SSE)
  | 'retry' // retry: 999999999, retry: -5, retry: abc
  | 'nul_id' // an id: containing NUL (valid SSE: the id is ignored)
  | 'deep' // data nested 100 levels
  | 'proto' // __proto__ / constructor.prototype keys in every event kind
  | 'invalid_utf8' // raw 0xFF 0xFE bytes and a lone surrogate escape inside a log message
  | 'huge_line'; // one endless data line

export interface RequestRecord {
  method: string;
  path: string;
  /** Epoch ms the request arrived. */
  at: number;
}

export interface FakeHub {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  /** Sets the behaviour of one path (query strings are ignored when matching). */
  route(path: string, mode: Mode): void;
  /** Every request received, in order. */
  requests: RequestRecord[];
  /** Stops listening and destroys every open socket, hung and dripping ones included. */
  close(): Promise<void>;
}

interface Route {
  mode: Mode;
  /** Epoch ms the mode was set; what `lie` holds `lastStarted` against. */
  setAt: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const LIE_STARTED_AGO_MS = 60_000;

function bodyText(body: string | object): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function send(res: http.ServerResponse, status: number, body: string | Buffer, contentType: string, extra: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** Writes chunks from `next` as fast as the client reads (honouring backpressure) until it returns null. */
function pump(res: http.ServerResponse, next: () => Buffer | string | null): void {
  let closed = false;
  res.once('close', () => { closed = true; });
  const step = () => {
    while (!closed) {
      const chunk = next();
      if (chunk === null) {
        res.end();
        return;
      }
      if (!res.write(chunk)) {
        res.once('drain', step);
        return;
      }
    }
  };
  step();
}

function drip(res: http.ServerResponse, bytesPerSecond: number, body: string): void {
  res.writeHead(200, { 'Content-Type': JSON_TYPE });
  res.flushHeaders();
  const intervalMs = Math.max(10, 1000 / Math.max(bytesPerSecond, 0.001));
  const perTick = Math.max(1, Math.round((bytesPerSecond * intervalMs) / 1000));
  const data = Buffer.from(body);
  let offset = 0;
  const tick = () => {
    // After the body, whitespace (still valid JSON) so that the response never completes.
    const chunk = offset < data.length ? data.subarray(offset, offset + perTick) : Buffer.alloc(perTick, 0x20);
    offset += chunk.length;
    res.write(chunk);
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  res.once('close', () => clearInterval(timer));
}

function truncate(req: http.IncomingMessage, body: string, bytes: number, framing: 'close' | 'length'): void {
  const data = Buffer.from(body);
  const length = framing === 'length' ? `Content-Length: ${data.length}\r\n` : '';
  // Raw on the socket: node:http would otherwise frame (chunk) the body and finish it properly.
  const socket = req.socket;
  socket.write(`HTTP/1.1 200 OK\r\nContent-Type: ${JSON_TYPE}\r\n${length}Connection: close\r\n\r\n`);
  socket.end(data.subarray(0, Math.max(0, bytes)));
}

function huge(res: http.ServerResponse, bytes: number, gzip: boolean, declareLength: boolean): void {
  if (gzip) {
    send(res, 200, gzipBomb(bytes), JSON_TYPE, { 'Content-Encoding': 'gzip' });
    return;
  }
  res.writeHead(200, { 'Content-Type': JSON_TYPE, ...(declareLength ? { 'Content-Length': bytes } : {}) });
  const block = Buffer.alloc(64 * 1024, 0x61);
  const padding = Math.max(0, bytes - HUGE_PREFIX.length - HUGE_SUFFIX.length);
  let sent = -1;
  pump(res, () => {
    if (sent === -1) {
      sent = 0;
      return HUGE_PREFIX;
    }
    if (sent < padding) {
      const n = Math.min(block.length, padding - sent);
      sent += n;
      return n === block.length ? block : block.subarray(0, n);
    }
    if (sent === padding) {
      sent++;
      return HUGE_SUFFIX;
    }
    return null;
  });
}

const SSE_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' };
const FIXTURES_DIR = new URL('../fixtures/', import.meta.url);

/** One SSE event as the hub frames it; objects get the hub's ISO `timestamp`. */
export function sseEvent(name: string, data: string | object): string {
  const text = typeof data === 'string' ? data : JSON.stringify({ ...data, timestamp: new Date().toISOString() });
  return `event: ${name}\ndata: ${text}\n\n`;
}

/** The snapshot the hub sends on connect. */
function sseSnapshot(): string {
  return sseEvent('hub_state', { state: 'ready', server_id: 'mcp-hub', pid: 4242, port: 37373 });
}

function sseHeartbeat(): string {
  return sseEvent('heartbeat', { connections: 1 });
}

/** Starts a 200 event stream; `every` timers are cleared when the response closes. */
function sseOpen(res: http.ServerResponse): { every(ms: number, fn: () => void): void; after(ms: number, fn: () => void): void } {
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
  const timers: NodeJS.Timeout[] = [];
  res.once('close', () => timers.forEach((t) => clearTimeout(t)));
  return {
    every: (ms, fn) => void timers.push(setInterval(fn, ms)),
    after: (ms, fn) => void timers.push(setTimeout(fn, ms)),
  };
}

/** Like pump(), but calls `done` (instead of ending) when `next` runs out. */
function pumpThen(res: http.ServerResponse, next: () => Buffer | string | null, done: () => void): void {
  let closed = false;
  res.once('close', () => { closed = true; });
  const step = () => {
    while (!closed) {
      const chunk = next();
      if (chunk === null) return done();
      if (!res.write(chunk)) {
        res.once('drain', step);
        return;
      }
    }
  };
  step();
}

function sseReplay(res: http.ServerResponse, mode: Extract<Mode, { kind: 'sseReplay' }>): void {
  const data = mode.text !== undefined ? Buffer.from(mode.text) : readFileSync(new URL(mode.file ?? 'sse/main-sse-events.txt', FIXTURES_DIR));
  const repeat = mode.repeat ?? 1;
  const sse = sseOpen(res);
  const finish = () => { if (mode.end) res.end(); };
  if (mode.speed === undefined || mode.speed === 'instant') {
    let sent = 0;
    pumpThen(res, () => (sent++ < repeat ? data : null), finish);
    return;
  }
  const events = data.toString('utf8').split(/(?<=\n\n)/);
  let i = 0;
  const total = events.length * repeat;
  const tick = () => {
    if (i < total) res.write(events[i++ % events.length] as string);
    if (i === total) { i++; finish(); }
  };
  sse.every(Math.max(1, 1000 / mode.speed), tick);
}

const GARBAGE: Record<Exclude<SseGarbage, 'huge_line' | 'cr_only' | 'bom'>, () => string | Buffer> = {
  not_json: () => 'event: log\ndata: {this is not json\n\n',
  unknown_event: () => 'event: surprise\ndata: {"x":1}\n\n',
  no_blank_line: () => 'event: log\ndata: {"type":"info","message":"a"}\nevent: log\ndata: {"type":"info","message":"b"}\n\n',
  retry: () => 'retry: 999999999\n\nretry: -5\n\nretry: abc\n\n',
  nul_id: () => `id: a\u0000b\n${sseEvent('log', { type: 'info', message: 'after a NUL id', data: {} })}`,
  deep: () => sseEvent('subscription_event', `{"type":"servers_updated","changes":${'['.repeat(100)}${']'.repeat(100)}}`),
  proto: () => [
    sseEvent('hub_state', '{"state":"ready","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
    sseEvent('log', '{"type":"info","message":"proto","__proto__":{"polluted":true},"data":{"__proto__":{"polluted":true},"server":"__proto__"}}'),
    sseEvent('subscription_event', '{"type":"servers_updated","__proto__":{"polluted":true},"changes":{"constructor":{"prototype":{"polluted":true}},"modified":["__proto__"]}}'),
    sseEvent('heartbeat', '{"connections":1,"__proto__":{"polluted":true}}'),
    sseEvent('log_batch', '{"type":"log_batch","events":[{"type":"info","message":"b","__proto__":{"polluted":true}}],"__proto__":{"polluted":true}}'),
  ].join(''),
  invalid_utf8: () => Buffer.concat([
    Buffer.from('event: log\ndata: {"type":"info","message":"bad '),
    Buffer.from([0xff, 0xfe, 0xc3]),
    Buffer.from(' \\ud800 bytes","data":{}}\n\n'),
  ]),
};

function sseGarbage(res: http.ServerResponse, mode: Extract<Mode, { kind: 'sseGarbage' }>): void {
  sseOpen(res);
  const finish = () => { if (mode.end) res.end(); };
  switch (mode.garbage) {
    case 'cr_only':
      res.write((sseSnapshot() + sseEvent('log', { type: 'info', message: 'cr', data: {} }) + sseHeartbeat()).replace(/\n/g, '\r'));
      return finish();
    case 'bom':
      res.write(`\ufeff${sseSnapshot()}${sseHeartbeat()}`);
      return finish();
    case 'huge_line': {
      res.write(`${sseSnapshot()}event: log\ndata: "`);
      const block = Buffer.alloc(64 * 1024, 0x61);
      const bytes = mode.bytes ?? 200 * 1024 * 1024;
      let sent = 0;
      pumpThen(res, () => {
        if (sent >= bytes) return null;
        const n = Math.min(block.length, bytes - sent);
        sent += n;
        return n === block.length ? block : block.subarray(0, n);
      }, () => res.end());
      return;
    }
    default:
      res.write(sseSnapshot());
      res.write(GARBAGE[mode.garbage]());
      res.write(sseHeartbeat());
      return finish();
  }
}

/** The fork's `heartbeat_batch`: inner timestamp a number (docs/hub-api.md §8). */
function heartbeatBatch(): string {
  return sseEvent('heartbeat_batch', {
    type: 'heartbeat_batch', batchSize: 1, events: [{ connections: 1, timestamp: Date.now() }], reason: 'time_window',
  });
}

/** The SSE modes; any other mode is not ours. */
function serveSse(req: http.IncomingMessage, res: http.ServerResponse, mode: Mode): void {
  switch (mode.kind) {
    case 'sseReplay':
      sseReplay(res, mode);
      return;
    case 'sseCut': {
      const sse = sseOpen(res);
      let cutting = false;
      res.write(sseSnapshot());
      sse.every(20, () => { if (!cutting) res.write(sseEvent('log', { type: 'debug', message: 'tick', data: {} })); });
      sse.after(mode.afterMs, () => {
        cutting = true;
        res.write('event: log\ndata: {"type":"info","mess'); // half an event: must never be counted
        setTimeout(() => req.socket.destroy(), 10);
      });
      return;
    }
    case 'sseHalfOpen':
      sseOpen(res);
      res.write(sseSnapshot());
      return; // and nothing more, ever
    case 'sseGarbage':
      sseGarbage(res, mode);
      return;
    case 'sseStatus':
      if (mode.code === 204) res.writeHead(204).end();
      else send(res, mode.code, mode.body ?? '', mode.contentType ?? 'text/plain; charset=utf-8');
      return;
    case 'sseBatched': {
      const sse = sseOpen(res);
      res.write(readFileSync(new URL(mode.file ?? 'sse/fork-run-sse-events.txt', FIXTURES_DIR)));
      sse.every(mode.everyMs ?? 10_000, () => res.write(heartbeatBatch()));
      return;
    }
    case 'sseHeartbeats': {
      const sse = sseOpen(res);
      res.write(sseSnapshot());
      sse.every(mode.everyMs, () => res.write(sseHeartbeat()));
      return;
    }
    default:
      break; // not an SSE mode: serve() handles it
  }
}

function serve(req: http.IncomingMessage, res: http.ServerResponse, path: string, route: Route): void {
  const mode = route.mode;
  switch (mode.kind) {
    case 'ok':
      send(res, mode.status ?? 200, bodyText(mode.body), mode.contentType ?? JSON_TYPE);
      return;
    case 'silent':
      return; // the socket stays open until the client gives up or close() destroys it
    case 'slow': {
      const timer = setTimeout(() => { if (!res.destroyed) send(res, 200, bodyText(mode.body ?? readyHealth()), JSON_TYPE); }, mode.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    case 'drip':
      drip(res, mode.bytesPerSecond, bodyText(mode.body ?? readyHealth()));
      return;
    case 'status':
      send(res, mode.code, bodyText(mode.body), mode.contentType ?? JSON_TYPE);
      return;
    case 'html404':
      send(res, 404, html404Page(path), 'text/html; charset=utf-8', {
        'X-Powered-By': 'Express', 'Content-Security-Policy': "default-src 'none'", 'X-Content-Type-Options': 'nosniff',
      });
      return;
    case 'truncate':
      truncate(req, bodyText(mode.body), mode.bytes, mode.framing ?? 'close');
      return;
    case 'garbage':
      send(res, 200, GARBAGE_TEXT, JSON_TYPE);
      return;
    case 'huge':
      huge(res, mode.bytes, mode.gzip ?? false, mode.declareLength ?? false);
      return;
    case 'deep':
      send(res, 200, deepHealthText(mode.depth), JSON_TYPE);
      return;
    case 'hostile':
      send(res, 200, hostileHealthText(), JSON_TYPE);
      return;
    case 'impostor':
      send(res, 200, JSON.stringify(impostorBody()), JSON_TYPE);
      return;
    case 'lie':
      send(res, 200, JSON.stringify(lieHealth(mode.server, mode.uptime, route.setAt - LIE_STARTED_AGO_MS)), JSON_TYPE);
      return;
    case 'state':
      send(res, 200, JSON.stringify(readyHealth({ state: mode.state, onlyUp: mode.onlyUp })), JSON_TYPE);
      return;
    case 'sseReplay':
    case 'sseCut':
    case 'sseHalfOpen':
    case 'sseGarbage':
    case 'sseStatus':
    case 'sseBatched':
    case 'sseHeartbeats':
      serveSse(req, res, mode);
      return;
    default: {
      const unknown: never = mode;
      throw new Error(`fake hub: no handler for mode ${JSON.stringify(unknown)}`);
    }
  }
}

/** Starts a fake hub on 127.0.0.1 and a free port. */
export async function startFakeHub(): Promise<FakeHub> {
  const routes = new Map<string, Route>();
  const sockets = new Set<Socket>();
  const requests: RequestRecord[] = [];
  const fallback: Route = { mode: { kind: 'html404' }, setAt: Date.now() };
  const route = (path: string, mode: Mode) => void routes.set(path, { mode, setAt: Date.now() });
  route('/api/health', { kind: 'state', state: 'ready' });

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake-hub').pathname;
    requests.push({ method: req.method ?? 'GET', path, at: Date.now() });
    // A client that gives up mid-body makes writes fail; that is the point, not an error.
    res.on('error', () => {});
    serve(req, res, path, routes.get(path) ?? fallback);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    route,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    }),
  };
}
