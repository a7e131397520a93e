#!/usr/bin/env node
// `npm run bench:store`: the history store's ingest rate through the real write path (Store.insertSamples:
// series lookup, one transaction per batch, WAL, synchronous=NORMAL) and its size on disk per raw sample,
// against issue 5's targets (≥ 20,000 samples/s; ≤ 25 bytes/sample). Prints a Markdown table.
// Usage: node bench/store.mjs [samplesForSize=1000000]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../dist/store/store.js';

const SIZE_SAMPLES = Number(process.argv[2] ?? 1_000_000);
const T0 = Date.UTC(2026, 10, 25);
const SERIES = 30;
const dirs = [];
function openStore() {
  const root = mkdtempSync(join(tmpdir(), 'bench-store-'));
  dirs.push(root);
  return Store.open({ stateDir: join(root, 'state') });
}

// One hub's poll: 10 metrics × 3 servers. Values as the collector writes them: a third up/down flags, a
// third counters (RSS bytes and the like), a third latencies in ms with two decimals.
const mixedValue = (s, k) => (s % 3 === 0 ? (k + s) % 2 : s % 3 === 1 ? 50_000_000 + k * 4096 : Math.round(((k * 7919 + s) % 100_000) / 10) / 100);
const doubleValue = (s, k) => Math.sin(k + s) * 1000;
function poll(hub, k, value = mixedValue) {
  const rows = new Array(SERIES);
  const t = T0 + k * 5000 + (k % 997); // ms jitter, as real poll times have
  for (let s = 0; s < SERIES; s++) rows[s] = { hub, name: `metric.${s % 10}`, labels: { server: `s${Math.floor(s / 10)}` }, t, v: value(s, k) };
  return rows;
}

/** samples/s writing `polls` polls of `hubs` hubs, `pollsPerBatch` polls per insertSamples call. */
function ingestRate({ hubs, pollsPerBatch, polls }) {
  const store = openStore();
  const hubNames = Array.from({ length: hubs }, (_, i) => `http://127.0.0.1:${7000 + i}`);
  const batchOf = (k0) => {
    const rows = [];
    for (let k = k0; k < k0 + pollsPerBatch; k++) for (const h of hubNames) rows.push(...poll(h, k));
    return rows;
  };
  store.insertSamples(batchOf(0)); // warm-up: series created, statements prepared
  const batches = [];
  for (let k = pollsPerBatch; k < polls; k += pollsPerBatch) batches.push(batchOf(k));
  const n = batches.reduce((a, b) => a + b.length, 0);
  const t0 = process.hrtime.bigint();
  for (const b of batches) store.insertSamples(b);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  store.close();
  return { rate: n / s, n, batch: batches[0].length };
}

/** Bytes per raw sample for `n` samples over 30 series: whole file and the samples table alone (dbstat). */
function bytesPerSample(n, value) {
  const store = openStore();
  for (let k = 0; k < n / SERIES; k += 100) {
    const rows = [];
    for (let j = k; j < Math.min(k + 100, n / SERIES); j++) rows.push(...poll('http://127.0.0.1:7000', j, value));
    store.insertSamples(rows);
  }
  const rows = store.db.prepare('SELECT count(*) AS n FROM samples').get().n;
  const pageBytes = () => Number(store.db.pragma('page_count', { simple: true })) * Number(store.db.pragma('page_size', { simple: true }));
  const tableBytes = () => store.db.prepare("SELECT sum(pgsize) AS b FROM dbstat WHERE name = 'samples'").get().b;
  const live = tableBytes() / rows;
  store.db.exec('VACUUM');
  const result = { rows, live, file: pageBytes() / rows, table: tableBytes() / rows };
  const t0 = process.hrtime.bigint();
  while (!store.rollup(T0 + (n / SERIES) * 5000 + 60_000).done);
  result.rollupMs = Number(process.hrtime.bigint() - t0) / 1e6;
  store.close();
  return result;
}

const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const ok = (good) => (good ? '✓' : '✗');
try {
  const probe = openStore();
  const sqliteVersion = probe.db.prepare('SELECT sqlite_version() AS v').get().v;
  probe.close();

  const cases = [
    { label: '1 hub × 30 series, one transaction per poll', hubs: 1, pollsPerBatch: 1, polls: 2_000 },
    { label: '10 hubs × 30 series, one transaction per round of polls', hubs: 10, pollsPerBatch: 1, polls: 400 },
    { label: '1 hub × 30 series, 100 polls per transaction (write-buffer flush)', hubs: 1, pollsPerBatch: 100, polls: 10_000 },
  ];
  // The machines are shared and noisy: each case runs three times, each on a fresh store; the median counts.
  const median3 = (f) => [f(), f(), f()].sort((a, b) => a.rate - b.rate)[1];
  const table = ['| measure | result | target | ok |', '|---|---:|---:|:-:|'];
  let failed = false;
  for (const c of cases) {
    const r = median3(() => ingestRate(c));
    failed ||= r.rate < 20_000;
    table.push(`| ingest: ${c.label} (${fmt(r.batch)} rows/batch, ${fmt(r.n)} rows) | ${fmt(r.rate)} samples/s | ≥ 20,000/s | ${ok(r.rate >= 20_000)} |`);
  }
  for (const [label, value] of [['mixed values (flags, counters, ms latencies)', mixedValue], ['every value a non-integral double (worst case)', doubleValue]]) {
    const b = bytesPerSample(SIZE_SAMPLES, value);
    failed ||= b.file > 25;
    table.push(`| bytes/raw sample after VACUUM, ${fmt(b.rows)} samples × 30 series, ${label}: page_count × page_size / rows | ${fmt(b.file, 1)} B | ≤ 25 B | ${ok(b.file <= 25)} |`);
    table.push(`| … samples table alone (dbstat), after VACUUM / as written, before VACUUM | ${fmt(b.table, 1)} B / ${fmt(b.live, 1)} B | | |`);
    table.push(`| … rollup of all of it into 1-minute and 1-hour buckets | ${fmt(b.rollupMs)} ms | | |`);
  }
  console.log(`Store benchmark — node ${process.version}, SQLite ${sqliteVersion}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()[0]?.toFixed(1)}, WAL, synchronous=NORMAL; ingest: median of 3\n`);
  console.log(table.join('\n'));
  process.exitCode = failed ? 1 : 0;
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
