/**
 * Every poll interval, which hubs answered and when, in hubs-seen.json beside the store (read by `check`
 * on the wall clock); `flush()` writes it at once, at stop.
 */
import type { HubTarget } from '../../model/hub.js';
import type { HubCollector, Logger } from '../collector.js';
import { HubsSeenRecorder } from '../hubs-seen.js';
import type { TimelineClock } from '../timeline.js';
import { everyPeriod, type Job } from './job.js';

export interface HubsSeenJob extends Job {
  flush(): void;
}

export function hubsSeenJob(d: { stateDir: string; targets: HubTarget[]; log: Logger; clock: TimelineClock; periodMs: number; collectors: () => readonly HubCollector[] }): HubsSeenJob {
  const seen = new HubsSeenRecorder(d.stateDir, d.targets, d.log);
  const note = (force: boolean) => {
    // check reads the file on the wall clock: the time line's lead after a step back is taken off.
    const ahead = d.clock.aheadMs();
    for (const c of d.collectors()) seen.observe(c.hub, c.lastOkAt === undefined ? undefined : c.lastOkAt - ahead, c.lastPollOk === true);
    seen.flush(d.clock.now(), force);
  };
  return { ...everyPeriod(d.periodMs, d.clock, () => note(false)), flush: () => note(true) };
}
