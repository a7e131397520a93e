#!/usr/bin/env node
// `npm run bench:measure`: `mcp-hub-monitor measure --duration 10s` against the real mcp-hub 4.2.1, checked
// against issue E's two targets, with a baseline measured in the same run:
//  - wall time of the whole command (spawn to exit, Node's start-up included) ≤ duration + 0.5 s;
//  - client-side timing overhead ≤ 1 ms per request: the health round trips measure records, against a bare
//    `node:http` keep-alive GET loop on the same hub at the same pace, also in a fresh Node process (a
//    fresh process runs cold code: comparing against a warm loop would charge that to measure).
// Runs alternate (bare, measure / measure, bare, …) and pool their samples; the overhead is the difference
// of medians with its bootstrap 95 % CI, from our own stats.ts. Machines here are shared: read the CI too.
// A third comparison isolates the request path itself: measure's pollHub and a bare http.get, interleaved
// request by request in one warm process, where process start-up and machine load cancel out.
// Usage: node bench/measure.mjs [durationSeconds] [rounds]   (npm run bench:measure builds first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { everythingServer, launchHub, testServer } from '../dist/demo/hub-launcher.js';
import http from 'node:http';
import { compareSamples, quantile } from '../dist/evaluate/stats.js';
import { createHubAgent } from '../dist/sources/http-get.js';
import { pollHub } from '../dist/sources/hub-client.js';

const durationS = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 4);
const cli = fileURLToPath(new URL('../bin/mcp-hub-monitor.cjs', import.meta.url));

// The bare loop: one keep-alive socket, one warm-up request (as measure's first look), then one GET per slot.
const BARE = `
const http = require('node:http');
const [url, pace, ms] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = () => new Promise((resolve, reject) => {
  const t0 = performance.now();
  http.get(url + '/api/health', { agent }, (res) => { res.on('data', () => {}).on('end', () => resolve(performance.now() - t0)); }).on('error', reject);
});
(async () => {
  await get();
  const out = [];
  const start = performance.now();
  for (let k = 0; k * pace < ms; k++) {
    const due = start + k * pace;
    if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
    out.push(await get());
  }
  agent.destroy();
  process.stdout.write(JSON.stringify(out));
})();`;

