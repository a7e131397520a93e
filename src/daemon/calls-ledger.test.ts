/**
 * The tap's calls from the ledger to the store and back: every interval's samples, stored and rolled up
 * like every series, read back (raw and 1-minute) as the same counts, error types and percentiles. And the
 * ledger's bounds: a window that forgets, a hostile tap's endless names folded into `__other__`.
 */
import { expect, test } from 'vitest';
import { useTempStores } from '../../test/support/temp-store.js';
import { CALL_DURATION_BUCKETS_S, quantileMs, type CallStats } from '../model/call-stats.js';
import type { CallRecord } from '../model/calls.js';
import { CallsLedger, MAX_KEYS_PER_HUB, MAX_RECENT_FAILURES, OTHER } from './calls-ledger.js';
import { CALL_SERIES, hubCallsOver, statsFromRows, type CallSeriesRow } from './calls-series.js';

const newStore = useTempStores('mhm-calls-');
const HUB = 'http://127.0.0.1:7000';
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

const call = (tool: string, durationMs: number, failed = false): CallRecord => ({
  hub: `${HUB}/`, server: 'files', tool, method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: T0, durationMs,
  ...(failed ? { outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: 'Not connected' } : { outcome: 'ok' }),
  requestBytes: 1, responseBytes: 1,
});

const strip = (s: CallStats) => ({ ...s, lastError: undefined, sumMs: Math.round(s.sumMs) });
const byTool = (xs: readonly CallStats[]) => [...xs].sort((a, b) => (a.tool < b.tool ? -1 : 1)).map(strip);

test('stored and rolled up, the calls read back as the same counts, errors and percentiles', () => {
  const store = newStore();
  const ledger = new CallsLedger();
  // Three minutes of calls, an interval closed every 5 s as the calls job does.
  for (let t = T0; t < T0 + 180_000; t += 5_000) {
    for (let i = 0; i < 7; i++) ledger.note(call('read', 30 + ((t / 1000 + i * 97) % 2_500)), t);
    ledger.note(call('write', 4_000, (t / 5_000) % 3 === 0), t);
    store.insertSamples(ledger.closeInterval(t + 5_000, 300_000));
  }
  store.rollup(T0 + 10 * 60_000);
  const names = Object.values(CALL_SERIES);
  const read = (resolution: 'raw' | '1m'): CallSeriesRow[] => names.flatMap((name) => store.querySamples({ hub: HUB, name, from: T0, to: T0 + 600_000, resolution }).map((r) => (
    'bucket' in r ? { hub: r.hub, name, labels: r.labels, total: r.sum ?? 0 } : { hub: r.hub, name, labels: r.labels, total: r.v ?? 0 })));
  const expected = byTool(ledger.totals());
  expect(expected.map((s) => [s.tool, s.calls, s.errors])).toEqual([['read', 252, 0], ['write', 36, 12]]);
  for (const resolution of ['raw', '1m'] as const) {
    const back = byTool(statsFromRows(read(resolution)));
    expect(back).toEqual(expected);
    expect(back.map((s) => quantileMs(s, 0.95))).toEqual(expected.map((s) => quantileMs(s, 0.95)));
  }
  // The calls SLO's read: the hub's sums, raw over a short window, rollups and the raw rows after them over
  // a long one (the rollup has folded the first 10 minutes), the same counts and histogram either way.
  const all = (xs: readonly CallStats[]) => xs.reduce((a, s) => ({ calls: a.calls + s.calls, errors: a.errors + s.errors, buckets: a.buckets.map((n, i) => n + s.buckets[i]!) }),
    { calls: 0, errors: 0, buckets: new Array<number>(CALL_DURATION_BUCKETS_S.length + 1).fill(0) });
  for (const [from, to] of [[T0, T0 + 600_000], [T0 + 600_000 - 7 * 3_600_000, T0 + 600_000]]) {
    const hub = hubCallsOver(store, HUB, from!, to!);
    expect({ calls: hub.calls, errors: hub.errors, buckets: hub.buckets }).toEqual(all(ledger.totals()));
  }
});

test('the window forgets intervals older than it; the totals keep everything', () => {
  const ledger = new CallsLedger();
  ledger.note(call('read', 10, true), T0);
  ledger.closeInterval(T0 + 5_000, 60_000);
  ledger.note(call('read', 10), T0 + 50_000);
  ledger.closeInterval(T0 + 55_000, 60_000);
  expect(ledger.window(T0 + 60_000, 60_000).map((s) => [s.calls, s.errors])).toEqual([[2, 1]]);
  ledger.closeInterval(T0 + 66_000, 60_000);
  expect(ledger.window(T0 + 66_000, 60_000).map((s) => [s.calls, s.errors])).toEqual([[1, 0]]);
  expect(ledger.totals().map((s) => [s.hub, s.calls, s.errors])).toEqual([[HUB, 2, 1]]);
});

test('a tap naming endless tools cannot grow memory: names beyond the cap fold into __other__', () => {
  const ledger = new CallsLedger();
  for (let i = 0; i < MAX_KEYS_PER_HUB + 300; i++) ledger.note(call(`tool-${i}`, 5), T0);
  const totals = ledger.totals();
  expect(totals).toHaveLength(MAX_KEYS_PER_HUB + 1);
  expect(totals.find((s) => s.tool === OTHER)).toMatchObject({ server: 'files', calls: 300 });
});

test('the last MAX_RECENT_FAILURES failing calls are kept as they came (arguments too), oldest first; ok calls are not', () => {
  const ledger = new CallsLedger();
  for (let i = 0; i < MAX_RECENT_FAILURES + 5; i++) {
    ledger.note({ ...call(`t${i}`, 10, true), arguments: `{"n":${i}}` }, T0);
    ledger.note(call('fine', 10), T0);
  }
  const kept = ledger.recentFailures();
  expect(kept).toHaveLength(MAX_RECENT_FAILURES);
  expect(kept.map((c) => c.tool)).toEqual(Array.from({ length: MAX_RECENT_FAILURES }, (_, i) => `t${i + 5}`));
  expect(kept[0]).toMatchObject({ hub: HUB, outcome: 'jsonrpc_error', errorMessage: 'Not connected', arguments: '{"n":5}' });
});
