/**
 * The run's heartbeat: each committed poll already moves the run's last beat (same transaction); this
 * beat covers a daemon whose polls all fail to write, and stores the run's row late when the store refused
 * it at the start.
 */
import type { Store } from '../../store/store.js';
import type { Clock } from '../../model/clock.js';
import type { StoreHealth } from '../store-health.js';
import type { WriteBuffer } from '../write-buffer.js';
import { everyPeriod, type Job } from './job.js';

const BEAT_EVERY_MS = 30_000;

export function runBeatJob(d: { clock: Clock; store: Store; health: StoreHealth; buffer: WriteBuffer; runId: number; recordRun: () => boolean }): Job {
  return everyPeriod(BEAT_EVERY_MS, d.clock, () => {
    if (d.recordRun() && d.buffer.flush()) d.health.attempt(() => d.store.beat(d.runId, d.clock.now()));
  });
}
