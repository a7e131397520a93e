import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { waitUntil } from '../../../test/support/wait.js';
import { httpRequest, useFakeDaemonViews, type FakeDaemonView } from '../../../test/support/fake-daemon-view.js';
import { slowloris, type Slowloris } from '../../../test/support/slowloris.js';
import { tempDir } from '../../../test/support/temp-dir.js';
import { HTTP_LIMITS, startHttpServer, type HttpServerDeps, type RunningHttpServer } from './server.js';

const HUB = 'http://127.0.0.1:7000';
const NOW = Date.parse('2026-11-25T12:00:00Z');
const TOKEN = 'canary-token-7d1f0c2e9b8a4d6f';
const views = useFakeDaemonViews('mhm-http-');
const running: RunningHttpServer[] = [];
const attacks: Slowloris[] = [];
const logs: { level: string; obj: object; msg?: string }[] = [];
const log = { info: (obj: object, msg?: string) => logs.push({ level: 'info', obj, msg }), warn: (obj: object, msg?: string) => logs.push({ level: 'warn', obj, msg }) };

afterEach(async () => {
  await Promise.all(attacks.splice(0).map((a) => a.stop()));
  await Promise.all(running.splice(0).map((s) => s.close()));
  logs.length = 0;
});

function seeded(): FakeDaemonView {
  const v = views(NOW).watch(HUB, { sseConnected: true });
  v.poll(HUB, NOW - 10_000, { servers: [{ name: 'everything', up: true, uptimeS: 60, tools: 11 }] });
  v.poll(HUB, NOW - 5_000, { latencyMs: 4, servers: [{ name: 'everything', up: true, uptimeS: 65, tools: 11 }, { name: 'crashy', up: false, verdict: 'dead', uptimeS: 0 }] });
  v.probe(HUB, NOW - 7_000, 'everything', true, 12);
  return v;
}

async function start(view: FakeDaemonView = seeded(), o: Partial<HttpServerDeps> = {}): Promise<RunningHttpServer> {
  const s = await startHttpServer({ listen: { host: '127.0.0.1', port: 0 }, source: view, log, processMetrics: false, ...o });
  running.push(s);
  return s;
}

const json = (body: string): any => JSON.parse(body);

