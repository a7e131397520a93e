/**
 * A periodic job of the daemon: the composition root (daemon.ts) builds each one, starts them all and
 * stops them all, in that order. Every job runs on the injected clock (clock.ts), so a manual clock drives
 * them in tests. Collectors and probers are jobs too (they keep their own schedules).
 */
import type { Clock } from '../../model/clock.js';
import { schedulePeriodic, type Periodic } from '../../model/schedule.js';

export interface Job {
  start(): void;
  /** Stops it; waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/** A job that runs `run` every `periodMs` of monotonic time, the first time one period after start. */
export function everyPeriod(periodMs: number, clock: Clock, run: () => Promise<void> | void): Job {
  let schedule: Periodic | undefined;
  return {
    start() {
      schedule ??= schedulePeriodic({ periodMs, clock, immediate: false, run: async () => { await run(); } });
    },
    async stop() {
      await schedule?.stop();
    },
  };
}
