#!/usr/bin/env node
// `npm run bench:anomaly-pass`: what the daemon's first anomaly pass costs the rest of the daemon. One hub
// with 20 servers (probe latency) and 20 tools (calls through the tap) and 8 days of minutes in the 1-minute
// rollups, as a week of watching leaves it: 65 learned-band series. The pass reads them and judges each (the
// job's AnomalyHistoryCache.read and judgeSeries). Measured in the same run, two ways:
//   baseline: no pause (how the pass ran before: one synchronous read of 8 days, then every series)
//   daemon:   the daemon's pause (nextTurn: a turn of the event loop between 6-hour slices and between series)
// While it runs, a 1 ms timer stands in for the daemon's polls, /metrics and sends: the longest gap between
// two of its firings is how long they could have waited. Target: the daemon's longest stall ≤ 1/5 of the
// baseline's; the pass may take longer in all (it shares the loop), not more than 1.5×. Prints a table.
// Usage: node bench/anomaly-pass.mjs [runs=3]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../dist/config/defaults.js';
import { AnomalyHistoryCache, nextTurn } from '../dist/daemon/anomaly-series.js';
import { judgeSeries } from '../dist/evaluate/anomaly-watch.js';
import { Store } from '../dist/store/store.js';

const RUNS = Number(process.argv[2] ?? 3);
const HUB = 'http://127.0.0.1:7000';
const MIN = 60_000;
const NOW = Date.UTC(2026, 11, 1);

function seed(store) {
  let rows = [];
  const flush = () => { store.insertSamples(rows); rows = []; };
  for (let t = NOW - 8 * 86_400_000; t < NOW; t += MIN) {
    const k = t / MIN;
    rows.push({ hub: HUB, name: 'hub.up', t, v: 1 }, { hub: HUB, name: 'hub.health_latency_ms', t, v: 40 + (k % 7) },
      { hub: HUB, name: 'hub.rss_bytes', t, v: 1e8 + (k % 13) * 4096 }, { hub: HUB, name: 'hub.cpu_percent', t, v: 3 + (k % 5) / 10 });
    for (let s = 0; s < 20; s++) {
      rows.push({ hub: HUB, name: 'server.probe_latency_ms', labels: { server: `s${s}` }, t, v: 5 + ((k + s) % 3) });
      const labels = { server: `s${s}`, tool: 'read' };
      rows.push({ hub: HUB, name: 'calls.count', labels, t, v: 4 }, { hub: HUB, name: 'calls.duration_ms_sum', labels, t, v: 4 * (20 + ((k + s) % 9)) });
    }
    if (rows.length >= 50_000) flush();
  }
  flush();
  for (let r = store.rollup(NOW); !r.done; r = store.rollup(NOW));
}

/** One first pass (a fresh cache), with a 1 ms timer running beside it: total ms and the longest gap. */
async function pass(store, cfg, pause) {
  let last = performance.now();
  let worst = 0;
  let ticking = true;
  const tick = () => {
    const t = performance.now();
    worst = Math.max(worst, t - last);
    last = t;
    if (ticking) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  const t0 = performance.now();
  const series = await new AnomalyHistoryCache().read(store, HUB, cfg, NOW, pause);
  for (const h of series) {
    judgeSeries(h.series, h.points, NOW, 'ok', cfg.anomaly);
    if (pause) await pause();
  }
  const total = performance.now() - t0;
  ticking = false;
  await new Promise((r) => setTimeout(r, 5));
  return { total, worst, series: series.length };
}

const root = mkdtempSync(join(tmpdir(), 'bench-anomaly-pass-'));
try {
  const store = Store.open({ stateDir: join(root, 'state') });
  seed(store);
  const cfg = defaultConfig();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const results = { baseline: [], daemon: [] };
  await pass(store, cfg, undefined); // warm: SQLite's page cache and the JIT, for both alike
  for (let i = 0; i < RUNS; i++) {
    results.baseline.push(await pass(store, cfg, undefined));
    results.daemon.push(await pass(store, cfg, nextTurn));
  }
  store.close();
  const row = (name, rs) => ({ name, series: rs[0].series, total: median(rs.map((r) => r.total)), worst: median(rs.map((r) => r.worst)) });
  const base = row('baseline: one read, no pause', results.baseline);
  const daemon = row('daemon: 6 h slices, a turn between', results.daemon);
  console.log(`anomaly first pass, 1 hub, 8 days of minutes; median of ${RUNS} runs (${cpus().length} cores, load ${loadavg()[0].toFixed(2)})\n`);
  console.log('| pass | series | pass total | longest event-loop stall | stall vs baseline | total vs baseline |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of [base, daemon]) {
    console.log(`| ${r.name} | ${r.series} | ${r.total.toFixed(0)} ms | ${r.worst.toFixed(0)} ms | ${(r.worst / base.worst).toFixed(2)}× | ${(r.total / base.total).toFixed(2)}× |`);
  }
  const ok = daemon.worst <= base.worst / 5 && daemon.total <= base.total * 1.5;
  console.log(`\ntarget: stall ≤ 0.20× and total ≤ 1.5× of the baseline: ${ok ? 'met' : 'NOT met'}`);
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