/** POSTs the sign-in form; the answer with its Set-Cookie and the `name=value` to send back. */
async function signIn(url: string, token = TOKEN, headers: Record<string, string> = {}) {
  const r = await httpRequest(url, '/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ token }).toString() });
  const setCookie = r.headers['set-cookie']?.[0];
  return { ...r, setCookie, cookie: setCookie?.split(';')[0] ?? '' };
}

describe('routes', () => {
  test.each([
    ['/metrics', /^text\/plain; version=0\.0\.4/],
    ['/api/hubs', /^application\/json; charset=utf-8$/],
    ['/api/servers', /^application\/json/],
    ['/api/series?name=hub.up', /^application\/json/],
    ['/api/events', /^application\/json/],
    ['/api/alerts', /^application\/json/],
    ['/api/health', /^application\/json/],
  ])('GET %s answers 200 with the security headers', async (path, type) => {
    const s = await start();
    const r = await httpRequest(s.url, path);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(type);
    expect(r.headers).toMatchObject({
      'content-security-policy': expect.stringMatching(/default-src 'self'.*frame-ancestors 'none'/),
      'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store',
    });
  });

  test('/api/hubs: last poll, SSE, state, level and server counts', async () => {
    const v = seeded();
    v.alert({ rule: 'server.status', hub: HUB, severity: 'critical', labels: { hub: HUB, server: 'crashy' } });
    const body = json((await httpRequest((await start(v)).url, '/api/hubs')).body);
    expect(body.hubs).toEqual([expect.objectContaining({
      url: HUB, up: true, state: 'ready', level: 'red', levelNumber: 4, lastPollAt: NOW - 5_000, lastPollAgeSeconds: 5, sseConnected: true,
      healthLatencyMs: 4, servers: { total: 2, up: 1, down: 0, dead: 1 },
    })]);
  });

  test('/api/fleet: each watched hub over fleet.window and the one that stands out (a slow hub among three)', async () => {
    const v = views(NOW);
    const hubs = ['http://127.0.0.1:7001', 'http://127.0.0.1:7002', 'http://127.0.0.1:7003\u001b[2J'];
    for (const [i, hub] of hubs.entries()) {
      for (const t of [NOW - 20_000, NOW - 10_000]) v.poll(hub, t, { latencyMs: i === 2 ? 900 : 4 + i, servers: [{ name: 'everything', up: true, uptimeS: 60, tools: 11 }] });
    }
    const raw = (await httpRequest((await start(v)).url, '/api/fleet')).body;
    expect(raw).not.toContain('\u001b'); // a hostile hub string leaves as a \u escape
    const body = json(raw);
    expect([body.windowMs, body.minHubs]).toEqual([600_000, 3]);
    expect(body.hubs.map((h: { hub: string; availability: number; latency: { p50: number }; serversUp: number }) => [h.hub, h.availability, h.latency.p50, h.serversUp]))
      .toEqual([[hubs[0], 1, 4, 1], [hubs[1], 1, 5, 1], [hubs[2], 1, 900, 1]]);
    expect(body.outliers).toEqual([{ hub: hubs[2], metric: 'health_latency_ms', value: 900, median: 5, z: 30.18 }]);
    expect(body.notJudged).toBeNull();
  });

  test('/api/servers?hub= lists each server at the latest poll with its probe', async () => {
    const body = json((await httpRequest((await start()).url, `/api/servers?hub=${encodeURIComponent(HUB)}`)).body);
    expect(body.hubs[0].servers).toEqual([
      expect.objectContaining({ name: 'crashy', up: false, dead: true, verdict: 'dead', uptimeS: 0 }),
      expect.objectContaining({ name: 'everything', up: true, dead: false, uptimeS: 65, tools: 11, probeOk: true, probeLatencyMs: 12 }),
    ]);
  });

  test('/api/series picks raw samples for an hour and 1-minute rollups for a day', async () => {
    const v = seeded();
    v.db.rollup(NOW);
    const s = await start(v);
    const raw = json((await httpRequest(s.url, `/api/series?hub=${encodeURIComponent(HUB)}&name=server.uptime_s&server=everything&from=1h&to=now`)).body);
    expect(raw).toMatchObject({ resolution: 'raw', truncated: false, series: [{ hub: HUB, labels: { server: 'everything' }, t: [NOW - 10_000, NOW - 5_000], v: [60, 65] }] });
    const day = json((await httpRequest(s.url, '/api/series?name=hub.up&from=1d')).body);
    expect(day.resolution).toBe('1m');
    expect(day.series[0]).toMatchObject({ hub: HUB, v: [1], n: [2], failed: [0] });
    const step = await httpRequest(s.url, '/api/series?name=hub.up&from=1d&step=raw');
    expect(step.status).toBe(400);
    expect(json(step.body).parameter).toBe('step');
  });

  test('/api/series hub.up: a failed poll is 0; time the daemon was not running is a null point (a break), not a 0 and not a line', async () => {
    const M = 60_000;
    const v = views(NOW).watch(HUB);
    const first = v.db.startRun({ pid: 1, t: NOW - 30 * M, cleanStart: true });
    v.poll(HUB, NOW - 25 * M).poll(HUB, NOW - 24 * M, { err: 'refused' }).poll(HUB, NOW - 23 * M, { err: 'timeout' }).poll(HUB, NOW - 22 * M);
    v.db.stopRun(first, NOW - 21 * M, true);
    v.health.runId = v.db.startRun({ pid: 2, t: NOW - 10 * M, cleanStart: true });
    v.poll(HUB, NOW - 9 * M).poll(HUB, NOW - 5_000);
    const s = await start(v);
    const raw = json((await httpRequest(s.url, '/api/series?name=hub.up&from=1h')).body);
    expect(raw.gaps).toEqual([{ from: NOW - 60 * M, to: NOW - 30 * M }, { from: NOW - 21 * M, to: NOW - 10 * M }]);
    expect(raw.series[0]).toMatchObject({ t: [NOW - 25 * M, NOW - 24 * M, NOW - 23 * M, NOW - 22 * M, NOW - 21 * M, NOW - 9 * M, NOW - 5_000], v: [1, 0, 0, 1, null, 1, 1] });
    v.db.rollup(NOW);
    const minutes = json((await httpRequest(s.url, '/api/series?name=hub.up&from=1h&step=1m')).body);
    expect(minutes.series[0]).toMatchObject({ v: [1, 0, 0, 1, null, 1, 1], n: [1, 1, 1, 1, 0, 1, 1], failed: [0, 0, 0, 0, 0, 0, 0] });
  });

  test('/api/events filters by type, newest first, with limit capped at 1000', async () => {
    const s = await start();
    const body = json((await httpRequest(s.url, '/api/events?type=server_dead&limit=5000')).body);
    expect(body.limit).toBe(1000);
    expect(body.events).toEqual([expect.objectContaining({ hub: HUB, type: 'server_dead', server: 'crashy' })]);
    const all = json((await httpRequest(s.url, '/api/events')).body);
    expect(all.events.map((e: { t: number }) => e.t)).toEqual([...all.events.map((e: { t: number }) => e.t)].sort((a, b) => b - a));
  });

  test('/api/alerts: open alerts and the last day\'s resolved ones', async () => {
    const v = seeded();
    v.alert({ rule: 'hub.memory', hub: HUB, severity: 'warning' });
    v.alert({ rule: 'hub.state', hub: HUB, state: 'resolved', resolvedAt: NOW - 60_000 });
    v.alert({ rule: 'hub.reachable', hub: HUB, state: 'resolved', resolvedAt: NOW - 3 * 86_400_000 });
    const body = json((await httpRequest((await start(v)).url, '/api/alerts')).body);
    expect(body.open.map((a: { rule: string }) => a.rule)).toEqual(['hub.memory']);
    expect(body.resolved.map((a: { rule: string }) => a.rule)).toEqual(['hub.state']);
  });

  test('/api/alerts: a resolved alert carries the text it fired with beside the passing text of its row', async () => {
    const v = seeded();
    const firedAt = NOW - 120_000;
    v.alert({ rule: 'server.status', hub: HUB, fingerprint: 'fp-crashy', state: 'resolved', firedAt, resolvedAt: NOW - 60_000, summary: 'crashy: connected, up 6s' });
    v.db.insertEvents([{ hub: HUB, t: firedAt + 3, type: 'alert_firing', server: 'crashy', data: { fingerprint: 'fp-crashy', rule: 'server.status', severity: 'critical', summary: 'crashy: dead: the hub says connected, but uptime stayed 0' } }]);
    const body = json((await httpRequest((await start(v)).url, '/api/alerts')).body);
    expect(body.resolved).toMatchObject([{ summary: 'crashy: connected, up 6s', firedSummary: 'crashy: dead: the hub says connected, but uptime stayed 0' }]);
  });

  test('/api/health: the daemon\'s own state, never a secret', async () => {
    const v = seeded();
    v.health = { ...v.health, cleanStart: false, outboxDepth: 2, notifications: { team: { sent: 3 } } };
    const r = await httpRequest((await start(v, { token: TOKEN })).url, '/api/health', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(json(r.body)).toMatchObject({ status: 'running', cleanStart: false, runId: 1, outboxDepth: 2, uptimeSeconds: 3600, notifications: { team: { sent: 3 } }, hubs: [{ url: HUB, lastPollAgeSeconds: 5, sseConnected: true }] });
    expect(r.body).not.toContain(TOKEN);
  });

  test.each([
    ['/api/events?form=1h', 'form'],
    ['/api/events?limit=0', 'limit'],
    ['/api/events?from=yesterday', 'from'],
    ['/api/events?hub=http://evil.example', 'hub'],
    ['/api/servers?hub=a&hub=b', 'hub'],
    ['/api/series', 'name'],
    ['/api/series?name=hub.up&step=5m', 'step'],
    ['/api/series?name=hub.up&from=now&to=1h', 'from'],
    ['/api/hubs?x=1', 'x'],
    ['/metrics?debug=1', 'debug'],
  ])('GET %s → 400 naming %s', async (path, parameter) => {
    const r = await httpRequest((await start()).url, path);
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(json(r.body)).toMatchObject({ parameter, error: expect.stringContaining(parameter) });
  });

  test('an unknown route is a JSON 404; HEAD answers without a body', async () => {
    const s = await start();
    const r = await httpRequest(s.url, '/api/nope');
    expect(r.status).toBe(404);
    expect(json(r.body).error).toMatch(/no such route/);
    expect(await httpRequest(s.url, '/__proto__')).toMatchObject({ status: 404 });
    const head = await httpRequest(s.url, '/api/health', { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: '' });
  });

  test('hostile server names stay data: escaped in JSON, the same string after parsing', async () => {
    const v = views(NOW).watch(HUB);
    const names = ['\x1b]0;pwned\x07', '"><img src=x onerror=alert(1)>', 'line\nbreak', 'back\\slash', 'x'.repeat(10_240), '__proto__'];
    v.poll(HUB, NOW - 1_000, { servers: names.map((name) => ({ name, up: true })) });
    const r = await httpRequest((await start(v)).url, '/api/servers');
    expect(r.body).not.toMatch(/[\x00-\x1f<>]/);
    expect(json(r.body).hubs[0].servers.map((s: { name: string }) => s.name).sort()).toEqual([...names].sort());
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('isAdmin');
  });

  test('a store failure is a 500 without details; the log names the route', async () => {
    const v = seeded();
    v.store = () => { throw new Error('SQLITE_CORRUPT at /secret/path'); };
    const r = await httpRequest((await start(v)).url, '/api/events');
    expect(r.status).toBe(500);
    expect(r.body).not.toContain('secret');
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ route: '/api/events' }) }));
  });
});

