/**
 * The daemon against hub faults it must survive (docs/faults.md section A), checked on the "nothing lost" line:
 * every elapsed poll slot has exactly one `hub.up` row — a success, or a failure with its class — and slow
 * probes never put two rows in one slot.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { startFakeHub, type FakeHub, type Mode } from '../support/fake-hub.js';
import { CLI_PATH, isolatedEnv, runCli } from '../support/cli.js';
import { storedEvents, waitForEvent, waitForPolls } from '../support/daemon-process.js';
import { tempDir } from '../support/temp-dir.js';
import { waitUntil } from '../support/wait.js';
import { historyDbPath } from '../../src/config/paths.js';

let hub: FakeHub;
beforeEach(async () => { hub = await startFakeHub(); });
afterEach(async () => { await hub.close(); });

interface Row { t: number; v: number | null; err: string | null }

function upRows(state: string): Row[] {
  const db = new Database(historyDbPath(state), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT s.t, s.v, s.err FROM samples s JOIN series x ON x.id = s.series_id WHERE x.name = 'hub.up' ORDER BY s.t`).all() as Row[];
  } finally {
    db.close();
  }
}

async function collect(mode: Mode | 'refuse', ms: number): Promise<{ rows: Row[]; elapsedMs: number }> {
  if (mode === 'refuse') await hub.close();
  else hub.route('/api/health', mode);
  const state = tempDir('mhm-faults-');
  const started = Date.now();
  const daemon = spawn(process.execPath, [CLI_PATH, 'daemon', '--state-dir', state, '--hub', hub.url, '--interval', '1s', '--no-sse'], { env: isolatedEnv(), stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, ms)); // the scenario: the daemon runs `ms` against the fault, then its slots are counted
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  return { rows: upRows(state), elapsedMs: Date.now() - started };
}

test.each([
  ['A1 hub gone (connection refused)', 'refuse' as const, 'refused'],
  ['A5 hub hangs: accepts and never answers', { kind: 'silent' } as Mode, 'timeout'],
  ['A6 slow drip: the total deadline ends each probe', { kind: 'drip', bytesPerSecond: 1 } as Mode, 'timeout'],
  ['A7 hub answers 500', { kind: 'status', code: 500, body: { error: 'boom', code: 'X' } } as Mode, 'http_status'],
  ['A8 truncated JSON', { kind: 'truncate', body: { status: 'ok', state: 'ready', servers: [] }, bytes: 20 } as Mode, 'malformed'],
  ['A9 huge body', { kind: 'huge', bytes: 50_000_000 } as Mode, 'too_large'],
  ['A10 JSON nested 10,000 deep', { kind: 'deep', depth: 10_000 } as Mode, 'malformed'],
])('%s: one failure row per slot, classed %s, never two in a slot', async (_name, mode, failure) => {
  const { rows, elapsedMs } = await collect(mode, 4_500);
  expect(rows.length).toBeGreaterThanOrEqual(3);
  expect(rows.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 1_000) + 1);
  expect(rows.every((r) => r.v === 0 && r.err === failure)).toBe(true); // a failed poll: the hub was not up
  for (let i = 1; i < rows.length; i++) expect(rows[i]!.t - rows[i - 1]!.t).toBeGreaterThan(600);
}, 30_000);

test('A21 a hub stuck in "starting" is recorded as answering but not up, with no per-server rows for servers not listed yet', async () => {
  hub.route('/api/health', { kind: 'ok', body: { status: 'ok', state: 'starting', server_id: 'mcp-hub', servers: [], timestamp: new Date().toISOString() } });
  const state = tempDir('mhm-faults-');
  const daemon = spawn(process.execPath, [CLI_PATH, 'daemon', '--state-dir', state, '--hub', hub.url, '--interval', '1s', '--no-sse'], { env: isolatedEnv(), stdio: 'ignore' });
  await waitForPolls(state, 2, 0);
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  const rows = upRows(state);
  expect(rows.length).toBeGreaterThanOrEqual(2);
  expect(rows.every((r) => r.v === 0 && r.err === null)).toBe(true);
  const db = new Database(historyDbPath(state), { readonly: true });
  try {
    expect(db.prepare("SELECT count(*) AS n FROM series WHERE name = 'server.up'").get()).toEqual({ n: 0 });
  } finally {
    db.close();
  }
}, 30_000);

test('B13 check --expect-daemon: WARNING while no daemon runs, OK while one records; the hub checks still run', async () => {
  const state = tempDir('mhm-deadman-');
  hub.route('/api/health', { kind: 'state', state: 'ready', onlyUp: true });
  const without = await runCli(['check', '--hub', hub.url, '--state-dir', state, '--expect-daemon', '--json']);
  const doc = JSON.parse(without.stdout) as { exitCode: number; checks: { id: string; status: string; message: string }[] };
  expect(doc.exitCode).toBe(1);
  expect(doc.checks.find((c) => c.id === 'daemon.running')).toMatchObject({ status: 'warning' });
  expect(doc.checks.find((c) => c.id === 'hub.reachable')).toMatchObject({ status: 'ok' });
  // --daemon is the same dead-man check, at CRITICAL.
  const strict = await runCli(['check', '--hub', hub.url, '--state-dir', state, '--daemon']);
  expect(strict.code).toBe(2);
  expect(strict.stdout).toMatch(/CRITICAL\s+daemon\.running/);

  const daemon = spawn(process.execPath, [CLI_PATH, 'daemon', '--state-dir', state, '--hub', hub.url, '--interval', '1s', '--no-sse'], { env: isolatedEnv(), stdio: 'ignore' });
  try {
    let running: unknown;
    await waitUntil(async () => {
      const run = await runCli(['check', '--hub', hub.url, '--state-dir', state, '--expect-daemon', '--json']);
      running = (JSON.parse(run.stdout) as { checks: { id: string; status: string }[] }).checks.find((c) => c.id === 'daemon.running');
      return (running as { status: string }).status === 'ok';
    }, { what: 'daemon.running ok in check --expect-daemon', everyMs: 200, describe: () => running });
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  }
}, 30_000);

test('anomalies reads the hub log from a configured command (journalctl-style), and judges its error lines', async () => {
  hub.route('/api/health', { kind: 'state', state: 'ready', onlyUp: true });
  const dir = tempDir('mhm-logcmd-');
  writeFileSync(join(dir, 'log.sh'), 'for i in 1 2 3 4 5; do echo "Failed to connect to \\"x\\" MCP server: boom"; done\nsleep 30\n');
  writeFileSync(join(dir, 'config.yaml'), `logs:\n  command: "sh ${join(dir, 'log.sh')}"\n`);
  const run = await runCli(['anomalies', '--hub', hub.url, '--config', join(dir, 'config.yaml'), '--window', '2s', '--json']);
  const doc = JSON.parse(run.stdout) as { checks: { id: string; status: string; message: string }[] };
  const spike = doc.checks.find((c) => c.id === 'anomaly.error_spike')!;
  expect(spike).toMatchObject({ status: 'warning' });
  expect(spike.message).toMatch(/^5 error lines during the 2s window/);
  expect(doc.checks.find((c) => c.id === 'anomaly.log_growth')!.message).toContain('command: sh ');
}, 30_000);

/**
 * A recording receiver and a daemon on the fake hub with `configYaml` (its `RECEIVER` replaced by the
 * receiver's URL); `body` runs while both live, `afterStop` once the daemon has stopped (the receiver still
 * listening), and both are stopped whatever happens.
 */
