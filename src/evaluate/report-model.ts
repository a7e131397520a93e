/**
 * The report model (`summary`, `report weekly|monthly`): what the reports say, as plain data. The inputs
 * are what the CLI reads from the store; `buildReport` (report.ts) turns them into the model; the views
 * render it as Markdown, HTML or JSON. Times are epoch ms, durations ms, sizes bytes; no rounding here,
 * the views format. Time the daemon was not running is unknown: it appears as gaps, never as up or down.
 */
import type { CallStats } from '../model/call-stats.js';
import type { EventOf, EventType } from '../model/events.js';
import type { CapacityPrediction } from './capacity.js';
import type { CapacityOutlook, CapacitySeries } from './capacity-outlook.js';
import type { CallsReport } from './report-calls.js';
import type { FleetVerdict } from './fleet.js';
import type { Summary } from './stats.js';

/** The three reports; `daily` is the `summary` command (the seed guide's "Daily Review"). */
export type ReportKind = 'daily' | 'weekly' | 'monthly';

const DAY_MS = 86_400_000;

/** How far back each report looks from its end. */
export const REPORT_SPAN_MS: Record<ReportKind, number> = { daily: DAY_MS, weekly: 7 * DAY_MS, monthly: 30 * DAY_MS };

/** Chart resolution per report: 96 points a day, 168 a week, 120 a month. */
export const CHART_STEP_MS: Record<ReportKind, number> = { daily: 15 * 60_000, weekly: 3_600_000, monthly: 6 * 3_600_000 };

/** A time bucket of a series: a 1-minute or 1-hour rollup, or raw samples grouped by minute. */
export interface Bucket {
  t: number;
  widthMs: number;
  /** Samples in the bucket, `nErr` of them failed polls (no value). */
  n: number;
  nErr: number;
  /** Sum/min/max of the values (null when every sample failed); for a 0/1 series `sum` is the good count. */
  sum: number | null;
  min: number | null;
  max: number | null;
}

/** A stored event of a catalogued type, as the report needs it. */
export type ReportEvent = { [K in EventType]: Pick<EventOf<K>, 't' | 'type' | 'server' | 'data'> }[EventType];

/** One alert episode from the alert store: fired (and maybe resolved). */
export interface AlertEpisode {
  fingerprint: string;
  rule: string;
  severity: string;
  server: string | null;
  summary: string;
  firedAt: number;
  resolvedAt: number | null;
}

/** Good/total over a window, and the time of it a daemon observed (store.observedMs). */
export interface WindowRatio {
  good: number;
  total: number;
  observedMs: number;
}

/** A 0/1 series of a period and the one before it, as buckets. */
export interface UpBuckets {
  current: readonly Bucket[];
  previous: readonly Bucket[];
}

/** What the CLI reads for one hub. Events and alerts span [previousFrom, to). */
export interface HubReportInput {
  hub: string;
  /** `hub.up` at 1-minute resolution (outages are found in it). */
  up: UpBuckets;
  /** `hub.health_fast`: the latency SLO's good-event indicator. */
  fast: UpBuckets;
  /** Good/total over the rolling SLO window (config `slo.window`) ending at the report's end, and how much of it was observed. */
  sloWindow: { availability: WindowRatio; latency: WindowRatio };
  /** Parts of the period with no daemon running. */
  gaps: readonly { from: number; to: number }[];
  /** `server.up` per server (labels `server`). */
  servers: readonly { name: string; up: UpBuckets }[];
  /** Health latency values (raw samples, or bucket means; see ReportInput.latencyBasis). */
  latency: { current: readonly number[]; previous: readonly number[] };
  /** Health latency buckets of the current period, for the chart. */
  latencyBuckets: readonly Bucket[];
  /** `hub.rss_bytes` from min(previousFrom, to − capacity.window) to `to`. */
  rss: readonly Bucket[];
  events: readonly ReportEvent[];
  alerts: readonly AlertEpisode[];
  /** The tap's calls per server and tool over the period and the one before (the stored `calls.*` series). */
  calls?: { current: readonly CallStats[]; previous: readonly CallStats[] };
  /** The calls SLO's events over the rolling SLO window ending at the report's end, and how much of it had calls. */
  callsSloWindow?: { success: WindowRatio; latency: WindowRatio };
  /** For the fleet section: `server.probe_ok` per server over the period, and how often the hub restarted. */
  fleet?: { probes: readonly { name: string; buckets: readonly Bucket[] }[]; hubRestarts: number };
}

