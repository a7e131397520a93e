/**
 * The store's upkeep: rollups every minute, retention every hour, and the WAL guard every 5 s. None runs
 * while the store refuses writes (the write buffer's retries find out when writing works again).
 */
import type { MonitorConfig } from '../../config/defaults.js';
import type { Store } from '../../store/store.js';
import type { Logger } from '../collector.js';
import type { StoreHealth } from '../store-health.js';
import type { TimelineClock } from '../timeline.js';
import { guardWal } from '../wal-guard.js';
import { everyPeriod, type Job } from './job.js';

const ROLLUP_EVERY_MS = 60_000;
const RETENTION_EVERY_MS = 3_600_000;
const WAL_GUARD_EVERY_MS = 5_000;

interface UpkeepDeps { clock: TimelineClock; store: Store; health: StoreHealth; log: Logger }

export function rollupJob(d: UpkeepDeps): Job {
  return everyPeriod(ROLLUP_EVERY_MS, d.clock, () => {
    if (d.health.failing) return;
    try { d.health.attempt(() => d.store.rollup(d.clock.now())); } catch (err) { d.log.warn({ err: String(err) }, 'rollup failed; retrying next minute'); }
  });
}

export function retentionJob(d: UpkeepDeps & { retention: MonitorConfig['collect']['retention'] }): Job {
  return everyPeriod(RETENTION_EVERY_MS, d.clock, () => {
    // Retention deletes by the run's start plus the monotonic time since, never by a time a forward step
    // (+1 year) moved: nothing younger than the policy by the monotonic clock is deleted (faults A22).
    const r = d.retention;
    if (d.health.failing) return;
    try { d.health.attempt(() => d.store.retention(d.clock.steadyNow(), { rawMs: r.raw, oneMinuteMs: r.one_minute, oneHourMs: r.one_hour })); } catch (err) { d.log.warn({ err: String(err) }, 'retention failed'); }
  });
}

export function walGuardJob(d: Omit<UpkeepDeps, 'log'> & { stateDir: string }): Job {
  return everyPeriod(WAL_GUARD_EVERY_MS, d.clock, () => { if (!d.health.failing) guardWal(d.store, d.stateDir); });
}
