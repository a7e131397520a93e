#!/usr/bin/env node
// `npm run bench:scrape`: what one scrape of the running daemon costs — /metrics and the JSON routes the web
// dashboard polls on every tick (/api/hubs, /api/servers, /api/alerts, /api/events) and on a full refresh
// (/api/series, a 24 h chart) — against a store holding three days of history: 2 hubs × 10 servers polled
// every 15 s, probes every minute, server flaps, a chatty hub's log events and 300 resolved alerts.
// The real daemon (dist/, `daemon --listen`) watches two stub hubs (a node:http /api/health with 10
// connected servers: the hub is not what is measured); live probing is off, the seeded probes stay.
// Baseline in the same run: /api/health of the same server (read from memory, the trivial route).
// Latency p50/p95 over N keep-alive requests per route; CPU per request from /proc/PID/schedstat (all the
// daemon's threads), less the idle daemon's rate measured just before. Usage: node bench/scrape.mjs [N=200]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { freePort } from '../dist/demo/hub-launcher.js';
import { AlertStore } from '../dist/store/alert-store.js';
import { Store } from '../dist/store/store.js';
import { quantile, sleep } from './lib/common.mjs';

const N = Number(process.argv[2] ?? 200);
const CLI = fileURLToPath(new URL('../bin/mcp-hub-monitor.cjs', import.meta.url));
const SERVERS = Array.from({ length: 10 }, (_, i) => `srv-${i}`);
const DAYS = 3;
const POLL_MS = 15_000;
const DAY = 86_400_000;
const schedCpu = (pid) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;

// Two stub hubs answering /api/health as mcp-hub 4.2.1 does (10 connected servers), 404 elsewhere.
function stubHub() {
  const started = Date.now() - 3_600_000;
  const server = http.createServer((req, res) => {
    if (req.url !== '/api/health') { res.writeHead(404, { 'content-type': 'text/html' }).end('<html>not found</html>'); return; }
    const now = Date.now();
    const body = {
      status: 'ok', state: 'ready', server_id: 'mcp-hub', version: '4.2.1', activeClients: 1, timestamp: new Date(now).toISOString(),
      servers: SERVERS.map((name) => ({
        name, displayName: name, description: '', transportType: 'stdio', status: 'connected', error: null,
        capabilities: { tools: Array.from({ length: 5 }, (_, k) => ({ name: `tool-${k}`, description: 'x', inputSchema: { type: 'object' } })), resources: [], resourceTemplates: [], prompts: [] },
        uptime: Math.floor((now - started) / 1000), lastStarted: new Date(started).toISOString(), authorizationUrl: null, serverInfo: { name, version: '1.0.0' },
      })),
      connections: { totalConnections: 1, connections: [] }, mcpEndpoint: { activeClients: 1 },
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) })));
}

/** Three days of history as the daemon writes it (daemon/observations.ts, daemon/prober.ts), ending now. */
function seed(stateDir, hubs, now) {
  const store = Store.open({ stateDir, quickCheck: false });
  const from = now - DAYS * DAY;
  const runId = store.startRun({ pid: 1, t: from, cleanStart: true, lastBeatAt: from });
  let rows = 0;
  for (const hub of hubs) {
    let batch = [];
    for (let t = from; t < now - 30_000; t += POLL_MS) {
      const i = (t - from) / POLL_MS;
      const latency = 3 + (i % 7);
      batch.push({ hub, name: 'hub.up', t, v: 1 }, { hub, name: 'hub.health_latency_ms', t, v: latency }, { hub, name: 'hub.health_fast', t, v: 1 }, { hub, name: 'hub.rss_bytes', t, v: 7e7 + (i % 100) * 1e4 });
      for (const server of SERVERS) {
        const labels = { server };
        batch.push({ hub, name: 'server.up', labels, t, v: 1 }, { hub, name: 'server.tools', labels, t, v: 5 }, { hub, name: 'server.uptime_s', labels, t, v: i * 15 });
      }
      batch.push({ hub, name: 'hub.servers_up', t, v: 10 }, { hub, name: 'hub.servers_down', t, v: 0 }, { hub, name: 'hub.servers_dead', t, v: 0 });
      if (i % 4 === 0) {
        for (const server of SERVERS) batch.push({ hub, name: 'server.probe_ok', labels: { server }, t, v: 1 }, { hub, name: 'server.probe_latency_ms', labels: { server }, t, v: 20 + (i % 13) });
      }
      if (batch.length > 20_000) { rows += batch.length; store.insertSamples(batch, { runId }); batch = []; }
    }
    rows += batch.length;
    store.insertSamples(batch, { runId });
    const events = [{ hub, t: from, type: 'hub_state', data: { state: 'ready', previous: null, source: 'poll', pid: null } }];
    for (const server of SERVERS) events.push({ hub, t: from, type: 'server_status', server, data: { from: null, to: 'up', message: 'connected' } });
    // A flap a day per server, and a chatty hub's log: 5,000 lines a day.
    for (let d = 0; d < DAYS; d++) {
      for (const [k, server] of SERVERS.entries()) {
        const t = from + d * DAY + k * 600_000;
        events.push({ hub, t, type: 'server_dead', server, data: { from: 'up', to: 'dead', message: 'exited' } }, { hub, t: t + 60_000, type: 'server_status', server, data: { from: 'dead', to: 'up', message: 'connected' } });
      }
      for (let j = 0; j < 5_000; j++) events.push({ hub, t: from + d * DAY + j * 17_000, type: 'hub_log', data: { level: 'warn', message: `log line ${j}` } });
    }
    store.insertEvents(events.sort((a, b) => a.t - b.t));
  }
  store.beat(runId, now - 30_000);
  store.stopRun(runId, now - 30_000, true);
  const alerts = new AlertStore(store.db);
  for (let k = 0; k < 300; k++) {
    const t = from + k * ((DAYS * DAY) / 300);
    alerts.saveAlert({
      id: 0, fingerprint: `fp-${k}`, rule: 'server.status', hub: hubs[k % hubs.length], labels: { hub: hubs[k % hubs.length], server: SERVERS[k % 10] }, severity: 'warning', state: 'resolved',
      failStreak: 0, okStreak: 3, activeSince: t, firedAt: t + 30_000, lastActiveAt: t + 90_000, resolvedAt: t + 120_000, summary: `server ${SERVERS[k % 10]} dead`,
      value: null, ackedAt: null, ackedBy: null, ackComment: null, updatedAt: t + 120_000,
    });
  }
  while (!store.rollup(now).done);
  store.close();
  return rows;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(base, path, viaAgent = agent) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => http.get(`${base}${path}`, { agent: viaAgent }, (res) => {
    let n = 0;
    res.on('data', (c) => { n += c.length; });
    res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode, bytes: n }));
  }).on('error', reject));
}

