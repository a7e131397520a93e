/**
 * The daemon's end of the tap, played by real Unix socket clients writing the tap's own lines (tapLine):
 * bad lines, another wire version, an oversized line, two taps at once, a tap that leaves mid-line, a
 * stale socket file, a state dir too deep for a socket path. None of them may stop the daemon reading.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { tempDir } from '../../../test/support/temp-dir.js';
import { waitUntil } from '../../../test/support/wait.js';
import { systemClock } from '../../model/clock.js';
import { tapLine, TAP_SOCKET_FILE, type CallRecord, type TapMessage } from '../../model/calls.js';
import { MAX_TAP_LINE_BYTES, newTapSocketStats, tapSocketJob, type TapSocketStats } from './tap-socket.js';
import type { Job } from './job.js';

const logged: string[] = [];
const log = { info() {}, warn(_o: object, m?: string) { logged.push(m ?? ''); }, error(_o: object, m?: string) { logged.push(m ?? ''); } };
const running: Job[] = [];
const clients: Socket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(running.splice(0).map((j) => j.stop()));
  logged.length = 0;
});

const call = (tool: string): CallRecord => ({
  hub: 'http://127.0.0.1:7000', server: 'files', tool, method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null,
  start: 1, durationMs: 12, outcome: 'ok', requestBytes: 1, responseBytes: 2,
});
const line = (tool: string) => tapLine({ v: 1, kind: 'call', call: call(tool) });

function start(stateDir = tempDir('mhm-tap-')): { stats: TapSocketStats; got: TapMessage[]; stateDir: string } {
  const stats = newTapSocketStats(stateDir);
  const got: TapMessage[] = [];
  const job = tapSocketJob({ stateDir, clock: systemClock, log, stats, onMessage: (m) => got.push(m) });
  running.push(job);
  job.start();
  return { stats, got, stateDir };
}

async function tap(path: string): Promise<Socket> {
  const s = connect(path);
  clients.push(s);
  await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
  return s;
}

const listening = (stats: TapSocketStats) => waitUntil(() => stats.listening, { what: 'the socket listening', describe: () => stats });
const tools = (got: TapMessage[]) => got.map((m) => (m.kind === 'call' ? m.call.tool : 'status'));

test('reads calls; skips and counts lines that are not JSON, of another wire version, or bad records, and goes on', async () => {
  const { stats, got } = start();
  await listening(stats);
  expect(statSync(stats.path).mode & 0o777).toBe(0o600);
  const s = await tap(stats.path);
  s.write(line('a'));
  s.write('not json\n');
  s.write(`${JSON.stringify({ v: 2, kind: 'call', call: call('future') })}\n`);
  s.write(`${JSON.stringify({ v: 1, kind: 'call', call: { ...call('x'), outcome: 'exploded' } })}\n`);
  s.write(line('b'));
  await waitUntil(() => got.length === 2, { what: 'two calls', describe: () => ({ got: tools(got), stats }) });
  expect(tools(got)).toEqual(['a', 'b']);
  expect(stats.badLines).toBe(3);
  expect(logged.filter((m) => m.includes('not calls'))).toHaveLength(1); // rate-limited: one log line for three
});

test('a line over the cap is dropped, not buffered: the lines around it arrive', async () => {
  const { stats, got } = start();
  await listening(stats);
  const s = await tap(stats.path);
  s.write(line('before'));
  // Sent in pieces, as a tap that streams a huge line would.
  const huge = 'x'.repeat(MAX_TAP_LINE_BYTES / 4);
  for (let i = 0; i < 6; i++) s.write(huge);
  s.write(`\n${line('after')}`);
  await waitUntil(() => got.length === 2, { what: 'the lines around the huge one', describe: () => ({ got: tools(got), stats }) });
  expect(tools(got)).toEqual(['before', 'after']);
  expect(stats.oversizedLines).toBe(1);
});

test('two taps at once, lines split across writes: each tap\'s lines are its own', async () => {
  const { stats, got } = start();
  await listening(stats);
  const [a, b] = [await tap(stats.path), await tap(stats.path)];
  await waitUntil(() => stats.connections === 2, { what: 'two connections', describe: () => stats });
  const la = line('from-a');
  const lb = line('from-b');
  a.write(la.slice(0, 20));
  b.write(lb.slice(0, 30));
  a.write(la.slice(20));
  b.write(lb.slice(30));
  await waitUntil(() => got.length === 2, { what: 'both taps\' calls', describe: () => ({ got: tools(got), stats }) });
  expect(tools(got).sort()).toEqual(['from-a', 'from-b']);
  expect(stats.badLines).toBe(0);
});

test('a tap that sends half a line and disconnects costs that half line, counted; the next tap is read', async () => {
  const { stats, got } = start();
  await listening(stats);
  const s = await tap(stats.path);
  s.end(line('half').slice(0, 40));
  await waitUntil(() => stats.badLines === 1 && stats.connections === 0, { what: 'the half line counted and the tap gone', describe: () => stats });
  expect(stats.lastGoneAt).toBeDefined();
  const next = await tap(stats.path);
  next.write(line('whole'));
  await waitUntil(() => got.length === 1, { what: 'the next tap\'s call', describe: () => stats });
  expect(tools(got)).toEqual(['whole']);
});

test('a socket file a killed daemon left is removed at start; stop removes ours', async () => {
  const stateDir = tempDir('mhm-tap-stale-');
  const path = join(stateDir, TAP_SOCKET_FILE);
  // A process that listens and dies without closing leaves its socket file behind.
  const r = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
  expect(r.status).toBe(0);
  expect(existsSync(path)).toBe(true);
  const { stats, got } = start(stateDir);
  await listening(stats);
  const s = await tap(path);
  s.write(line('after-stale'));
  await waitUntil(() => got.length === 1, { what: 'a call on the new socket', describe: () => stats });
  await running.pop()!.stop();
  expect(existsSync(path)).toBe(false);
});

test('a file that is not a socket is left alone, and the daemon says why it cannot take taps', () => {
  const stateDir = tempDir('mhm-tap-file-');
  writeFileSync(join(stateDir, TAP_SOCKET_FILE), 'mine');
  const { stats } = start(stateDir);
  expect(stats.listening).toBe(false);
  expect(stats.problem).toMatch(/is not a socket/);
  expect(readFileSync(join(stateDir, TAP_SOCKET_FILE), 'utf8')).toBe('mine');
});

test('a state dir too deep for a socket path: said once, clearly, and no crash', () => {
  const deep = join(tempDir('mhm-tap-deep-'), 'a'.repeat(60), 'b'.repeat(60));
  mkdirSync(deep, { recursive: true });
  const { stats } = start(deep);
  expect(stats.listening).toBe(false);
  expect(stats.problem).toMatch(/too deep for the tap's socket: .* bytes, a Unix socket path holds 107; use a shorter --state-dir/);
  expect(logged.filter((m) => m.includes('too deep'))).toHaveLength(1);
});
