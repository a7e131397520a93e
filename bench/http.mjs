#!/usr/bin/env node
// `npm run bench:http`: the daemon's HTTP server against a seeded store, and the real daemon's RSS with
// the server idle. Baseline in the same run: the trivial /api/health route on the same server, so the
// table shows both milliseconds and ratios (these machines are noisy).
//  - /metrics with 500+ series (250 servers × up/dead, plus hub and daemon series) and 20,000 events in the
//    store: p50/p99 of 200 scrapes.
//  - /api/series for a 30-day chart (1-hour rollups, 720 points per series): p50/p99 per series.
//  - daemon RSS after 20 s idle with --listen, 1 real hub.
// Targets (issue F): /metrics p99 ≤ 20 ms with 500 series; 30-day chart ≤ 20 ms per series; RSS ≤ 80 MB.
// Usage: node bench/http.mjs [scrapes=200]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { defaultConfig } from '../dist/config/defaults.js';
import { launchHub, everythingServer, testServer, freePort } from '../dist/demo/hub-launcher.js';
import { Store } from '../dist/store/store.js';
import { LiveState } from '../dist/daemon/live-state.js';
import { seedLiveState } from '../dist/daemon/live-seed.js';
import { startHttpServer } from '../dist/views/http/server.js';

const scrapes = Number(process.argv[2] ?? 200);
const HUB = 'http://127.0.0.1:7000';
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const agent = new http.Agent({ keepAlive: true });
function get(base, path) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => http.get(`${base}${path}`, { agent }, (res) => {
    let n = 0;
    res.on('data', (c) => { n += c.length; });
    res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode, bytes: n }));
  }).on('error', reject));
}
async function timeRoute(base, path, n) {
  for (let i = 0; i < 5; i++) await get(base, path); // warm-up
  const ms = [];
  let last;
  for (let i = 0; i < n; i++) { last = await get(base, path); ms.push(last.ms); }
  if (last.status !== 200) throw new Error(`${path}: HTTP ${last.status}`);
  return { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), bytes: last.bytes };
}

// Seed: 30 days of 1-minute polls for the hub series, and the latest poll with 250 servers.
const dir = mkdtempSync(join(tmpdir(), 'mhm-bench-http-'));
const store = Store.open({ stateDir: dir, quickCheck: false });
const now = Date.now();
const DAY = 86_400_000;
for (let d = 30; d > 0; d--) {
  const rows = [];
  for (let m = 0; m < 1440; m++) {
    const t = now - d * DAY + m * 60_000;
    rows.push({ hub: HUB, name: 'hub.up', t, v: 1 }, { hub: HUB, name: 'hub.health_latency_ms', t, v: 3 + (m % 7) }, { hub: HUB, name: 'hub.rss_bytes', t, v: 7e7 + m * 1000 });
  }
  store.insertSamples(rows);
}
const latest = [];
for (let i = 0; i < 250; i++) {
  const labels = { server: `srv-${String(i).padStart(3, '0')}` };
  latest.push({ hub: HUB, name: 'server.up', labels, t: now - 1000, v: i % 50 === 0 ? 0 : 1 }, { hub: HUB, name: 'server.tools', labels, t: now - 1000, v: 5 }, { hub: HUB, name: 'server.uptime_s', labels, t: now - 1000, v: 100 });
}
latest.push({ hub: HUB, name: 'hub.up', t: now - 1000, v: 1 }, { hub: HUB, name: 'hub.health_latency_ms', t: now - 1000, v: 3 }, { hub: HUB, name: 'hub.rss_bytes', t: now - 1000, v: 7e7 });
store.insertSamples(latest);
// A day of a chatty hub's log events before them: a scrape must not pay for the event history.
for (let k = 0; k < 20; k++) store.insertEvents(Array.from({ length: 1000 }, (_, i) => ({ hub: HUB, t: now - DAY + (k * 1000 + i) * 4000, type: 'hub_log', data: { level: 'warn', message: 'x' } })));
store.insertEvents(Array.from({ length: 250 }, (_, i) => ({ hub: HUB, t: now - 2000, type: i % 50 === 0 ? 'server_dead' : 'server_status', server: `srv-${String(i).padStart(3, '0')}`, data: { to: i % 50 === 0 ? 'dead' : 'up' } })));
while (!store.rollup(now).done);

