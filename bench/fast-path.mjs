#!/usr/bin/env node
// `npm run bench:fast-path`: what the fast path (src/cli/fast-path.ts) saves. The same `mcp-hub-monitor check`
// against a real hub, parsed without commander (as it runs) and forced through commander (MHM_FAST_PATH=0),
// interleaved with `node -e 0` (Node's own start-up) in the same run. Prints medians and ratios; machines
// here are noisy, ratios are not.
// Usage: node bench/fast-path.mjs [rounds]
import { fileURLToPath } from 'node:url';
import { launchHub, testServer } from '../dist/demo/hub-launcher.js';
import { timeRotated } from './lib/common.mjs';

const rounds = Number(process.argv[2] ?? 40);
const cli = fileURLToPath(new URL('../bin/mcp-hub-monitor.cjs', import.meta.url));

const hub = await launchHub({ servers: { a: testServer(), b: testServer() } });
const env = { ...process.env, HOME: hub.env.HOME, XDG_CONFIG_HOME: hub.env.XDG_CONFIG_HOME, XDG_STATE_HOME: hub.env.XDG_STATE_HOME, NO_COLOR: '1' };
const check = [process.execPath, cli, 'check', '--hub', hub.url];
const runs = [
  { name: 'node -e 0', argv: [process.execPath, '-e', '0'], env },
  { name: 'check, fast path', argv: check, env: { ...env, MHM_FAST_PATH: '1' } },
  { name: 'check, through commander (MHM_FAST_PATH=0)', argv: check, env: { ...env, MHM_FAST_PATH: '0' } },
];
// Let the servers' uptime pass 0 so `check` takes its usual one-poll path, not the confirmation re-poll.
await new Promise((r) => setTimeout(r, 1500));
let times;
try {
  times = timeRotated(runs, rounds, (_run, status) => status === 0);
} finally {
  await hub.stop();
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];
const med = times.map(median);
const [node0, fast, slow] = med;
console.log(`\n${rounds} interleaved rounds of check against mcp-hub 4.2.1 with 2 servers (${process.version}, ${new Date().toISOString()})\n`);
console.log('| run | median ms | p90 ms | vs node -e 0 | vs fast path |');
console.log('|---|---:|---:|---:|---:|');
runs.forEach((r, i) => {
  console.log(`| ${r.name} | ${med[i].toFixed(1)} | ${p90(times[i]).toFixed(1)} | ${(med[i] / node0).toFixed(2)}× (+${(med[i] - node0).toFixed(1)} ms) | ${(med[i] / fast).toFixed(2)}× |`);
});
console.log(`\nthe fast path saves ${(slow - fast).toFixed(1)} ms a check (${((1 - fast / slow) * 100).toFixed(0)}% of the commander run)`);
