/**
 * `check` as cron and Nagios run it — the built CLI as a child process — against the fault-injecting fake
 * hub: each fault gives the documented exit code and message, and the process is gone within `--timeout`
 * (+100 ms) counted from spawn, whatever the hub does (docs/faults.md A-series, D1, D2, D6, D10, D15, D16).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { waitUntil } from '../support/wait.js';
import { runCli, type CliRun } from '../support/cli.js';
import { startFakeHub, type FakeHub, type Mode } from '../support/fake-hub.js';
import { HOSTILE_NAMES, fixtureJson, fixtureText } from '../support/hub-fixtures.js';

/** The `--timeout` of every run unless a case says otherwise. */
const TIMEOUT_MS = 1_500;
/** Allowed from spawn to exit beyond `--timeout` (node's own start-up counts). */
const EXIT_SLACK_MS = 100;

interface Run extends CliRun {
  timeoutMs: number;
}

/** Every run's spawn→exit minus --timeout, by case, for the summary printed at the end. */
const overruns: { name: string; over: number; deadline?: boolean }[] = [];

const home = mkdtempSync(join(tmpdir(), 'mhm-fake-hub-'));
/** No user config, hub registry or MCP_HUB_URL can leak in; with NO_COLOR, any ESC byte on stdout came from hub data. */
const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_STATE_HOME: join(home, '.local', 'state'),
  NO_COLOR: '1',
};

async function runCheck(hub: FakeHub, args: string[] = [], timeoutMs = TIMEOUT_MS): Promise<Run> {
  const run = await runCli(['check', '--hub', hub.url, '--timeout', `${timeoutMs}ms`, ...args], ENV);
  return { ...run, timeoutMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Asserts the run left within --timeout + slack, recording the overrun. */
function expectInTime(name: string, run: Run): void {
  overruns.push({ name, over: run.ms - run.timeoutMs });
  expect(run.ms, `${name}: spawn→exit ${Math.round(run.ms)} ms`).toBeLessThanOrEqual(run.timeoutMs + EXIT_SLACK_MS);
}

type Check = { id: string; status: string; subject?: string; value?: unknown; message: string };
type Report = { status: string; exitCode: number; level: string; hubs: Record<string, unknown>[]; checks: Check[]; timestamp: string };

let hub: FakeHub;
beforeEach(async () => { hub = await startFakeHub(); });
afterEach(async () => { await hub.close(); });

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  // Timing evidence: how close to --timeout the exits came, for the runs that had to wait for the deadline
  // and for all runs.
  for (const [label, runs] of [['deadline runs', overruns.filter((o) => o.deadline)], ['all runs', overruns]] as const) {
    if (!runs.length) continue;
    const worst = runs.reduce((a, b) => (b.over > a.over ? b : a));
    console.log(`spawn→exit minus --timeout, ${label} (${runs.length}): median ${Math.round(median(runs.map((o) => o.over)))} ms, `
      + `max ${Math.round(worst.over)} ms (${worst.name})`);
  }
});

const onlyUp: Mode = { kind: 'state', state: 'ready', onlyUp: true };
const LOADED_METRICS = {
  llm: { requests_total: 100, requests_success: 85, requests_failure: 15, latency_p95: 2500, cache_hits: 90, cache_misses: 10 },
};

interface Case {
  name: string;
  routes: Record<string, Mode>;
  code: number;
  /** Each must match the human output (stdout). */
  says: RegExp[];
  timeoutMs?: number;
}