const cfg = defaultConfig();
// The read model as a daemon restarted on this store has it (seeded once), for /metrics.
const live = new LiveState();
seedLiveState(live, store, [HUB], { now, lookbackMs: 5 * 60_000, since: now - DAY });
const server = await startHttpServer({
  listen: { host: '127.0.0.1', port: 0 }, log: { info() {}, warn() {} },
  source: {
    hubs: () => [{ url: HUB, lastPollAt: now - 1000, lastPollOk: true, sseConnected: true }],
    live: () => live, store: () => store, alerts: () => undefined,
    daemon: () => ({ startedAt: now - DAY, cleanStart: true, runId: 1, outboxDepth: 0, droppedSamples: 0, notifications: {}, configReload: { ok: true, lastSuccessAt: now - DAY } }),
    config: () => cfg, now: () => Date.now(),
  },
});
const base = server.url;
const metricsText = await new Promise((resolve) => http.get(`${base}/metrics`, (res) => { let b = ''; res.setEncoding('utf8').on('data', (c) => { b += c; }).on('end', () => resolve(b)); }));
const series = metricsText.split('\n').filter((l) => l && !l.startsWith('#')).length;
const baseline = await timeRoute(base, '/api/health', scrapes);
const metrics = await timeRoute(base, '/metrics', scrapes);
const chart = await timeRoute(base, `/api/series?hub=${encodeURIComponent(HUB)}&name=hub.health_latency_ms&from=30d`, 100);
await server.close();
store.close();
rmSync(dir, { recursive: true, force: true });

// The real daemon, idle with its web server, watching one real hub.
const hub = await launchHub({ servers: { everything: everythingServer(), t: testServer() } });
const state = mkdtempSync(join(tmpdir(), 'mhm-bench-http-d-'));
const port = await freePort();
const cli = fileURLToPath(new URL('../bin/mcp-hub-monitor.cjs', import.meta.url));
const daemon = spawn(process.execPath, [cli, 'daemon', '--hub', hub.url, '--state-dir', state, '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
let rss = 0;
try {
  await new Promise((r) => setTimeout(r, 8_000));
  await get(`http://127.0.0.1:${port}`, '/metrics'); // the server has served once
  const end = Date.now() + 12_000;
  while (Date.now() < end) {
    rss = Math.max(rss, Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${daemon.pid}/status`, 'utf8'))[1]) * 1024);
    await new Promise((r) => setTimeout(r, 1_000));
  }
} finally {
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  await hub.stop();
  rmSync(state, { recursive: true, force: true });
}

const row = (name, r, target) => `| ${name} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${(r.p50 / baseline.p50).toFixed(1)}× | ${(r.bytes / 1024).toFixed(1)} KiB | ${target} |`;
console.log(`\ndaemon HTTP server (${process.version}); baseline /api/health p50 ${baseline.p50.toFixed(2)} ms\n`);
console.log('| request | p50 | p99 | × baseline (p50) | body | target |');
console.log('|---|---:|---:|---:|---:|---|');
console.log(row(`/metrics (${series} series)`, metrics, 'p99 ≤ 20 ms with 500 series'));
console.log(row('/api/series, 30-day chart (1 series)', chart, '≤ 20 ms per series'));
console.log(`\ndaemon RSS, 1 hub, web server idle: ${(rss / 1048576).toFixed(1)} MiB (target ≤ 80 MB)`);
const ok = metrics.p99 <= 20 && chart.p99 <= 20 && rss <= 80e6;
console.log(ok ? 'targets met' : 'a target was missed');
