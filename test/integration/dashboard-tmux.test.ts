/**
 * The terminal dashboard in a real terminal (tmux) against the real hub: a killed child shows as dead
 * within a refresh, hub strings never reach the terminal as escapes, a resize to 60 columns redraws
 * cleanly, and q quits; the tools panel shows the daemon's calls window (or that no tap is connected).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { everythingServer, launchHub, testServer, type RunningHub } from '../../src/demo/hub-launcher.js';
import { CLI_PATH, runCli } from '../support/cli.js';
import { stateDir } from '../support/daemon-process.js';
import { FakeDaemonView } from '../support/fake-daemon-view.js';
import { Store } from '../../src/store/store.js';
import { CALLS_WINDOW_FILE, type CallsWindowDoc } from '../../src/model/calls-window.js';
import { skipUnless, tool } from '../support/requires.js';
import { waitUntil } from '../support/wait.js';

const TMUX = tool('tmux', 'tmux');
const HOSTILE = '\u001b]0;pwned\u0007evil';
const session = `mhm-dash-${process.pid}`;
// The server's socket in the run's TMPDIR, removed after: with -L, tmux leaves it in /tmp/tmux-<uid>/ for good.
const socket = join(tmpdir(), `${session}.sock`);
const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
let hub: RunningHub;

beforeAll(async () => {
  if (!TMUX.met) return;
  hub = await launchHub({ servers: { everything: everythingServer(), crashy: testServer({ MHM_TAG: 'crashy' }), [HOSTILE]: testServer() } });
});
afterAll(async () => {
  if (!TMUX.met) return;
  spawnSync('tmux', ['-S', socket, 'kill-server']);
  rmSync(socket, { force: true });
  await hub?.stop();
});

async function screenUntil(pred: (screen: string) => boolean, what: string, pane = session): Promise<string> {
  let screen = '';
  return waitUntil(() => pred(screen = tmux('capture-pane', '-p', '-t', pane)) && screen, { what: `the screen to show ${what}`, everyMs: 150, describe: () => `\n${screen}` });
}

test('dead server shown within a refresh, no escapes from hub data, clean at 60 columns, q quits', { ...skipUnless(TMUX), timeout: 60_000 }, async () => {
  // CI=true: ink draws nothing live when it believes it runs in CI; the dashboard must draw on a TTY anyway.
  const cmd = `CI=true HOME='${hub.env.HOME}' XDG_STATE_HOME='${hub.env.XDG_STATE_HOME}' '${process.execPath}' '${CLI_PATH}' dashboard --hub ${hub.url} --interval 1s`;
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '45', cmd);
  const first = await screenUntil((s) => /crashy\s+connected/.test(s) && /everything\s+connected/.test(s), 'the servers');
  expect(first).toContain('\\x1b]0;pwned\\x07evil'); // shown, neutralised
  expect(first).toMatch(/LLM \/ cache \/ queue: not exposed by this hub/);
  expect(first).toContain('no tap connected — calls are not seen'); // no daemon here ever took a tap
  expect(tmux('display', '-p', '-t', session, '#{pane_title}')).not.toContain('pwned');

  const pid = hub.childPids().find((p) => readFileSync(`/proc/${p}/environ`, 'utf8').includes('MHM_TAG=crashy'))!;
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  const dead = await screenUntil((s) => /crashy\s+DEAD \(hub says connected\)/.test(s), 'crashy as dead');
  expect(Date.now() - killedAt).toBeLessThan(5_000);
  expect(dead).toMatch(/crashy\s+DEAD \(hub says connected\)\s+—\s+\d/); // no uptime, not "0ms"
  expect(dead).toMatch(/everything\s+connected\s+\d+s\s/);
  expect(dead).toMatch(/1 dead/);
  expect(dead).toMatch(/level red/);

  tmux('resize-window', '-t', session, '-x', '60', '-y', '45');
  const narrow = await screenUntil((s) => /crashy\s+DEAD/.test(s) && !/DEAD \(hub says connected\)/.test(s), 'the narrow layout');
  const lines = narrow.split('\n');
  expect(lines.filter((l) => l.includes('mcp-hub-monitor dashboard'))).toHaveLength(1); // one frame, no leftovers
  expect(lines.filter((l) => l.startsWith('╭'))).toHaveLength(1);
  for (const l of lines) expect([...l].length).toBeLessThanOrEqual(60);

  tmux('send-keys', '-t', session, 'q');
  await waitUntil(() => spawnSync('tmux', ['-S', socket, 'has-session', '-t', session]).status !== 0, { what: 'the dashboard to quit on q (its tmux session gone)', timeoutMs: 5_000, everyMs: 100 });
});

test('with the daemon\'s store: its firing alerts are listed, the monitor\'s own (config reload) with the first hub', { ...skipUnless(TMUX), timeout: 30_000 }, async () => {
  const state = stateDir();
  const store = Store.open({ stateDir: state });
  const seeded = new FakeDaemonView(store, Date.now());
  seeded.poll(hub.url, Date.now() - 1_000, { servers: [{ name: 'everything', up: true }] });
  seeded.alert({ rule: 'server.status', hub: hub.url, labels: { hub: hub.url, server: 'crashy' }, summary: 'crashy: dead: the hub says connected' });
  seeded.alert({ rule: 'config.reload', hub: '', labels: { hub: '' }, severity: 'warning', summary: 'config reload failed, the daemon runs its previous config' });
  store.close();
  const name = `${session}-store`;
  const cmd = `CI=true HOME='${hub.env.HOME}' XDG_STATE_HOME='${hub.env.XDG_STATE_HOME}' '${process.execPath}' '${CLI_PATH}' dashboard --hub ${hub.url} --state-dir '${state}' --interval 1s`;
  tmux('new-session', '-d', '-s', name, '-x', '150', '-y', '45', cmd);
  try {
    const screen = await screenUntil((s) => /config reload failed/.test(s), 'the config reload alert', name);
    expect(screen).toMatch(/history: the daemon's store/);
    expect(screen).toMatch(/CRITICAL crashy: dead: the hub says connected\s+firing for \d+s\s/);
    expect(screen).toMatch(/WARNING config reload failed, the daemon runs its previous config/);
  } finally {
    spawnSync('tmux', ['-S', socket, 'kill-session', '-t', name]);
  }
});

test('the tools panel from the daemon\'s calls window: most failing and slowest tools, hostile names neutralised, within 60 columns', { ...skipUnless(TMUX), timeout: 30_000 }, async () => {
  // The file the daemon's calls job writes every 5 s while a tap is connected (its own test checks the writing).
  const state = stateDir();
  const doc: CallsWindowDoc = {
    at: Date.now(), windowMs: 300_000, tap: { connected: 1, everConnected: true, dropped: 0, badLines: 0 }, calls: 30, errors: 18, findings: [], worst: [],
    panels: [{
      hub: hub.url, calls: 30, errors: 18,
      failing: [{ server: 'crashy', tool: 'echo', calls: 20, errors: 18, successPercent: 10, p95Ms: 10, topError: '500' }],
      slowest: [{ server: 'search', tool: `${HOSTILE}-${'x'.repeat(60)}`, calls: 10, errors: 0, successPercent: 100, p95Ms: 4_850 }],
    }],
  };
  writeFileSync(join(state, CALLS_WINDOW_FILE), JSON.stringify(doc));
  const name = `${session}-tools`;
  const cmd = `CI=true HOME='${hub.env.HOME}' XDG_STATE_HOME='${hub.env.XDG_STATE_HOME}' '${process.execPath}' '${CLI_PATH}' dashboard --hub ${hub.url} --state-dir '${state}' --no-sse --interval 1s`;
  tmux('new-session', '-d', '-s', name, '-x', '60', '-y', '45', cmd);
  try {
    const screen = await screenUntil((s) => /slowest:/.test(s), 'the tools panel', name);
    expect(screen).toContain('tools: 30 calls, 18 failed in the last 5m');
    expect(screen).toMatch(/most failing:\s*│?\s*\n.*crashy\/echo\s+20\s+10%\s+10ms 500/);
    expect(screen).toMatch(/search\/\\x1b\]0;pwned\\x07…\s+10\s+100%\s+4850ms/);
    expect(tmux('display', '-p', '-t', name, '#{pane_title}')).not.toContain('pwned');
    for (const l of screen.split('\n')) expect([...l].length).toBeLessThanOrEqual(60);
  } finally {
    spawnSync('tmux', ['-S', socket, 'kill-session', '-t', name]);
  }
});

test('CPU: the hub and its servers apart, as `measure` reports them over the same time (a 20 % busy server)', { ...skipUnless(TMUX), timeout: 60_000 }, async () => {
  const busy = await launchHub({ servers: { everything: everythingServer(), busy: testServer({ MCP_TEST_BUSY_PERCENT: '20' }) } });
  const name = `${session}-cpu`;
  try {
    const env = `HOME='${busy.env.HOME}' XDG_STATE_HOME='${busy.env.XDG_STATE_HOME}'`;
    tmux('new-session', '-d', '-s', name, '-x', '150', '-y', '40', `CI=true ${env} '${process.execPath}' '${CLI_PATH}' dashboard --hub ${busy.url} --interval 2s`);
    const measured = runCli(['measure', '--hub', busy.url, '--duration', '12s', '--probe-every', '4s', '--state-dir', join(busy.root, 'measure-state')], { ...process.env, ...busy.env } as Record<string, string>);
    let measuring = true;
    const stopped = () => { measuring = false; };
    void measured.then(stopped, stopped);
    // The dashboard's CPU line, read once per refresh (2 s) for as long as measure runs: the sleep is the sampling period.
    const seen: number[][] = [];
    while (measuring) {
      const m = /CPU hub (\d+\.\d) %\s+servers (\d+\.\d) %/.exec(tmux('capture-pane', '-p', '-t', name));
      if (m) seen.push([Number(m[1]), Number(m[2])]);
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const out = (await measured).stdout;
    const kids = Number(/children CPU mean (\d+(?:\.\d+)?)%/.exec(out)?.[1]);
    expect(kids).toBeGreaterThan(3); // busy by the wall clock: less on a loaded machine, but far from 0
    expect(seen.length).toBeGreaterThanOrEqual(3);
    const dashKids = seen.reduce((s, [, k]) => s + k!, 0) / seen.length;
    expect(Math.abs(dashKids - kids)).toBeLessThan(4); // the same tree over the same time, within tick rounding
    expect(seen.reduce((s, [hub]) => s + hub!, 0)).toBeGreaterThan(0); // a hub polled twice a second is not 0.0 %
  } finally {
    spawnSync('tmux', ['-S', socket, 'kill-session', '-t', name]);
    await busy.stop();
  }
});

test('key f: the fleet table from the daemon\'s store, the slow hub flagged ! and named against the fleet\'s median; f again goes back', { ...skipUnless(TMUX), timeout: 30_000 }, async () => {
  // Three hubs in the daemon's history (the real Store); the real hub's polls answered in 900 ms, the others' in 4–5 ms.
  const state = stateDir();
  const store = Store.open({ stateDir: state });
  const now = Date.now();
  const seeded = new FakeDaemonView(store, now);
  const hubs = [hub.url, 'http://127.0.0.1:9', 'http://127.0.0.1:10'];
  for (const [i, url] of hubs.entries()) for (const t of [now - 20_000, now - 10_000]) seeded.poll(url, t, { latencyMs: i === 0 ? 900 : 3 + i, servers: [{ name: 'everything', up: true }] });
  store.close();
  const name = `${session}-fleet`;
  const cmd = `CI=true HOME='${hub.env.HOME}' XDG_STATE_HOME='${hub.env.XDG_STATE_HOME}' '${process.execPath}' '${CLI_PATH}' dashboard ${hubs.map((u) => `--hub ${u}`).join(' ')} --state-dir '${state}' --no-sse --interval 1s`;
  tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '45', cmd);
  try {
    await screenUntil((s) => /everything\s+connected/.test(s), 'the hubs', name);
    tmux('send-keys', '-t', name, 'f');
    const screen = await screenUntil((s) => /outlier/.test(s), 'the fleet table', name);
    expect(screen).toContain('fleet over the last 10m: 3 hubs');
    expect(screen).toMatch(/hub\s+level\s+avail\s+p50 ms\s+p95 ms\s+errors\s+from\s+up\/down\s+restarts/);
    expect(screen).toMatch(new RegExp(`! ${hub.url.replace(/[.:/]/g, '\\$&')}\\s+green\\s+100\\.00%\\s+900\\.0\\s+900\\.0\\s+0\\.0%\\s+polls\\s+1/0\\s+0`));
    expect(screen).toMatch(/ {2}http:\/\/127\.0\.0\.1:9\s+green\s+100\.00%\s+4\.0\s+4\.0/);
    expect(screen).toContain('outliers: 1 outlier (fleet.outlier)');
    expect(screen).toContain(`${hub.url}  health latency (median of its polls) 900 ms vs fleet median 5 ms (z 30.18)`);
    expect(screen).not.toMatch(/everything\s+connected/); // the table in place of the hubs
    tmux('send-keys', '-t', name, 'f');
    await screenUntil((s) => /everything\s+connected/.test(s) && !/fleet over/.test(s), 'the hubs again', name);
  } finally {
    spawnSync('tmux', ['-S', socket, 'kill-session', '-t', name]);
  }
});
