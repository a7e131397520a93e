#!/usr/bin/env node
// `npm run bench:sse`: how fast the SSE decoder (dist/sources/sse-parse.js: framing, byte cap, JSON, batch
// unwrapping, redaction, flood accounting) turns captured hub streams into observations. The captures are
// replayed many times from memory in 64 KiB chunks, the size a socket read hands over; no network.
// Also reports the time per chunk (p99 and max over all rounds), which bounds how long a flood can hold the
// event loop (faults A18: ≤ 50 ms); the max includes GC pauses and, on a busy machine, being descheduled. Target (issue): ≥ 100,000 events/s on the main capture.
// Usage: node bench/sse.mjs [replays=100] [rounds=5]
import { readFileSync } from 'node:fs';
import { createSseDecoder } from '../dist/sources/sse-parse.js';

const replays = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 5);
const TARGET_EVENTS_PER_S = 100_000;
const CHUNK = 64 * 1024;

const fixture = (name) => readFileSync(new URL(`../test/fixtures/sse/${name}`, import.meta.url));

/** The stream `replays` times over, cut into socket-sized chunks (events split across chunks, as on the wire). */
function chunks(buf, times) {
  const all = Buffer.concat(Array.from({ length: times }, () => buf));
  const out = [];
  for (let i = 0; i < all.length; i += CHUNK) out.push(all.subarray(i, i + CHUNK));
  return { out, bytes: all.length };
}

function runOnce(stream, flood) {
  const counts = {};
  const d = createSseDecoder({ hub: 'bench', flood, emit: (o) => { counts[o.kind] = (counts[o.kind] ?? 0) + 1; } });
  const chunkMs = [];
  const t0 = process.hrtime.bigint();
  for (const c of stream.out) {
    const s = process.hrtime.bigint();
    d.push(c, 0);
    chunkMs.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  d.flush();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, chunkMs, events: d.counters.eventsTotal, invalid: d.counters.invalidTotal, counts };
}

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const median = (xs) => quantile(xs, 0.5);

const scenarios = [
  { name: 'main capture (flood of identical logs), default flood cap', file: 'main-sse-events.txt', flood: {} },
  { name: 'main capture, flood cap off (every log an observation)', file: 'main-sse-events.txt', flood: { maxLogEventsPerSecond: Infinity } },
  { name: "fork's batched stream (`*_batch`)", file: 'fork-run-sse-events.txt', flood: { maxLogEventsPerSecond: Infinity } },
  { name: 'tool_list_changed capture (redaction, full tools)', file: 'capability-change-sse-events.txt', flood: { maxLogEventsPerSecond: Infinity } },
];

const rows = [];
let mainRate = 0;
for (const sc of scenarios) {
  const raw = fixture(sc.file);
  // Small captures are replayed more, so every scenario decodes a comparable number of bytes.
  const times = Math.max(replays, Math.round((replays * 636_526) / raw.length / 10));
  const stream = chunks(raw, times);
  runOnce(stream, sc.flood); // warm-up: JIT
  const runs = Array.from({ length: rounds }, () => runOnce(stream, sc.flood));
  const seconds = median(runs.map((r) => r.seconds));
  const { events, invalid } = runs[0];
  if (Object.keys(invalid).length) throw new Error(`${sc.file}: invalid events ${JSON.stringify(invalid)}`);
  const rate = events / seconds;
  if (sc === scenarios[0]) mainRate = rate;
  rows.push([
    sc.name, `${times}×`, events.toLocaleString('en'), (stream.bytes / 1e6).toFixed(1),
    (seconds * 1000).toFixed(0), Math.round(rate).toLocaleString('en'), (stream.bytes / 1e6 / seconds).toFixed(0),
    quantile(runs.flatMap((r) => r.chunkMs), 0.99).toFixed(2),
    Math.max(...runs.flatMap((r) => r.chunkMs)).toFixed(2),
  ]);
}

console.log(`SSE decoder throughput — node ${process.version}, ${rounds} rounds (median), ${CHUNK / 1024} KiB chunks\n`);
console.log('| stream | replays | events | MB | ms | events/s | MB/s | chunk p99 (ms) | chunk max (ms) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
const ok = mainRate >= TARGET_EVENTS_PER_S;
console.log(`\n${ok ? 'PASS' : 'FAIL'}: main capture at ${Math.round(mainRate).toLocaleString('en')} events/s (target ≥ ${TARGET_EVENTS_PER_S.toLocaleString('en')})`);
if (!ok) process.exitCode = 1;
