#!/usr/bin/env node
// `node bench/tap.mjs`: what the traffic tap costs a call. A real mcp-hub 4.2.1 with our test server
// (`tester`, its `echo` tool answers at once); every row is measured in the same run against calling the hub
// directly: the tap (recording, its records read by a small socket listener playing the daemon), the tap
// with --pass-through (forwarding only: the difference is what observation costs), and Debian's nginx as a
// plain reverse proxy (buffering off) when it is installed.
// - latency at 200 calls/s (open loop), REST `POST /api/servers/tools` and an MCP session (legacy SSE:
//   `GET /mcp` + `POST /messages`), p50/p99, and what each adds to direct. In rounds of 200 calls (1 s) per
//   path taken in turn, after a warm-up round that is not counted: a path measured in one block of its own
//   got its own share of the machine's load (and the first one a cold hub);
// - max throughput: REST echo calls, 32 in flight, in rounds of 1 s per path taken in turn (a shared machine's
//   load drifts: every path gets its share of each phase), the median round; ratio to direct. The calls come
//   from a lean raw-socket client (bench/lib/http-load.mjs): node:http's client costs about as much CPU per
//   call as the hop measured, and on 2 cores that CPU is taken from the hub and the proxy;
// - the proxy's RSS (peak) and CPU per call over the throughput rounds, all its threads (GC and libuv
//   threads too); and a second table of every process's CPU per call (load generator, hub, its MCP server,
//   proxy): when the machine is saturated, throughput vs direct is their sum's ratio.
// - a bare node:http proxy (request piped into http.request and back): what any node proxy pays, the tap's floor;
// - the RSS of an idle `node` started in the same run: what any Node process costs before the tap's own.
// - the tap with OpenTelemetry export on (`otel.enabled`, every call a span, to a local OTLP endpoint that
//   accepts and drops what it is sent): what tracing costs on top of observing.
// Usage: node bench/tap.mjs [calls=1000]   (calls per path for each latency figure)
// BENCH_TAP_BASELINE_CLI=/path/to/other/bin/mcp-hub-monitor.cjs adds that build's tap and pass-through rows
// (run alternately with this build's, so a change is measured under the same conditions).
// BENCH_TAP_VARIANTS='semi2=--max-semi-space-size=2;semi4=--max-semi-space-size=4' adds rows of this build's
// tap run with those node options (e.g. to weigh a V8 heap setting's RSS against its CPU).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { freePort, launchHub, testServer } from '../dist/demo/hub-launcher.js';
import { quantile, sleep, until } from './lib/common.mjs';
import { httpLoad } from './lib/http-load.mjs';

const CALLS = Number(process.argv[2] ?? 1_000);
const RATE = 200;
const BLOCK = 200;
const CONCURRENCY = 32;
const ROUNDS = 7;
const SLICE_MS = 1_000;
const CLI = fileURLToPath(new URL('../bin/mcp-hub-monitor.cjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'mhm-bench-tap-'));
const children = [];
/** CPU seconds of every thread of `pid` (the main thread alone misses V8's GC helpers and libuv's pool). */
const schedCpu = (pid) => readdirSync(`/proc/${pid}/task`).reduce((sum, t) => {
  try { return sum + Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e9; } catch { return sum; /* a thread that ended */ }
}, 0);
const statusKb = (pid, key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

/** The daemon's side of tap.sock: reads and counts the lines. */
function socketListener(path) {
  let lines = 0;
  const server = net.createServer((s) => s.on('data', (d) => { for (const b of d) if (b === 10) lines++; }));
  return new Promise((r) => server.listen(path, () => r({ lines: () => lines, close: () => new Promise((c) => server.close(c)) })));
}

const BASELINE_CLI = process.env.BENCH_TAP_BASELINE_CLI;
const VARIANTS = (process.env.BENCH_TAP_VARIANTS ?? '').split(';').filter(Boolean).map((v) => {
  const at = v.indexOf('=');
  return { name: v.slice(0, at), nodeArgs: v.slice(at + 1).split(' ').filter(Boolean) };
});

/** An OTLP/HTTP endpoint that answers every export 200 and keeps nothing: the tap's export cost, not a backend's. */
function otlpSink() {
  let exports = 0;
  const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { exports++; res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(); }); });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({
    url: `http://127.0.0.1:${server.address().port}`, exports: () => exports,
    close: () => new Promise((c) => { server.closeAllConnections(); server.close(c); }),
  })));
}

