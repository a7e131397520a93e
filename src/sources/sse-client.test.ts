/**
 * The connection loop on a manual clock: backoff, jitter, watchdog and resync are driven by `advance()`,
 * never by sleeping; the bytes travel over real loopback sockets from the fake hub.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { startFakeHub, sseEvent, type FakeHub } from '../../test/support/fake-hub.js';
import { ManualClock } from '../model/clock.js';
import { backoffDelayMs, startSseClient, type SseClient, type SseClientOptions, type SseObservation } from './sse-client.js';
import { recorder } from '../../test/support/sse-recorder.js';
import { waitUntil } from '../../test/support/wait.js';


type CloseObs = Extract<SseObservation, { kind: 'close' }>;
const closes = (o: SseObservation) => o.kind === 'close';
const kind = (k: SseObservation['kind']) => (o: SseObservation) => o.kind === k;
/** Requests to /api/events the fake hub has seen. */
const attempts = (hub: FakeHub) => hub.requests.filter((r) => r.path === '/api/events').length;
/** Waits for the fake hub to have seen `n` stream requests (real sockets: a few ms). */
async function attemptsReach(hub: FakeHub, n: number): Promise<void> {
  await waitUntil(() => attempts(hub) >= n, { what: `${n} stream requests at the fake hub`, timeoutMs: 5_000, everyMs: 5, describe: () => attempts(hub) });
}

let hub: FakeHub;
let client: SseClient | undefined;
afterEach(async () => {
  await client?.stop();
  client = undefined;
  await hub?.close();
});

async function start(extra: Partial<SseClientOptions> = {}) {
  hub ??= await startFakeHub();
  const clock = new ManualClock();
  const rec = recorder();
  client = startSseClient({ url: hub.url, hub: 'a', onObservation: (o) => rec.on(o), clock, random: () => 0.5, ...extra });
  return { clock, rec, client };
}

describe('backoffDelayMs', () => {
  test.each([
    [0, 500], [1, 1_000], [2, 2_000], [3, 4_000], [4, 8_000], [5, 15_000], [6, 15_000], [1_000, 15_000],
  ])('attempt %i with random 0.5 waits %i ms (doubling from 1 s, capped at 30 s, full jitter)', (attempt, want) => {
    expect(backoffDelayMs(attempt, 1_000, 30_000, () => 0.5)).toBe(want);
  });

  test('full jitter spans [0, cap)', () => {
    expect(backoffDelayMs(3, 1_000, 30_000, () => 0)).toBe(0);
    expect(backoffDelayMs(3, 1_000, 30_000, () => 0.999_999)).toBe(7_999);
  });
});

