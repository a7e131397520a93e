/**
 * The one HTTP client every hub request goes through: `node:http` (fetch/undici cost ~90 ms per one-shot
 * start, docs/DESIGN.md §6), a **total** deadline per request (a server that drips one byte a second still times
 * out — an idle timeout would not), a cap on decoded bytes (a gzip bomb is stopped at the cap, faults D15),
 * and every failure classified rather than thrown.
 */
import http from 'node:http';
import type https from 'node:https';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type zlib from 'node:zlib';
import { formatDuration } from '../config/duration.js';
import type { FailureClass } from '../model/hub.js';

export interface HttpResponse {
  ok: true;
  status: number;
  contentType: string;
  /** The response headers (e.g. Retry-After for notifiers). */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  elapsedMs: number;
}

export interface HttpFailure {
  ok: false;
  failure: FailureClass;
  /** Names the operation, the target and the limit, e.g. `GET http://…/api/health: no complete response within 5s`. */
  message: string;
  elapsedMs: number;
}

export interface GetOptions {
  timeoutMs: number;
  /** How to name the limit in a timeout message (e.g. "the 5s --timeout budget"); default: the timeoutMs. */
  limitLabel?: string;
  /** Cap on the decoded body size. */
  maxBytes: number;
  agent?: http.Agent;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** POST sends `body` as JSON (the hub's REST calls); default GET. */
  method?: 'GET' | 'POST';
  body?: string;
}

/**
 * A keep-alive agent whose idle sockets close after 4 s, below Express's 5 s keep-alive timeout, so we never
 * write a request onto a socket the hub is closing (docs/hub-api.md §7).
 */
/** A deadline timer firing this late (ms) means our event loop, not the peer, was stalled. */
const STALL_MS = 100;

export function createHubAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, timeout: 4_000, maxSockets: 8, maxFreeSockets: 4 });
}

// TLS and zlib cost ~8 ms of start-up; most hubs are plain http on loopback and answer uncompressed, so
// those modules load on first use only.
const requireBuiltin = createRequire(import.meta.url);
let zlibModule: typeof zlib | undefined;
const lazyZlib = (): typeof zlib => (zlibModule ??= requireBuiltin('node:zlib') as typeof zlib);
let httpsModule: typeof https | undefined;
const lazyHttps = (): typeof https => (httpsModule ??= requireBuiltin('node:https') as typeof https);

function decoderFor(encoding: string): Readable & NodeJS.WritableStream | null | 'unknown' {
  switch (encoding) {
    case '':
    case 'identity':
      return null;
    case 'gzip':
    case 'x-gzip':
      return lazyZlib().createGunzip();
    case 'deflate':
      return lazyZlib().createInflate();
    case 'br':
      return lazyZlib().createBrotliDecompress();
    default:
      return 'unknown';
  }
}

function classifyNetworkError(err: NodeJS.ErrnoException): FailureClass {
  if (err.code === 'ECONNREFUSED') return 'refused';
  if (typeof err.code === 'string' && err.code.startsWith('HPE_')) return 'malformed';
  return 'network';
}

/** GETs (or POSTs JSON to) a URL; resolves with the response or a classified failure, never rejects. */
export function httpGet(url: string, opts: GetOptions): Promise<HttpResponse | HttpFailure> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const method = opts.method ?? 'GET';
  const op = `${method} ${url}`;
  let target: URL;
  try {
    target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return Promise.resolve({ ok: false, failure: 'bad_url', message: `${op}: not an http(s) URL`, elapsedMs: 0 });
  }

  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: HttpResponse | HttpFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const fail = (failure: FailureClass, why: string) => {
      finish({ ok: false, failure, message: `${op}: ${why}`, elapsedMs: elapsed() });
      req.destroy();
    };
    const onAbort = () => fail('timeout', 'aborted');

    const lib = target.protocol === 'https:' ? lazyHttps() : http;
    const req = lib.request(target, {
      method,
      agent: target.protocol === 'http:' ? opts.agent : undefined,
      headers: {
        accept: 'application/json', 'accept-encoding': 'gzip, deflate, br',
        ...(opts.body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(opts.body)) } : {}),
        ...opts.headers,
      },
    });
    const timeoutMs = Math.max(0, opts.timeoutMs);
    const due = performance.now() + timeoutMs;
    const onDeadline = (extended: boolean) => {
      const late = performance.now() - due;
      // Fired this late, our own event loop was stalled (a synchronous hog, a long GC, SIGSTOP): an answer
      // that came meanwhile is still unread, and timers run before I/O. The stall is not the hub's fault:
      // give back the stalled time once, at most one more timeout, before calling it one (faults B12).
      if (!extended && late > STALL_MS) {
        timer = setTimeout(() => onDeadline(true), Math.min(late, timeoutMs));
        return;
      }
      fail('timeout', `no complete response within ${opts.limitLabel ?? formatDuration(opts.timeoutMs)}`);
    };
    let timer = setTimeout(() => onDeadline(false), timeoutMs);
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    req.on('error', (err: NodeJS.ErrnoException) => {
      const cls = classifyNetworkError(err);
      const why = cls === 'refused' ? 'connection refused (is the hub running?)' : `${err.code ?? 'error'}: ${err.message}`;
      fail(cls, why);
    });
    req.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        fail('too_large', `body of ${declared} bytes is over the ${opts.maxBytes}-byte cap`);
        return;
      }
      // Content-Encoding lists codings in the order applied; undo them in reverse.
      const codings = String(res.headers['content-encoding'] ?? '')
        .split(',').map((s) => s.trim().toLowerCase()).filter((s) => s && s !== 'identity').reverse();
      let stream: Readable = res;
      for (const coding of codings) {
        const d = decoderFor(coding);
        if (d === 'unknown') return fail('malformed', `unsupported Content-Encoding "${coding.slice(0, 40)}"`);
        if (d) {
          d.on('error', (e: Error) => fail('malformed', `cannot decode ${coding} body: ${e.message}`));
          stream = stream.pipe(d) as unknown as Readable;
        }
      }
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) {
          // Classify first: destroying the response itself emits 'aborted' at once, which would say 'network'.
          fail('too_large', `body over the ${opts.maxBytes}-byte cap`);
          stream.destroy();
          return;
        }
        chunks.push(chunk);
      });
      stream.on('end', () => {
        finish({
          ok: true,
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          headers: res.headers,
          body: Buffer.concat(chunks, size),
          elapsedMs: elapsed(),
        });
      });
      res.on('aborted', () => fail('network', 'connection closed mid-body'));
      res.on('error', (e: NodeJS.ErrnoException) => fail(classifyNetworkError(e), `response error: ${e.message}`));
    });
    req.end(opts.body);
  });
}
