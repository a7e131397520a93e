/**
 * The fleet: every watched hub side by side over one window, and the hubs that stand out from the others
 * (issue L item 4). A hub that is slower, fails more or restarts more than the rest of the fleet has a
 * problem of its own (its host, its config, its children), not the fleet's — `fleet.outlier` names it, the
 * metric, its value and the fleet's median. A server configured on several hubs that fails on one hub only
 * while up on the others is the same kind of fact (that hub's copy of it), so it is the same rule with a
 * `server` label rather than an id of its own: one rule, one question ("what differs on this hub?").
 * Pure: (per-hub observations of the window, config) → rows and findings.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { median, summarize } from './stats.js';
import type { Finding, Level } from './types.js';

/** Where a hub's error ratio comes from: the tap's calls when it saw some, else the probes, else the polls. */
export type ErrorSource = 'calls' | 'probes' | 'polls';

/** What the daemon's history holds of one hub over the window. */
export interface FleetHubInput {
  hub: string;
  /** From its firing alerts (levelFromAlerts). */
  level: Level;
  /** Polls that answered / polls in the window. */
  polls: { good: number; total: number };
  /** /api/health round trips of the window (ms). */
  healthLatencyMs: readonly number[];
  /** Calls through the tap in the window (errors among them), when any. */
  calls?: { total: number; errors: number };
  /** Probe round trips in the window (failed ones among them). */
  probes: { total: number; failed: number };
  /** Restarts seen in the window (a server's uptime went back, the hub restarted). */
  restarts: number;
  /** Each server's latest look in the window: up (connected, and its latest probe did not fail) or not. */
  servers: ReadonlyMap<string, boolean>;
}

export type FleetMetric = 'health_latency_ms' | 'error_ratio' | 'restarts_per_hour';

export interface FleetHubRow {
  hub: string;
  level: Level;
  /** Fraction of polls that answered; undefined with no poll in the window. */
  availability?: number;
  latency?: { p50: number; p95: number };
  errorRatio?: number;
  errorSource?: ErrorSource;
  restarts: number;
  restartsPerHour: number;
  serversUp: number;
  serversDown: number;
}

export interface FleetOutlier {
  hub: string;
  metric: FleetMetric | 'server';
  /** For metric `server`: the server down here and up on the other hubs. */
  server?: string;
  value: number;
  median: number;
  /** The robust z-score (absent for a server). */
  z?: number;
  /** For metric `server`: how many hubs of the fleet have that server. */
  hubsWithServer?: number;
}

/** A metric the fleet could not compare: fewer than `min_hubs` hubs have a value for it. */
export interface FleetNotCompared {
  metric: FleetMetric;
  /** For the error ratio: compared only among hubs whose ratio comes from the same source. */
  source?: ErrorSource;
  /** Hubs with a value. */
  hubs: number;
}

export interface FleetVerdict {
  rows: FleetHubRow[];
  outliers: FleetOutlier[];
  findings: Finding[];
  /** Why the outliers were not judged (too few hubs), when they were not: `2 hubs, need 3`. */
  notJudged?: string;
  /**
   * When judged: the metrics some hubs have a value for but too few to compare (a hub with no tap among
   * hubs with one, say), so no view leaves the reader thinking they were compared. Sources no hub uses are
   * not listed.
   */
  notCompared: FleetNotCompared[];
}

export type FleetConfig = MonitorConfig['fleet'];

/** Scales the MAD to a standard deviation's units under normality (Iglewicz and Hoaglin's modified z-score). */
const MAD_TO_SIGMA = 0.6745;

/**
 * Robust z-scores: the median and the median absolute deviation, not the mean and the standard deviation.
 * A fleet is small (3 to 20 hubs) and the outlier we look for drags a mean towards it and inflates a
 * standard deviation so much that with 3 hubs a plain z-score can never exceed 1.15 (Shiffler's bound),
 * whatever the outlier; the median and MAD ignore up to half the fleet being odd. The MAD floor keeps
 * identical hubs (MAD ≈ 0) from turning a millisecond of noise into a huge z.
 */
export function robustZ(values: readonly number[], minMad: number): { median: number; mad: number; z: number[] } {
  const m = median(values);
  const mad = Math.max(median(values.map((v) => Math.abs(v - m))), minMad);
  return { median: m, mad, z: values.map((v) => (MAD_TO_SIGMA * (v - m)) / mad) };
}

function errorOf(h: FleetHubInput): { ratio: number; source: ErrorSource } | undefined {
  if (h.calls && h.calls.total > 0) return { ratio: h.calls.errors / h.calls.total, source: 'calls' };
  if (h.probes.total > 0) return { ratio: h.probes.failed / h.probes.total, source: 'probes' };
  if (h.polls.total > 0) return { ratio: (h.polls.total - h.polls.good) / h.polls.total, source: 'polls' };
  return undefined;
}

