#!/usr/bin/env node
// `npm run bench:daemon`: the idle daemon's cost against a real hub, against a bash+curl+jq loop doing the
// same polls, measured in the same run. CPU from /proc/PID/stat (utime+stime, and cutime+cstime for the
// loop's reaped curl/jq children), RSS from /proc/PID/status. Usage: node bench/daemon.mjs [seconds] [hubs]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { everythingServer, launchHub, testServer } from '../dist/demo/hub-launcher.js';

const seconds = Number(process.argv[2] ?? 60);
const hubCount = Number(process.argv[3] ?? 1);
const TICK = 100; // CLK_TCK on Linux
const cli = fileURLToPath(new URL('../bin/mcp-hub-monitor.cjs', import.meta.url));

function cpuTicks(pid, withChildren = false) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = Number(f[11]) + Number(f[12]);
  return withChildren ? own + Number(f[13]) + Number(f[14]) : own;
}
/** CPU time in seconds from /proc/PID/schedstat (nanoseconds, all threads' run time): finer than ticks. */
function schedCpu(pid) {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
}
function rssBytes(pid) {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const hubs = [];
for (let i = 0; i < hubCount; i++) hubs.push(await launchHub({ servers: { everything: everythingServer(), t: testServer() } }));
const state = mkdtempSync(join(tmpdir(), 'mhm-bench-daemon-'));
const args = ['daemon', '--state-dir', state, ...hubs.flatMap((h) => ['--hub', h.url]), ...(process.env.MHM_BENCH_NO_SSE ? ['--no-sse'] : [])];
const daemon = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
const loopScript = `while true; do for u in ${hubs.map((h) => h.url).join(' ')}; do curl -s --max-time 3 "$u/api/health" | jq -c '{state, servers: [.servers[] | {name, status, uptime}]}' >/dev/null; done; sleep 5; done`;
const loop = spawn('bash', ['-c', loopScript], { stdio: 'ignore' });
// The floor for any Node poller: a bare http.get + JSON.parse of /api/health per hub every 5 s, nothing else.
const floorScript = `const http = require('node:http'); const urls = ${JSON.stringify(hubs.map((h) => `${h.url}/api/health`))};
setInterval(() => { for (const u of urls) http.get(u, (r) => { let b = ''; r.setEncoding('utf8'); r.on('data', (c) => { b += c; }); r.on('end', () => JSON.parse(b)); }).on('error', () => {}); }, 5000);`;
const floor = spawn(process.execPath, ['-e', floorScript], { stdio: 'ignore' });
try {
  await sleep(10_000); // start-up, first polls, SSE connected, heap settled
  const d0 = schedCpu(daemon.pid);
  const f0 = schedCpu(floor.pid);
  const l0 = cpuTicks(loop.pid, true);
  let maxRss = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    maxRss = Math.max(maxRss, rssBytes(daemon.pid));
    await sleep(1_000);
  }
  const dCpu = schedCpu(daemon.pid) - d0;
  const fCpu = schedCpu(floor.pid) - f0;
  const lCpu = (cpuTicks(loop.pid, true) - l0) / TICK;
  const polls = Math.floor(seconds / 5) * hubCount;
  const pct = (s) => (100 * s) / seconds;
  console.log(`\nidle daemon, ${hubCount} hub(s), 5 s polls with SSE, ${seconds} s window (${process.version})\n`);
  console.log('| process | CPU s | CPU % of one core | CPU ms per poll | peak RSS |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| mcp-hub-monitor daemon | ${dCpu.toFixed(2)} | ${pct(dCpu).toFixed(3)} | ${((dCpu * 1000) / polls).toFixed(2)} | ${(maxRss / 1048576).toFixed(1)} MiB |`);
  console.log(`| bash + curl + jq loop | ${lCpu.toFixed(2)} | ${pct(lCpu).toFixed(3)} | ${((lCpu * 1000) / polls).toFixed(2)} | |`);
  console.log(`| floor: bare node http.get + JSON.parse | ${fCpu.toFixed(2)} | ${pct(fCpu).toFixed(3)} | ${((fCpu * 1000) / polls).toFixed(2)} | |`);
  const ratio = dCpu > 0 ? lCpu / dCpu : Infinity;
  const rssLimit = hubCount > 1 ? 100 : 80;
  const cpuLimit = hubCount > 1 ? 1 : 0.25;
  console.log(`\nCPU per poll: the loop uses ${ratio.toFixed(1)}× the daemon's (target ≥ 20×) → ${ratio >= 20 ? 'met' : 'NOT met'}`);
  console.log(`(the loop uses ${(fCpu > 0 ? lCpu / fCpu : Infinity).toFixed(1)}× a bare Node poller that does nothing but fetch and parse: the most any Node daemon could reach)`);
  console.log(`daemon CPU ≤ ${cpuLimit}% → ${pct(dCpu) <= cpuLimit ? 'met' : 'NOT met'}; RSS ≤ ${rssLimit} MB → ${maxRss <= rssLimit * 1e6 ? 'met' : 'NOT met'}`);
} finally {
  loop.kill('SIGKILL');
  floor.kill('SIGKILL');
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  await Promise.all(hubs.map((h) => h.stop()));
  rmSync(state, { recursive: true, force: true });
}
