#!/usr/bin/env node
// `npm run bench:logs`: how fast the log reader counts a pino JSON-lines log by level, against
// `jq -c .level FILE | sort | uniq -c` doing the same count on the same file (interleaved rounds, medians),
// and its peak RSS on a 1 GB file that also holds one 100 MiB line (faults D7). Both sides run as child
// processes, timed by wall clock (start-up included) and by CPU time (/usr/bin/time: user + sys, children
// included — steadier than wall time on a shared machine); the counts of both must agree exactly.
// Targets (issue): ≥ 50 MB/s, ≥ 2× jq, peak RSS ≤ 150 MB on 1 GB; exits 1 when one is not met.
// Files are generated into a temp dir and deleted afterwards (needs ~1.1 GB free there).
// Usage: node bench/log-scan.mjs [rounds=3] [smallMB=100] [bigMB=1024]
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  // Child mode: scan one file, print the counts and our own high-water mark as one JSON line.
  const { scanFile } = await import('../dist/sources/log-reader.js');
  const t0 = process.hrtime.bigint();
  const s = await scanFile(process.argv[3]);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  console.log(JSON.stringify({ byLevel: s.byLevel, lines: s.lines, entries: s.entries, truncatedLines: s.truncatedLines, bytes: s.bytes, scanMs: ms, hwmKB: hwm ? Number(hwm[1]) : null }));
  process.exit(0);
}

const rounds = Number(process.argv[2] ?? 3);
const smallMB = Number(process.argv[3] ?? 100);
const bigMB = Number(process.argv[4] ?? 1024);
const JQ = '/usr/bin/jq';
if (!existsSync(JQ)) {
  console.error('bench: jq is needed at /usr/bin/jq for the baseline (apt-get install -y jq)');
  process.exit(3);
}
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

// A deterministic PRNG, so every run scans the same bytes.
let seed = 0x9e3779b9;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const SERVERS = ['everything', 'filesystem', 'broken', 'missing-binary', 'github', 'postgres'];
const TOOLS = ['read_file', 'write_file', 'list_directory', 'search_files', 'directory_tree', 'get_file_info'];

// Shaped like the fork's real log file (test/fixtures/logs/fork-mcp-hub.log*.jsonl): pino's key order,
// data flattened, `code` on errors. Weights give ~44% debug, 40% info, 10% warn, 5.5% error, 0.5% fatal.
const KINDS = [
  [20, 'debug', (s) => `"clientId":"${(rand() * 1e16).toString(16)}-4c3a-a63e","totalConnections":${1 + Math.floor(rand() * 4)},"msg":"SSE client connected"`],
  [14, 'debug', (s) => `"msg":"Tool filtered out: ${pick(TOOLS)} (server: ${s}, mode: server-allowlist)"`],
  [6, 'debug', (s) => `"msg":"'${s}' transport closed"`],
  [4, 'debug', () => `"port":7000,"updates":{"activeConnections":${Math.floor(rand() * 5)}},"msg":"Updated workspace state for port 7000"`],
  [14, 'info', (s) => `"server":"${s}","msg":"Initializing MCP server '${s}'"`],
  [14, 'info', (s) => `"msg":"'${s}' MCP server connected"`],
  [8, 'info', () => `"total":4,"successful":2,"failed":2,"disabled":0,"failedServers":["broken","missing-binary"],"msg":"2/4 servers started successfully"`],
  [4, 'info', () => `"port":7000,"msg":"Starting HTTP server on port 7000"`],
  [7, 'warn', (s) => `"msg":"${s} stderr: Secure MCP Filesystem Server running on stdio \\u001b[33m(warn)\\u001b[0m"`],
  [3, 'warn', () => `"error":"fetch failed","msg":"Fetch failed, falling back to curl"`],
  [4, 'error', (s) => `"code":"CONNECTION_ERROR","server":"${s}","error":"MCP error -32000: Connection closed","msg":"Failed to connect to \\"${s}\\" MCP server: MCP error -32000: Connection closed"`],
  [1.5, 'error', () => `"code":"MARKETPLACE_INIT_ERROR","error":"Failed to fetch marketplace registry","fallback":"Continuing with empty catalog","msg":"Failed to initialize marketplace registry: Failed to fetch marketplace registry"`],
  [0.5, 'fatal', () => `"code":"SHUTDOWN_ERROR","error":"boom","msg":"Shutdown failed"`],
];
const TOTAL_W = KINDS.reduce((a, k) => a + k[0], 0);
let clock = Date.parse('2026-11-24T19:29:25.622Z');
function line() {
  let r = rand() * TOTAL_W;
  let k = KINDS[0];
  for (const kk of KINDS) { if ((r -= kk[0]) < 0) { k = kk; break; } }
  clock += Math.floor(rand() * 20);
  return `{"level":"${k[1]}","time":"${new Date(clock).toISOString()}","pid":8420,"hostname":"vm",${k[2](pick(SERVERS))}}\n`;
}