/** The pinned baseline (a `measure` result), when one exists; read tolerantly, per hub. */
export interface BaselineInfo {
  status: 'absent' | 'unreadable' | 'ok';
  file: string;
  /** Why it could not be used, for `unreadable`. */
  detail?: string;
  name?: string;
  takenAt?: number;
  hubs: { url: string; latencyP50Ms?: number; latencyP95Ms?: number; rssBytes?: number }[];
}

/** Everything buildReport needs. */
export interface ReportInput {
  kind: ReportKind;
  /** The period [from, to) and the one before it, [previousFrom, from). */
  from: number;
  to: number;
  previousFrom: number;
  generatedAt: number;
  /** What the latency values are: raw polls, or means of 1-minute / 1-hour buckets. */
  latencyBasis: 'raw' | '1m' | '1h';
  hubs: readonly HubReportInput[];
  baseline: BaselineInfo;
  /** Hourly points of the capacity resources over capacity.window ending at `to` (daemon/capacity-inputs.ts). */
  capacity?: readonly CapacitySeries[];
}

/** Good of total, and the share in percent (null with no polls: unknown, not 0 %). */
export interface Availability {
  good: number;
  total: number;
  percent: number | null;
}

/** An SLO objective over the period: availability now and before, and how much error budget it used. */
export interface ObjectiveReport {
  objectivePercent: number;
  current: Availability;
  previous: Availability;
  /**
   * Share of the period's error budget used: bad time observed in the period ÷ the bad time the whole
   * period allows ((1 − objective) × period). 100 = exactly on budget, over 100 = objective missed.
   */
  budgetUsedPercent: number | null;
  /** Bad time observed in the period: each bucket's failed share of its width. */
  badMs: number;
  /** The rolling SLO window ending at the report's end (as `status` shows it), with how much of it has data. */
  window: Availability & { budgetLeftPercent: number | null; observedMs: number; badMs: number };
}

/** A stretch of consecutive failing hub polls. */
export interface Outage {
  start: number;
  end: number;
  /** Estimated down time: failed polls' share of each bucket times its width. */
  downMs: number;
  failedPolls: number;
  /** Still failing at the end of the period. */
  ongoing: boolean;
}

/** One server over the period. */
export interface ServerReport {
  name: string;
  current: Availability;
  previous: Availability;
  /** Bad time observed (polls finding it not up) ÷ what the objective allows over the whole period, in percent. */
  budgetUsedPercent: number | null;
  /** Down episodes (status events) overlapping the period, time down in it, the longest episode. */
  downEpisodes: number;
  downMs: number;
  longestDownMs: number;
  /** Down-then-up cycles that ended in the period; flapping when more than `anomalies.flapping_cycles`. */
  cycles: number;
  flapping: boolean;
  /** Warning/error log lines naming the server. */
  errors: number;
  incidents: number;
}

/** An alert that fired, with its duration (to the end of the period while still firing). */
export interface Incident {
  rule: string;
  severity: string;
  server: string | null;
  summary: string;
  start: number;
  end: number | null;
  durationMs: number;
  ongoing: boolean;
  source: 'alert_store' | 'events';
}

/** Health latency this period, the previous one and the pinned baseline. */
export interface LatencyReport {
  basis: ReportInput['latencyBasis'];
  current: Summary | null;
  previous: Summary | null;
  changeP50Percent: number | null;
  changeP95Percent: number | null;
  baseline: { p50Ms: number | null; p95Ms: number | null; changeP95Percent: number | null } | null;
}

