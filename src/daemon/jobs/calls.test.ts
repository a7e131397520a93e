/**
 * The calls job on a manual clock: every 5 s it stores the interval, judges the window into the alert
 * pipeline (a scope that resolves what the window no longer shows only while a tap is connected), and
 * writes calls-window.json for check and status.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../../../test/support/temp-dir.js';
import { defaultConfig } from '../../config/defaults.js';
import { ManualClock } from '../../model/clock.js';
import type { CallRecord } from '../../model/calls.js';
import { CALLS_WINDOW_FILE, parseCallsWindow } from '../../model/calls-window.js';
import type { EvaluationScope, RuleResult } from '../../alerts/lifecycle.js';
import { CallsLedger, TAP_STATUS_FRESH_MS } from '../calls-ledger.js';
import type { SampleRow } from '../observations.js';
import { callsJob, CALLS_EVERY_MS } from './calls.js';
import { newTapSocketStats } from './tap-socket.js';

const HUB = 'http://127.0.0.1:7000';
const quiet = { info() {}, warn() {}, error() {} };

const failing = (start: number): CallRecord => ({
  hub: HUB, server: 'crashy', tool: 'echo', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start, durationMs: 4,
  outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: 'Not connected', requestBytes: 1, responseBytes: 1,
});

test('stores each interval, judges the window, resolves only while a tap sees calls, writes the window for check', async () => {
  const clock = new ManualClock();
  const stateDir = tempDir('mhm-calls-job-');
  const ledger = new CallsLedger();
  const socket = { ...newTapSocketStats(stateDir), listening: true, connections: 1, accepted: 1 };
  const stored: SampleRow[] = [];
  const observed: { results: RuleResult[]; scope: EvaluationScope }[] = [];
  const job = callsJob({
    cfg: defaultConfig(), clock, ledger, socket, write: (s) => stored.push(...s), hubs: () => [HUB],
    observe: (results, scope) => observed.push({ results, scope }), stateDir, log: quiet,
  });
  job.start();
  for (let i = 0; i < 20; i++) ledger.note(failing(clock.now()), clock.now());
  await clock.advance(CALLS_EVERY_MS);
  const first = observed.at(-1)!;
  expect(first.results.filter((r) => r.status === 'critical').map((r) => [r.rule, r.labels.server, r.labels.tool ?? null])).toEqual([
    ['calls.error_rate', 'crashy', null], ['calls.error_rate', 'crashy', 'echo'],
  ]);
  expect(first.scope.absentMeansOk).toBe(true);
  expect(stored.filter((s) => s.name === 'calls.count').map((s) => [s.labels, s.v])).toEqual([[{ server: 'crashy', tool: 'echo' }, 20]]);
  const doc = parseCallsWindow(readFileSync(join(stateDir, CALLS_WINDOW_FILE), 'utf8'))!;
  expect([doc.calls, doc.errors, doc.tap.connected, doc.worst[0]?.topError]).toEqual([20, 20, 1, '500 ×20: "Not connected"']);
  // The dashboards' tools panel of each watched hub, for the terminal dashboard (it reads this file).
  expect(doc.panels).toEqual([{ hub: HUB, calls: 20, errors: 20, slowest: [expect.objectContaining({ tool: 'echo' })], failing: [{ server: 'crashy', tool: 'echo', calls: 20, errors: 20, successPercent: 0, p95Ms: 10, topError: '500' }] }]);

  // The window moves past the calls: nothing left to judge, and absent means fine while the tap is there.
  await clock.advance(defaultConfig().calls.window);
  expect(observed.at(-1)!.results).toEqual([]);
  expect(observed.at(-1)!.scope.absentMeansOk).toBe(true);
  // With no tap connected, an empty window is blindness, not health: what fired holds.
  socket.connections = 0;
  await clock.advance(CALLS_EVERY_MS);
  expect(observed.at(-1)!.scope.absentMeansOk).toBe(false);
  await job.stop();
});

test('the window file carries the OpenTelemetry export of each tap heard from lately, not of a tap long silent', async () => {
  const clock = new ManualClock();
  const stateDir = tempDir('mhm-calls-job-');
  const ledger = new CallsLedger();
  const socket = { ...newTapSocketStats(stateDir), listening: true, connections: 1, accepted: 1 };
  const job = callsJob({ cfg: defaultConfig(), clock, ledger, socket, write: () => undefined, hubs: () => [HUB], stateDir, log: quiet });
  const health = (failing: boolean) => ({ url: 'http://collector:4318/v1/traces', exported: 5, failed: failing ? 2 : 0, failedExports: failing ? 1 : 0, failing, ...(failing ? { lastError: 'Unauthorized', lastErrorAt: 1_000 } : {}) });
  const status = (pid: number, listen: string) => ({ listen, hub: HUB, pid, startedAt: 0, dropped: 0, buffered: 0, otel: { traces: health(true), metrics: health(false) } });
  ledger.noteStatus(status(1, '127.0.0.1:7001'), clock.now()); // a tap that stops talking
  job.start();
  await clock.advance(TAP_STATUS_FRESH_MS);
  ledger.noteStatus(status(2, '127.0.0.1:7002'), clock.now());
  ledger.noteStatus({ listen: '127.0.0.1:7003', hub: HUB, pid: 3, startedAt: 0, dropped: 0, buffered: 0 }, clock.now()); // no export
  await clock.advance(CALLS_EVERY_MS);
  const doc = parseCallsWindow(readFileSync(join(stateDir, CALLS_WINDOW_FILE), 'utf8'))!;
  expect(doc.tap.otel).toEqual([{ listen: '127.0.0.1:7002', traces: health(true), metrics: health(false) }]);
  await job.stop();
});

test('calls for a hub the daemon does not watch: in the window file while they come, with their count since start', async () => {
  const clock = new ManualClock();
  const stateDir = tempDir('mhm-calls-job-');
  const ledger = new CallsLedger();
  const socket = { ...newTapSocketStats(stateDir), listening: true, connections: 1, accepted: 1 };
  const job = callsJob({ cfg: defaultConfig(), clock, ledger, socket, write: () => undefined, hubs: () => [HUB], stateDir, log: quiet });
  job.start();
  for (let i = 0; i < 3; i++) ledger.noteUnwatched('http://localhost:7000', clock.now());
  await clock.advance(CALLS_EVERY_MS);
  const read = () => parseCallsWindow(readFileSync(join(stateDir, CALLS_WINDOW_FILE), 'utf8'))!;
  expect(read().tap.unwatched).toEqual({ calls: 3, hubs: [{ hub: 'http://localhost:7000', calls: 3 }] });
  await clock.advance(defaultConfig().calls.window);
  expect(read().tap.unwatched).toEqual({ calls: 3, hubs: [] });
  await job.stop();
});
