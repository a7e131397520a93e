/**
 * The tap's sink against a real Unix socket on a manual clock: what it keeps and drops while nobody reads,
 * what it says, how it retries, and what the daemon is told on connect.
 */
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { TAP_SOCKET_FILE, type CallRecord } from '../model/calls.js';
import { ManualClock } from '../model/clock.js';
import { FakeTapDaemon } from '../../test/support/tap.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { waitUntil } from '../../test/support/wait.js';
import { TapSink } from './sink.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const record = (n: number): CallRecord => ({
  hub: 'http://127.0.0.1:7000', server: 'tester', tool: 'echo', method: 'tools/call', transport: 'rest', client: null,
  session: null, requestId: String(n), start: 0, durationMs: 1, outcome: 'ok', requestBytes: 10, responseBytes: 20,
});

/** An hour: the status timer never gets in the way of the retry timer the tests look at. */
const STATUS_EVERY = 3_600_000;

function makeSink(capacity: number): { sink: TapSink; clock: ManualClock; logs: string[]; path: string; dir: string } {
  const clock = new ManualClock();
  const logs: string[] = [];
  const dir = tempDir('mhm-sink-');
  const path = join(dir, TAP_SOCKET_FILE);
  const sink = new TapSink({
    socketPath: path, capacity, clock, log: (l) => logs.push(l), statusEveryMs: STATUS_EVERY,
    identity: { listen: '127.0.0.1:7001', hub: 'http://127.0.0.1:7000', pid: 1, startedAt: 0 },
  });
  cleanups.push(() => sink.stop());
  return { sink, clock, logs, path, dir };
}

/** The daemon's end of the socket in `dir`, closed after the test. */
function playDaemon(dir: string): FakeTapDaemon {
  const daemon = new FakeTapDaemon(dir);
  cleanups.push(() => daemon.close());
  return daemon;
}

/** The retry timer once it is set (the status timer is an hour away). */
function retryDue(clock: ManualClock): Promise<number> {
  return waitUntil(() => clock.dueIn().find((ms) => ms < STATUS_EVERY / 2), { what: 'the retry timer' });
}

test('with no daemon, the sink keeps the newest records, counts the dropped ones and says there is no daemon, even while a connect attempt is in flight', () => {
  const { sink, logs, path } = makeSink(5);
  sink.start(); // the connect attempt is pending until the loop turns: the records below arrive during it
  for (let n = 1; n <= 8; n++) sink.send(record(n));
  expect(sink.status()).toMatchObject({ dropped: 3, buffered: 5 });
  expect(logs).toEqual([`tap: the daemon is not taking records (no daemon at ${path}); the buffer of 5 is full, dropping the oldest records`]);
});

test('when the daemon comes, it gets the status first (what was dropped, what is buffered), then the newest records in order', async () => {
  const { sink, clock, logs, path, dir } = makeSink(5);
  sink.start();
  await retryDue(clock); // the first attempt failed
  for (let n = 1; n <= 8; n++) sink.send(record(n));
  const daemon = playDaemon(dir);
  await daemon.listen();
  await clock.advance(await retryDue(clock));
  await waitUntil(() => daemon.calls.length === 5, { what: 'the 5 buffered records', describe: () => daemon.calls });
  expect(daemon.statuses[0]).toEqual({ listen: '127.0.0.1:7001', hub: 'http://127.0.0.1:7000', pid: 1, startedAt: 0, dropped: 3, buffered: 5 });
  expect(daemon.calls.map((c) => c.requestId)).toEqual(['4', '5', '6', '7', '8']);
  expect(logs.at(-1)).toBe(`tap: the daemon is back at ${path}; 3 records dropped while it was away, 5 buffered ones sent now`);
  sink.send(record(9));
  await waitUntil(() => daemon.calls.length === 6, { what: 'a record sent while connected' });
  expect(sink.status()).toMatchObject({ dropped: 3, buffered: 0 });
});

test('retries double from 100 ms to at most 5 s, and start again at 100 ms once a connection was made', async () => {
  const { sink, clock, path, dir } = makeSink(5);
  sink.start();
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    const due = await retryDue(clock);
    waits.push(due);
    await clock.advance(due);
  }
  expect(waits).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
  const daemon = playDaemon(dir);
  await daemon.listen();
  await clock.advance(await retryDue(clock));
  await waitUntil(() => daemon.connections === 1, { what: 'the connection' });
  await daemon.close(); // the daemon goes away again
  expect(await retryDue(clock)).toBe(100);
});

test('a daemon that stops reading: the sink says so (not "no daemon"), drops the oldest, and says when it reads again', async () => {
  const { sink, clock, logs, path, dir } = makeSink(10);
  const daemon = playDaemon(dir);
  await daemon.listen();
  sink.start();
  await waitUntil(() => daemon.statuses.length === 1, { what: 'the status on connect' });
  daemon.setReading(false);
  // Enough records to fill the kernel's socket buffer and the socket's write buffer, fewer per loop turn
  // than the sink holds (so only the daemon not reading can make it drop).
  for (let n = 1; sink.dropped === 0 && n < 1_000_000; n++) {
    sink.send(record(n));
    if (n % 5 === 0) await new Promise((r) => setImmediate(r));
  }
  expect(logs).toEqual(['tap: the daemon is not taking records (it stopped reading); the buffer of 10 is full, dropping the oldest records']);
  daemon.setReading(true);
  await waitUntil(() => logs.length === 2, { what: 'the "reads again" line', describe: () => logs });
  expect(logs[1]).toMatch(/^tap: the daemon reads again; \d+ records dropped while it did not$/);
  expect(clock.dueIn().filter((ms) => ms < STATUS_EVERY / 2)).toEqual([]); // no reconnect: it never left
});
