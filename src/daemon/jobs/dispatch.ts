/**
 * The alerting's 1 s tick: the monitor.store meta-alert from the store's health, the group timers
 * (dispatch into the outbox), the deliverer, and storing what only memory holds once the store takes it.
 */
import type { Clock } from '../../model/clock.js';
import { everyPeriod, type Job } from './job.js';

const TICK_MS = 1_000;

export interface DispatchTarget {
  /** monitor.store: CRITICAL while the store refuses writes, resolved by the next write that succeeds. */
  observeStore(): void;
  /** Runs the group timers: due notifications go to the outbox. */
  dispatch(): void;
  /** Sends what the outbox holds that is due. */
  deliver(): void;
  /** Stores what memory holds, when anything is only there. */
  persistIfUnsaved(): void;
}

export function dispatchJob(clock: Clock, alerting: DispatchTarget): Job {
  return everyPeriod(TICK_MS, clock, () => {
    alerting.observeStore();
    alerting.dispatch();
    alerting.deliver();
    alerting.persistIfUnsaved();
  });
}
