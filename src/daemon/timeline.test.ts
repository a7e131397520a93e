import { expect, test } from 'vitest';
import { ManualClock } from '../model/clock.js';
import { Timeline, timelineOf, type ClockStep } from './timeline.js';

const HOUR = 3_600_000;

/** A time line over a manual clock, with the steps it reported (delivered in a microtask). */
function setup() {
  const clock = new ManualClock();
  const line = new Timeline(clock);
  const steps: ClockStep[] = [];
  line.onStep((s) => steps.push(s));
  return { clock, line, steps };
}

/** Lets the steps reported in microtasks arrive. */
const settle = () => new Promise((r) => setImmediate(r));

test('while the wall clock behaves (NTP-sized noise under 2 s), the time line is the wall clock, never going back, and reports no step', async () => {
  const { clock, line, steps } = setup();
  const seen: number[] = [];
  for (let i = 0; i < 10; i++) {
    await clock.advance(5_000);
    clock.jumpWall(i % 2 ? 1_500 : -1_500);
    seen.push(line.now());
  }
  expect(seen).toEqual([...seen].sort((x, y) => x - y));
  await clock.advance(1_000);
  expect(line.now()).toBe(clock.now());
  await settle();
  expect(steps).toEqual([]);
});

test('a step back is held: stored times keep their monotonic course, ahead of the wall clock, and the step is reported once', async () => {
  const { clock, line, steps } = setup();
  await clock.advance(60_000);
  const before = line.now();
  clock.jumpWall(-HOUR);
  const seen: number[] = [];
  for (let i = 0; i < 12; i++) {
    await clock.advance(5_000);
    seen.push(line.now());
  }
  expect(seen).toEqual(seen.map((_, i) => before + (i + 1) * 5_000)); // never backwards, exact spacing
  expect(line.aheadMs()).toBe(HOUR);
  await settle();
  expect(steps).toEqual([{ deltaMs: -HOUR, aheadMs: HOUR, followedMs: 0, at: before + 5_000 }]);
});

test('a step forward (or a suspend the monotonic clock did not count) is followed at once, and says by how much', async () => {
  const { clock, line, steps } = setup();
  await clock.advance(10_000);
  clock.jumpWall(2 * HOUR);
  await clock.advance(5_000);
  expect(line.now()).toBe(clock.now());
  expect(line.aheadMs()).toBe(0);
  await settle();
  expect(steps).toEqual([{ deltaMs: 2 * HOUR, aheadMs: 0, followedMs: 2 * HOUR, at: clock.now() }]);
});

test('+2 h then −1 h: the time line ends 1 h ahead; −1 h then +2 h: it follows only the hour beyond its lead', async () => {
  const a = setup();
  a.clock.jumpWall(2 * HOUR);
  await a.clock.advance(1_000);
  a.line.now();
  a.clock.jumpWall(-HOUR);
  await a.clock.advance(1_000);
  expect(a.line.aheadMs()).toBe(HOUR);
  await settle();
  expect(a.steps.map((s) => [s.deltaMs, s.aheadMs, s.followedMs])).toEqual([[2 * HOUR, 0, 2 * HOUR], [-HOUR, HOUR, 0]]);

  const b = setup();
  b.clock.jumpWall(-HOUR);
  await b.clock.advance(1_000);
  b.line.now();
  b.clock.jumpWall(2 * HOUR);
  await b.clock.advance(1_000);
  expect(b.line.aheadMs()).toBe(0);
  await settle();
  expect(b.steps.map((s) => [s.deltaMs, s.aheadMs, s.followedMs])).toEqual([[-HOUR, HOUR, 0], [2 * HOUR, 0, HOUR]]);
});

test('steadyNow is the start plus the monotonic time elapsed, whatever the wall clock did (what retention deletes by)', async () => {
  const { clock, line } = setup();
  const start = clock.now();
  clock.jumpWall(365 * 24 * HOUR);
  await clock.advance(90_000);
  expect(line.now()).toBe(clock.now());
  expect(line.steadyNow()).toBe(start + 90_000);
});

test('timelineOf keeps a time line (a config reload continues it) and wraps any other clock', () => {
  const clock = new ManualClock();
  const line = new Timeline(clock);
  expect(timelineOf(line)).toBe(line);
  expect(timelineOf(clock)).toBeInstanceOf(Timeline);
});
