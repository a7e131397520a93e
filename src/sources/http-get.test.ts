import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { httpGet, type HttpFailure, type HttpResponse } from './http-get.js';

const httpServers: http.Server[] = [];
const netServers: { server: net.Server; sockets: Set<net.Socket> }[] = [];

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Starts a real HTTP server on an ephemeral loopback port; closed in afterEach. */
async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  httpServers.push(server);
  return listen(server);
}

/** Starts a raw TCP server (for responses that are not HTTP at all); closed in afterEach. */
async function serveRaw(onSocket: (s: net.Socket) => void): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onSocket(s);
  });
  netServers.push({ server, sockets });
  return listen(server);
}

afterEach(async () => {
  for (const server of httpServers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  for (const { server, sockets } of netServers.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

function expectFailure(r: HttpResponse | HttpFailure): HttpFailure {
  if (r.ok) throw new Error(`expected a failure, got HTTP ${r.status}`);
  return r;
}

function expectOk(r: HttpResponse | HttpFailure): HttpResponse {
  if (!r.ok) throw new Error(`expected a response, got ${r.failure}: ${r.message}`);
  return r;
}

describe('httpGet successes', () => {
  test('a 200 JSON body is returned with status, content type and bytes', async () => {
    const body = JSON.stringify({ status: 'ok', state: 'ready' });
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(body);
    });
    const r = expectOk(await httpGet(`${url}/api/health`, { timeoutMs: 2_000, maxBytes: 1024 }));
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(r.body.toString('utf8'))).toEqual({ status: 'ok', state: 'ready' });
    expect(r.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  test('a non-200 status is a response, not a failure', async () => {
    const url = await serve((req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><pre>Cannot GET /api/nope</pre>');
    });
    const r = expectOk(await httpGet(`${url}/api/nope`, { timeoutMs: 2_000, maxBytes: 1024 }));
    expect(r.status).toBe(404);
    expect(r.body.toString()).toContain('Cannot GET');
  });

  test('a gzip body within the cap is decoded', async () => {
    const json = JSON.stringify({ servers: Array.from({ length: 50 }, (_, i) => ({ name: `s${i}`, uptime: i })) });
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(json));
    });
    const r = expectOk(await httpGet(url, { timeoutMs: 2_000, maxBytes: 64 * 1024 }));
    expect(r.body.toString('utf8')).toBe(json);
  });

  test('stacked encodings are undone in reverse order', async () => {
    const json = '{"stacked":true}';
    const url = await serve((req, res) => {
      // deflate applied first, then gzip: "Content-Encoding: deflate, gzip"
      res.writeHead(200, { 'content-encoding': 'deflate, gzip' });
      res.end(zlib.gzipSync(zlib.deflateSync(json)));
    });
    const r = expectOk(await httpGet(url, { timeoutMs: 2_000, maxBytes: 1024 }));
    expect(r.body.toString('utf8')).toBe(json);
  });

  test('a brotli body is decoded', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-encoding': 'br' });
      res.end(zlib.brotliCompressSync('{"br":1}'));
    });
    const r = expectOk(await httpGet(url, { timeoutMs: 2_000, maxBytes: 1024 }));
    expect(r.body.toString('utf8')).toBe('{"br":1}');
  });
});