function bareRun(url, paceMs) {
  const r = spawnSync(process.execPath, ['-e', BARE, url, String(paceMs), String(durationS * 1000)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bare loop exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function measureRun(url, stateDir, name, intervalMs) {
  const t0 = performance.now();
  const args = [cli, 'measure', '--hub', url, '--state-dir', stateDir, '--duration', `${durationS}s`, '--name', name, '--json'];
  if (intervalMs) args.push('--interval', `${intervalMs}ms`);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`measure exited ${r.status}: ${r.stderr}${r.stdout.slice(0, 2000)}`);
  const health = JSON.parse(readFileSync(join(stateDir, 'baselines', `${name}.json`), 'utf8')).hubs[0].health;
  return { wallMs, latencies: health.samples.filter((s) => s.outcome === 'ok').map((s) => s.latencyMs), scheduleMaxMs: health.scheduleErrorMs.max };
}

/** pollHub (health only, as measure's samples) and a bare http.get, alternating, `n` each, 20 ms apart. */
async function interleaved(url, n) {
  const bareAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ourAgent = createHubAgent();
  const bare = () => new Promise((resolve, reject) => {
    const t0 = performance.now();
    http.get(`${url}/api/health`, { agent: bareAgent }, (res) => { res.on('data', () => {}).on('end', () => resolve(performance.now() - t0)); }).on('error', reject);
  });
  const ours = async () => (await pollHub({ url, origin: 'flag' }, { deadline: performance.now() + 5_000, agent: ourAgent, healthOnly: true })).health.latencyMs;
  const out = { bare: [], ours: [] };
  for (let i = 0; i < n + 10; i++) {
    let b;
    let o;
    if (i % 2) { b = await bare(); o = await ours(); } else { o = await ours(); b = await bare(); } // neither always goes first
    if (i >= 10) { out.bare.push(b); out.ours.push(o); } // ten warm-up pairs
    await new Promise((r) => setTimeout(r, 20));
  }
  bareAgent.destroy();
  ourAgent.destroy();
  return out;
}

const hub = await launchHub({ servers: { everything: everythingServer(), a: testServer(), b: testServer() } });
const stateDir = mkdtempSync(join(tmpdir(), 'mhm-bench-measure-'));
const rows = [];
const checks = [];
const load = loadavg()[0];
const overheads = [];
const pooled = { bare: [], measured: [] };
const sign = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
const describe = (c) => `${sign(c.diffMedian)} ms (95% CI ${sign(c.ci[0])} … ${sign(c.ci[1])} ms; ${(c.medianB / c.medianA).toFixed(2)}×; ${c.verdict === 'no_change' ? 'no significant difference' : `${c.verdict}, p ${c.p.toFixed(3)}`})`;
try {
  await new Promise((r) => setTimeout(r, 1500)); // past uptime 0, as in the other benches
  for (const intervalMs of [undefined, 100]) {
    const pace = intervalMs ?? 500;
    const label = `measure --duration ${durationS}s${intervalMs ? ` --interval ${intervalMs}ms` : ''}`;
    const bare = [];
    const measured = [];
    const walls = [];
    const sched = [];
    for (let r = 0; r < rounds; r++) {
      const m = () => {
        const run = measureRun(hub.url, stateDir, `bench-${pace}ms-${r}`, intervalMs);
        measured.push(...run.latencies);
        walls.push(run.wallMs);
        sched.push(run.scheduleMaxMs);
      };
      const b = () => bare.push(...bareRun(hub.url, pace));
      if (r % 2 === 0) { b(); m(); } else { m(); b(); }
    }
    const c = compareSamples(bare, measured, { seed: 1 });
    const wall = quantile(walls, 0.5);
    rows.push([`bare node:http GET loop, every ${pace} ms (${rounds} runs)`, bare, '', '']);
    rows.push([`${label} (${rounds} runs)`, measured, `${(wall / 1000).toFixed(2)} (max ${(Math.max(...walls) / 1000).toFixed(2)})`, `${quantile(sched, 0.5).toFixed(2)} (max ${Math.max(...sched).toFixed(2)})`]);
    checks.push([`${label}: wall ≤ ${durationS + 0.5} s (median run)`, wall <= durationS * 1000 + 500, walls.map((w) => `${(w / 1000).toFixed(2)}`).join(', ') + ' s']);
    overheads.push([`${label} vs bare loop (informational)`, null, describe(c)]);
    pooled.bare.push(...bare);
    pooled.measured.push(...measured);
  }
  // Both sides hold the same paces in the same proportions, so pooling them is fair and narrows the CI.
  const all = compareSamples(pooled.bare, pooled.measured, { seed: 1 });
  checks.push(['timing overhead ≤ 1 ms per request: measure\'s recorded round trips vs the bare loop, all runs', all.diffMedian <= 1, describe(all)]);
  checks.push(...overheads);
  const ab = interleaved(hub.url, 300);
  const { bare, ours } = await ab;
  const c = compareSamples(bare, ours, { seed: 1 });
  rows.push(['in one process: bare http.get, interleaved', bare, '', '']);
  rows.push(['in one process: pollHub (measure\'s request path), interleaved', ours, '', '']);
  checks.push(['request path overhead ≤ 1 ms: pollHub vs http.get, interleaved in one process', c.diffMedian <= 1, describe(c)]);
} finally {
  await hub.stop();
  rmSync(stateDir, { recursive: true, force: true });
}

const f = (x) => x.toFixed(3);
console.log(`\nmcp-hub-monitor measure against mcp-hub 4.2.1 with 3 servers (${process.version}, ${new Date().toISOString()}, load average ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)})\n`);
console.log('| run | health requests | p50 ms | p95 ms | p99 ms | wall s | max schedule error ms |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, xs, wall, s] of rows) console.log(`| ${name} | ${xs.length} | ${f(quantile(xs, 0.5))} | ${f(quantile(xs, 0.95))} | ${f(quantile(xs, 0.99))} | ${wall} | ${s} |`);
console.log('\n| target | result | measured |\n|---|---|---|');
for (const [what, ok, value] of checks) console.log(`| ${what} | ${ok === null ? '—' : ok ? 'met' : 'NOT met'} | ${value} |`);
process.exitCode = checks.every((c) => c[1] !== false) ? 0 : 1;
