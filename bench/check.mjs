#!/usr/bin/env node
// `npm run bench`: wall time of `mcp-hub-monitor check` and `validate` against a real hub, interleaved with two baselines
// measured in the same run — `node -e 0` (Node's own start-up) and a bash script shaped like the seed's
// check-alerts.sh (1 curl, 6 jq, 4 bc). Prints medians and ratios; machines here are noisy, ratios are not.
// Usage: node bench/check.mjs [rounds]   (needs curl, jq and bc for the bash baseline)
import { fileURLToPath } from 'node:url';
import { everythingServer, launchHub, testServer } from '../dist/demo/hub-launcher.js';
import { timeRotated } from './lib/common.mjs';
import { spawnSync } from 'node:child_process';

const rounds = Number(process.argv[2] ?? 30);
const cli = fileURLToPath(new URL('../bin/mcp-hub-monitor.cjs', import.meta.url));
const bashScript = fileURLToPath(new URL('./seed-check-alerts.sh', import.meta.url));
for (const tool of ['curl', 'jq', 'bc']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`bench: ${tool} is needed for the bash baseline (apt-get install -y curl jq bc)`);
    process.exit(3);
  }
}

const hub = await launchHub({ servers: { everything: everythingServer(), a: testServer(), b: testServer() } });
const env = { ...process.env, HOME: hub.env.HOME, XDG_CONFIG_HOME: hub.env.XDG_CONFIG_HOME, XDG_STATE_HOME: hub.env.XDG_STATE_HOME, NO_COLOR: '1' };
const commands = [
  { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
  { name: 'bash seed check-alerts (curl+6 jq+4 bc)', argv: ['bash', bashScript, hub.url] },
  { name: 'mcp-hub-monitor check', argv: [process.execPath, cli, 'check', '--hub', hub.url] },
  { name: 'mcp-hub-monitor validate', argv: [process.execPath, cli, 'validate', '--hub', hub.url] },
];
// Let the servers' uptime pass 0 so `check` takes its usual one-poll path, not the confirmation re-poll.
await new Promise((r) => setTimeout(r, 1500));
let times;
try {
  // The seed's logic exits 2 on an idle, healthy hub (its false CRITICAL); any verdict 0–2 is a run.
  // validate is OK on the launcher's hub (bound to loopback by our preload), WARNING on one that binds every interface.
  const accept = (c, status) => (c.name.startsWith('bash') ? status !== null && status <= 2 : c.name.endsWith('validate') ? status === 0 || status === 1 : status === 0);
  times = timeRotated(commands.map((c) => ({ ...c, env })), rounds, accept);
} finally {
  await hub.stop();
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];
const med = times.map(median);
const [node0, bash, check, validate] = med;
console.log(`\n${rounds} interleaved rounds against mcp-hub 4.2.1 with 3 servers (${process.version}, ${new Date().toISOString()})\n`);
console.log('| command | median ms | p90 ms | vs node -e 0 | vs bash baseline |');
console.log('|---|---:|---:|---:|---:|');
commands.forEach((c, i) => {
  console.log(`| ${c.name} | ${med[i].toFixed(1)} | ${p90(times[i]).toFixed(1)} | ${(med[i] / node0).toFixed(2)}× (+${(med[i] - node0).toFixed(1)} ms) | ${(med[i] / bash).toFixed(2)}× |`);
});
const okNode = check <= node0 + 30;
const okBash = check <= 0.5 * bash;
console.log(`\ntarget: check ≤ node -e 0 + 30 ms → ${okNode ? 'met' : 'NOT met'} (+${(check - node0).toFixed(1)} ms)`);
console.log(`target: check ≤ 0.5 × bash baseline → ${okBash ? 'met' : 'NOT met'} (${(check / bash).toFixed(2)}×)`);
console.log(`target: validate ≤ node -e 0 + 60 ms → ${validate <= node0 + 60 ? 'met' : 'NOT met'} (+${(validate - node0).toFixed(1)} ms)`);
