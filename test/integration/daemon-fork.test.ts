/**
 * The daemon against the fork (ollieb89/mcp_hub 4.3.0) as the fake hub serves it from captures of a real
 * fork run: its batched SSE stream, whose log entries all say "debug" in pino mode, and its
 * `/api/filtering/stats`. The real fork is not a dependency, so the fake hub stands in for it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { classifyLine } from '../../src/sources/log-classify.js';
import { CLI_PATH, isolatedEnv } from '../support/cli.js';
import { storedEvents, storedSamples, waitForEvent, waitForStored } from '../support/daemon-process.js';
import { httpRequest } from '../support/fake-daemon-view.js';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';
import { fixtureJson } from '../support/hub-fixtures.js';
import { freePort } from '../support/prometheus.js';
import { tempDir } from '../support/temp-dir.js';

let hub: FakeHub;
const cleanups: (() => unknown)[] = [];
beforeEach(async () => {
  hub = await startFakeHub();
  cleanups.push(() => hub.close());
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Starts `daemon --interval 1s` on the fake hub; returns a stop that waits for its clean exit. */
function startDaemon(state: string, extra: string[] = []): () => Promise<void> {
  const env = isolatedEnv();
  const child = spawn(process.execPath, [CLI_PATH, 'daemon', '--state-dir', state, '--hub', hub.url, '--interval', '1s', ...extra], { env, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); return exited; });
  return async () => { child.kill('SIGTERM'); await exited; };
}

/** `level message` of every warning and error in the fork's pino file of the same run as the SSE capture. */
function pinoWarningsAndErrors(): string[] {
  const text = readFileSync(new URL('../fixtures/logs/fork-mcp-hub.log.final.jsonl', import.meta.url), 'utf8');
  return text.split('\n').flatMap((line) => {
    const e = classifyLine(line, 0);
    return e && (e.level === 'warn' || e.level === 'error' || e.level === 'fatal') ? [`${e.level} ${e.message}`] : [];
  });
}

test('replaying the fork\'s SSE capture stores the warnings and errors its pino file records, though every entry says "debug"', async () => {
  // 40 events a second, under the flood threshold (50 logs/s): the capture's startup burst would otherwise be
  // folded into a log_summary, which counts levels but stores no single entry (faults A18).
  hub.route('/api/events', { kind: 'sseReplay', file: 'sse/fork-run-sse-events.txt', speed: 40 });
  const expected = pinoWarningsAndErrors();
  expect(expected).toHaveLength(10);
  const state = tempDir('mhm-fork-state-');
  const stop = startDaemon(state);
  const last = expected.at(-1)!.replace(/^\w+ /, '');
  // The capture's last warning is its second "everything stderr" line: wait for both.
  const lastOnes = () => storedEvents(state).filter((e) => e.type === 'log' && (JSON.parse(e.data!) as { message: string }).message === last).length;
  await waitForStored(() => [lastOnes()], (n) => n === 2, 'the second "everything stderr" warning');
  await stop();
  const stored = storedEvents(state).filter((e) => e.type === 'log').map((e) => {
    const d = JSON.parse(e.data!) as { level: string; message: string };
    return `${d.level} ${d.message}`;
  });
  expect(stored.sort()).toEqual([...expected].sort());
}, 30_000);

test('the fork\'s filtering stats are stored as series, exported on /metrics, and 54 exposed for 27 tools fires fork.filtering', async () => {
  // What the fork served after a restart: its counters count every re-sync's decisions again.
  hub.route('/api/filtering/stats', { kind: 'ok', body: { ...fixtureJson('fork/filtering-stats.json'), exposedTools: 54, cacheHitRate: 0.25 } });
  const port = await freePort();
  const state = tempDir('mhm-fork-state-');
  const stop = startDaemon(state, ['--no-sse', '--listen', `127.0.0.1:${port}`]);
  const firing = await waitForEvent(state, (e) => e.type === 'alert_firing' && (JSON.parse(e.data!) as { rule: string }).rule === 'fork.filtering');
  const alert = JSON.parse(firing.data!) as { severity: string; summary: string };
  expect(alert.severity).toBe('warning');
  expect(alert.summary).toContain('exposedTools 54 > totalTools 27');
  expect(alert.summary).toContain('exposedTools 54 for the 27 tools the hub lists');

  const metrics = (await httpRequest(`http://127.0.0.1:${port}`, '/metrics')).body;
  const gauge = (name: string) => new RegExp(`^${name}\\{hub="${hub.url}"\\} (\\S+)$`, 'm').exec(metrics)?.[1];
  expect(gauge('mcp_hub_fork_filtering_exposed_tools')).toBe('54');
  expect(gauge('mcp_hub_fork_filtering_total_tools')).toBe('27');
  expect(gauge('mcp_hub_fork_filtering_filtered_tools')).toBe('14');
  expect(gauge('mcp_hub_fork_category_cache_entries')).toBe('27');
  expect(gauge('mcp_hub_fork_category_cache_hit_ratio')).toBe('0.25');
  expect(gauge('mcp_hub_fork_filtering_enabled')).toBe('1');
  await stop();
  const stored = (name: string) => storedSamples(state, name).map((s) => s.v);
  expect(new Set(stored('fork.filtering_exposed_tools'))).toEqual(new Set([54]));
  expect(new Set(stored('fork.filtering_total_tools'))).toEqual(new Set([27]));
  expect(new Set(stored('fork.category_cache_hit_rate'))).toEqual(new Set([0.25]));
  expect(stored('hub.up').length).toBe(stored('fork.filtering_exposed_tools').length); // one row per poll slot
}, 30_000);

test('an upstream hub (no /api/filtering/stats) gets no fork series, gauges or finding', async () => {
  const state = tempDir('mhm-fork-state-');
  const port = await freePort();
  const stop = startDaemon(state, ['--no-sse', '--listen', `127.0.0.1:${port}`]);
  await waitForStored(() => storedSamples(state, 'hub.up'), () => true, 'a poll');
  const metrics = (await httpRequest(`http://127.0.0.1:${port}`, '/metrics')).body;
  expect(metrics).toMatch(/^mcp_hub_up\{/m);
  expect(metrics).not.toMatch(/^mcp_hub_fork_/m);
  await stop();
  expect(storedSamples(state, 'fork.filtering_total_tools')).toEqual([]);
}, 30_000);