const CASES: Case[] = [
  {
    name: 'the ready fixture (2 of its 4 servers disconnected) is a WARNING naming them',
    routes: {},
    code: 1,
    says: [/^WARNING/, /servers\.down\s+2 of 4 enabled servers down: broken, missing-binary/, /disconnected: MCP error -32000/],
  },
  { name: 'a ready hub with every server up is OK', routes: { '/api/health': onlyUp }, code: 0, says: [/^OK\s+level green/, /all 2 enabled servers up/] },
  {
    name: 'a 500 JSON answer is CRITICAL naming the status',
    routes: { '/api/health': { kind: 'status', code: 500, body: { error: 'Internal Server Error' } } },
    code: 2,
    says: [/HTTP 500: \{"error":"Internal Server Error"\}/],
  },
  { name: 'an HTML 404 on /api/health is CRITICAL, saying it is HTML', routes: { '/api/health': { kind: 'html404' } }, code: 2, says: [/HTTP 404 with an HTML page/] },
  {
    name: 'a cut body with no length (complete but bad JSON) is CRITICAL malformed',
    routes: { '/api/health': { kind: 'truncate', body: fixtureText('hub/health-ready.json'), bytes: 1000 } },
    code: 2,
    says: [/malformed data/, /invalid JSON/],
  },
  {
    name: 'a body cut short of its Content-Length is CRITICAL, closed mid-body',
    routes: { '/api/health': { kind: 'truncate', body: fixtureText('hub/health-ready.json'), bytes: 1000, framing: 'length' } },
    code: 2,
    says: [/closed mid-body/],
  },
  { name: 'a 200 of non-JSON text is CRITICAL malformed', routes: { '/api/health': { kind: 'garbage' } }, code: 2, says: [/malformed data/, /invalid JSON/] },
  { name: 'a body 10,000 levels deep is CRITICAL, deeper than 64', routes: { '/api/health': { kind: 'deep', depth: 10_000 } }, code: 2, says: [/JSON nested deeper than 64 levels/] },
  { name: 'an impostor (server_id not mcp-hub) is CRITICAL, not an MCP hub', routes: { '/api/health': { kind: 'impostor' } }, code: 2, says: [/hub\.identity\s+not an MCP hub at http:\/\/127\.0\.0\.1:\d+ \(server_id "something-else"\)/] },
  {
    name: 'a connected server with uptime 0 that started 60 s ago is CRITICAL, dead',
    routes: { '/api/health': { kind: 'lie', server: 'everything', uptime: 0 } },
    code: 2,
    says: [/CRITICAL\s+server\.status\s+everything\s+dead: the hub says connected, but uptime/],
    // Long enough for the confirmation poll 1.15 s after the first.
    timeoutMs: 3_000,
  },
  { name: 'state restarting is a WARNING (transitional), not CRITICAL', routes: { '/api/health': { kind: 'state', state: 'restarting', onlyUp: true } }, code: 1, says: [/WARNING\s+hub\.state\s+state restarting \(transitional, not an outage\)/] },
  { name: 'state restarted is up: OK', routes: { '/api/health': { kind: 'state', state: 'restarted', onlyUp: true } }, code: 0, says: [/OK\s+hub\.state\s+state restarted/] },
  { name: 'state banana is a WARNING, unrecognised', routes: { '/api/health': { kind: 'state', state: 'banana', onlyUp: true } }, code: 1, says: [/WARNING\s+hub\.state\s+hub state unrecognised \("banana"\)/] },
  {
    name: 'the fork\'s zero-load /api/filtering/stats is OK (a 0 hit rate with no counts is no data)',
    routes: { '/api/health': onlyUp, '/api/filtering/stats': { kind: 'ok', body: fixtureText('fork/filtering-stats.json') } },
    code: 0,
    says: [/NO DATA\s+llm\.cache_hit_rate\s+hit rate 0 with no lookup count/],
  },
  {
    name: 'the fork\'s stats with a 50% LLM cache hit rate is a WARNING',
    routes: { '/api/health': onlyUp, '/api/filtering/stats': { kind: 'ok', body: { ...fixtureJson('fork/filtering-stats.json'), llmCacheHitRate: 0.5 } } },
    code: 1,
    says: [/WARNING\s+llm\.cache_hit_rate\s+LLM cache hit rate 50%/],
  },
  {
    name: '/api/metrics/custom at 85% success is CRITICAL, with the 2500 ms P95 a WARNING',
    routes: { '/api/health': onlyUp, '/api/metrics/custom': { kind: 'ok', body: LOADED_METRICS } },
    code: 2,
    says: [/CRITICAL\s+llm\.success_rate\s+LLM success rate 85%/, /WARNING\s+llm\.p95_latency\s+LLM P95 latency 2500 ms/, /OK\s+llm\.cache_hit_rate\s+LLM cache hit rate 90%/],
  },
  {
    name: '/api/metrics/custom with zero requests raises no alert',
    routes: {
      '/api/health': onlyUp,
      '/api/metrics/custom': { kind: 'ok', body: { llm: { requests_total: 0, requests_success: 0, requests_failure: 0, latency_p95: 0, cache_hits: 0, cache_misses: 0 } } },
    },
    code: 0,
    says: [/NO DATA\s+llm\.success_rate\s+no LLM requests yet/, /NO DATA\s+llm\.p95_latency\s+no LLM requests yet/, /NO DATA\s+llm\.cache_hit_rate\s+no cache lookups yet/],
  },
];