describe('security', () => {
  test.each(['POST', 'PUT', 'DELETE', 'PATCH'])('%s is 405 on every route, with Allow: GET, HEAD', async (method) => {
    const s = await start();
    for (const path of ['/api/hubs', '/metrics', '/api/ack/1', '/']) {
      const r = await httpRequest(s.url, path, { method, body: '{}', headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
  });

  test.each([
    ['evil.example:PORT', 403], ['evil.example', 403], ['127.0.0.1:1', 403],
    [undefined, 400], // Node refuses an HTTP/1.1 request without Host before we see it (requireHostHeader)
    ['127.0.0.1:PORT', 200], ['localhost:PORT', 200], ['[::1]:PORT', 200], ['mon.example.org', 200],
  ])('Host %s → %s, /metrics included (DNS rebinding, faults E1)', async (host, status) => {
    const s = await start(seeded(), { allowedHosts: ['mon.example.org'] });
    const port = new URL(s.url).port;
    // /api/stream would stay open when allowed: it is asked only where the answer must be 403.
    for (const path of status === 200 ? ['/metrics', '/api/hubs'] : ['/metrics', '/api/hubs', '/api/stream']) {
      const r = await httpRequest(s.url, path, { headers: { host: host?.replace('PORT', port) } });
      expect(r.status).toBe(status);
      if (status !== 200) expect(r.body).not.toContain(HUB);
    }
  });

  test('a non-loopback bind without a token refuses to start with a USAGE error', async () => {
    await expect(startHttpServer({ listen: { host: '0.0.0.0', port: 0 }, source: seeded(), log })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/no token/) });
    await expect(startHttpServer({ listen: { host: '::', port: 0 }, source: seeded(), log })).rejects.toMatchObject({ code: 'USAGE' });
  });

  test('a port already in use is a USAGE error that says so', async () => {
    const s = await start();
    const port = Number(new URL(s.url).port);
    await expect(startHttpServer({ listen: { host: '127.0.0.1', port }, source: seeded(), log, processMetrics: false }))
      .rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining(`127.0.0.1:${port}: address already in use`) });
  });

  test('with a token: 401 without it or with a wrong one, 200 with it, 429 for a wrong one after 10 failures; the token is never echoed or logged', async () => {
    const s = await start(seeded(), { listen: { host: '0.0.0.0', port: 0 }, token: TOKEN });
    const port = new URL(s.url).port;
    const url = `http://127.0.0.1:${port}`;
    const none = await httpRequest(url, '/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await httpRequest(url, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    // No credential at all is a browser not signed in yet, not a guess: only wrong tokens count.
    for (let i = 0; i < 10; i++) expect((await httpRequest(url, '/api/hubs', { headers: { authorization: 'Bearer wrong-wrong-wrong-wrong' } })).status).toBe(401);
    const limited = await httpRequest(url, '/api/hubs', { headers: { authorization: 'Bearer wrong-wrong-wrong-wrong' } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  test('F4 10 wrong guesses from 127.0.0.1 lock out neither the token (Prometheus) nor a signed-in browser there', async () => {
    const s = await start(seeded(), { token: TOKEN });
    const session = (await signIn(s.url)).cookie;
    for (let i = 0; i < 12; i++) await httpRequest(s.url, '/api/hubs', { headers: { authorization: `Bearer guess-${i}-0123456789` } });
    expect((await httpRequest(s.url, '/api/hubs', { headers: { authorization: 'Bearer guess-13-0123456789' } })).status).toBe(429);
    expect((await httpRequest(s.url, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await httpRequest(s.url, '/api/hubs', { headers: { cookie: session } })).status).toBe(200);
    expect((await signIn(s.url)).status).toBe(303); // the right token signs in too
  });

  test('F4 wrong guesses from 200 loopback addresses: 60 are answered 401 in the minute, every later one 429, the log says so once; the token still opens', async () => {
    const s = await start(seeded(), { token: TOKEN });
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      statuses.push(await probe(s.url, '/api/hubs', `guess-${i}-0123456789`, `127.0.${1 + (i >> 7)}.${2 + (i & 127)}`));
    }
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(401));
    expect(statuses.slice(60)).toEqual(Array(140).fill(429));
    const told = logs.filter((l) => /failed token checks from \d+ addresses/.test(l.msg ?? ''));
    expect(told).toEqual([expect.objectContaining({ level: 'warn', obj: { failures: 61, addresses: 61, windowS: 60 } })]);
    expect(await probe(s.url, '/metrics', TOKEN, '127.0.9.9')).toBe(200);
  });

  test('web sign-in with a token: the form, a wrong token (401, counted), a cross-site form (403), the right one sets an HttpOnly SameSite=Strict cookie that opens reads', async () => {
    const s = await start(seeded(), { token: TOKEN });
    const page = await httpRequest(s.url, '/login');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<form method="post" action="\/login">/);
    expect(page.body).not.toMatch(/<script/);
    expect((await httpRequest(s.url, '/')).headers.location).toBe('/login');

    const wrong = await signIn(s.url, 'not-the-token-at-all');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('Wrong token.');
    expect(wrong.setCookie).toBeUndefined();
    const crossSite = await signIn(s.url, TOKEN, { origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.setCookie).toBeUndefined();

    const ok = await signIn(s.url, TOKEN, { origin: s.url });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/');
    expect(ok.setCookie).toMatch(/^mhm_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(ok.setCookie).not.toContain(TOKEN);
    expect((await httpRequest(s.url, '/api/hubs', { headers: { cookie: ok.cookie } })).status).toBe(200);
    expect((await httpRequest(s.url, '/metrics', { headers: { cookie: `other=1; ${ok.cookie}` } })).status).toBe(200);
    // A forged cookie opens nothing; the cookie opens no write either.
    expect((await httpRequest(s.url, '/api/hubs', { headers: { cookie: 'mhm_session=forged' } })).status).toBe(401);
    expect((await httpRequest(s.url, '/api/hubs', { method: 'POST', headers: { cookie: ok.cookie, origin: s.url } })).status).toBe(405);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  test('F4 the session cookie is a random id per sign-in kept by the server: sign-out ends it (a copy no longer opens anything), the other session lives on', async () => {
    const s = await start(seeded(), { token: TOKEN });
    const a = await signIn(s.url);
    const b = await signIn(s.url);
    expect(a.cookie).not.toBe(b.cookie); // not a fixed function of the token
    const out = await httpRequest(s.url, '/logout', { method: 'POST', headers: { cookie: a.cookie, origin: s.url } });
    expect([out.status, out.headers.location]).toEqual([303, '/login']);
    expect(String(out.headers['set-cookie'])).toMatch(/^mhm_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
    const stale = await httpRequest(s.url, '/api/hubs', { headers: { cookie: a.cookie } });
    expect(stale.status).toBe(401);
    expect(String(stale.headers['set-cookie'])).toMatch(/^mhm_session=; .*Max-Age=0/); // the browser forgets it
    expect((await httpRequest(s.url, '/', { headers: { cookie: a.cookie } })).headers.location).toBe('/login');
    expect((await httpRequest(s.url, '/api/hubs', { headers: { cookie: b.cookie } })).status).toBe(200);
    // Sign-out is POST from our own pages only.
    expect((await httpRequest(s.url, '/logout', { headers: { cookie: b.cookie } })).status).toBe(405);
    expect((await httpRequest(s.url, '/logout', { method: 'POST', headers: { cookie: b.cookie, origin: 'http://evil.example' } })).status).toBe(403);
    expect((await httpRequest(s.url, '/api/hubs', { headers: { cookie: b.cookie } })).status).toBe(200);
    // A stale cookie is not a guess: a browser left open across a restart is not locked out by its own tab.
    for (let i = 0; i < 20; i++) await httpRequest(s.url, '/api/hubs', { headers: { cookie: a.cookie } });
    expect((await httpRequest(s.url, '/api/hubs', { headers: { authorization: 'Bearer wrong-wrong-wrong-wrong' } })).status).toBe(401);
  });

  test('F4 behind a TLS proxy (X-Forwarded-Proto: https or Forwarded: proto=https) the cookie is Secure; over plain HTTP it is not', async () => {
    const s = await start(seeded(), { token: TOKEN });
    expect((await signIn(s.url, TOKEN, { 'x-forwarded-proto': 'https' })).setCookie).toMatch(/; Secure$/);
    expect((await signIn(s.url, TOKEN, { forwarded: 'for=192.0.2.1;proto=https' })).setCookie).toMatch(/; Secure$/);
    expect((await signIn(s.url, TOKEN, { 'x-forwarded-proto': 'http' })).setCookie).not.toMatch(/Secure/);
    expect((await signIn(s.url)).setCookie).not.toMatch(/Secure/);
  });

  test('the dashboard shows its sign-out button to a signed-in browser only', async () => {
    const web = tempDir('mhm-web-');
    writeFileSync(join(web, 'index.html'), '<header><form id="signout" method="post" action="/logout" hidden><button>Sign out</button></form></header>');
    const s = await start(seeded(), { token: TOKEN, webDir: web });
    const signedIn = await httpRequest(s.url, '/', { headers: { cookie: (await signIn(s.url)).cookie } });
    expect(signedIn.body).toContain('<form id="signout" method="post" action="/logout">');
    const withToken = await httpRequest(s.url, '/', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(withToken.body).toContain('action="/logout" hidden>');
  });

  test('sign-in failures count toward the 429 limit, but the right token still signs in; a form over 4 KiB is no login', async () => {
    const s = await start(seeded(), { token: TOKEN });
    const big = await httpRequest(s.url, '/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${TOKEN}&pad=${'a'.repeat(5_000)}` });
    expect(big.status).toBe(401);
    for (let i = 0; i < 9; i++) expect((await signIn(s.url, 'guess')).status).toBe(401);
    const limited = await signIn(s.url, 'guess');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatch(/Too many wrong tokens; try again in \d+ s\./);
    expect((await signIn(s.url)).status).toBe(303);
  });

  test.each([
    ['Host ours, then another', 'Host: HOST\r\nHost: evil.example', 'host'],
    ['Host another, then ours', 'Host: evil.example\r\nHost: HOST', 'host'],
    ['Host ours twice, the second in lower case', 'Host: HOST\r\nhost: HOST', 'host'],
    ['two Authorization', 'Host: HOST\r\nAuthorization: Bearer TOKEN\r\nAuthorization: Bearer other-0123456789abcdef', 'authorization'],
    ['two Origin', 'Host: HOST\r\nAuthorization: Bearer TOKEN\r\nOrigin: http://HOST\r\nOrigin: http://evil.example', 'origin'],
  ])('F10 %s: 400 (RFC 9112 §3.2), nothing served', async (_name, headers, name) => {
    const s = await start(seeded(), { token: TOKEN });
    const host = new URL(s.url).host;
    const reply = await rawRequest(s.url, `GET /api/hubs HTTP/1.1\r\n${headers.replaceAll('HOST', host).replaceAll('TOKEN', TOKEN)}\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toMatch(/\r\nConnection: close\r\n/i);
    expect(reply).toContain(`"error":"2 ${name} headers: a request carries exactly one"`);
    expect(reply).not.toContain(HUB);
  });

  test('F10 a Cookie in two lines (as HTTP/2 splits it) is one cookie header: the session still opens', async () => {
    const s = await start(seeded(), { token: TOKEN });
    const { cookie } = await signIn(s.url);
    const reply = await rawRequest(s.url, `GET /api/hubs HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\nCookie: theme=dark\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
  });

  test('a request header over 16 KiB is refused with 431', async () => {
    const r = await httpRequest((await start()).url, '/api/health', { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(r.status).toBe(431);
  });

  test('a slowloris client that never finishes its headers, or never sends a byte, is cut off (408) by headersTimeout', async () => {
    const s = await start(seeded(), { limits: { headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 100 } });
    const { port } = new URL(s.url);
    const t0 = Date.now();
    const replies = await Promise.all([`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `, ''].map((partial) => new Promise<string>((resolve, reject) => {
      const sock = net.connect(Number(port), '127.0.0.1', () => sock.write(partial));
      let got = '';
      sock.on('data', (c) => { got += c.toString(); });
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    })));
    expect(replies).toEqual([expect.stringMatching(/^HTTP\/1\.1 408/), expect.stringMatching(/^HTTP\/1\.1 408/)]);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(HTTP_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(5_000);
  });
});

/** Sends raw request bytes; resolves everything the server wrote until it closed the connection (or 3 s passed). */
function rawRequest(url: string, text: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(Number(new URL(url).port), '127.0.0.1', () => sock.write(text));
    let got = '';
    sock.on('data', (c) => { got += c.toString('latin1'); });
    sock.on('close', () => resolve(got));
    sock.on('error', () => resolve(got));
    sock.setTimeout(3_000, () => sock.destroy());
  });
}

/** One GET on a fresh connection (from `localAddress`): its status, or 0 when nothing came back within 5 s (or the connection was dropped). */
function probe(url: string, path: string, token?: string, localAddress?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(`${url}${path}`, { agent: false, localAddress, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(5_000, () => req.destroy());
  });
}

describe('connections under attack (faults F3)', () => {
  /** How many probes got the answer `want` gives for them; the bar is the 95 % (a loaded test machine may lose one). */
  const answered = (got: number[], want: (i: number) => number): number => got.filter((status, i) => status === want(i)).length;

  test('500 held partial-header connections from 16 loopback addresses: /metrics answers ≥ 95 % of probes, with the token (200) and without (401), and the log says so', async () => {
    const s = await start(seeded(), { token: TOKEN });
    const attack = slowloris(Number(new URL(s.url).port), 500, 16);
    attacks.push(attack);
    await attack.started;
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(await probe(s.url, '/metrics', i % 2 === 0 ? TOKEN : undefined));
    expect(answered(got, (i) => (i % 2 === 0 ? 200 : 401)), JSON.stringify(got)).toBeGreaterThanOrEqual(19);
    expect(attack.dropped()).toBeGreaterThan(0); // the attack was shed, not merely outlasted
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/connection cap reached: shedding half-open connections/) }));
  });

  test('one address cannot take every slot: 200 partial-header connections from 127.0.0.1 itself leave /metrics answering there', async () => {
    const s = await start(seeded(), { token: TOKEN });
    const attack = slowloris(Number(new URL(s.url).port), 200, 1);
    attacks.push(attack);
    await attack.started;
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(await probe(s.url, '/metrics', TOKEN));
    expect(answered(got, () => 200), JSON.stringify(got)).toBeGreaterThanOrEqual(19);
  });

  test('when every slot serves a request, a loopback request with the token is served on the reserve; one without it gets 503', async () => {
    const s = await start(seeded(), { token: TOKEN, maxSseClients: 10, limits: { maxConnections: 4, reserveConnections: 2 } });
    const streams = await Promise.all(Array.from({ length: 4 }, () => sseClient(s.url, TOKEN)));
    expect(streams.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    const none = await httpRequest(s.url, '/metrics');
    expect([none.status, none.headers['retry-after']]).toEqual([503, '5']);
    expect(json(none.body).error).toMatch(/too many connections/);
    expect(await probe(s.url, '/metrics', TOKEN)).toBe(200);
    // A slowloris on the reserve is shed for the scraper too.
    const attack = slowloris(Number(new URL(s.url).port), 20, 4);
    attacks.push(attack);
    await attack.started;
    expect(await probe(s.url, '/metrics', TOKEN)).toBe(200);
    for (const c of streams) c.close();
  });
});

/** An SSE client that collects text until `until` matches (or the stream ends). */
function sseClient(url: string, token?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: () => string; waitFor(re: RegExp): Promise<void>; ended: Promise<void>; close(): void }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: u.hostname, port: u.port, path: '/api/stream', agent: false, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let buf = '';
      const waiters: { re: RegExp; done: () => void }[] = [];
      const ended = new Promise<void>((r) => res.on('close', () => r()));
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        for (const w of waiters.splice(0)) (w.re.test(buf) ? w.done() : waiters.push(w));
      });
      resolve({
        status: res.statusCode ?? 0, headers: res.headers, text: () => buf, ended, close: () => req.destroy(),
        waitFor: (re) => new Promise<void>((done) => (re.test(buf) ? done() : waiters.push({ re, done }))),
      });
    });
    req.on('error', reject);
  });
}

describe('/api/stream', () => {
  test('pushes a tick at once and then on its period, with heartbeats', async () => {
    const s = await start(seeded(), { sseTickMs: 60, sseHeartbeatMs: 40 });
    const c = await sseClient(s.url);
    expect(c.status).toBe(200);
    expect(c.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(c.headers['x-content-type-options']).toBe('nosniff');
    await c.waitFor(/event: tick\ndata: \{.*\}\n\n[\s\S]*: heartbeat\n\n[\s\S]*event: tick[\s\S]*event: tick/);
    const first = /data: (.*)\n/.exec(c.text())![1]!;
    expect(json(first).hubs[0]).toMatchObject({ url: HUB, up: true, state: 'ready' });
    c.close();
  });

  test('clients beyond the cap get 503; a slot frees when one leaves; close() ends every stream', async () => {
    const s = await start(seeded(), { maxSseClients: 2 });
    const a = await sseClient(s.url);
    const b = await sseClient(s.url);
    await Promise.all([a.waitFor(/event: tick/), b.waitFor(/event: tick/)]);
    const extra = await httpRequest(s.url, '/api/stream');
    expect(extra.status).toBe(503);
    expect(extra.headers['retry-after']).toBe('10');
    expect(json(extra.body).error).toMatch(/at most 2/);
    a.close();
    await a.ended;
    // The server frees the slot when it sees the socket close, a moment after the client's end.
    const c = await waitUntil(async () => { const next = await sseClient(s.url); if (next.status === 200) return next; next.close(); return undefined; }, { what: 'a free stream slot after a client left' });
    expect(c.status).toBe(200);
    const t0 = Date.now();
    await s.close();
    await Promise.all([b.ended, c.ended]);
    expect(Date.now() - t0).toBeLessThan(1_000);
    await s.close(); // idempotent
  });
});
