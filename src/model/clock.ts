/** Time for the daemon: wall time for labels, monotonic time for durations and schedules (faults §4 item 9). */
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Wall clock, epoch ms: for timestamps people read. */
  now(): number;
  /** Monotonic ms: for schedules, deadlines and durations; never jumps. */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A clock tests drive by hand: `advance(ms)` moves both clocks and fires due timers in order. */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  constructor(startWall = Date.parse('2026-11-25T00:00:00Z')) {
    this.wall = startWall;
  }

  now(): number { return this.wall; }
  monotonic(): number { return this.mono; }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.mono + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void { this.timers.delete(handle as number); }
  /** How far ahead each pending timer falls due, soonest first: a test waits for a timer to be set before advancing past it. */
  dueIn(): number[] { return [...this.timers.values()].map((t) => t.at - this.mono).sort((a, b) => a - b); }

  /** Moves time forward, firing every timer that falls due, and lets promise callbacks run between them. */
  async advance(ms: number): Promise<void> {
    const end = this.mono + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      // A timer already overdue (the process was stopped) fires now; time never runs backwards.
      const at = Math.max(next[1].at, this.mono);
      this.wall += at - this.mono;
      this.mono = at;
      this.timers.delete(next[0]);
      next[1].fn();
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
    this.wall += end - this.mono;
    this.mono = end;
    for (let i = 0; i < 20; i++) await Promise.resolve();
  }

  /** Moves only the wall clock (a clock jump, or a suspend where the monotonic clock stood still). */
  jumpWall(ms: number): void { this.wall += ms; }

  /** Moves both clocks without firing timers, as when the process is stopped (SIGSTOP) and resumed. */
  freeze(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
}
