/**
 * "Now" for a reader of the store on the wall clock (status, alerts, summary, history, the dashboard): the
 * wall clock plus how far the daemon's time line ran ahead of it after a step back, as the last `clock_jump`
 * event of the latest run says (daemon/timeline.ts); the daemon's last write moves the run's end with it. Ages and windows ending "now" are then measured on the times
 * the daemon stored, so none is negative and no poll falls "in the future" out of a window (faults F7).
 */
import { runEnd } from './runs.js';
import type { Store } from './store.js';

export interface StoreTime {
  /** The wall clock on the daemon's time line. */
  now: number;
  /** How far the daemon's stored times run ahead of the wall clock (0 unless it stepped back during the run). */
  aheadMs: number;
  /** When (on the time line) the step that put it ahead was recorded. */
  steppedAt?: number;
}

export function storeTime(store: Pick<Store, 'lastRun' | 'queryEvents'>, wallNow: number): StoreTime {
  const run = store.lastRun();
  if (!run) return { now: wallNow, aheadMs: 0 };
  // Within the run's own span: a previous run that ran ahead may have stamped its steps after this one began.
  const [step] = store.queryEvents({ type: 'clock_jump', from: run.started_at, to: runEnd(run) + 1, limit: 1, order: 'desc' });
  if (step?.type !== 'clock_jump') return { now: wallNow, aheadMs: 0 };
  const ahead = step.data.aheadMs;
  if (!(ahead > 0) || !Number.isFinite(ahead)) return { now: wallNow, aheadMs: 0 };
  return { now: wallNow + ahead, aheadMs: ahead, steppedAt: step.t };
}