describe('check against the fake hub: exit code and message', () => {
  test.each(CASES)('$name', async (c) => {
    for (const [path, mode] of Object.entries(c.routes)) hub.route(path, mode);
    const run = await runCheck(hub, [], c.timeoutMs);
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(c.code);
    for (const re of c.says) expect(run.stdout).toMatch(re);
    expectInTime(c.name, run);
  });

  test.each([
    { name: '50 MB streamed (chunked)', mode: { kind: 'huge', bytes: 50 * 2 ** 20 } as Mode, says: /body over the 8388608-byte cap/ },
    { name: '50 MB with its Content-Length', mode: { kind: 'huge', bytes: 50 * 2 ** 20, declareLength: true } as Mode, says: /body of 52428800 bytes is over the 8388608-byte cap/ },
    { name: 'a gzip bomb inflating to 50 MB', mode: { kind: 'huge', bytes: 50 * 2 ** 20, gzip: true } as Mode, says: /body over the 8388608-byte cap/ },
  ])('$name is CRITICAL too_large, stopped at the cap long before the deadline', async ({ name, mode, says }) => {
    hub.route('/api/health', mode);
    const run = await runCheck(hub, ['--json'], 5_000);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as Report;
    const reachable = report.checks.find((c) => c.id === 'hub.reachable')!;
    expect(reachable).toMatchObject({ status: 'critical', value: 'too_large' });
    expect(reachable.message).toMatch(/oversized body/);
    expect(reachable.message).toMatch(says);
    expect(run.ms, 'stopped at the cap, not at the deadline').toBeLessThan(2_000);
    overruns.push({ name, over: run.ms - run.timeoutMs });
  });
});

describe('check against a hub that never completes: the total deadline', () => {
  // A hung or dripping hub must cost cron no more than --timeout. Measured on an idle 2-core machine, a
  // run exits 0–30 ms after --timeout (20–40 ms of it before node's clock starts and after it stops), but
  // a busy machine (another test file running beside this one) delays single runs by 100–200 ms. So three
  // runs each: the median must be within --timeout + 150 ms (one suite run saw 109 ms with a helper busy on
  // the second core), and every run within --timeout + 400 ms.
  test.each([
    { name: 'silent (accepts, never answers)', mode: { kind: 'silent' } as Mode },
    // One byte a second keeps an idle timeout from ever firing: only a total deadline ends this.
    { name: 'drip, 1 byte a second', mode: { kind: 'drip', bytesPerSecond: 1 } as Mode },
  ])('$name is CRITICAL "no complete response within" the timeout, and exits by --timeout + 150 ms', async ({ name, mode }) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      hub.route('/api/health', mode);
      const run = await runCheck(hub);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(2);
      // "within" names what was left of the budget when the request started (start-up used the rest),
      // so under load it says 1s or 1.3s for --timeout 1.5s.
      expect(run.stdout).toMatch(/hub unresponsive: no complete answer in time \(GET http:\/\/127\.0\.0\.1:\d+\/api\/health: no complete response within the 1\.5s timeout\)/);
      // It waited for the deadline (the drip never stalled long enough to look idle).
      expect(run.ms).toBeGreaterThan(TIMEOUT_MS - 200);
      times.push(run.ms);
      overruns.push({ name, over: run.ms - TIMEOUT_MS, deadline: true });
      // Each run is bounded too; a hang (or an idle timeout the drip resets) would blow far past this.
      expect(run.ms).toBeLessThanOrEqual(TIMEOUT_MS + 400);
    }
    console.log(`${name}: spawn→exit ${times.map(Math.round).join(', ')} ms (--timeout ${TIMEOUT_MS} ms)`);
    expect(median(times), `spawn→exit ${times.map(Math.round).join(', ')} ms`).toBeLessThanOrEqual(TIMEOUT_MS + 150);
    const healthRequests = hub.requests.filter((r) => r.path === '/api/health');
    expect(healthRequests).toHaveLength(3);
  });
});