/** Writes ~`mb` MB of pino lines; with `monsterMiB`, one line of that size sits in the middle. */
function generate(path, mb, monsterMiB = 0) {
  const fd = openSync(path, 'w');
  const target = mb * 1024 * 1024;
  let size = 0;
  let monsterDone = monsterMiB === 0;
  while (size < target) {
    let batch = '';
    while (batch.length < 4 * 1024 * 1024) batch += line();
    size += writeSync(fd, batch);
    if (!monsterDone && size >= target / 2) {
      // A 100 MiB stack trace logged as one message: the reader must keep only 64 KiB of it.
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      size += writeSync(fd, '{"level":"error","time":"2026-11-24T19:30:00.000Z","pid":8420,"hostname":"vm","msg":"');
      for (let i = 0; i < monsterMiB; i++) size += writeSync(fd, chunk);
      size += writeSync(fd, '"}\n');
      monsterDone = true;
    }
  }
  closeSync(fd);
  return statSync(path).size;
}

/** Runs argv under /usr/bin/time (when present) for its CPU time (children included) and peak RSS. */
function timed(argv) {
  const full = TIME ? [TIME, '-f', '%U %S %M', ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), { encoding: 'utf8', maxBuffer: 1 << 24 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let cpuMs = null;
  let rssKB = null;
  if (TIME) {
    const [u, sys, m] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    cpuMs = (u + sys) * 1000;
    rssKB = m;
  }
  return { r, ms, cpuMs, rssKB };
}

function runOurs(file) {
  const { r, ms, cpuMs, rssKB } = timed([process.execPath, SELF, '--child', file]);
  if (r.status !== 0) throw new Error(`our scan failed (${r.status}): ${r.stderr}`);
  return { ms, cpuMs, rssKB, out: JSON.parse(r.stdout.trim().split('\n').pop()) };
}

function runJq(file) {
  const { r, ms, cpuMs } = timed(['sh', '-c', `${JQ} -c .level "$1" | sort | uniq -c`, 'sh', file]);
  if (r.status !== 0) throw new Error(`jq failed (${r.status}): ${r.stderr}`);
  const counts = {};
  for (const l of r.stdout.trim().split('\n')) {
    const m = /^\s*(\d+)\s+"?([^"]*)"?$/.exec(l);
    if (m) counts[m[2]] = Number(m[1]);
  }
  return { ms, cpuMs, counts };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const dir = mkdtempSync(join(tmpdir(), 'mhm-log-bench-'));