describe('httpGet deadlines', () => {
  test('a server that sends headers then drips a byte every 200 ms times out at the total deadline', async () => {
    const timeoutMs = 1_000;
    let bytesSent = 0;
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      const drip = setInterval(() => {
        bytesSent++;
        res.write(' ');
      }, 200);
      res.on('close', () => clearInterval(drip));
    });
    const started = performance.now();
    const r = expectFailure(await httpGet(url, { timeoutMs, maxBytes: 1024 }));
    const wall = performance.now() - started;
    expect(r.failure).toBe('timeout');
    expect(r.message).toContain('within 1s');
    expect(r.message).toContain(url);
    // The drip kept the connection busy: an idle timeout would never have fired.
    expect(bytesSent).toBeGreaterThanOrEqual(2);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 5);
    expect(r.elapsedMs).toBeLessThanOrEqual(timeoutMs + 150);
    expect(wall).toBeLessThanOrEqual(timeoutMs + 150);
  });

  test('a server that accepts and never answers times out', async () => {
    const timeoutMs = 400;
    const url = await serve(() => { /* never answer */ });
    const started = performance.now();
    const r = expectFailure(await httpGet(url, { timeoutMs, maxBytes: 1024 }));
    expect(r.failure).toBe('timeout');
    expect(performance.now() - started).toBeLessThanOrEqual(timeoutMs + 150);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 5);
  });

  test('B12 an answer that arrived while our event loop was stalled past the deadline is read, not called a timeout', async () => {
    // The server must live in another process: a stall here would stall it too.
    const child = spawn(process.execPath, ['-e', `
      const http = require('node:http');
      const s = http.createServer((req, res) => { process.stdout.write('got\\n'); setTimeout(() => res.end('{"ok":true}'), 50); });
      s.listen(0, '127.0.0.1', () => process.stdout.write(s.address().port + '\\n'));
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines: string[] = [];
      const waiters: (() => void)[] = [];
      child.stdout!.setEncoding('utf8').on('data', (d: string) => { lines.push(...d.split('\n').filter(Boolean)); for (const w of waiters.splice(0)) w(); });
      const line = async (pred: (l: string) => boolean) => { while (!lines.some(pred)) await new Promise<void>((r) => waiters.push(r)); };
      await line((l) => /^\d+$/.test(l));
      const url = `http://127.0.0.1:${lines.find((l) => /^\d+$/.test(l))}/api/health`;
      const pending = httpGet(url, { timeoutMs: 300, maxBytes: 1024 });
      await line((l) => l === 'got'); // the request is out; the answer follows in 50 ms
      const stallUntil = performance.now() + 1_000;
      while (performance.now() < stallUntil) { /* a synchronous hog past the 300 ms deadline */ }
      const r = expectOk(await pending);
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('{"ok":true}');
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('B12 after a stall, a peer that never answers still times out, within one more timeout', async () => {
    const url = await serveRaw(() => { /* accepts, never answers */ });
    const started = performance.now();
    const pending = httpGet(url, { timeoutMs: 300, maxBytes: 1024 });
    await new Promise((r) => setTimeout(r, 50));
    const stallUntil = performance.now() + 600;
    while (performance.now() < stallUntil) { /* stall past the deadline */ }
    const r = expectFailure(await pending);
    expect(r.failure).toBe('timeout');
    expect(performance.now() - started).toBeLessThanOrEqual(650 + 300 + 150);
  });

  test('an already-aborted signal fails at once as timeout', async () => {
    const url = await serve((req, res) => res.end('{}'));
    const r = expectFailure(await httpGet(url, { timeoutMs: 5_000, maxBytes: 1024, signal: AbortSignal.abort() }));
    expect(r.failure).toBe('timeout');
    expect(r.message).toContain('aborted');
  });
});

describe('httpGet failure classes', () => {
  test('a closed port is refused', async () => {
    const server = net.createServer();
    const url = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = expectFailure(await httpGet(url, { timeoutMs: 2_000, maxBytes: 1024 }));
    expect(r.failure).toBe('refused');
    expect(r.message).toContain('connection refused');
  });

  test.each(['ftp://127.0.0.1/x', 'nonsense', ''])('%j is a bad_url without any request', async (url) => {
    const r = expectFailure(await httpGet(url, { timeoutMs: 2_000, maxBytes: 1024 }));
    expect(r.failure).toBe('bad_url');
  });

  test('a body over maxBytes without Content-Length is too_large', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no length
      res.write('x'.repeat(600));
      res.end('x'.repeat(600));
    });
    const r = expectFailure(await httpGet(url, { timeoutMs: 2_000, maxBytes: 1_000 }));
    expect(r.failure).toBe('too_large');
    expect(r.message).toContain('1000-byte cap');
  });

  test('a declared Content-Length over maxBytes is too_large before any body arrives', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '10000000' });
      res.flushHeaders(); // and never send the body: only the header can trigger the failure
    });
    const started = performance.now();
    const r = expectFailure(await httpGet(url, { timeoutMs: 3_000, maxBytes: 1_000 }));
    expect(r.failure).toBe('too_large');
    expect(r.message).toContain('10000000 bytes');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  test('a gzip body that decompresses beyond the cap is too_large although its compressed size is small', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024));
    const maxBytes = 1024 * 1024;
    expect(bomb.length).toBeLessThan(maxBytes);
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
      res.end(bomb);
    });
    const r = expectFailure(await httpGet(url, { timeoutMs: 5_000, maxBytes }));
    expect(r.failure).toBe('too_large');
  });

  test('an unknown Content-Encoding is malformed', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-encoding': 'compress' });
      res.end('whatever');
    });
    const r = expectFailure(await httpGet(url, { timeoutMs: 2_000, maxBytes: 1024 }));
    expect(r.failure).toBe('malformed');
    expect(r.message).toContain('"compress"');
  });

  test('a body that claims gzip but is not gzip is malformed', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end('{"not":"gzip"}');
    });
    const r = expectFailure(await httpGet(url, { timeoutMs: 2_000, maxBytes: 1024 }));
    expect(r.failure).toBe('malformed');
    expect(r.message).toContain('cannot decode gzip');
  });

  test('a response that is not HTTP at all is malformed', async () => {
    const url = await serveRaw((s) => s.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    const r = expectFailure(await httpGet(url, { timeoutMs: 2_000, maxBytes: 1024 }));
    expect(r.failure).toBe('malformed');
  });

  test('a connection closed mid-body is a network failure, not a success', async () => {
    const url = await serveRaw((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"state":');
        s.destroy();
      });
    });
    const r = expectFailure(await httpGet(url, { timeoutMs: 2_000, maxBytes: 1024 }));
    expect(r.failure).toBe('network');
    expect(r.message).toContain('mid-body');
  });

  test('a chunked body cut off before its last chunk is a network failure', async () => {
    const url = await serveRaw((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n');
        s.destroy();
      });
    });
    const r = expectFailure(await httpGet(url, { timeoutMs: 2_000, maxBytes: 1024 }));
    expect(r.failure).toBe('network');
  });
});