async function startTap(hubUrl, stateDir, extra = [], cli = CLI, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, cli, 'tap', '--listen', '127.0.0.1:0', '--hub', hubUrl, '--state-dir', stateDir, ...extra], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: tmp, XDG_CONFIG_HOME: join(tmp, 'cfg') } });
  children.push(child);
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  await until(() => /listening on 127\.0\.0\.1:\d+/.test(err), 10_000, 'the tap to listen');
  return { url: `http://127.0.0.1:${/listening on 127\.0\.0\.1:(\d+)/.exec(err)[1]}`, pids: () => [child.pid] };
}

async function startNginx(hubPort) {
  const bin = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim();
  if (!bin) return undefined;
  const port = await freePort();
  const prefix = join(tmp, 'nginx');
  spawnSync('mkdir', ['-p', join(prefix, 'logs')]);
  const conf = join(prefix, 'nginx.conf');
  // Upstream keep-alive 4 s, below Express's 5 s (as the tap's): a request sent on a connection the hub is
  // closing would fail with a 502.
  writeFileSync(conf, `worker_processes 1;\nerror_log ${prefix}/logs/error.log;\npid ${prefix}/nginx.pid;\nevents { worker_connections 4096; }\nhttp {\n access_log off;\n client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;\n upstream hub { server 127.0.0.1:${hubPort}; keepalive 64; keepalive_timeout 4s; }\n server {\n  listen 127.0.0.1:${port};\n  location / { proxy_pass http://hub; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; proxy_request_buffering off; proxy_read_timeout 1h; }\n }\n}\n`);
  const child = spawn(bin, ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await until(() => existsWorker(child.pid), 5_000, 'nginx to start');
  await sleep(200);
  return { url, pids: () => [child.pid, ...workers(child.pid)] };
}
/** The floor for a proxy made of node:http: a server piping each request into http.request and back (what any node proxy pays). */
async function startBareNodeProxy(hubUrl) {
  const code = `const http = require('node:http'); const hub = new URL(${JSON.stringify(hubUrl)}); const agent = new http.Agent({ keepAlive: true, timeout: 4000 });
const server = http.createServer({ noDelay: true }, (req, res) => {
  const up = http.request({ host: hub.hostname, port: hub.port, method: req.method, path: req.url, headers: req.headers, agent }, (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
  up.on('error', () => res.destroy());
  req.pipe(up);
}).listen(0, '127.0.0.1', () => process.stderr.write('listening on 127.0.0.1:' + server.address().port + '\\n'));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  await until(() => /listening on 127\.0\.0\.1:\d+/.test(err), 10_000, 'the bare node proxy to listen');
  return { url: `http://127.0.0.1:${/listening on 127\.0\.0\.1:(\d+)/.exec(err)[1]}`, pids: () => [child.pid] };
}

const workers = (pid) => { try { return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number); } catch { return []; } };
const existsWorker = (pid) => workers(pid).length > 0;

// --- clients -----------------------------------------------------------------------------------------
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const ECHO = JSON.stringify({ server_name: 'tester', tool: 'echo', arguments: { text: 'bench' } });

function restCall(base) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/servers/tools`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ECHO) } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { if (res.statusCode !== 200) body += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode} from ${base}: ${body.slice(0, 200)}`))));
    });
    req.on('error', reject);
    req.end(ECHO);
  });
}

