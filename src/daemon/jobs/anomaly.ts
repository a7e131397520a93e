/**
 * The learned bands, every `anomaly.interval`: each series of each hub read from the store (8 days of
 * 5-minute points, daemon/anomaly-series.ts), its recent points judged against the band learnt from the
 * points before them, and `anomaly.<series>` fed to the alert pipeline (labels hub, and server / tool for
 * the per-server and per-tool series): the series' severity once the fraction outside in the trigger window
 * fires, ok once the recovery window is back in band, no_data while it is learning (it never fires then) or
 * has no recent point (what fired holds). The state between passes is the last one; after a restart or a
 * reload, an alert the store has open is the state to recover from. The pass reads and judges in small
 * pieces with a turn of the event loop between them (the first reads 8 days).
 */
import { fingerprint, type EvaluationScope, type RuleResult } from '../../alerts/lifecycle.js';
import { anomalyScope } from '../../alerts/results.js';
import type { MonitorConfig } from '../../config/defaults.js';
import type { AnomalyState } from '../../evaluate/anomaly-alert.js';
import { judgeSeries, type AnomalySeriesId } from '../../evaluate/anomaly-watch.js';
import type { Band } from '../../evaluate/learned-band.js';
import type { Clock } from '../../model/clock.js';
import type { Store } from '../../store/store.js';
import { AnomalyHistoryCache, type Pause } from '../anomaly-series.js';
import type { Logger } from '../collector.js';
import { everyPeriod, type Job } from './job.js';

export interface AnomalyJobDeps {
  cfg: MonitorConfig;
  store: Pick<Store, 'minutesOfName' | 'eventCountsByStep' | 'queryEvents'>;
  clock: Clock;
  hubs: () => string[];
  /** The open alerts (an alert still firing from before a restart is the state to recover from). */
  openAlerts: () => readonly { fingerprint: string; state: string }[];
  observe: (results: RuleResult[], scope: EvaluationScope) => void;
  log: Logger;
  /**
   * Taken between slices of history and between series (the daemon's gives the event loop a turn, so a
   * pass over days of history never holds polls, /metrics or a send back for long); none: no pauses.
   */
  pause?: Pause;
}

/** One series' band at the latest pass, for /metrics. */
export interface AnomalyBandRow { hub: string; series: AnomalySeriesId; labels: Record<string, string>; band: Band; state: AnomalyState }

export interface AnomalyJob extends Job {
  /** The bands of the latest pass. */
  bands(): readonly AnomalyBandRow[];
}

/** "files/echo: " for a per-tool series, "files: " per server, nothing for the hub's own. */
const subjectOf = (labels: Record<string, string>): string =>
  labels.server === undefined ? '' : `${labels.server}${labels.tool !== undefined ? `/${labels.tool}` : ''}: `;

export function anomalyJob(d: AnomalyJobDeps): AnomalyJob {
  const states = new Map<string, AnomalyState>();
  const histories = new AnomalyHistoryCache();
  let latest: AnomalyBandRow[] = [];
  let failing = false;
  const job = everyPeriod(d.cfg.anomaly.interval, d.clock, async () => {
    const now = d.clock.now();
    const firing = new Set(d.openAlerts().filter((a) => a.state === 'firing').map((a) => a.fingerprint));
    const rows: AnomalyBandRow[] = [];
    for (const hub of d.hubs()) {
      let read;
      try {
        read = await histories.read(d.store, hub, d.cfg, now, d.pause);
        failing = false;
      } catch (err) {
        // Nothing observed: every anomaly alert of the hub holds until the store answers again.
        if (!failing) d.log.warn({ err: String(err), hub }, 'cannot read the history for the learned bands; anomaly alerts hold until it can');
        failing = true;
        continue;
      }
      const results: RuleResult[] = [];
      for (const h of read) {
        const rule = `anomaly.${h.series}`;
        const labels = { hub, ...h.labels };
        const fp = fingerprint(rule, labels);
        const v = judgeSeries(h.series, h.points, now, states.get(fp) ?? (firing.has(fp) ? 'firing' : 'ok'), d.cfg.anomaly);
        states.set(fp, v.state);
        results.push({ rule, labels, status: v.status, summary: `${subjectOf(h.labels)}${v.summary}`, ...(v.value !== undefined ? { value: v.value } : {}) });
        rows.push({ hub, series: h.series, labels: h.labels, band: v.band, state: v.state });
        if (d.pause) await d.pause(); // up to 16 ms a series: the polls get their turn in between
      }
      d.observe(results, anomalyScope(hub));
    }
    latest = rows;
  });
  return { ...job, bands: () => latest };
}
