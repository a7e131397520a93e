#!/usr/bin/env node
// `npm run bench:report`: a monthly report over a 30-day store of 50 series (1 hub: hub.up, latency, RSS,
// health_fast and 15 servers × up/tools/uptime + a few events), as the CLI runs it (`report monthly`, a
// fresh process, Markdown with charts written to a file). Baseline in the same run: `history --series
// hub.up --since 30d` (a fresh process reading the same store). Target (issue E): ≤ 1 s.
// Usage: node bench/report.mjs [rounds=5]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../dist/store/store.js';

const rounds = Number(process.argv[2] ?? 5);
const HUB = 'http://127.0.0.1:7000';
const MIN = 60_000;
const DAY = 86_400_000;
const cli = fileURLToPath(new URL('../bin/mcp-hub-monitor.cjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mhm-bench-report-'));
const store = Store.open({ stateDir: dir, quickCheck: false });
const now = Math.floor(Date.now() / MIN) * MIN;
const servers = Array.from({ length: 15 }, (_, i) => `srv-${i}`);
let series = new Set();
for (let d = 30; d > 0; d--) {
  const rows = [];
  for (let m = 0; m < 1440; m++) {
    const t = now - d * DAY + m * MIN;
    const down = d === 12 && m >= 600 && m < 630; // a 30-minute outage
    rows.push({ hub: HUB, name: 'hub.up', t, v: down ? null : 1, err: down ? 'refused' : undefined });
    if (!down) {
      rows.push({ hub: HUB, name: 'hub.health_latency_ms', t, v: 3 + (m % 7) }, { hub: HUB, name: 'hub.health_fast', t, v: 1 }, { hub: HUB, name: 'hub.rss_bytes', t, v: 7e7 + d * 1e5 });
      for (const s of servers) {
        const labels = { server: s };
        rows.push({ hub: HUB, name: 'server.up', labels, t, v: s === 'srv-3' && d === 5 && m < 60 ? 0 : 1 }, { hub: HUB, name: 'server.tools', labels, t, v: 5 }, { hub: HUB, name: 'server.uptime_s', labels, t, v: m * 60 });
      }
    }
  }
  for (const r of rows) series.add(`${r.name}${r.labels ? r.labels.server : ''}`);
  store.insertSamples(rows);
}
store.insertEvents([{ hub: HUB, t: now - 12 * DAY + 600 * MIN, type: 'poll_failed', data: { failure: 'refused' } }, { hub: HUB, t: now - 5 * DAY, type: 'server_dead', server: 'srv-3', data: { to: 'dead' } }]);
while (!store.rollup(now).done);
store.close();

const time = (args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args, '--state-dir', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
const out = join(dir, 'monthly.md');
const base = [];
const report = [];
for (let i = 0; i < rounds; i++) {
  base.push(time(['history', '--series', 'hub.up', '--since', '30d', '--resolution', '1h', '--format', 'json']));
  report.push(time(['report', 'monthly', '--output', out]));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`\nmonthly report over a 30-day store of ${series.size} series, 1-minute polls (${process.version}), ${rounds} rounds\n`);
console.log('| command | median ms | max ms | × baseline |');
console.log('|---|---:|---:|---:|');
console.log(`| history --series hub.up --since 30d (baseline) | ${median(base).toFixed(0)} | ${Math.max(...base).toFixed(0)} | 1.00× |`);
console.log(`| report monthly --output monthly.md (+ SVG charts) | ${median(report).toFixed(0)} | ${Math.max(...report).toFixed(0)} | ${(median(report) / median(base)).toFixed(2)}× |`);
console.log(`\ntarget ≤ 1 s: ${Math.max(...report) <= 1000 ? 'met' : 'NOT met'}`);
rmSync(dir, { recursive: true, force: true });