/** A raw legacy-SSE MCP session (no SDK: its own costs would blur the figures): call() sends tools/call, resolves on the answer. */
async function mcpSession(base) {
  const pending = new Map();
  let endpoint;
  const stream = await new Promise((resolve, reject) => {
    const req = http.get(`${base}/mcp`, { headers: { accept: 'text/event-stream' } }, (res) => {
      let buf = '';
      res.setEncoding('utf8').on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (event === 'endpoint') endpoint = data.trim();
          else if (data) { const m = JSON.parse(data); pending.get(m.id)?.(m); pending.delete(m.id); }
        }
      });
      resolve(req);
    });
    req.on('error', reject);
  });
  await until(() => endpoint !== undefined, 5_000, 'the MCP endpoint event');
  let id = 0;
  const post = (msg) => new Promise((resolve, reject) => {
    const body = JSON.stringify(msg);
    const req = http.request(`${base}${endpoint}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
  const rpc = (method, params) => { const n = ++id; const answered = new Promise((r) => pending.set(n, r)); return post({ jsonrpc: '2.0', id: n, method, params }).then(() => answered); };
  await rpc('initialize', { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    call: () => rpc('tools/call', { name: 'tester__echo', arguments: { text: 'bench' } }).then((m) => { if (m.error) throw new Error(m.error.message); }),
    close: () => stream.destroy(),
  };
}

/**
 * `n` calls started at RATE per second (open loop); their latencies (ms) pushed onto `into`. A failed call
 * fails the run once all are done (caught at once: a rejection left waiting would end the process before
 * the `finally` that stops the hub, taps and nginx).
 */
async function atRate(call, n, into) {
  const t0 = performance.now();
  const all = [];
  let failed;
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const s = performance.now();
    all.push(call().then(() => into?.push(performance.now() - s), (err) => { failed ??= err; }));
  }
  await Promise.all(all);
  if (failed) throw failed;
}

/** Blocks of BLOCK calls per target in turn (the order rotates), REST then MCP, after one uncounted round. */
async function latency(targets) {
  for (const t of targets) {
    t.lat = { rest: [], mcp: [] };
    t.session = await mcpSession(t.url);
  }
  const rounds = Math.ceil(CALLS / BLOCK);
  for (let r = 0; r <= rounds; r++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + r) % targets.length];
      await atRate(() => restCall(t.url), BLOCK, r === 0 ? undefined : t.lat.rest);
      await atRate(() => t.session.call(), BLOCK, r === 0 ? undefined : t.lat.mcp);
    }
  }
  for (const t of targets) {
    t.session.close();
    t.rest = { p50: quantile(t.lat.rest, 0.5), p99: quantile(t.lat.rest, 0.99) };
    t.mcp = { p50: quantile(t.lat.mcp, 0.5), p99: quantile(t.lat.mcp, 0.99) };
  }
}

/** Closed loop, CONCURRENCY in flight for SLICE_MS: calls made, seconds taken, CPU s of each process. */
async function slice(url, procs) {
  const cpu0 = procs.map((p) => p.cpu());
  const t0 = performance.now();
  const n = await httpLoad(url, '/api/servers/tools', ECHO, CONCURRENCY, SLICE_MS);
  return { n, secs: (performance.now() - t0) / 1000, cpu: procs.map((p, i) => p.cpu() - cpu0[i]) };
}

/** ROUNDS slices of every target in turn (the order rotates): median calls/s, CPU per call of every process, peak RSS. */
async function throughput(targets, hub) {
  const hubPids = () => [hub.pid, ...hub.childPids()];
  const self = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  for (const t of targets) Object.assign(t, { rates: [], calls: 0, cpu: { proxy: 0, hub: 0, client: 0 } });
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + r) % targets.length];
      const procs = [
        { cpu: () => t.pids().reduce((s, p) => s + schedCpu(p), 0) },
        { cpu: () => hubPids().reduce((s, p) => s + schedCpu(p), 0) },
        { cpu: self },
      ];
      const s = await slice(t.url, procs);
      t.rates.push(s.n / s.secs);
      t.calls += s.n;
      t.cpu.proxy += s.cpu[0];
      t.cpu.hub += s.cpu[1];
      t.cpu.client += s.cpu[2];
    }
  }
  for (const t of targets) {
    const pids = t.pids();
    const us = (x) => (x / t.calls) * 1e6;
    t.tp = { rate: quantile(t.rates, 0.5), cpuPerCallUs: pids.length ? us(t.cpu.proxy) : undefined, hubUs: us(t.cpu.hub), clientUs: us(t.cpu.client), rssMb: pids.length ? pids.reduce((s, p) => s + statusKb(p, 'VmHWM'), 0) / 1024 : undefined };
  }
}

// --- run ---------------------------------------------------------------------------------------------
const hub = await launchHub({ servers: { tester: testServer() } });
let table;
const listeners = [];
try {
  const state = join(tmp, 'state');
  spawnSync('mkdir', ['-p', state, join(tmp, 'pass')]);
  const daemon = await socketListener(join(state, 'tap.sock'));
  listeners.push(daemon);
  const targets = [{ name: 'direct (hub)', url: hub.url, pids: () => [] }];
  if (BASELINE_CLI) {
    spawnSync('mkdir', ['-p', join(tmp, 'state-base'), join(tmp, 'pass-base')]);
    listeners.push(await socketListener(join(tmp, 'state-base', 'tap.sock')));
    targets.push({ name: 'tap (baseline build)', ...(await startTap(hub.url, join(tmp, 'state-base'), [], BASELINE_CLI)) });
    targets.push({ name: 'tap', ...(await startTap(hub.url, state)) });
    targets.push({ name: 'pass-through (baseline build)', ...(await startTap(hub.url, join(tmp, 'pass-base'), ['--pass-through'], BASELINE_CLI)) });
  } else {
    targets.push({ name: 'tap', ...(await startTap(hub.url, state)) });
  }
  targets.push({ name: 'tap --pass-through', ...(await startTap(hub.url, join(tmp, 'pass'), ['--pass-through'])) });
  for (const v of VARIANTS) {
    const dir = join(tmp, `state-${v.name}`);
    spawnSync('mkdir', ['-p', dir]);
    listeners.push(await socketListener(join(dir, 'tap.sock')));
    targets.push({ name: `tap [${v.name}]`, ...(await startTap(hub.url, dir, [], CLI, v.nodeArgs)) });
  }
  const otlp = await otlpSink();
  listeners.push(otlp);
  spawnSync('mkdir', ['-p', join(tmp, 'state-otel')]);
  listeners.push(await socketListener(join(tmp, 'state-otel', 'tap.sock')));
  writeFileSync(join(tmp, 'otel.yaml'), `otel:\n  enabled: true\n  endpoint: ${otlp.url}\n`);
  targets.push({ name: 'tap + OpenTelemetry export', ...(await startTap(hub.url, join(tmp, 'state-otel'), ['--config', join(tmp, 'otel.yaml')])) });
  targets.push({ name: 'bare node:http proxy', ...(await startBareNodeProxy(hub.url)) });
  const nginx = await startNginx(hub.port);
  if (nginx) targets.push({ name: 'nginx (proxy_buffering off)', nginx: true, ...nginx });
  for (const t of targets) {
    await restCall(t.url); // warm the keep-alive pools and the hub's path
    await httpLoad(t.url, '/api/servers/tools', ECHO, CONCURRENCY, 300); // and the JIT of every process on it
  }
  process.stderr.write(`bench: latency at ${RATE}/s, ${targets.length} paths in turn\n`);
  await latency(targets);
  process.stderr.write(`bench: throughput, ${targets.length} paths in turn\n`);
  await throughput(targets, hub);
  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(idle);
  await sleep(500);
  const idleRssMb = statusKb(idle.pid, 'VmHWM') / 1024;
  const d = targets[0];
  const add = (x, base) => `${(x - base).toFixed(2)}`;
  table = targets.map((t) => ({
    path: t.name,
    'REST p50 ms': t.rest.p50.toFixed(2), 'REST p99 ms': t.rest.p99.toFixed(2),
    'REST +p50': t === d ? '' : add(t.rest.p50, d.rest.p50), 'REST +p99': t === d ? '' : add(t.rest.p99, d.rest.p99),
    'MCP p50 ms': t.mcp.p50.toFixed(2), 'MCP p99 ms': t.mcp.p99.toFixed(2),
    'MCP +p50': t === d ? '' : add(t.mcp.p50, d.mcp.p50), 'MCP +p99': t === d ? '' : add(t.mcp.p99, d.mcp.p99),
    'calls/s': Math.round(t.tp.rate), 'vs direct': `${((100 * t.tp.rate) / d.tp.rate).toFixed(0)} %`,
    'CPU µs/call': t.tp.cpuPerCallUs === undefined ? '' : t.tp.cpuPerCallUs.toFixed(0),
    'peak RSS MB': t.tp.rssMb === undefined ? '' : t.tp.rssMb.toFixed(1),
    'RSS above idle node MB': t.tp.rssMb === undefined || t.nginx ? '' : (t.tp.rssMb - idleRssMb).toFixed(1),
  }));
  table.push({ path: 'idle node (node -e)', 'peak RSS MB': idleRssMb.toFixed(1) });
  console.log(`tap bench: mcp-hub 4.2.1 + test server echo; latency: ${CALLS} calls per path at ${RATE}/s in blocks of ${BLOCK} taken in turn; throughput: REST, ${CONCURRENCY} in flight, median of ${ROUNDS} rounds of ${SLICE_MS / 1000} s per path in turn; "+" = added to direct (ms)`);
  console.table(table);
  console.log('CPU per call during the throughput rounds (µs; all threads; hub = mcp-hub and its MCP server):');
  console.table(targets.map((t) => {
    const proxy = t.tp.cpuPerCallUs ?? 0;
    return { path: t.name, 'load generator': t.tp.clientUs.toFixed(0), hub: t.tp.hubUs.toFixed(0), proxy: t === d ? '' : proxy.toFixed(0), total: (t.tp.clientUs + t.tp.hubUs + proxy).toFixed(0), 'cores busy': ((t.tp.clientUs + t.tp.hubUs + proxy) * t.tp.rate / 1e6).toFixed(2) };
  }));
  if (!nginx) console.log('nginx: not installed (apt-get install nginx), its row is skipped');
  console.log(`records the daemon's socket received from the tap: ${daemon.lines()} lines; OTLP exports the otel tap sent: ${otlp.exports()}`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(listeners.map((l) => l.close())); // once the taps are gone: a listener closes when its connections have
  await hub.stop();
  rmSync(tmp, { recursive: true, force: true });
}