try {
  const small = join(dir, 'pino-small.jsonl');
  const smallBytes = generate(small, smallMB);
  const mb = smallBytes / 1e6;
  console.error(`bench: generated ${mb.toFixed(1)} MB (${small}); ${rounds} interleaved rounds + 1 warm-up`);
  const ours = [];
  const jq = [];
  for (let i = 0; i <= rounds; i++) {
    // Alternate who goes first so neither always meets a warm page cache second.
    const order = i % 2 ? ['jq', 'ours'] : ['ours', 'jq'];
    for (const who of order) {
      if (who === 'ours') {
        const r = runOurs(small);
        if (i > 0) ours.push(r);
      } else {
        const r = runJq(small);
        if (i > 0) jq.push(r);
      }
    }
  }
  // The counts must agree exactly, or the speed means nothing.
  const ourLevels = ours[0].out.byLevel;
  const jqLevels = jq[0].counts;
  for (const level of new Set([...Object.keys(jqLevels), ...Object.keys(ourLevels).filter((k) => ourLevels[k] > 0)])) {
    if ((ourLevels[level] ?? 0) !== (jqLevels[level] ?? 0)) {
      throw new Error(`count mismatch for ${level}: ours ${ourLevels[level]} vs jq ${jqLevels[level]}`);
    }
  }
  const oursMs = median(ours.map((r) => r.ms));
  const oursScanMs = median(ours.map((r) => r.out.scanMs));
  const jqMs = median(jq.map((r) => r.ms));
  const oursCpu = TIME ? median(ours.map((r) => r.cpuMs)) : null;
  const jqCpu = TIME ? median(jq.map((r) => r.cpuMs)) : null;

  const big = join(dir, 'pino-big.jsonl');
  rmSync(small);
  const bigBytes = generate(big, bigMB, 100);
  console.error(`bench: generated ${(bigBytes / 1e6).toFixed(0)} MB with one 100 MiB line; measuring peak RSS`);
  const b = runOurs(big);
  const peakKB = b.rssKB ?? b.out.hwmKB;

  const mbps = (bytes, ms) => (bytes / 1e6 / (ms / 1000)).toFixed(1);
  const sec = (ms) => (ms === null ? 'n/a' : (ms / 1000).toFixed(2));
  const ratio = jqMs / oursMs;
  const peakMB = peakKB / 1024;
  console.log(`\nlog scan: count lines by level (${process.version}, ${new Date().toISOString()}); medians of ${rounds} interleaved rounds`);
  console.log('wall = elapsed time of the whole process (start-up included); CPU = user + sys, children included (/usr/bin/time)\n');
  console.log('| task | file | wall s | MB/s (wall) | CPU s | vs jq (wall) | vs jq (CPU) | peak RSS MiB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  console.log(`| jq -c .level \\| sort \\| uniq -c | ${mb.toFixed(0)} MB | ${sec(jqMs)} | ${mbps(smallBytes, jqMs)} | ${sec(jqCpu)} | 1.00× | 1.00× | |`);
  console.log(`| scanFile (own process) | ${mb.toFixed(0)} MB | ${sec(oursMs)} | ${mbps(smallBytes, oursMs)} | ${sec(oursCpu)} | ${ratio.toFixed(2)}× | ${oursCpu && jqCpu ? (jqCpu / oursCpu).toFixed(2) + '×' : 'n/a'} | ${(median(ours.map((r) => r.rssKB ?? r.out.hwmKB)) / 1024).toFixed(1)} |`);
  console.log(`| scanFile (the call alone, cold JIT) | ${mb.toFixed(0)} MB | ${sec(oursScanMs)} | ${mbps(smallBytes, oursScanMs)} | | ${(jqMs / oursScanMs).toFixed(2)}× | | |`);
  console.log(`| scanFile (own process), big file incl. one 100 MiB line | ${(bigBytes / 1e6).toFixed(0)} MB | ${sec(b.ms)} | ${mbps(bigBytes, b.ms)} | ${sec(b.cpuMs)} | | | ${peakMB.toFixed(1)} |`);
  console.log(`\nbig file: ${b.out.lines} lines, ${b.out.truncatedLines} truncated; levels ${JSON.stringify(b.out.byLevel)}`);
  const okSpeed = Number(mbps(smallBytes, oursMs)) >= 50;
  const okRatio = ratio >= 2;
  const okRss = peakMB <= 150;
  console.log(`targets: ≥ 50 MB/s → ${okSpeed ? 'met' : 'NOT met'}; ≥ 2× jq (wall) → ${okRatio ? 'met' : 'NOT met'} (${ratio.toFixed(2)}×); peak RSS ≤ 150 MB on 1 GB → ${okRss ? 'met' : 'NOT met'} (${peakMB.toFixed(1)} MiB)`);
  process.exitCode = okSpeed && okRatio && okRss ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