function rowOf(h: FleetHubInput, windowMs: number): FleetHubRow {
  const lat = summarize(h.healthLatencyMs, 2);
  const err = errorOf(h);
  const up = [...h.servers.values()].filter(Boolean).length;
  return {
    hub: h.hub, level: h.level,
    ...(h.polls.total > 0 ? { availability: h.polls.good / h.polls.total } : {}),
    ...(lat ? { latency: { p50: lat.p50, p95: lat.p95 } } : {}),
    ...(err ? { errorRatio: err.ratio, errorSource: err.source } : {}),
    restarts: h.restarts, restartsPerHour: h.restarts / (windowMs / 3_600_000),
    serversUp: up, serversDown: h.servers.size - up,
  };
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

/** How each metric is named and its values written, in the findings and in every view of the fleet. */
export const FLEET_METRIC_TEXT: Record<FleetMetric, { name: string; fmt: (v: number) => string }> = {
  health_latency_ms: { name: 'health latency (median of its polls)', fmt: (v) => `${round(v, 1)} ms` },
  error_ratio: { name: 'error ratio', fmt: (v) => `${round(v * 100, 1)}%` },
  restarts_per_hour: { name: 'restarts', fmt: (v) => `${round(v, 1)}/h` },
};

/**
 * Hubs worse than the fleet on one metric: only upwards (a hub faster or healthier than the rest is not a
 * problem), only among hubs that have the value, and only with `min_hubs` of them.
 */
function metricOutliers(metric: FleetMetric, hubs: readonly { hub: string; value: number }[], cfg: FleetConfig): FleetOutlier[] {
  if (hubs.length < cfg.min_hubs) return [];
  const { median: m, z } = robustZ(hubs.map((h) => h.value), cfg.min_mad[metric]);
  return hubs.flatMap((h, i) => ((z[i] as number) > cfg.outlier_z ? [{ hub: h.hub, metric, value: h.value, median: m, z: round(z[i] as number, 2) }] : []));
}

/**
 * Servers configured on several hubs (at least min_hubs - 1 others up) that are down on exactly one hub:
 * that hub's copy is broken (its env, its child), not the server.
 */
function serverOutliers(inputs: readonly FleetHubInput[], cfg: FleetConfig): FleetOutlier[] {
  const byServer = new Map<string, { hub: string; up: boolean }[]>();
  for (const h of inputs) for (const [server, up] of h.servers) byServer.set(server, [...(byServer.get(server) ?? []), { hub: h.hub, up }]);
  const out: FleetOutlier[] = [];
  for (const [server, looks] of byServer) {
    const down = looks.filter((l) => !l.up);
    if (looks.length < cfg.min_hubs || down.length !== 1) continue;
    out.push({ hub: (down[0] as { hub: string }).hub, metric: 'server', server, value: 0, median: 1, hubsWithServer: looks.length });
  }
  return out;
}

function findingOf(o: FleetOutlier, rows: readonly FleetHubRow[], windowLabel: string): Finding {
  if (o.metric === 'server') {
    const others = (o.hubsWithServer ?? rows.length) - 1;
    return { id: 'fleet.outlier', status: 'warning', hub: o.hub, subject: o.server as string, value: 'down',
      message: `server ${o.server} is down on this hub while up on the ${others} other hubs of the fleet that have it: this hub's copy of it (its env, its child) is broken` };
  }
  const { name, fmt } = FLEET_METRIC_TEXT[o.metric];
  const source = o.metric === 'error_ratio' ? ` (${rows.find((r) => r.hub === o.hub)?.errorSource ?? ''})` : '';
  return { id: 'fleet.outlier', status: 'warning', hub: o.hub, subject: o.metric, value: round(o.value, 4), threshold: round(o.median, 4),
    message: `${name}${source} ${fmt(o.value)} over the last ${windowLabel}, against ${fmt(o.median)} for the fleet's median hub (robust z ${o.z}): this hub stands out, not the fleet` };
}

/** The fleet over the window: a row per hub, and the hubs that stand out. */
export function evaluateFleet(inputs: readonly FleetHubInput[], cfg: FleetConfig, opts: { windowLabel: string }): FleetVerdict {
  const rows = inputs.map((h) => rowOf(h, cfg.window));
  if (inputs.length < cfg.min_hubs) {
    return { rows, outliers: [], findings: [], notJudged: `${inputs.length} hub${inputs.length === 1 ? '' : 's'}, need ${cfg.min_hubs}`, notCompared: [] };
  }
  const values = (pick: (r: FleetHubRow) => number | undefined) => rows.flatMap((r) => { const v = pick(r); return v === undefined ? [] : [{ hub: r.hub, value: v }]; });
  // Error ratios are compared among hubs measured the same way: a call's failure and a probe's are not the same odds.
  const sources: ErrorSource[] = ['calls', 'probes', 'polls'];
  const compared = [
    { metric: 'health_latency_ms' as const, hubs: values((r) => r.latency?.p50) },
    ...sources.map((source) => ({ metric: 'error_ratio' as const, source, hubs: values((r) => (r.errorSource === source ? r.errorRatio : undefined)) })),
    { metric: 'restarts_per_hour' as const, hubs: values((r) => r.restartsPerHour) },
  ];
  const outliers = [...compared.flatMap((c) => metricOutliers(c.metric, c.hubs, cfg)), ...serverOutliers(inputs, cfg)];
  const notCompared = compared.flatMap((c): FleetNotCompared[] => {
    const n = c.hubs.length;
    // An error source no hub uses is not a gap; a metric no hub has at all is.
    if (n >= cfg.min_hubs || (n === 0 && 'source' in c)) return [];
    return [{ metric: c.metric, ...('source' in c ? { source: c.source } : {}), hubs: n }];
  });
  return { rows, outliers, findings: outliers.map((o) => findingOf(o, rows, opts.windowLabel)), notCompared };
}
