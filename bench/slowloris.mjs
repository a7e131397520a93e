#!/usr/bin/env node
// `npm run bench:slowloris`: /metrics of the built daemon (token set) probed on fresh connections with and
// without the token, first with no attack (the baseline), then under a slowloris: CONNECTIONS held
// partial-header connections from SOURCES loopback addresses, each re-opened as soon as the server drops
// it. Target (issue I, item 3): ≥ 95 % of probes answered under the attack (the release before this
// answered 1 of 114; 0 of 114 with the token).
// Usage: node bench/slowloris.mjs [connections=500] [sources=16] [seconds=20]
import { measureSlowloris } from './lib/slowloris-run.mjs';

const [connections = 500, sources = 16, seconds = 20] = process.argv.slice(2).map(Number);
const r = await measureSlowloris({ connections, sources, seconds });
const ms = (x) => (Number.isNaN(x) || x === undefined ? '—' : `${x.toFixed(1)} ms`);
const row = (name, s) => `| ${name} | ${s.answered}/${s.probes} | ${s.pct.toFixed(1)} % | ${ms(s.p50)} | ${ms(s.p99)} |`;
console.log(`\nslowloris against the daemon's HTTP server (${process.version}): ${connections} partial-header connections from ${sources} loopback addresses, ${seconds} s; `
  + `the attacker re-opened ${r.reopened} dropped connections and held ${r.heldAtEnd} at the end\n`);
console.log('| /metrics probe | answered | % | p50 | p99 |');
console.log('|---|---:|---:|---:|---:|');
console.log(row('no attack, with the token (200)', r.calm.token));
console.log(row('no attack, without it (401)', r.calm.none));
console.log(row('under attack, with the token (200)', r.attacked.token));
console.log(row('under attack, without it (401)', r.attacked.none));
const ok = r.attacked.token.pct >= 95 && r.attacked.none.pct >= 95;
console.log(ok ? '\ntarget met (≥ 95 % answered under attack)' : '\ntarget missed (≥ 95 % answered under attack)');
