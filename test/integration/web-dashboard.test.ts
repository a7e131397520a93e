/**
 * The web dashboard in real Chromium (Debian's, through playwright-core) against the daemon watching the
 * real hub: it loads, charts draw, a killed child turns its row DEAD within a live refresh, and a hostile
 * server name is shown as text with no script run; the tools panel shows a tap's calls live and says when
 * no tap is connected. A screenshot is kept in test-artifacts/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { everythingServer, launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { startDaemonProcess, stateDir } from '../support/daemon-process.js';
import { startHttpServer } from '../../src/views/http/server.js';
import { httpRequest, useFakeDaemonViews } from '../support/fake-daemon-view.js';
import { freePort } from '../support/prometheus.js';
import { waitUntil } from '../support/wait.js';
import { CHROMIUM, openPage } from '../support/browser.js';
import { skipUnless } from '../support/requires.js';
import { CallsLedger } from '../../src/daemon/calls-ledger.js';
import { newTapSocketStats } from '../../src/daemon/jobs/tap-socket.js';
import type { CallRecord } from '../../src/model/calls.js';

const HOSTILE = '<img src=x onerror="window.__pwned=1">\u001b[31m';
const cleanups: (() => unknown)[] = [];
const views = useFakeDaemonViews('mhm-web-');
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

test('loads, draws charts, shows a killed child as DEAD live, renders hostile names as text', { ...skipUnless(CHROMIUM), timeout: 90_000 }, async () => {
  const hub = await launchHub({ servers: { everything: everythingServer(), crashy: testServer({ MHM_TAG: 'crashy' }), [HOSTILE]: testServer() } });
  cleanups.push(() => hub.stop());
  const port = await freePort();
  startDaemonProcess(hub, stateDir(), ['--listen', `127.0.0.1:${port}`, '--no-sse'], cleanups);
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await httpRequest(base, '/')).status === 200, { what: 'the daemon serving /', timeoutMs: 15_000 });

  const { page, problems } = await openPage(cleanups, { viewport: { width: 1400, height: 1000 }, consoleErrors: true });
  await page.goto(base);
  await page.waitForSelector('#servers tbody tr', { timeout: 15_000 });
  await page.waitForFunction(() => document.querySelectorAll('.chart canvas').length >= 3, undefined, { timeout: 15_000 });

  // Charts drew something: a canvas with non-transparent pixels.
  const drawn = await page.evaluate(() => [...document.querySelectorAll('.chart canvas')].map((c) => {
    const canvas = c as HTMLCanvasElement;
    const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
    return { w: canvas.width, h: canvas.height, painted: n };
  }));
  expect(drawn.length).toBeGreaterThanOrEqual(3);
  for (const d of drawn) expect(d.w * d.h).toBeGreaterThan(0);
  expect(drawn.some((d) => d.painted > 100)).toBe(true);

  // The hostile name is text, and nothing ran.
  const names = await page.$$eval('#servers tbody td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
  expect(names).toContain(HOSTILE);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.$$('#servers img')).toHaveLength(0);

  // A killed child shows as DEAD on a live refresh (the daemon's stream ticks every 5 s).
  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MHM_TAG=crashy'))!;
  process.kill(pid, 'SIGKILL');
  await page.waitForFunction(() => [...document.querySelectorAll('#servers tbody tr')].some((tr) => tr.textContent!.includes('crashy') && tr.textContent!.includes('DEAD')), undefined, { timeout: 20_000 });
  expect(await page.textContent('#live')).toBe('live');

  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/web-dashboard.png', fullPage: true });
  expect(problems).toEqual([]);
});

test('with a token: the browser is sent to the sign-in form, a wrong token is refused, the right one opens the live dashboard, and signing out ends the session', { ...skipUnless(CHROMIUM), timeout: 90_000 }, async () => {
  const hub = await launchHub({ servers: { everything: everythingServer() } });
  cleanups.push(() => hub.stop());
  const port = await freePort();
  const state = stateDir();
  const token = 'web-token-0123456789abcdef';
  writeFileSync(join(state, 'config.yaml'), `http:\n  token: ${token}\n`);
  startDaemonProcess(hub, state, ['--config', join(state, 'config.yaml'), '--listen', `127.0.0.1:${port}`, '--no-sse'], cleanups);
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await httpRequest(base, '/login')).status === 200, { what: 'the daemon serving /login', timeoutMs: 15_000 });

  const { page, problems } = await openPage(cleanups);
  const context = page.context();
  await page.goto(base);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.fill('#token', 'wrong-token-wrong-token');
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  expect(await page.textContent('.login-error')).toBe('Wrong token.');
  expect(await context.cookies()).toEqual([]);

  await page.fill('#token', token);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
  await page.waitForSelector('#servers tbody tr', { timeout: 15_000 });
  await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live', undefined, { timeout: 15_000 });
  const [cookie] = await context.cookies();
  expect(cookie).toMatchObject({ name: 'mhm_session', httpOnly: true, sameSite: 'Strict' });
  expect(cookie!.value).not.toContain(token);
  expect(await page.evaluate(() => document.cookie)).toBe(''); // HttpOnly: no script can read it

  // Signing out ends the session on the server: the same cookie, replayed, opens nothing.
  await Promise.all([page.waitForURL(`${base}/login`), page.click('#signout button')]);
  expect(await context.cookies()).toEqual([]);
  expect((await httpRequest(base, '/api/hubs', { headers: { cookie: `mhm_session=${cookie!.value}` } })).status).toBe(401);
  expect(problems).toEqual([]);
});

test('the hub-up chart: an outage is drawn at 0, time with no daemon is a break in the line, the axis runs 0 to 1', { ...skipUnless(CHROMIUM), timeout: 60_000 }, async () => {
  // A stored history the live hub cannot give in a test's time: polls, an outage, a daemon stop, polls again.
  const M = 60_000;
  const now = Date.now();
  const HUB = 'http://127.0.0.1:7000';
  const v = views(now).watch(HUB);
  const first = v.db.startRun({ pid: 1, t: now - 30 * M, cleanStart: true });
  for (let t = now - 29 * M; t < now - 20 * M; t += M) v.poll(HUB, t, t >= now - 26 * M && t < now - 23 * M ? { err: 'refused' } : {});
  v.db.stopRun(first, now - 20 * M + 1, true);
  v.health.runId = v.db.startRun({ pid: 2, t: now - 10 * M, cleanStart: true });
  for (let t = now - 9 * M; t < now; t += M) v.poll(HUB, t);
  const server = await startHttpServer({ listen: { host: '127.0.0.1', port: 0 }, source: v, log: { info: () => {}, warn: () => {} }, processMetrics: false, webDir: join('dist', 'web') });
  cleanups.push(() => server.close());

  const { page, problems } = await openPage(cleanups);
  await page.goto(server.url);
  await page.waitForSelector('.chart[data-series="hub.up"] canvas', { timeout: 15_000 });
  const plot = await page.$eval('.chart[data-series="hub.up"]', (el) => {
    const u = (el as HTMLElement & { plot: { data: (number | null)[][]; scales: { y: { min: number; max: number } } } }).plot;
    return { t: u.data[0]!.map((s) => Math.round(s! * 1000)), v: u.data[1]!, yMin: u.scales.y.min, yMax: u.scales.y.max };
  });
  const at = (t: number) => plot.v[plot.t.indexOf(t)];
  expect([at(now - 27 * M), at(now - 26 * M), at(now - 25 * M), at(now - 24 * M), at(now - 23 * M)]).toEqual([1, 0, 0, 0, 1]);
  // One null inside the stop (20 → 10 min ago) and no other point there: the line breaks, it is not drawn at 0.
  const inStop = plot.t.map((t, i) => [t, plot.v[i]] as const).filter(([t]) => t > now - 21 * M && t < now - 9 * M);
  expect(inStop).toEqual([[now - 20 * M + 1, null]]);
  expect([plot.yMin, plot.yMax]).toEqual([0, 1]);
  expect(problems).toEqual([]);
});

test('the tools panel: no tap says calls are not seen; a tap\'s calls show the most failing and slowest tools live, hostile names as text', { ...skipUnless(CHROMIUM), timeout: 60_000 }, async () => {
  // The daemon's read model as its tap socket fills it: a ledger of calls (the tap's own test drives a real one end to end).
  const now = Date.now();
  const HUB = 'http://127.0.0.1:7000';
  const v = views(now).watch(HUB);
  v.poll(HUB, now - 1_000, { servers: [{ name: 'crashy', up: true, tools: 1 }] });
  const server = await startHttpServer({ listen: { host: '127.0.0.1', port: 0 }, source: v, log: { info: () => {}, warn: () => {} }, processMetrics: false, webDir: join('dist', 'web'), sseTickMs: 200 });
  cleanups.push(() => server.close());

  const { page, problems } = await openPage(cleanups, { viewport: { width: 1400, height: 1000 } });
  await page.goto(server.url);
  await page.waitForSelector('#tools .empty', { timeout: 15_000 });
  expect(await page.textContent('#tools')).toBe('no tap connected — calls are not seen');

  // A tap connects and calls flow: 18 of 20 calls to crashy/echo fail with 500, a hostile tool is slow.
  const ledger = new CallsLedger();
  v.liveState.tap = { ledger, socket: { ...newTapSocketStats('/state'), listening: true, connections: 1, accepted: 1 } };
  const call = (server: string, tool: string, durationMs: number, fail: boolean): CallRecord => ({
    hub: HUB, server, tool, method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: now, durationMs,
    outcome: fail ? 'jsonrpc_error' : 'ok', ...(fail ? { errorCode: 500, errorType: '500', errorMessage: 'Not connected' } : {}), requestBytes: 1, responseBytes: 1,
  });
  for (let i = 0; i < 20; i++) ledger.note(call('crashy', 'echo', 4, i >= 2), now);
  for (let i = 0; i < 10; i++) ledger.note(call('search', HOSTILE, 3_000, false), now);
  await page.waitForSelector('#tools table[data-list="failing"] td', { timeout: 15_000 });
  const rows = (list: string) => page.$$eval(`#tools table[data-list="${list}"] tr`, (trs) => trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  expect(await rows('failing')).toEqual([['crashy/echo', '20', '10 %', '10 ms', '500']]);
  expect(await rows('slowest')).toEqual([[`search/${HOSTILE}`, '10', '100 %', '4850 ms', '-'], ['crashy/echo', '20', '10 %', '10 ms', '500']]);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.$$('#tools img')).toHaveLength(0);

  // The tap goes away: the panel says so on the next tick, instead of showing the last list as if current.
  v.liveState.tap.socket.connections = 0;
  await page.waitForFunction(() => document.querySelector('#tools')?.textContent === 'no tap connected — calls are not seen (a tap was connected and is gone)', undefined, { timeout: 15_000 });
  expect(problems).toEqual([]);
});

test('the fleet page: a row per hub, the slow hub\'s latency highlighted and named against the fleet\'s median, a server down on one hub added live, hostile hub names as text; two hubs are not judged', { ...skipUnless(CHROMIUM), timeout: 60_000 }, async () => {
  // Three hubs as the daemon stores them (the real Store through its API); the third answers /api/health in 900 ms.
  const now = Date.now();
  const hubs = ['http://127.0.0.1:7001', 'http://127.0.0.1:7002', `http://127.0.0.1:7003/${HOSTILE}`];
  const v = views(now).watch(hubs[0]!);
  const poll = (hub: string, i: number, t: number, crashyUp = true) => v.poll(hub, t, {
    latencyMs: i === 2 ? 900 : 4 + i, servers: [{ name: 'everything', up: true, uptimeS: 60, tools: 11 }, { name: 'crashy', up: crashyUp, uptimeS: crashyUp ? 60 : 0, tools: 1 }],
  });
  for (const [i, hub] of hubs.entries()) for (const t of [now - 20_000, now - 10_000]) poll(hub, i, t);
  v.alert({ rule: 'hub.reachable', hub: hubs[2]! });
  const server = await startHttpServer({ listen: { host: '127.0.0.1', port: 0 }, source: v, log: { info: () => {}, warn: () => {} }, processMetrics: false, webDir: join('dist', 'web'), sseTickMs: 200 });
  cleanups.push(() => server.close());

  const { page, problems } = await openPage(cleanups, { viewport: { width: 1400, height: 800 }, consoleErrors: true });
  await page.goto(server.url);
  await Promise.all([page.waitForURL(`${server.url}/fleet`), page.click('nav a[href="/fleet"]')]);
  await page.waitForSelector('#fleet tbody tr[data-hub]', { timeout: 15_000 });
  const table = (sel: string) => page.$$eval(`${sel} tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent)));
  expect(await page.textContent('#fleet-title')).toBe('Fleet over the last 10 min: 3 hubs');
  expect(await table('#fleet')).toEqual([
    ['hub', 'level', 'avail', 'p50 ms', 'p95 ms', 'errors', 'from', 'up/down', 'restarts'],
    [hubs[0], 'green', '100.00%', '4.0', '4.0', '0.0%', 'polls', '2/0', '0'],
    [hubs[1], 'green', '100.00%', '5.0', '5.0', '0.0%', 'polls', '2/0', '0'],
    [hubs[2], 'red', '100.00%', '900.0', '900.0', '0.0%', 'polls', '2/0', '0'],
  ]);
  // The outlier's cell stands out, and only that one.
  expect(await page.$$eval('#fleet td.stands-out', (tds) => tds.map((td) => [(td.parentElement as HTMLElement).dataset.hub, (td as HTMLElement).dataset.col]))).toEqual([[hubs[2], 'p50']]);
  expect(await page.textContent('#judged')).toBe('1 outlier (fleet.outlier)');
  expect(await table('#outliers')).toEqual([
    ['hub', 'metric', 'value', 'fleet median', 'z'],
    [hubs[2], 'health latency (median of its polls)', '900 ms', '5 ms', '30.18'],
  ]);
  expect(await page.$$('#not-compared li')).toHaveLength(0);

  // crashy goes down on the second hub only: on a later tick the page names it, without a reload.
  poll(hubs[1]!, 1, now - 1_000, false);
  await page.waitForFunction(() => document.querySelectorAll('#outliers tbody tr').length === 2, undefined, { timeout: 15_000 });
  expect((await table('#outliers'))[2]).toEqual([hubs[1], 'server crashy', 'down', 'up on 2 other hubs', '—']);
  expect(await page.$eval(`#fleet tr[data-hub="${hubs[1]}"] td[data-col="servers"]`, (td) => [td.textContent, td.className])).toEqual(['1/1', 'stands-out']);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.$$('main img')).toHaveLength(0);
  expect(await page.textContent('#live')).toBe('live');

  // The first hub starts probing: its error ratio now comes from probes, the others' from polls, and
  // neither group has 3 hubs. The page says so rather than let the silence read as "compared, fine".
  v.probe(hubs[0]!, now - 500, 'everything', true);
  await page.waitForFunction(() => document.querySelectorAll('#not-compared li').length === 2, undefined, { timeout: 15_000 });
  expect(await page.$$eval('#not-compared li', (lis) => lis.map((li) => li.textContent))).toEqual([
    'not compared: error ratio (probes): 1 hub has a value, need 3', 'not compared: error ratio (polls): 2 hubs have a value, need 3',
  ]);
  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/web-fleet.png', fullPage: true });

  // Two hubs: the table, and why no hub is judged.
  v.hubList = v.hubList.filter((h) => h.url !== hubs[2]);
  await page.waitForFunction(() => document.querySelector('#judged')?.textContent === 'not judged: 2 hubs, need 3', undefined, { timeout: 15_000 });
  expect(await page.$$eval('#fleet tbody tr', (trs) => trs.length)).toBe(2);
  expect(await page.$$('#outliers tbody tr')).toHaveLength(0);
  expect(problems).toEqual([]);
});
