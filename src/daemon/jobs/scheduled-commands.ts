/**
 * The built-in schedule of CLI commands (daemon/jobs.ts: anomalies, validate, reports, the baseline) as a
 * job: croner runs them on their cron patterns; start logs when each runs next.
 */
import type { Logger } from '../collector.js';
import { scheduledJobs, startJobs, type JobDeps, type RunningJobs } from '../cron-commands.js';
import type { Job } from './job.js';

export function scheduledCommandsJob(schedule: Record<string, string>, deps: JobDeps & { log: Logger }): Job {
  let running: Promise<RunningJobs> | undefined;
  return {
    start() {
      running ??= startJobs(scheduledJobs(schedule), deps);
      void running.then((j) => deps.log.info({ next: j.next() }, 'scheduled jobs'));
    },
    async stop() {
      (await running)?.stop();
    },
  };
}
