import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../model/clock.js';
import { OTHER_KEY, createLogFlood, type LogFields } from './sse-flood.js';
import type { SseLogSummary, SseObservation } from './sse-types.js';

function setup(maxPerSecond = 50, sampleSize = 5) {
  const clock = new ManualClock();
  const out: SseObservation[] = [];
  const flood = createLogFlood({ hub: 'h', maxPerSecond, sampleSize, clock, emit: (o) => out.push(o) });
  const logs = () => out.filter((o) => o.kind === 'log');
  const summaries = () => out.filter((o): o is SseLogSummary => o.kind === 'log_summary');
  return { clock, out, flood, logs, summaries };
}

const debug = (message = "'everything' transport closed"): LogFields => ({ level: 'debug', message });

describe('log flood accounting (faults A18)', () => {
  test('2,168 identical logs in one millisecond: 50 pass, one summary of exactly 2,118 when the second ends', async () => {
    const { clock, flood, logs, summaries } = setup();
    const t0 = clock.now();
    for (let i = 0; i < 2_168; i++) flood.add(debug(), t0);
    expect(logs()).toHaveLength(50);
    expect(summaries()).toHaveLength(0); // not before the window ends
    await clock.advance(1_000);
    expect(summaries()).toHaveLength(1);
    expect(summaries()[0]).toMatchObject({
      hub: 'h', from: t0, to: t0, total: 2_118, byLevel: { debug: 2_118 }, byCode: {}, sample: ["'everything' transport closed"],
      at: t0 + 1_000,
    });
  });

  test('below the threshold every log passes and no summary is made', async () => {
    const { clock, flood, logs, summaries } = setup();
    for (let i = 0; i < 50; i++) flood.add(debug(), clock.now());
    await clock.advance(5_000);
    expect(logs()).toHaveLength(50);
    expect(summaries()).toHaveLength(0);
  });

  test('a sustained flood gives at most one summary per second, and the counts add up exactly', async () => {
    const { clock, flood, logs, summaries } = setup(10);
    let sent = 0;
    for (let ms = 0; ms < 5_000; ms += 10) {
      for (let i = 0; i < 7; i++, sent++) flood.add({ level: i % 2 ? 'info' : 'error', message: `m${i}`, code: 'E1' }, clock.now());
      await clock.advance(10);
    }
    flood.flush();
    const s = summaries();
    expect(s.length).toBeGreaterThanOrEqual(5);
    expect(s.length).toBeLessThanOrEqual(6);
    expect(logs().length + s.reduce((n, x) => n + x.total, 0)).toBe(sent);
    for (const x of s) {
      expect(Object.values(x.byLevel).reduce((a, b) => a + b, 0)).toBe(x.total);
      expect(x.byCode).toEqual({ E1: x.total });
      expect(x.sample.length).toBeLessThanOrEqual(5);
    }
  });

  test('samples are the first distinct messages, each capped at 500 chars', () => {
    const { flood, summaries, clock } = setup(0, 3);
    const long = 'x'.repeat(2_000);
    for (const m of [long, long, 'a', 'a', 'b', 'c', 'd']) flood.add(debug(m), clock.now());
    flood.flush();
    expect(summaries()[0]!.sample).toEqual(['x'.repeat(500), 'a', 'b']);
    expect(summaries()[0]!.total).toBe(7);
  });

  test('hub-chosen level and code strings are capped in number; the overflow is folded, counts stay exact', () => {
    const { flood, summaries, clock } = setup(0);
    for (let i = 0; i < 100; i++) flood.add({ level: `lvl${i}`, message: 'm', code: i === 0 ? '__proto__' : `C${i}` }, clock.now());
    flood.flush();
    const s = summaries()[0]!;
    expect(Object.keys(s.byLevel)).toHaveLength(33);
    expect(s.byLevel[OTHER_KEY]).toBe(68);
    expect(Object.values(s.byCode).reduce((a, b) => a + b, 0)).toBe(100);
    expect(s.byCode.__proto__).toBe(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a wall clock that jumps backwards starts a new window', () => {
    const { flood, logs } = setup(2);
    flood.add(debug(), 10_000);
    flood.add(debug(), 10_000);
    flood.add(debug(), 5_000); // went back 5 s: a new window, so it passes
    expect(logs()).toHaveLength(3);
  });

  test('property: for any arrivals, individual logs + summary totals = logs received, one summary per window', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(1_500), fc.constantFrom('debug', 'info', 'warn', 'error'), fc.option(fc.constantFrom('A', 'B'), { nil: undefined })), { maxLength: 400 }),
      fc.nat(20),
      async (arrivals, max) => {
        const { clock, flood, logs, summaries } = setup(max);
        for (const [gap, level, code] of arrivals) {
          await clock.advance(gap);
          flood.add({ level, message: level, ...(code ? { code } : {}) }, clock.now());
        }
        await clock.advance(1_000);
        const s = summaries();
        expect(logs().length + s.reduce((n, x) => n + x.total, 0)).toBe(arrivals.length);
        for (const x of s) {
          expect(Object.values(x.byLevel).reduce((a, b) => a + b, 0)).toBe(x.total);
          expect(x.to - x.from).toBeLessThan(1_000);
        }
        for (let i = 1; i < s.length; i++) expect(s[i]!.from).toBeGreaterThan(s[i - 1]!.to); // windows never overlap
      },
    ), { numRuns: 100 });
  });
});
