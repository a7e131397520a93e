/**
 * A periodic schedule on the monotonic clock: slot k runs at t0 + k·period, so there is no cumulative
 * drift; runs never overlap; slots missed while a run was slow, or while the process was stopped
 * (SIGSTOP, a laptop suspend), are skipped and reported — never replayed in a burst (faults A23).
 */
import type { Clock } from './clock.js';

export interface SlotInfo {
  k: number;
  /** Monotonic time the slot was due. */
  dueMono: number;
  /** How late the run started, ms. */
  lateMs: number;
}

export interface PeriodicOptions {
  periodMs: number;
  run: (slot: SlotInfo) => Promise<void>;
  clock: Clock;
  /** Slots skipped because the previous run or a stall overran them. */
  onSkipped?: (count: number, lateMs: number) => void;
  /** Start at once (slot 0 due now) rather than after one period. */
  immediate?: boolean;
}

export interface Periodic {
  stop(): Promise<void>;
  /** Runs an extra, out-of-slot run now (e.g. a confirmation probe), still never overlapping another. */
  kick(): void;
}

/** Starts a schedule; `stop()` waits for a run in progress to finish. */
export function schedulePeriodic(opts: PeriodicOptions): Periodic {
  const { clock, periodMs } = opts;
  const t0 = clock.monotonic() + (opts.immediate === false ? periodMs : 0);
  let k = 0;
  let stopped = false;
  let timer: unknown;
  let running: Promise<void> | undefined;
  let kicked = false;

  const runOnce = async (slot: SlotInfo): Promise<void> => {
    try {
      await opts.run(slot);
    } catch {
      /* a run reports its own failures; the schedule goes on */
    }
  };

  const arm = () => {
    if (stopped) return;
    const due = t0 + k * periodMs;
    timer = clock.setTimeout(tick, Math.max(0, due - clock.monotonic()));
  };

  const tick = () => {
    if (stopped) return;
    const now = clock.monotonic();
    const due = t0 + k * periodMs;
    const lateMs = now - due;
    const slot = { k, dueMono: due, lateMs };
    running = runOnce(slot).then(() => {
      running = undefined;
      if (stopped) return;
      // The next slot is the first one still in the future; anything between was missed.
      const after = clock.monotonic();
      const nextK = Math.max(k + 1, Math.floor((after - t0) / periodMs) + 1);
      const skipped = nextK - k - 1;
      if (skipped > 0) opts.onSkipped?.(skipped, after - (t0 + (k + 1) * periodMs));
      k = nextK;
      if (kicked) {
        kicked = false;
        clock.clearTimeout(timer);
        timer = clock.setTimeout(extra, 0);
      } else arm();
    });
  };

  const extra = () => {
    if (stopped) return;
    running = runOnce({ k: -1, dueMono: clock.monotonic(), lateMs: 0 }).then(() => {
      running = undefined;
      arm();
    });
  };

  arm();
  return {
    async stop() {
      stopped = true;
      clock.clearTimeout(timer);
      await running;
    },
    kick() {
      if (stopped) return;
      if (running) {
        kicked = true;
        return;
      }
      clock.clearTimeout(timer);
      timer = clock.setTimeout(extra, 0);
    },
  };
}
