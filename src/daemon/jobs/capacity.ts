/**
 * Capacity (issue M): the disk-usage job samples, every minute, the bytes on disk of the history store and
 * of the hub's logs as the machine's series (capacity-inputs.ts), and the capacity job, every
 * capacity.interval, predicts from the hourly rollups when each resource reaches its threshold
 * (evaluate/capacity-outlook.ts) and feeds capacity.rss, capacity.disk and capacity.call_volume to the
 * alerts: a warning when the earliest crossing is within capacity.horizon.
 */
import { capacityRuleResults, capacityScope } from '../../alerts/results.js';
import type { EvaluationScope, RuleResult } from '../../alerts/lifecycle.js';
import type { MonitorConfig } from '../../config/defaults.js';
import { hubStateDir } from '../../config/paths.js';
import { capacityOutlook, describeOutlook } from '../../evaluate/capacity-outlook.js';
import type { Clock } from '../../model/clock.js';
import { directorySize } from '../../sources/host.js';
import { isLoopbackUrl } from '../../sources/proc.js';
import type { Store } from '../../store/store.js';
import { capacitySeries, DISK_SERIES, MACHINE_HUB } from '../capacity-inputs.js';
import type { SampleRow } from '../observations.js';
import { everyPeriod, type Job } from './job.js';

const DISK_EVERY_MS = 60_000;
/** The hub's log dir holds a few files; a walk stops here whatever is there. */
const MAX_LOG_ENTRIES = 10_000;

/**
 * Where the watched hubs' logs are on this machine: logs.file, else the hub's own log dir; none when the
 * log comes from a command or no watched hub is local (a remote hub's logs are not on this disk).
 */
export function hubLogsPath(cfg: MonitorConfig, hubs: readonly string[]): string | undefined {
  if (cfg.logs.command !== '' || !hubs.some(isLoopbackUrl)) return undefined;
  return cfg.logs.file !== '' ? cfg.logs.file : hubStateDir('logs');
}

export interface DiskUsageDeps {
  cfg: MonitorConfig;
  store: Pick<Store, 'sizeBytes'>;
  clock: Clock;
  hubs: () => string[];
  write: (samples: SampleRow[]) => void;
}

/** Every minute: the store's bytes on disk, and the hub's logs' when they are here to measure. */
export function diskUsageJob(d: DiskUsageDeps): Job {
  return everyPeriod(DISK_EVERY_MS, d.clock, () => {
    const t = d.clock.now();
    const samples: SampleRow[] = [{ hub: MACHINE_HUB, name: DISK_SERIES.store, t, v: d.store.sizeBytes() }];
    const logs = hubLogsPath(d.cfg, d.hubs());
    const size = logs === undefined ? undefined : directorySize(logs, { maxEntries: MAX_LOG_ENTRIES });
    // An absent log dir (the hub has not written one yet) is no point, not 0 bytes.
    if (size && !('error' in size)) samples.push({ hub: MACHINE_HUB, name: DISK_SERIES.hub_logs, t, v: size.bytes });
    d.write(samples);
  });
}

export interface CapacityJobDeps {
  cfg: MonitorConfig;
  store: Pick<Store, 'querySamples'>;
  clock: Clock;
  hubs: () => string[];
  observe: (results: RuleResult[], scope: EvaluationScope) => void;
}

/** Every capacity.interval: the outlook of every resource, judged ones fed to the alerts per hub (and the machine's). */
export function capacityJob(d: CapacityJobDeps): Job {
  const cfg = d.cfg.capacity;
  return everyPeriod(cfg.interval, d.clock, () => {
    const now = d.clock.now();
    const hubs = d.hubs();
    const judged = capacityOutlook(capacitySeries(d.store, hubs, cfg, now), cfg, now).filter((o) => o.prediction.reason !== 'too_little_history');
    for (const hub of [...hubs, MACHINE_HUB]) {
      const mine = judged.filter((o) => o.hub === hub).map((o) => ({
        hub: o.hub, resource: o.resource, rule: o.rule, warn: o.warn, summary: describeOutlook(o, cfg),
        ...(o.prediction.days !== undefined ? { days: o.prediction.days } : {}),
      }));
      d.observe(capacityRuleResults(mine), capacityScope(hub));
    }
  });
}