describe('startSseClient on a manual clock', () => {
  test('a 500 is retried with exponential backoff and full jitter, and only when the clock says so (faults A17)', async () => {
    hub = await startFakeHub();
    hub.route('/api/events', { kind: 'sseStatus', code: 500, body: '{"error":"boom"}', contentType: 'application/json' });
    const { clock, rec, client: c } = await start();
    const delays: number[] = [];
    for (let i = 1; i <= 7; i++) {
      const last = (await rec.waitFor(closes, i))[i - 1] as CloseObs;
      expect(last).toMatchObject({ reason: 'status', wasOpen: false, detail: `GET ${hub.url}/api/events: HTTP 500` });
      delays.push(last.retryInMs!);
      await clock.advance(last.retryInMs! - 1);
      expect(attempts(hub)).toBe(i); // not a moment early
      await clock.advance(1);
      await attemptsReach(hub, i + 1);
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
    expect(c.stats()).toMatchObject({ connects: 0, reconnects: 7, connected: false });
  });

  test('a 204 says "SSE unsupported" once, then retries quietly every maxMs', async () => {
    hub = await startFakeHub();
    hub.route('/api/events', { kind: 'sseStatus', code: 204 });
    const { clock, rec } = await start({ backoff: { initialMs: 1_000, maxMs: 30_000 } });
    const [first] = await rec.waitFor(closes);
    expect(first).toMatchObject({ reason: 'unsupported', retryInMs: 30_000 });
    for (let i = 2; i <= 4; i++) {
      // The client sets its next retry once it has read the 204: advancing before that would skip it.
      await waitUntil(() => clock.dueIn().includes(30_000), { what: `retry ${i} set ${30_000} ms ahead`, describe: () => clock.dueIn() });
      await clock.advance(30_000);
      await attemptsReach(hub, i);
    }
    await waitUntil(() => clock.dueIn().includes(30_000), { what: 'the fourth 204 read and the next retry set', describe: () => clock.dueIn() });
    expect(rec.count(closes)).toBe(1);
  });

  test.each([
    [31_000, 500], // up ≥ 30 s: the backoff starts again from initialMs
    [20_000, 4_000], // shorter, with no heartbeat: the fourth failure in a row
  ])('a stream that stayed up %i ms before its watchdog fired retries in %i ms', async (upMs, wantRetry) => {
    hub = await startFakeHub();
    hub.route('/api/events', { kind: 'sseStatus', code: 500 });
    const { clock, rec } = await start({ watchdogMs: upMs });
    for (let i = 1; i <= 3; i++) {
      const c = (await rec.waitFor(closes, i))[i - 1] as CloseObs;
      if (i === 3) hub.route('/api/events', { kind: 'sseHalfOpen' });
      await clock.advance(c.retryInMs!);
    }
    await rec.waitFor(kind('hub_state'));
    await clock.advance(upMs);
    const dog = (await rec.waitFor(closes, 4))[3] as CloseObs;
    expect(dog).toMatchObject({ reason: 'watchdog', wasOpen: true, retryInMs: wantRetry });
  });

  test('the half-open watchdog closes a silent stream after watchdogMs and reconnects (faults A15)', async () => {
    hub = await startFakeHub();
    hub.route('/api/events', { kind: 'sseHalfOpen' });
    const { clock, rec } = await start({ watchdogMs: 25_000 });
    await rec.waitFor(kind('hub_state'));
    await clock.advance(24_999);
    expect(rec.count(closes)).toBe(0);
    await clock.advance(1);
    const [close] = await rec.waitFor(closes);
    expect(close).toMatchObject({ reason: 'watchdog', wasOpen: true, retryInMs: 500 });
    await clock.advance(500);
    await rec.waitFor(kind('open'), 2);
  });

  test('bytes keep the watchdog quiet: heartbeats every 10 s never trip a 25 s watchdog', async () => {
    hub = await startFakeHub();
    hub.route('/api/events', { kind: 'sseHeartbeats', everyMs: 20 }); // real ms; the watchdog runs on the manual clock
    const { clock, rec } = await start({ watchdogMs: 25_000 });
    for (let i = 1; i <= 6; i++) {
      await rec.waitFor(kind('heartbeat'), i);
      await clock.advance(10_000);
    }
    expect(rec.count(closes)).toBe(0);
  });

  test('a heartbeat resets the backoff; a stream that ends without one does not', async () => {
    hub = await startFakeHub();
    const snapshot = sseEvent('hub_state', { state: 'ready' });
    hub.route('/api/events', { kind: 'sseReplay', text: snapshot, end: true });
    const { clock, rec } = await start();
    const retries: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const hits = await rec.waitFor(closes, i);
      const c = hits[i - 1] as Extract<SseObservation, { kind: 'close' }>;
      expect(c).toMatchObject({ reason: 'eof', wasOpen: true });
      retries.push(c.retryInMs!);
      await clock.advance(c.retryInMs!);
    }
    expect(retries).toEqual([500, 1_000, 2_000]);
    hub.route('/api/events', { kind: 'sseReplay', text: snapshot + sseEvent('heartbeat', { connections: 1 }), end: true });
    const hits = await rec.waitFor(closes, 4);
    expect(hits[3]).toMatchObject({ reason: 'eof', retryInMs: 500 });
  });

  test('onConnected is awaited after every (re)connect; the state is trusted only once it resolves (faults A14)', async () => {
    hub = await startFakeHub();
    hub.route('/api/events', { kind: 'sseCut', afterMs: 150 });
    const resyncs: (() => void)[] = [];
    const { clock, rec, client: c } = await start({
      onConnected: () => new Promise<void>((resolve) => { resyncs.push(resolve); }),
    });
    await rec.waitFor(kind('hub_state'));
    expect(resyncs).toHaveLength(1);
    expect(c.stats()).toMatchObject({ connected: true, trusted: false });
    resyncs[0]!();
    await new Promise((r) => setImmediate(r));
    expect(c.stats().trusted).toBe(true);

    const [cut] = await rec.waitFor(closes); // the hub drops us mid-event
    expect(cut).toMatchObject({ reason: 'error', wasOpen: true });
    expect(c.stats()).toMatchObject({ connected: false, trusted: false });
    await clock.advance((cut as { retryInMs: number }).retryInMs);
    await rec.waitFor(kind('open'), 2);
    expect(resyncs).toHaveLength(2);
    expect(c.stats().trusted).toBe(false);
    resyncs[1]!();
    await new Promise((r) => setImmediate(r));
    expect(c.stats()).toMatchObject({ connects: 2, trusted: true });
  });

  test('a rejected resync closes the stream with its reason and retries', async () => {
    hub = await startFakeHub();
    hub.route('/api/events', { kind: 'sseHeartbeats', everyMs: 60_000 });
    let calls = 0;
    const { clock, rec, client: c } = await start({
      onConnected: async () => {
        if (++calls === 1) throw new Error('GET /api/servers: HTTP 500');
      },
    });
    const [close] = await rec.waitFor(closes);
    expect(close).toMatchObject({ reason: 'error', wasOpen: true, detail: expect.stringContaining('resync after connect failed: GET /api/servers: HTTP 500') });
    await clock.advance((close as { retryInMs: number }).retryInMs);
    await rec.waitFor(kind('open'), 2);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    expect(c.stats()).toMatchObject({ connects: 2, reconnects: 1, connected: true, trusted: true });
  });

  test('no response headers within connectTimeoutMs is a failed attempt', async () => {
    hub = await startFakeHub();
    hub.route('/api/events', { kind: 'silent' });
    const { clock, rec } = await start({ connectTimeoutMs: 5_000 });
    await attemptsReach(hub, 1);
    await clock.advance(5_000);
    const [close] = await rec.waitFor(closes);
    expect(close).toMatchObject({ reason: 'error', wasOpen: false, detail: `GET ${hub.url}/api/events: no response headers within 5s` });
  });

  test('200 with a content type other than text/event-stream is retried', async () => {
    hub = await startFakeHub();
    hub.route('/api/events', { kind: 'ok', body: '<!DOCTYPE html><p>hi', contentType: 'text/html; charset=utf-8' });
    const { rec } = await start();
    const [close] = await rec.waitFor(closes);
    expect(close).toMatchObject({ reason: 'content_type', retryInMs: 500 });
  });

  test('stop() closes an open stream at once, says so, and never reconnects', async () => {
    hub = await startFakeHub();
    hub.route('/api/events', { kind: 'sseHeartbeats', everyMs: 60_000 });
    const { clock, rec, client: c } = await start();
    await rec.waitFor(kind('hub_state'));
    const t0 = Date.now();
    await c.stop();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(rec.seen.at(-1)).toMatchObject({ kind: 'close', reason: 'stopped', wasOpen: true });
    expect(rec.seen.at(-1)).not.toHaveProperty('retryInMs');
    await clock.advance(120_000);
    expect(attempts(hub)).toBe(1);
    expect(c.stats().connected).toBe(false);
  });

  test('an observer that throws is counted, and the stream goes on', async () => {
    hub = await startFakeHub();
    hub.route('/api/events', { kind: 'sseReplay', text: sseEvent('hub_state', { state: 'ready' }) + sseEvent('heartbeat', { connections: 1 }) });
    const rec = recorder();
    client = startSseClient({
      url: hub.url, hub: 'a', clock: new ManualClock(),
      onObservation: (o) => {
        rec.on(o);
        if (o.kind === 'hub_state') throw new Error('consumer bug');
      },
    });
    await rec.waitFor(kind('heartbeat'));
    expect(client.stats().observerErrors).toBe(1);
  });

  test('a base URL with a trailing slash or a path prefix', async () => {
    hub = await startFakeHub();
    hub.route('/prefix/api/events', { kind: 'sseHeartbeats', everyMs: 60_000 });
    const { rec } = await start({ url: `${hub.url}/prefix/` });
    const [open] = await rec.waitFor(kind('open'));
    expect(open).toMatchObject({ url: `${hub.url}/prefix/api/events` });
  });

  test('a URL that is not http(s) is refused at start', () => {
    expect(() => startSseClient({ url: 'ftp://x', hub: 'a', onObservation: () => {} })).toThrow(/not an http\(s\) URL/);
  });
});

test('observations fit a consumer typed { kind: string; at: number; [key: string]: unknown } (type-level)', () => {
  type Like = { kind: string; at: number; [key: string]: unknown };
  const take = (o: Like) => o.kind;
  const o: SseObservation = { kind: 'open', hub: 'a', at: 1, url: 'http://x/api/events' };
  expect(take(o)).toBe('open');
});