async function timeRoute(base, path, pid, idleRate) {
  for (let i = 0; i < 5; i++) await get(base, path); // warm-up (a first scrape fills caches)
  const ms = [];
  let last;
  const t0 = performance.now();
  const c0 = schedCpu(pid);
  for (let i = 0; i < N; i++) { last = await get(base, path); ms.push(last.ms); }
  const cpu = schedCpu(pid) - c0 - idleRate * ((performance.now() - t0) / 1000);
  if (last.status !== 200) throw new Error(`${path}: HTTP ${last.status}`);
  return { path, p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), cpuMs: Math.max(0, (cpu * 1000) / N), bytes: last.bytes };
}

const home = mkdtempSync(join(tmpdir(), 'mhm-bench-scrape-'));
const hubs = [await stubHub(), await stubHub()];
let daemon;
try {
  const stateDir = join(home, 'state');
  const t0 = performance.now();
  const rows = seed(stateDir, hubs.map((h) => h.url), Date.now());
  const seedS = (performance.now() - t0) / 1000;
  const config = join(home, 'config.yaml');
  writeFileSync(config, 'probes:\n  enabled: false\n');
  const port = await freePort();
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.local', 'state') };
  delete env.MCP_HUB_URL;
  daemon = spawn(process.execPath, [CLI, 'daemon', '--config', config, '--state-dir', stateDir, ...hubs.flatMap((h) => ['--hub', h.url]), '--listen', `127.0.0.1:${port}`, '--interval', '15s', '--no-sse'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr.setEncoding('utf8').on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  let ready = false;
  for (const end = Date.now() + 30_000; !ready && Date.now() < end && daemon.exitCode === null;) {
    // A connection of its own: a kept-alive one idle past the server's 5 s keep-alive would be reset.
    ready = await get(base, '/api/hubs', false).then((r) => r.status === 200 && r.bytes > 0, () => false);
    if (!ready) await sleep(200);
  }
  if (!ready) throw new Error(`the daemon did not serve ${base}: ${log.slice(-800)}`);
  await sleep(3_000); // first polls stored, heap settled
  const i0 = schedCpu(daemon.pid);
  const w0 = performance.now();
  await sleep(3_000);
  const idleRate = (schedCpu(daemon.pid) - i0) / ((performance.now() - w0) / 1000);
  const hub = encodeURIComponent(hubs[0].url);
  const routes = ['/api/health', '/metrics', '/api/hubs', '/api/servers', '/api/alerts', '/api/events?from=24h&limit=100', `/api/series?hub=${hub}&name=hub.health_latency_ms&from=24h`];
  const results = [];
  for (const path of routes) results.push(await timeRoute(base, path, daemon.pid, idleRate));
  const [baseline] = results;
  console.log(`\nscrapes of the running daemon (${process.version}): ${rows.toLocaleString('en')} samples over ${DAYS} days, 2 hubs × 10 servers (seeded in ${seedS.toFixed(1)} s); ${N} requests per route, keep-alive; idle daemon ${(idleRate * 1000).toFixed(2)} ms CPU/s\n`);
  console.log('| request | p50 | p95 | CPU per request | × baseline (p50) | × baseline (CPU) | body |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const name = r === baseline ? `${r.path} (baseline)` : r.path.replace(/hub=[^&]+/, 'hub=…');
    console.log(`| ${name} | ${r.p50.toFixed(2)} ms | ${r.p95.toFixed(2)} ms | ${r.cpuMs.toFixed(2)} ms | ${(r.p50 / baseline.p50).toFixed(1)}× | ${(r.cpuMs / Math.max(baseline.cpuMs, 0.001)).toFixed(1)}× | ${(r.bytes / 1024).toFixed(1)} KiB |`);
  }
  const tick = results.filter((r) => ['/metrics', '/api/hubs', '/api/servers', '/api/alerts'].includes(r.path));
  console.log(`\none dashboard tick (/api/hubs + /api/servers + /api/alerts + /api/events) ${results.slice(2, 6).reduce((s, r) => s + r.cpuMs, 0).toFixed(2)} ms CPU; /metrics + the live routes: ${tick.reduce((s, r) => s + r.cpuMs, 0).toFixed(2)} ms CPU`);
} finally {
  agent.destroy();
  if (daemon && daemon.exitCode === null) {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  }
  await Promise.all(hubs.map((h) => h.close()));
  rmSync(home, { recursive: true, force: true });
}