async function withDaemonAndReceiver(
  reply: Parameters<typeof import('../support/receiver.js').startReceiver>[0],
  configYaml: string, extraArgs: string[],
  body: (ctx: { state: string; receiver: import('../support/receiver.js').Receiver }) => Promise<void>,
  afterStop?: (receiver: import('../support/receiver.js').Receiver) => Promise<void>,
): Promise<void> {
  const { startReceiver } = await import('../support/receiver.js');
  const receiver = await startReceiver(reply);
  try {
    const state = tempDir('mhm-faults-');
    const config = join(state, 'config.yaml');
    writeFileSync(config, configYaml.replaceAll('RECEIVER', receiver.url));
    const daemon = spawn(process.execPath, [CLI_PATH, 'daemon', '--state-dir', state, '--hub', hub.url, '--interval', '1s', '--config', config, ...extraArgs], { env: isolatedEnv(), stdio: 'ignore' });
    try {
      await body({ state, receiver });
    } finally {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
    await afterStop?.(receiver);
  } finally {
    await receiver.close();
  }
}

const WEBHOOK_CONFIG = 'alerting:\n  group_wait: 1s\n  receivers:\n    hook: { type: webhook, url: "RECEIVER/hook" }\n';

test('A18 a 2,168-event log flood on the SSE stream is summarised and notifies nobody; the hub stays OK', async () => {
  hub.route('/api/health', { kind: 'state', state: 'ready', onlyUp: true });
  hub.route('/api/events', { kind: 'sseReplay', file: 'sse/main-sse-events.txt' });
  await withDaemonAndReceiver(undefined, WEBHOOK_CONFIG, [], async ({ state, receiver }) => {
    await waitForEvent(state, (e) => e.type === 'log_summary');
    // More polls after the flood than failure_threshold: no alert fired (so none can be notified), nobody was notified.
    await waitForPolls(state, 4);
    expect(storedEvents(state).filter((e) => e.type.startsWith('alert_'))).toEqual([]);
    expect(receiver.requests).toEqual([]);
  });
}, 40_000);

test('the heartbeat (dead-man\'s switch) is pinged while the daemon collects, and stops with it', async () => {
  hub.route('/api/health', { kind: 'state', state: 'ready', onlyUp: true });
  await withDaemonAndReceiver(undefined, 'alerting:\n  heartbeat: { url: "RECEIVER/ping/abc", interval: 1s }\n', ['--no-sse'], async ({ receiver }) => {
    await receiver.waitFor(2, 10_000);
    expect(receiver.requests.slice(0, 2).map((r) => [r.method, r.path])).toEqual([['GET', '/ping/abc'], ['GET', '/ping/abc']]);
  }, async (receiver) => {
    const after = receiver.requests.length;
    await new Promise((r) => setTimeout(r, 2_000)); // absence: two heartbeat intervals with the daemon stopped
    expect(receiver.requests.length).toBe(after);
  });
}, 30_000);

test('C2 a receiver answering 404 is reported by check --expect-daemon as a broken notifier (no SQLite read)', async () => {
  hub.route('/api/health', { kind: 'status', code: 500, body: { error: 'boom' } });
  const config = 'alerting:\n  group_wait: 1s\n  receivers:\n    team: { type: webhook, url: "RECEIVER/hook" }\n';
  await withDaemonAndReceiver({ kind: 'status', status: 404, body: 'no such hook' }, config, ['--no-sse'], async ({ state, receiver }) => {
    await receiver.waitFor(1, 20_000);
    const found = await waitUntil(async () => {
      const run = await runCli(['check', '--hub', hub.url, '--state-dir', state, '--expect-daemon', '--json']);
      return (JSON.parse(run.stdout) as { checks: { id: string; status: string; subject?: string; message: string }[] }).checks.find((c) => c.id === 'daemon.notifier');
    }, { what: 'daemon.notifier in check --expect-daemon', everyMs: 200 });
    expect(found).toMatchObject({ status: 'warning', subject: 'team', message: expect.stringContaining('HTTP 404') });
    expect(receiver.requests).toHaveLength(1); // a 4xx is not retried
  });
}, 40_000);
