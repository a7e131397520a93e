/**
 * The daemon's time line: the times it stores, and the "now" every duration, timer and age inside the daemon
 * is measured against (faults A22, F7). It is the wall clock while the wall clock behaves, and the monotonic
 * clock's course across a step (a wall/monotonic disagreement beyond 2 s between two readings):
 *
 * - A step **back** is held: the time line keeps its monotonic course, ahead of the wall clock by the step,
 *   so a stored time never goes backwards within a run, no poll is stamped "in the future" of the ones
 *   before it, and no duration is negative. It stays ahead until a step forward or the next daemon start;
 *   every `clock_jump` event says by how much (`aheadMs`), so a reader on the wall clock (status, alerts,
 *   summary) adds it back (storeNow).
 * - A step **forward** is followed: it cannot be told from a suspend (the monotonic clock stops while the
 *   machine sleeps, the wall clock does not), and after one, real time did pass; a stored time must agree
 *   with the wall clock the readers use. The stored series gets a hole the `clock_jump` event explains; live
 *   timers (alert `for`, group and repeat intervals, backoff, the delivery horizon) are moved by the same
 *   amount (`followedMs`) so they keep counting monotonic time.
 */
import type { Clock } from '../model/clock.js';

/** A wall/monotonic disagreement beyond this between two readings is a step (faults §4.9). */
export const CLOCK_STEP_MS = 2_000;

export interface ClockStep {
  /** How far the wall clock stepped, beyond the monotonic time between two readings (+ forward, − back). */
  deltaMs: number;
  /** How far the time line runs ahead of the wall clock after it (> 0 after a step back). */
  aheadMs: number;
  /** How far the time line itself jumped forward to follow the wall clock (0 for a step back). */
  followedMs: number;
  /** The time line just after the step. */
  at: number;
}

/** What the time line's readers (the daemon, and tests) need from it besides the Clock. */
export interface TimelineClock extends Clock {
  /** Run start + monotonic time elapsed: a time no step can move forward (retention deletes by it, faults A22). */
  steadyNow(): number;
  /** How far the time line runs ahead of the wall clock now. */
  aheadMs(): number;

  /** Calls `fn` after each step (in a microtask, never inside the reading that found it); returns the unsubscribe. */
  onStep(fn: (step: ClockStep) => void): () => void;
}

export class Timeline implements TimelineClock {
  private stamp: number;
  private lastMono: number;
  private lastWall: number;
  private readonly startStamp: number;
  private readonly startMono: number;
  private readonly listeners = new Set<(step: ClockStep) => void>();

  constructor(private readonly base: Clock) {
    this.lastMono = this.startMono = base.monotonic();
    this.lastWall = this.stamp = this.startStamp = base.now();
  }

  now(): number {
    const mono = this.base.monotonic();
    const wall = this.base.now();
    const elapsed = Math.max(0, mono - this.lastMono);
    const course = this.stamp + elapsed;
    const next = Math.max(wall, course);
    const deltaMs = wall - this.lastWall - elapsed;
    this.lastMono = mono;
    this.lastWall = wall;
    this.stamp = next;
    if (Math.abs(deltaMs) > CLOCK_STEP_MS) {
      const step: ClockStep = { deltaMs: Math.round(deltaMs), aheadMs: Math.round(next - wall), followedMs: Math.round(next - course), at: Math.floor(next) };
      for (const fn of this.listeners) queueMicrotask(() => fn(step));
    }
    return Math.floor(next);
  }

  monotonic(): number {
    return this.base.monotonic();
  }

  steadyNow(): number {
    return Math.floor(this.startStamp + (this.base.monotonic() - this.startMono));
  }

  aheadMs(): number {
    return Math.max(0, this.now() - this.base.now());
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.base.setTimeout(fn, ms);
  }

  clearTimeout(handle: unknown): void {
    this.base.clearTimeout(handle);
  }

  onStep(fn: (step: ClockStep) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/** The daemon's clock: `clock` itself when it is a time line already (shared across config reloads), else one over it. */
export function timelineOf(clock: Clock): TimelineClock {
  return clock instanceof Timeline ? clock : new Timeline(clock);
}

/** What a `clock_jump` event stores: readers take `aheadMs` back off the wall clock (store-time.ts) and `followedMs` out of the time observed (Store.observedMs). */
export type ClockJumpData = Omit<ClockStep, 'at'>;
