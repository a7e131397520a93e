/**
 * The tap's intake across runs of the daemon (a config reload swaps the run; the tap's connection stays),
 * and what a run does with a call: its hub matched to the watched hubs exactly after normalisation, calls
 * for another hub counted as unwatched, "Not connected" as evidence at most once a second per server.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { waitUntil } from '../../test/support/wait.js';
import { ManualClock, systemClock } from '../model/clock.js';
import { tapLine, type CallRecord, type TapMessage } from '../model/calls.js';
import { CallsLedger, normalizeHub } from './calls-ledger.js';
import { newTapSocketStats } from './jobs/tap-socket.js';
import { TapIntake, tapHandler } from './tap-intake.js';

const quiet = { info() {}, warn() {}, error() {} };
const intakes: TapIntake[] = [];
const clients: Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(intakes.splice(0).map((i) => i.close()));
});

const call = (hub: string, over: Partial<CallRecord> = {}): CallRecord => ({
  hub, server: 'files', tool: 'read', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null,
  start: 1, durationMs: 12, outcome: 'ok', requestBytes: 1, responseBytes: 2, ...over,
});
const notConnected = (hub: string, server = 'files'): CallRecord => call(hub, { server, outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: 'Not connected' });

test('a hub is matched exactly after normalisation: a trailing slash, a default port or the scheme\'s case is the same hub; localhost is not 127.0.0.1', () => {
  expect(normalizeHub('http://127.0.0.1:7000/')).toBe('http://127.0.0.1:7000');
  expect(normalizeHub('HTTP://127.0.0.1:7000')).toBe('http://127.0.0.1:7000');
  expect(normalizeHub('http://127.0.0.1:80/')).toBe('http://127.0.0.1');
  expect(normalizeHub('http://localhost:7000')).toBe('http://localhost:7000');
  expect(normalizeHub('not a url')).toBe('not a url');

  const ledger = new CallsLedger();
  const watched = new Set(['http://127.0.0.1:7000', 'http://127.0.0.1']);
  const handle = tapHandler({ clock: new ManualClock(), ledger, watched: (h) => watched.has(h), onDeadEvidence: () => undefined });
  for (const hub of ['http://127.0.0.1:7000', 'http://127.0.0.1:7000/', 'HTTP://127.0.0.1:7000', 'http://127.0.0.1:80', 'http://localhost:7000', 'http://127.0.0.1:7001', 'http://localhost:7000/', 'junk']) {
    handle({ v: 1, kind: 'call', call: call(hub) });
  }
  expect(ledger.totals().map((s) => [s.hub, s.calls]).sort()).toEqual([['http://127.0.0.1', 1], ['http://127.0.0.1:7000', 3]]);
  expect(ledger.unwatchedCalls).toBe(4);
  expect([...ledger.unwatched].map(([hub, u]) => [hub, u.calls]).sort()).toEqual([['http://127.0.0.1:7001', 1], ['http://localhost:7000', 2], ['junk', 1]]);
});

test('"Not connected" is evidence about its server at most once a second per server, under the watched hub\'s name', async () => {
  const clock = new ManualClock();
  const seen: string[] = [];
  const handle = tapHandler({ clock, ledger: new CallsLedger(), watched: (h) => h === 'http://127.0.0.1:7000', onDeadEvidence: (_c, hub, server) => seen.push(`${hub} ${server}`) });
  const send = (c: CallRecord) => handle({ v: 1, kind: 'call', call: c });
  send(notConnected('http://127.0.0.1:7000/'));
  send(notConnected('http://127.0.0.1:7000'));
  send(notConnected('http://127.0.0.1:7000', 'other'));
  send(call('http://127.0.0.1:7000', { outcome: 'jsonrpc_error', errorMessage: 'Tool not found' }));
  send(notConnected('http://localhost:7000'));
  expect(seen).toEqual(['http://127.0.0.1:7000 files', 'http://127.0.0.1:7000 other']);
  await clock.advance(1_000);
  send(notConnected('http://127.0.0.1:7000'));
  expect(seen).toEqual(['http://127.0.0.1:7000 files', 'http://127.0.0.1:7000 other', 'http://127.0.0.1:7000 files']);
});

test('a reload swaps the run that takes the messages: the tap stays connected, and what came in between goes to the next run', async () => {
  const stateDir = tempDir('mhm-intake-');
  const stats = newTapSocketStats(stateDir);
  const intake = new TapIntake({ stateDir, clock: systemClock, log: quiet, stats });
  intakes.push(intake);
  const first: TapMessage[] = [];
  intake.attach((m) => first.push(m));
  await waitUntil(() => stats.listening, { what: 'the socket listening' });
  const s = connect(stats.path);
  clients.push(s);
  let closed = false;
  s.on('close', () => { closed = true; });
  await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
  const line = (tool: string) => tapLine({ v: 1, kind: 'call', call: call('http://127.0.0.1:7000', { tool }) });
  const tools = (ms: TapMessage[]) => ms.map((m) => (m.kind === 'call' ? m.call.tool : 'status'));

  s.write(line('before'));
  await waitUntil(() => first.length === 1, { what: 'the first run to take the call' });
  intake.detach();
  s.write(line('between'));
  await waitUntil(() => stats.messages === 2, { what: 'the socket to read the call sent between two runs' });
  const second: TapMessage[] = [];
  intake.attach((m) => second.push(m));
  s.write(line('after'));
  await waitUntil(() => second.length === 2, { what: 'the next run to take both calls' });
  expect([tools(first), tools(second)]).toEqual([['before'], ['between', 'after']]);
  expect([closed, stats.accepted, stats.connections]).toEqual([false, 1, 1]);
});
