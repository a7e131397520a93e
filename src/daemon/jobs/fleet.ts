/**
 * The fleet, every `fleet.interval`: the watched hubs compared over `fleet.window` (evaluate/fleet.ts),
 * from the rows the store holds (daemon/fleet-inputs.ts, as `status --fleet` reads them), and each hub's
 * outliers fed to the alert pipeline as `fleet.outlier` (labels hub, metric, and server for a server down
 * on that hub only). With fewer hubs than `fleet.min_hubs` nothing is judged, and nothing resolves either.
 */
import { fleetRuleResults, fleetScope } from '../../alerts/results.js';
import type { EvaluationScope, RuleResult } from '../../alerts/lifecycle.js';
import type { MonitorConfig } from '../../config/defaults.js';
import { formatDuration } from '../../config/duration.js';
import { evaluateFleet } from '../../evaluate/fleet.js';
import type { AlertLike } from '../../evaluate/level.js';
import type { Clock } from '../../model/clock.js';
import type { Store } from '../../store/store.js';
import { fleetInputs } from '../fleet-inputs.js';
import { everyPeriod, type Job } from './job.js';

export interface FleetJobDeps {
  cfg: MonitorConfig;
  store: Store;
  clock: Clock;
  hubs: () => string[];
  openAlerts: () => readonly AlertLike[];
  observe: (results: RuleResult[], scope: EvaluationScope) => void;
}

export function fleetJob(d: FleetJobDeps): Job {
  return everyPeriod(d.cfg.fleet.interval, d.clock, () => {
    const hubs = d.hubs();
    const verdict = evaluateFleet(fleetInputs(d.store, hubs, d.openAlerts(), d.cfg, d.clock.now()), d.cfg.fleet, { windowLabel: formatDuration(d.cfg.fleet.window) });
    const judged = verdict.notJudged === undefined;
    for (const hub of hubs) {
      const mine = verdict.outliers.flatMap((o, i) => (o.hub === hub ? [{ finding: verdict.findings[i]!, metric: o.metric, ...(o.server !== undefined ? { server: o.server } : {}) }] : []));
      d.observe(fleetRuleResults(mine), fleetScope(hub, judged));
    }
  });
}
