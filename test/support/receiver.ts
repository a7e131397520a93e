/**
 * A recording HTTP receiver for notifier tests (docs/STYLE.md "Tests": fake receivers are real HTTP servers on
 * 127.0.0.1:0). It records every request (method, path, headers, body) and answers as told: a status
 * (with headers and a body), a status with `Retry-After`, a body echoing the request URL (faults C10) or its
 * Authorization header (F6), a hang that never answers, or a socket reset mid-body.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the receiver saw it. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers. */
export type Reply =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** 429 (or `status`) with `Retry-After: value`. */
  | { kind: 'retryAfter'; value: string; status?: number; body?: string }
  /** `status` with a body quoting the request's full URL (path and query included), as some proxies do. */
  | { kind: 'echoUrl'; status: number }
  /** `status` with a body quoting the request's Authorization header and path, as some auth proxies do (faults F6). */
  | { kind: 'echoAuth'; status: number }
  /** Reads the request, never answers. */
  | { kind: 'hang' }
  /** Sends 200 headers declaring 100 bytes and a few of them, then destroys the socket. */
  | { kind: 'reset' };

/** A running receiver. */
export interface Receiver {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Sets the answer for the following requests (default 200 `ok`). */
  reply(r: Reply): void;
  /** Resolves when `n` requests have been recorded. */
  waitFor(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

/** Starts a recording receiver on 127.0.0.1:0. */
export async function startReceiver(initial: Reply = { kind: 'status', status: 200, body: 'ok' }): Promise<Receiver> {
  let current = initial;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters: (() => void)[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      for (const w of waiters.splice(0)) w();
      const r = current;
      switch (r.kind) {
        case 'status':
          res.writeHead(r.status, { 'content-type': 'text/plain', ...r.headers }).end(r.body ?? '');
          return;
        case 'retryAfter':
          res.writeHead(r.status ?? 429, { 'retry-after': r.value, 'content-type': 'text/plain' }).end(r.body ?? 'slow down');
          return;
        case 'echoUrl':
          res.writeHead(r.status, { 'content-type': 'text/html' })
            .end(`<html><body>Error processing http://${req.headers.host}${req.url} (path ${req.url})</body></html>`);
          return;
        case 'echoAuth':
          res.writeHead(r.status, { 'content-type': 'text/plain' }).end(`not allowed: Authorization: ${req.headers.authorization ?? '(none)'} on ${req.url}`);
          return;
        case 'hang':
          return;
        case 'reset':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          res.write('{"ok":', () => setTimeout(() => req.socket.destroy(), 20));
          return;
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    reply(r) {
      current = r;
    },
    async waitFor(n, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < n) {
        if (Date.now() > deadline) throw new Error(`receiver got ${requests.length} requests, wanted ${n}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return requests;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback URL nothing listens on (a port taken and released), for "connection refused". */
export async function refusedUrl(): Promise<string> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
