/**
 * The daemon against the fork (ollieb89/mcp_hub 4.3.0) as the fake hub serves it from captures of a real
 * fork run: its batched SSE stream, whose log entries all say "debug" in pino mode, and its
 * `/api/filtering/stats`. The real fork is not a dependency, so the fake hub stands in for it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { classifyLine } from '../../src/sources/log-classify.js';
import { CLI_PATH, isolatedEnv } from '../support/cli.js';
import { storedEvents, waitForStored } from '../support/daemon-process.js';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';

let hub: FakeHub;
const cleanups: (() => unknown)[] = [];
beforeEach(async () => {
  hub = await startFakeHub();
  cleanups.push(() => hub.close());
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts `daemon --interval 1s` on the fake hub; returns a stop that waits for its clean exit. */
function startDaemon(state: string): () => Promise<void> {
  const env = isolatedEnv({ HOME: tempDir('mhm-fork-home-') });
  const child = spawn(process.execPath, [CLI_PATH, 'daemon', '--state-dir', state, '--hub', hub.url, '--interval', '1s'], { env, stdio: 'ignore' });
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
