#!/usr/bin/env node
// `npm run bench:attacks`: every attack of the fault catalogue's section F (docs/faults.md) run against the
// built monitor, one module each in bench/attacks/, printing held/broke per attack with its measured figure,
// so a release can be checked the same way the first hardening round was. Exit 0 only when all held.
// Usage: node bench/attacks.mjs [F1 F3 …]   (default: all)
// A module exports `attack = { id, title, async run() → { held: boolean, figure: string } }`; it starts what
// it needs (real hub, daemon, receivers) on loopback, cleans up after itself and never throws for "broke".
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const only = new Set(process.argv.slice(2).map((s) => s.toUpperCase()));
const dir = new URL('./attacks/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
const rows = [];
for (const f of files) {
  const { attack } = await import(new URL(f, dir).href);
  if (only.size && !only.has(attack.id)) continue;
  const t0 = performance.now();
  let result;
  try {
    result = await attack.run();
  } catch (err) {
    result = { held: false, figure: `the attack harness failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  rows.push({ ...attack, ...result, s });
  console.error(`${attack.id} ${result.held ? 'held' : 'BROKE'} (${s} s): ${result.figure}`);
}
const cell = (x) => String(x).replace(/\|/g, '\\|').replace(/\n/g, ' ');
console.log(`\nattacks on mcp-hub-monitor (${process.version}), docs/faults.md section F\n`);
console.log('| id | attack | result | figure | time |');
console.log('|---|---|---|---|---:|');
for (const r of rows) console.log(`| ${r.id} | ${cell(r.title)} | ${r.held ? 'held' : '**broke**'} | ${cell(r.figure)} | ${r.s} s |`);
const broke = rows.filter((r) => !r.held).length;
console.log(`\n${rows.length - broke} of ${rows.length} held`);
process.exit(broke ? 1 : 0);
