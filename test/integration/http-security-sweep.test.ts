/**
 * The security sweep over every route of the daemon's HTTP server (faults E1–E5): a foreign Host is 403,
 * a missing token 401, anything but GET/HEAD 405, oversized headers 431, and the token never appears in
 * any answer. The route list comes from the server itself: a route added without being classified here
 * fails the first test.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { PUBLIC_PATHS, ROUTE_PATHS, startHttpServer } from '../../src/views/http/server.js';
import { httpRequest, useFakeDaemonViews } from '../support/fake-daemon-view.js';
import { tempDir } from '../support/temp-dir.js';

/** Every route, classified: what it is and whether it streams. */
const CLASSIFIED: Record<string, 'metrics' | 'stream' | 'static' | 'api' | 'login'> = {
  '/metrics': 'metrics', '/api/stream': 'stream', '/favicon.ico': 'static', '/': 'static', '/index.html': 'static', '/login': 'login', '/logout': 'login',
  '/app.js': 'static', '/style.css': 'static', '/uplot.css': 'static', '/fleet': 'static', '/fleet.js': 'static',
  '/api/hubs': 'api', '/api/servers': 'api', '/api/series': 'api', '/api/events': 'api', '/api/alerts': 'api', '/api/health': 'api',
  '/api/calls/recent-failures': 'api', '/api/fleet': 'api',
};
const TOKEN = 'sweep-token-0123456789abcdef';
const HUB = 'http://127.0.0.1:7000';
const views = useFakeDaemonViews('mhm-sweep-');
const cleanups: (() => unknown)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function serve(token?: string) {
  const web = tempDir('mhm-web-');
  for (const f of ['index.html', 'app.js', 'style.css', 'uplot.css', 'fleet.html', 'fleet.js']) writeFileSync(join(web, f), `/* ${f} */`);
  const v = views(Date.now()).watch(HUB, { sseConnected: true });
  v.poll(HUB, Date.now() - 1_000, { latencyMs: 3, servers: [{ name: 'a', up: true }] });
  const s = await startHttpServer({ listen: { host: '127.0.0.1', port: 0 }, source: v, log: { info() {}, warn() {} }, token, webDir: web, sseTickMs: 100_000 });
  cleanups.push(() => s.close());
  return s;
}
const path = (p: string) => (p === '/api/series' ? `${p}?hub=${encodeURIComponent(HUB)}&name=hub.up` : p);

test('every route the server answers is classified here', () => {
  expect([...ROUTE_PATHS].sort()).toEqual(Object.keys(CLASSIFIED).sort());
});

test('no token configured: every route answers GET, rejects a foreign Host (403) and any write method (405)', async () => {
  const s = await serve();
  for (const p of ROUTE_PATHS) {
    const method = CLASSIFIED[p] === 'stream' ? 'HEAD' : 'GET';
    const got = await httpRequest(s.url, path(p), { method });
    if (CLASSIFIED[p] === 'login') expect([got.status, got.headers.location], p).toEqual([303, '/']); // nothing to sign in to
    else expect(got.status, p).toBeLessThan(300);
    expect((await httpRequest(s.url, path(p), { method, headers: { host: 'evil.example' } })).status, `${p} foreign host`).toBe(403);
    const post = await httpRequest(s.url, path(p), { method: 'POST', headers: { origin: 'http://evil.example' }, body: '{}' });
    expect(post.status, `${p} POST`).toBe(CLASSIFIED[p] === 'login' ? 303 : 405);
  }
});

test('with a token: every route is 401 without it (pages send the browser to /login; the form and its CSS are public), 200 with it, and the token is in no answer', async () => {
  // The failure limiter answers 429 after 10 bad tokens a minute from one address: a fresh server per 8 routes.
  for (let i = 0; i < ROUTE_PATHS.length; i += 8) {
    const s = await serve(TOKEN);
    for (const p of ROUTE_PATHS.slice(i, i + 8)) {
      const method = CLASSIFIED[p] === 'stream' ? 'HEAD' : 'GET';
      const denied = await httpRequest(s.url, path(p), { method });
      if (PUBLIC_PATHS.has(p)) expect(denied.status, p).toBeLessThan(300);
      else if (p === '/' || p === '/index.html' || p === '/fleet') expect([denied.status, denied.headers.location], p).toEqual([303, '/login']);
      else if (p === '/logout') expect([denied.status, denied.headers.allow], p).toEqual([405, 'POST']); // sign-out is a POST from our pages
      else expect(denied.status, p).toBe(401);
      const ok = await httpRequest(s.url, path(p), { method, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status, p).toBeLessThan(p === '/logout' ? 406 : 300);
      expect(ok.body.includes(TOKEN) || denied.body.includes(TOKEN), p).toBe(false);
    }
  }
});

test('oversized request headers are refused with 431 on every route (E4)', async () => {
  const s = await serve();
  const { port } = new URL(s.url);
  for (const p of ROUTE_PATHS) {
    const status = await new Promise<string>((resolve) => {
      const sock = net.connect(Number(port), '127.0.0.1', () => {
        sock.write(`GET ${path(p)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
      });
      let got = '';
      sock.on('data', (d) => { got += d.toString(); });
      sock.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
      sock.on('error', () => resolve(got.split('\r\n')[0] ?? 'reset'));
    });
    expect(status, p).toMatch(/431|reset/);
  }
});
