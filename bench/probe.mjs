#!/usr/bin/env node
// `npm run bench:probe`: how fast the daemon finds a hung stdio child, and what its probes cost the hub,
// against the real mcp-hub with the daemon running in this process (one clock for both ends).
//  1. SIGSTOP → server.probe firing: a fresh hub and daemon per trial; the child is stopped at a random
//     phase of the 60 s probe round; the time runs until the alert row is written as firing.
//  2. Probe cost: a hub with N quiet stdio servers watched for W seconds; hub CPU (hub + children, from
//     /proc/PID/schedstat) and requests to the hub per second (counted at node:http's request(), which every
//     daemon request goes through), and the hub CPU of one probe and of one /api/health poll, back to back.
// Both against a baseline measured in the same run: the full probe round only (probes.idle_interval: 0),
// which is how the daemon probed before idle probing. Target (issue H.4): firing ≤ 15 s.
// Usage: node bench/probe.mjs [trials=3] [servers=10] [seconds=60]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { everythingServer, launchHub, testServer } from '../dist/demo/hub-launcher.js';
import { defaultConfig } from '../dist/config/defaults.js';
import { startDaemon } from '../dist/daemon/daemon.js';
import { startSseClient } from '../dist/sources/sse-client.js';
import { createHubAgent, httpGet } from '../dist/sources/http-get.js';
import { probeServer } from '../dist/sources/server-probe.js';
import { Store } from '../dist/store/store.js';
import { quantile, quiet, recordAlertSaves, sleep, until } from './lib/common.mjs';

const trials = Number(process.argv[2] ?? 3);
const serverCount = Number(process.argv[3] ?? 10);
const seconds = Number(process.argv[4] ?? 60);
/** CPU time in ms from /proc/PID/schedstat (all threads' run time). */
const cpuMs = (pid) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

// Requests by path while a cost window is open.
let counting;
const request = http.request;
http.request = function (target, ...rest) {
  if (counting) {
    const path = typeof target === 'string' ? new URL(target).pathname : target.pathname;
    counting[path] = (counting[path] ?? 0) + 1;
  }
  return request.call(this, target, ...rest);
};

const saves = recordAlertSaves();


const MODES = {
  'full round only (baseline)': (cfg) => { cfg.probes.idle_interval = 0; },
  'idle probing (defaults)': () => {},
};

function runDaemon(hubUrl, mode) {
  const cfg = defaultConfig();
  MODES[mode](cfg);
  const state = mkdtempSync(join(tmpdir(), 'mhm-bench-probe-'));
  const store = Store.open({ stateDir: state, quickCheck: false });
  const daemon = startDaemon({ cfg, targets: [{ url: hubUrl, origin: 'flag' }], stateDir: state, store, log: quiet, timeoutMs: 3_000, startSse: startSseClient });
  return {
    store,
    async stop() { await daemon.stop(); store.close(); rmSync(state, { recursive: true, force: true }); },
  };
}

// 1. SIGSTOP → firing.
const detection = Object.fromEntries(Object.keys(MODES).map((m) => [m, []]));
for (let i = 0; i < trials; i++) {
  for (const mode of Object.keys(MODES)) {
    const hub = await launchHub({ servers: { everything: everythingServer(), frozen: testServer({ MHM_TAG: 'frozen' }) } });
    const d = runDaemon(hub.url, mode);
    const frozen = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes('MHM_TAG=frozen'));
    try {
      await sleep(10_000 + Math.random() * 60_000); // settled, then a random phase of the 60 s round
      const from = saves.length;
      const stoppedAt = performance.now();
      process.kill(frozen, 'SIGSTOP');
      await until(() => saves.slice(from).some((s) => s.rule === 'server.probe' && s.state === 'firing'), 120_000, 'server.probe firing');
      detection[mode].push(saves.slice(from).find((s) => s.rule === 'server.probe' && s.state === 'firing').at - stoppedAt);
      process.stdout.write(`  ${mode}: trial ${i + 1} fired after ${(detection[mode].at(-1) / 1000).toFixed(1)} s\n`);
    } finally {
      try { process.kill(frozen, 'SIGCONT'); } catch { /* gone */ }
      await d.stop();
      await hub.stop();
    }
  }
}

// 2. Cost with N quiet servers.
const servers = {};
for (let i = 0; i < serverCount; i++) servers[`s${i}`] = testServer();
const hub = await launchHub({ servers });
const cost = {};
let perProbeMs;
let perPollMs;
try {
  const all = () => [hub.pid, ...hub.childPids()].reduce((n, p) => n + cpuMs(p), 0);
  const agent = createHubAgent();
  const per = async (fn, n = 300) => {
    for (let i = 0; i < 30; i++) await fn();
    const c0 = all();
    for (let i = 0; i < n; i++) await fn();
    return (all() - c0) / n;
  };
  perProbeMs = await per(() => probeServer(hub.url, 's0', { timeoutMs: 5_000, agent }));
  perPollMs = await per(() => httpGet(`${hub.url}/api/health`, { timeoutMs: 5_000, maxBytes: 8 << 20, agent }));
  agent.destroy();
  for (const mode of Object.keys(MODES)) {
    const d = runDaemon(hub.url, mode);
    try {
      await sleep(5_000);
      const t0 = Date.now();
      const c0 = all();
      counting = {};
      await sleep(seconds * 1_000);
      const counted = counting;
      counting = undefined;
      const cpu = all() - c0;
      const ms = Date.now() - t0;
      const total = Object.values(counted).reduce((a, b) => a + b, 0);
      cost[mode] = {
        cpuPct: (100 * cpu) / ms, probesPerS: (1000 * (counted['/api/servers/resources'] ?? 0)) / ms,
        pollsPerS: (1000 * (counted['/api/health'] ?? 0)) / ms, allPerS: (1000 * total) / ms,
      };
    } finally {
      await d.stop();
    }
  }
} finally {
  await hub.stop();
}

console.log(`\nMCP probes against the real mcp-hub (${process.version}); a probe is POST /api/servers/resources through the hub to the child\n`);
console.log('| mode | SIGSTOP → server.probe firing, n | p50 | max | target |');
console.log('|---|---:|---:|---:|---|');
for (const [mode, xs] of Object.entries(detection)) {
  console.log(`| ${mode} | ${xs.length} | ${(quantile(xs, 0.5) / 1000).toFixed(1)} s | ${(Math.max(...xs) / 1000).toFixed(1)} s | ≤ 15 s |`);
}
console.log(`\nhub + children CPU per request: one probe ${perProbeMs.toFixed(2)} ms, one /api/health poll ${perPollMs.toFixed(2)} ms (${serverCount} servers)\n`);
console.log(`| mode (${serverCount} quiet servers, ${seconds} s, 5 s polls, SSE on) | probes/s | health polls/s | all requests/s | hub + children CPU % of one core |`);
console.log('|---|---:|---:|---:|---:|');
for (const [mode, c] of Object.entries(cost)) console.log(`| ${mode} | ${c.probesPerS.toFixed(2)} | ${c.pollsPerS.toFixed(2)} | ${c.allPerS.toFixed(2)} | ${c.cpuPct.toFixed(2)} |`);
const worst = Math.max(...detection['idle probing (defaults)']);
console.log(`\nfiring ≤ 15 s with idle probing → ${worst <= 15_000 ? 'met' : 'NOT met'}`);
