import { expect, test } from 'vitest';
import { ManualClock } from './clock.js';
import { schedulePeriodic, type SlotInfo } from './schedule.js';

test('slot k runs at t0 + k·period with no cumulative drift, even when each run takes time', async () => {
  const clock = new ManualClock();
  const runs: number[] = [];
  const p = schedulePeriodic({
    periodMs: 5_000, clock,
    run: async () => {
      runs.push(clock.monotonic());
      await new Promise<void>((r) => clock.setTimeout(r, 1_234)); // a slow-ish poll
    },
  });
  await clock.advance(60_000);
  const stopping = p.stop();
  await clock.advance(2_000);
  await stopping;
  expect(runs.slice(0, 5)).toEqual([0, 5_000, 10_000, 15_000, 20_000]);
  expect(runs).toHaveLength(13); // 0 … 60 s inclusive
});

test('a run that overruns its period never overlaps the next; the missed slot is skipped and reported', async () => {
  const clock = new ManualClock();
  const starts: number[] = [];
  let active = 0;
  let maxActive = 0;
  const skipped: number[] = [];
  const p = schedulePeriodic({
    periodMs: 1_000, clock,
    onSkipped: (n) => skipped.push(n),
    run: async (slot: SlotInfo) => {
      starts.push(clock.monotonic());
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((r) => clock.setTimeout(r, slot.k === 2 ? 2_500 : 100));
      active--;
    },
  });
  await clock.advance(7_000);
  const stopping = p.stop();
  await clock.advance(1_000);
  await stopping;
  expect(maxActive).toBe(1);
  expect(starts).toEqual([0, 1_000, 2_000, 5_000, 6_000, 7_000]);
  expect(skipped).toEqual([2]);
});

test('a stall (SIGSTOP, suspend) is not replayed as a burst: one late run, then back on the grid', async () => {
  const clock = new ManualClock();
  const slots: SlotInfo[] = [];
  const p = schedulePeriodic({ periodMs: 5_000, clock, run: async (s) => { slots.push(s); } });
  await clock.advance(5_000); // slots 0 and 1
  // The process stands still for 10 minutes: timers fire late all at once.
  clock.freeze(600_000);
  await clock.advance(0);
  await clock.advance(5_000);
  await p.stop();
  const late = slots.filter((s) => s.lateMs > 2_000);
  expect(late).toHaveLength(1);
  expect(late[0]!.lateMs).toBeGreaterThanOrEqual(595_000);
  expect(slots.length).toBeLessThanOrEqual(5);
});

test('kick() runs an extra probe at once, never while another run is in progress', async () => {
  const clock = new ManualClock();
  const starts: number[] = [];
  const p = schedulePeriodic({
    periodMs: 5_000, clock,
    run: async () => { starts.push(clock.monotonic()); await new Promise<void>((r) => clock.setTimeout(r, 300)); },
  });
  await clock.advance(100); // slot 0 in progress
  p.kick();
  await clock.advance(2_000);
  p.kick();
  await clock.advance(4_000);
  const stopping = p.stop();
  await clock.advance(1_000);
  await stopping;
  expect(starts).toEqual([0, 300, 2_100, 5_000]);
});
