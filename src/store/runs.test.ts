import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { useTempStores } from '../../test/support/temp-store.js';
import { computeGaps, type RunRow } from './runs.js';
import { Store } from './store.js';

const store = useTempStores('store-runs-');
const run = (id: number, started_at: number, end: { beat?: number; stop?: number }): RunRow => ({
  id, pid: 100 + id, started_at, last_beat_at: end.stop ?? end.beat ?? null, stopped_at: end.stop ?? null, clean_start: 1, clean_stop: end.stop === undefined ? null : 1,
});
const gap = (from: number, to: number) => ({ from, to, reason: 'daemon_not_running' });

describe('computeGaps', () => {
  test.each([
    ['no run at all: the whole window is unknown', [], [gap(0, 100)]],
    ['one run covering the window: no gap', [run(1, -5, { stop: 200 })], []],
    ['a clean stop, then a restart: the gap is between stop and start', [run(1, 0, { stop: 30 }), run(2, 50, { stop: 100 })], [gap(30, 50)]],
    ['an unclean stop (killed) ends at its last beat', [run(1, 0, { beat: 42 }), run(2, 60, { beat: 100 })], [gap(42, 60)]],
    ['a run killed before its first beat covers nothing', [run(1, 10, {}), run(2, 20, { stop: 100 })], [gap(0, 20)]],
    ['before the first run and after the last are gaps too', [run(1, 20, { stop: 70 })], [gap(0, 20), gap(70, 100)]],
    ['overlapping runs (a clock stepped back) merge', [run(1, 0, { stop: 60 }), run(2, 40, { stop: 80 })], [gap(80, 100)]],
    ['runs out of order merge', [run(2, 50, { stop: 100 }), run(1, 0, { stop: 10 })], [gap(10, 50)]],
  ] as const)('%s', (_name, runs, want) => {
    expect(computeGaps(runs as readonly RunRow[], 0, 100)).toEqual(want);
  });

  test('the live run (currentRunId) covers up to `to`, though its last beat is a few seconds old', () => {
    expect(computeGaps([run(1, 0, { beat: 95 })], 0, 100)).toEqual([gap(95, 100)]);
    expect(computeGaps([run(1, 0, { beat: 95 })], 0, 100, { currentRunId: 1 })).toEqual([]);
  });

  test('an empty or reversed window has no gaps', () => {
    expect(computeGaps([], 100, 100)).toEqual([]);
    expect(computeGaps([], 100, 0)).toEqual([]);
  });

  test('property: gaps are ordered, disjoint, inside the window, and no gap overlaps a run', () => {
    const arbRun = fc.record({ s: fc.integer({ min: -50, max: 150 }), len: fc.integer({ min: 0, max: 60 }), stopped: fc.boolean() });
    fc.assert(fc.property(fc.array(arbRun, { maxLength: 8 }), (rs) => {
      const runs = rs.map((r, i) => run(i + 1, r.s, r.stopped ? { stop: r.s + r.len } : { beat: r.s + r.len }));
      const gaps = computeGaps(runs, 0, 100);
      let prev = 0;
      for (const g of gaps) {
        expect(g.from).toBeGreaterThanOrEqual(prev);
        expect(g.to).toBeGreaterThan(g.from);
        expect(g.to).toBeLessThanOrEqual(100);
        prev = g.to;
        for (const r of runs) {
          const end = r.last_beat_at ?? r.started_at;
          if (end > r.started_at) expect(g.to <= r.started_at || g.from >= end).toBe(true);
        }
      }
      // Covered + gaps = the window.
      const gapTotal = gaps.reduce((a, g) => a + g.to - g.from, 0);
      const covered = new Set<number>();
      for (const r of runs) for (let t = Math.max(0, r.started_at); t < Math.min(100, r.last_beat_at ?? r.started_at); t++) covered.add(t);
      expect(gapTotal + covered.size).toBe(100);
    }));
  });
});

describe('Store runs', () => {
  test('startRun, beat, stopRun and lastRun round-trip the row', () => {
    const s = store();
    expect(s.lastRun()).toBeUndefined();
    const id = s.startRun({ pid: 4242, t: 1000, cleanStart: false });
    s.beat(id, 6000);
    expect(s.lastRun()).toEqual({ id, pid: 4242, started_at: 1000, last_beat_at: 6000, stopped_at: null, clean_start: 0, clean_stop: null });
    s.stopRun(id, 7000, true);
    expect(s.lastRun()).toMatchObject({ id, stopped_at: 7000, last_beat_at: 7000, clean_stop: 1 });
    const next = s.startRun({ pid: 4343, t: 9000, cleanStart: true });
    expect(s.lastRun()).toMatchObject({ id: next, clean_start: 1 });
  });

  test('gaps: a clean stop, an unclean stop ending at its last beat, and the live run', () => {
    const s = store();
    const a = s.startRun({ pid: 1, t: 0, cleanStart: true });
    s.beat(a, 10_000);
    s.stopRun(a, 12_000, true);
    const b = s.startRun({ pid: 2, t: 20_000, cleanStart: true });
    s.beat(b, 35_000); // then SIGKILL: no stop
    const c = s.startRun({ pid: 3, t: 50_000, cleanStart: false });
    s.beat(c, 58_000);
    expect(s.gaps(0, 60_000)).toEqual([gap(12_000, 20_000), gap(35_000, 50_000), gap(58_000, 60_000)]);
    expect(s.gaps(0, 60_000, { currentRunId: c })).toEqual([gap(12_000, 20_000), gap(35_000, 50_000)]);
    expect(s.gaps(-5_000, 60_000, { currentRunId: c })[0]).toEqual(gap(-5_000, 0));
  });

  test('with runId, a committed sample batch moves the last beat: the gap starts at the last committed row', () => {
    const s = store();
    const id = s.startRun({ pid: 1, t: 1_000, cleanStart: true });
    s.insertSamples([{ hub: 'h', name: 'n', t: 4_000, v: 1 }, { hub: 'h', name: 'n', t: 5_000, v: 1 }], { runId: id });
    expect(s.lastRun()?.last_beat_at).toBe(5_000);
    s.startRun({ pid: 2, t: 30_000, cleanStart: false });
    expect(s.gaps(0, 30_000)).toEqual([gap(0, 1_000), gap(5_000, 30_000)]);
  });

  test('a store with no runs: the whole window is a gap', () => {
    expect(store().gaps(10, 20)).toEqual([gap(10, 20)]);
  });
});