/**
 * Hub RSS: this period against the previous one and the baseline, and where its growth leads — the
 * capacity prediction (capacity.ts) over the hourly means of the capacity lookback, against each limit.
 */
export interface MemoryReport {
  current: { meanBytes: number; maxBytes: number } | null;
  previous: { meanBytes: number; maxBytes: number } | null;
  baselineBytes: number | null;
  /** Hourly mean RSS points the trend is fitted to, and the time they span. */
  trend: { points: number; fromMs: number | null; toMs: number | null };
  /** Least-squares slope of the hourly means; null with less history than capacity.min_history. */
  slopeBytesPerDay: number | null;
  warningBytes: number;
  criticalBytes: number;
  /** Days from the end of the period until the fitted line reaches each limit (0: there already); null when not growing or too little history. */
  daysToWarning: number | null;
  daysToCritical: number | null;
  /** The predictions with their 95 % prediction interval (earliest, latest) against each limit. */
  toWarning: CapacityPrediction;
  toCritical: CapacityPrediction;
}

/** A tool_list_changed event with its semantic diff. */
export interface ToolChange {
  t: number;
  server: string | null;
  added: string[];
  removed: string[];
  changed: string[];
  count: number | null;
}

/** A `remediation` event: what remediation (or `heal`) did to a target and how it ended. */
export interface RemediationEntry {
  t: number;
  action: string;
  target: string;
  result: string;
  dryRun: boolean;
  who: string;
  why: string;
  detail: string | null;
}

/** One hub's part of the report. */
export interface HubReport {
  hub: string;
  availability: ObjectiveReport;
  latencySlo: ObjectiveReport;
  unknown: { totalMs: number; gaps: { from: number; to: number; durationMs: number }[] };
  outages: Outage[];
  servers: ServerReport[];
  incidents: Incident[];
  incidentsPrevious: number;
  errors: { total: number; totalPrevious: number; codes: { code: string; count: number }[] };
  latency: LatencyReport;
  memory: MemoryReport;
  /** The hub's other capacity outlooks at the report's end (call volume, when it has a threshold). */
  capacity: CapacityOutlook[];
  toolChanges: ToolChange[];
  /** What remediation did in the period, oldest first. */
  remediation: RemediationEntry[];
  /** Calls the tap saw (report-calls.ts); null when it saw none in either period. */
  calls: CallsReport | null;
  /** The SLO on the tap's calls (answered OK; within the threshold); null when no call was seen in either period or the window. */
  callSlos: { success: ObjectiveReport; latency: ObjectiveReport } | null;
  /** Chart series at CHART_STEP_MS; null values are steps with no data. */
  series: {
    stepMs: number;
    availabilityPercent: { t: number; v: number | null }[];
    latencyMs: { t: number; v: number | null }[];
    rssBytes: { t: number; v: number | null }[];
  };
}

/** The fleet section of a report: the verdict over the period, and the hubs it takes to judge outliers. */
export interface ReportFleet extends Pick<FleetVerdict, 'rows' | 'outliers' | 'findings' | 'notJudged' | 'notCompared'> {
  minHubs: number;
}

/** The whole report. */
export interface ReportModel {
  kind: ReportKind;
  title: string;
  period: { from: number; to: number };
  previous: { from: number; to: number };
  generatedAt: number;
  objectives: {
    availabilityPercent: number; latencyPercent: number; latencyThresholdMs: number; sloWindowMs: number; flappingCycles: number;
    callSuccessPercent: number; callLatencyPercent: number; callLatencyThresholdMs: number;
  };
  baseline: BaselineInfo;
  hubs: HubReport[];
  /** This machine's capacity outlooks at the report's end: the disk the hub's logs and the store use. */
  machineCapacity: CapacityOutlook[];
  /** capacity.horizon and min_history, for the words. */
  capacitySettings: { windowMs: number; horizonMs: number; minHistoryMs: number };
  /** The hubs side by side over the period and the ones that stand out (report-fleet.ts); null with one hub. */
  fleet: ReportFleet | null;
}