describe('check against hostile hub content (faults D1, D2, D6)', () => {
  test('names are shown escaped, no ESC byte reaches stdout, and __proto__ is a normal server', async () => {
    hub.route('/api/health', { kind: 'hostile' });
    const run = await runCheck(hub);
    expect(run.stderr).toBe('');
    // One server down of seven: a WARNING decided by content, never 3 (UNKNOWN).
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('\x1b');
    expect(run.stdout).not.toContain('\x07');
    expect(run.stdout).not.toContain('\u009b');
    expect(run.stdout).not.toContain('\u202e');
    expect(run.stdout).toContain('\\x1b]0;pwned\\x07');
    expect(run.stdout).toContain('\\x1b[2J');
    expect(run.stdout).toContain('\\x1b]52;c;aGVsbG8=\\x07');
    expect(run.stdout).toContain('\\u009b31m');
    expect(run.stdout).toContain('evil<U+202E>name');
    expect(run.stdout).toMatch(/disconnected: \\x1b\[31;1mboom\\x1b\[0m\\x1b\]0;pwned\\x07 <img src=x onerror=alert\(1\)>/);
    expect(run.stdout).toMatch(/OK\s+server\.status\s+__proto__\s+connected, up 5s/);
    expect(run.stdout).toMatch(/OK\s+server\.status\s+constructor\s+connected, up 6s/);
    expect(run.stdout).not.toContain('polluted');
    expectInTime('hostile (human)', run);

    const json = await runCheck(hub, ['--json']);
    expect(json.code).toBe(1);
    expect(json.stdout).not.toContain('\x1b');
    const report = JSON.parse(json.stdout) as Report;
    const servers = report.checks.filter((c) => c.id === 'server.status');
    expect(servers.map((c) => c.subject)).toEqual(Object.values(HOSTILE_NAMES));
    expect(servers.find((c) => c.subject === '__proto__')).toMatchObject({ status: 'ok', value: 'up' });
    expect(servers.find((c) => c.subject === HOSTILE_NAMES.bidi)).toMatchObject({ status: 'warning', value: 'down' });
    expect(report.hubs[0]).toMatchObject({ state: 'ready', servers: { total: 7, up: 6, down: 1 } });

    const nagios = await runCheck(hub, ['--format', 'nagios']);
    expect(nagios.code).toBe(1);
    expect(nagios.stdout).not.toContain('\x1b');
    expect(nagios.stdout.split('\n')[0]).toMatch(/^MCPHUB WARNING - /);
  });
});

describe('check output formats against the fake hub', () => {
  test('--json is one JSON document of the docs/DESIGN.md §4 shape', async () => {
    hub.route('/api/filtering/stats', { kind: 'ok', body: fixtureText('fork/filtering-stats.json') });
    const run = await runCheck(hub, ['--json']);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as Report; // throws on anything but exactly one document
    expect(Object.keys(report).sort()).toEqual(['checks', 'exitCode', 'hubs', 'level', 'status', 'timestamp']);
    expect(report).toMatchObject({ status: 'warning', exitCode: 1, level: expect.stringMatching(/^(green|yellow|orange|red)$/) });
    expect(run.code).toBe(report.exitCode);
    expect(report.hubs).toHaveLength(1);
    expect(report.hubs[0]).toMatchObject({ url: hub.url, reachable: true, state: 'ready', version: '4.2.1', pid: null });
    expect(Number.isNaN(Date.parse(report.timestamp))).toBe(false);
    expect(report.checks.length).toBeGreaterThan(0);
    for (const c of report.checks) {
      expect(c).toMatchObject({ id: expect.any(String), status: expect.stringMatching(/^(ok|warning|critical|no_data)$/), message: expect.any(String) });
    }
    // No workspaces served, so no pid: memory is no_data rather than whatever pid 5653 is on this machine.
    expect(report.checks.find((c) => c.id === 'hub.memory')).toMatchObject({ status: 'no_data' });
    // Zero load on the fork: every LLM check is no_data, never a breach.
    const llm = report.checks.filter((c) => c.id.startsWith('llm.'));
    expect(llm.map((c) => c.id).sort()).toEqual(['llm.cache_hit_rate', 'llm.circuit_breaker', 'llm.p95_latency', 'llm.queue_depth', 'llm.success_rate']);
    for (const c of llm) expect(c.status).toBe('no_data');
    expectInTime('--json', run);
  });

  test('the zero-load fork with every server up: --json exit 0, every llm check no_data', async () => {
    hub.route('/api/health', onlyUp);
    hub.route('/api/filtering/stats', { kind: 'ok', body: fixtureText('fork/filtering-stats.json') });
    const run = await runCheck(hub, ['--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({ status: 'ok', exitCode: 0, level: 'green' });
    expect(report.hubs[0]).toMatchObject({ metricsExposed: ['/api/filtering/stats'] });
    for (const c of report.checks.filter((x) => x.id.startsWith('llm.'))) expect(c.status).toBe('no_data');
  });

  test('--format nagios starts with "MCPHUB " and carries perfdata', async () => {
    hub.route('/api/health', { kind: 'status', code: 500, body: { error: 'boom' } });
    const run = await runCheck(hub, ['--format', 'nagios']);
    expect(run.code).toBe(2);
    const [first] = run.stdout.split('\n');
    expect(first).toMatch(/^MCPHUB CRITICAL - hub answered with an HTTP error .*HTTP 500.* \| hub_up=0;;;0;1 /);

    hub.route('/api/health', onlyUp);
    const ok = await runCheck(hub, ['--format', 'nagios']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[0]).toMatch(/^MCPHUB OK - 1 hub\(s\) OK, 2 server\(s\) up \| hub_up=1;;;0;1 servers_up=2;;;0;2 /);
    expectInTime('nagios', ok);
  });
});

describe('B8 overlapping cron runs', () => {
  /** Every file under `dir` with its size and mtime: a read-only command must leave this unchanged. */
  function tree(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else { const st = statSync(p); out.push(`${p} ${st.size} ${st.mtimeMs}`); }
      }
    };
    walk(dir);
    return out.sort();
  }

  test('10 checks at once against a hub slowed to 6 s: all give the same exit code within --timeout, none writes', async () => {
    hub.route('/api/health', { kind: 'slow', delayMs: 6_000 });
    const before = tree(home);
    // 10 node processes starting at once on 2 cores: the deadline counts from each one's start, slack for the
    // contended start (with 2 s, one run of a loaded suite spent it all starting and never asked the hub).
    const runs = await Promise.all(Array.from({ length: 10 }, () => runCheck(hub, ['--format', 'nagios'], 3_000)));
    expect(new Set(runs.map((r) => r.code))).toEqual(new Set([2]));
    for (const r of runs) {
      expect(r.stdout).toMatch(/^MCPHUB CRITICAL - .*time/i);
      overruns.push({ name: 'B8 10 at once', over: r.ms - r.timeoutMs });
    }
    // Measured 24–105 ms past --timeout with all 10 contending for 2 cores (the catalogue's 100 ms holds for
    // one run, above); bounded loosely here because the suite runs other files beside it. Waiting for the
    // hub's 6 s answer would be 3,000 ms past.
    for (const r of runs) expect(r.ms - r.timeoutMs).toBeLessThanOrEqual(1_000);
    expect(hub.requests.filter((q) => q.path === '/api/health').length).toBeGreaterThanOrEqual(10);
    expect(tree(home)).toEqual(before);
  });
});

describe('the fake hub itself', () => {
  test('close() ends hung and dripping requests at once, and the log has both', async () => {
    hub.route('/hang', { kind: 'silent' });
    hub.route('/drip', { kind: 'drip', bytesPerSecond: 1 });
    const ended = ['/hang', '/drip'].map((path) => new Promise<string>((resolve) => {
      const req = http.get(`${hub.url}${path}`, (res) => {
        res.on('data', () => {});
        res.on('error', () => {});
        res.on('close', () => resolve(`${path}: closed after ${res.statusCode}`));
      });
      req.on('error', (e) => resolve(`${path}: ${e.message}`));
    }));
    await waitUntil(() => hub.requests.length >= 2, { what: 'both requests to reach the fake hub', timeoutMs: 2_000, everyMs: 10, describe: () => hub.requests.map((r) => r.path) });
    const started = performance.now();
    await hub.close();
    expect(await Promise.all(ended)).toEqual(['/hang: socket hang up', '/drip: closed after 200']);
    expect(performance.now() - started).toBeLessThan(500);
    expect(hub.requests.map((r) => [r.method, r.path])).toEqual([['GET', '/hang'], ['GET', '/drip']]);
  });
});
