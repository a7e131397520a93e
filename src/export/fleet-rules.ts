/**
 * The fleet as Prometheus rules: the twin of `fleet.outlier` (evaluate/fleet.ts) over every hub Prometheus
 * scrapes, whichever monitor watches it. Per hub, over fleet.window, the three values the daemon compares
 * (health latency, error ratio, restarts per hour); across the hubs their median, their MAD (floored at
 * fleet.min_mad.*) and each hub's robust z; and the alert on a z above fleet.outlier_z with fleet.min_hubs
 * hubs, or on a server down on one hub only. Every aggregation keeps only `hub` (and `server`), never
 * `instance` or `job`: two monitors scraped by one Prometheus make one fleet, and a hub watched by both
 * counts once.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { FleetMetric } from '../evaluate/fleet.js';
import type { CommentedRule } from './rule-types.js';
import { promDuration, promNumber } from './timing.js';

/** The recorded series; `W` is fleet.window as a Prometheus duration (e.g. `10m`). */
export const fleetRecords = (w: string) => ({
  /** Each hub's value of each fleet metric over the window; labels hub, metric (and source for error_ratio). */
  value: `hub:mcp_hub_fleet_value:${w}`,
  median: `fleet:mcp_hub_fleet_value:median_${w}`,
  /** The MAD floored at fleet.min_mad.<metric>, as the daemon divides by it. */
  mad: `fleet:mcp_hub_fleet_value:mad_${w}`,
  /** How many hubs have a value: outliers are judged from fleet.min_hubs on. */
  hubs: `fleet:mcp_hub_fleet_hubs:count_${w}`,
  z: `hub:mcp_hub_fleet_value:robust_z_${w}`,
});

/** Each server's look on each hub: 1 up (and its latest probe did not fail), 0 down. */
export const FLEET_SERVER_UP = 'hub_server:mcp_hub_fleet_server_up:bool';

/** Scales the MAD to a standard deviation under normality, as evaluate/fleet.ts does. */
const MAD_TO_SIGMA = 0.6745;
/** Every metric's series group across hubs: the metric, and for error_ratio how it was measured. */
const GROUP = 'metric, source';

/** The per-hub error ratio from each source, each only for hubs without a better one (calls, then probes, then polls). */
function errorRatios(w: string): { source: string; expr: string }[] {
  const calls = `sum by (hub) (increase(mcp_server_operation_duration_seconds_count[${w}]))`;
  const failed = `sum by (hub) (increase(mcp_server_operation_duration_seconds_count{error_type!=""}[${w}]))`;
  const probes = `sum by (hub) (count_over_time(mcp_hub_server_probe_success[${w}]))`;
  return [
    { source: 'calls', expr: `(${failed} or ${calls} * 0)\n/ (${calls} > 0)` },
    { source: 'probes', expr: `1 - sum by (hub) (sum_over_time(mcp_hub_server_probe_success[${w}])) / ${probes}\nunless on (hub) (${calls} > 0)` },
    { source: 'polls', expr: `1 - avg by (hub) (avg_over_time(mcp_hub_up[${w}]))\nunless on (hub) (${calls} > 0)\nunless on (hub) ${probes}` },
  ];
}

/** The recording rules of the fleet group, in evaluation order (each reads the ones before it). */
export function fleetRecordingRules(cfg: MonitorConfig, o: { scrapeIntervalMs: number }): CommentedRule[] {
  const w = promDuration(cfg.fleet.window);
  const r = fleetRecords(w);
  const perHour = promNumber(3_600_000 / cfg.fleet.window);
  const value = (metric: FleetMetric, expr: string, comment: string, extra: Record<string, string> = {}): CommentedRule => ({
    rule: { record: r.value, expr, labels: { metric, ...extra } }, comment,
  });
  const [calls, ...others] = errorRatios(w);
  const rules: CommentedRule[] = [
    value('health_latency_ms', `1000 * max by (hub) (quantile_over_time(0.5, mcp_hub_health_latency_seconds[${w}]))`,
      `fleet.outlier's values per hub over fleet.window (${w}), aggregated by hub only: every monitor's hubs are one fleet.\nhealth_latency_ms: the median of the hub's /api/health latency (in ms, as the daemon compares it).`),
    value('error_ratio', calls!.expr, 'error_ratio, from the first source the hub has, as the daemon picks it: the tap\'s calls (failed / all),\nthen the probes (failed looks / looks at each scrape), then the polls (failed / all). Hubs are compared\nwith the hubs measured the same way (the source label).', { source: calls!.source }),
    ...others.map((e) => value('error_ratio', e.expr, `error_ratio from the ${e.source}, for hubs without a better source.`, { source: e.source })),
    value('restarts_per_hour', `(\n  sum by (hub) (max by (hub, server) (resets((mcp_hub_server_uptime_seconds > 0)[${w}:${promDuration(o.scrapeIntervalMs)}])))\n  or 0 * max by (hub) (mcp_hub_up)\n) * ${perHour}`,
      'restarts_per_hour: a child whose uptime went back and runs again (uptime 0 is a child that exited while the hub\ncalls it connected, faults A11: not a restart until it runs again). A hub restart shows as its children\'s.\nmax by server first: a child two monitors watch restarted once.'),
    { rule: { record: r.median, expr: `quantile by (${GROUP}) (0.5, ${r.value})` }, comment: 'The fleet: the median hub, the spread (MAD) and how many hubs have the value, per metric.' },
    { rule: { record: r.hubs, expr: `count by (${GROUP}) (${r.value})` } },
    ...(Object.entries(cfg.fleet.min_mad) as [FleetMetric, number][]).map(([metric, floor]): CommentedRule => ({
      // The label (which the expression keeps anyway) tells promtool these three are not one rule written thrice.
      rule: { record: r.mad, expr: `clamp_min(\n  quantile by (${GROUP}) (0.5, abs(${r.value}{metric="${metric}"} - on (${GROUP}) group_left () ${r.median}{metric="${metric}"})),\n  ${promNumber(floor)}\n)`, labels: { metric } },
      comment: `MAD of ${metric}, floored at fleet.min_mad.${metric} (${promNumber(floor)}): hubs that are alike do not alarm on noise.`,
    })),
    {
      rule: { record: r.z, expr: `${MAD_TO_SIGMA} * (${r.value} - on (${GROUP}) group_left () ${r.median})\n/ on (${GROUP}) group_left () ${r.mad}` },
      comment: `The robust z of each hub: ${MAD_TO_SIGMA} × (value − median) / MAD (Iglewicz and Hoaglin's modified z-score).`,
    },
    {
      rule: {
        record: FLEET_SERVER_UP,
        expr: 'min by (hub, server) (mcp_hub_server_up{server!="__other__"})\n* (min by (hub, server) (mcp_hub_server_probe_success) or on (hub, server) 0 * min by (hub, server) (mcp_hub_server_up) + 1)',
      },
      comment: 'Each server\'s look per hub for the server outlier: up, and its latest probe did not fail. __other__ is a\ndifferent set of servers on each hub: never compared.',
    },
  ];
  return rules;
}

/** What alertRule (prometheus-rules.ts) needs of each fleet alert. */
export interface FleetAlertSpec {
  name: string; rule: string; expr: string; severity: 'warning'; periodMs: number; summary: string; description: string; why: string; labels?: Record<string, string>;
}

export function fleetAlertSpecs(cfg: MonitorConfig): FleetAlertSpec[] {
  const f = cfg.fleet;
  const w = promDuration(f.window);
  const r = fleetRecords(w);
  const base = { name: 'McpHubFleetOutlier', rule: 'fleet.outlier', severity: 'warning', periodMs: f.interval } as const;
  return [
    {
      ...base,
      expr: `${r.z} > ${promNumber(f.outlier_z)}\nand on (${GROUP}) ${r.hubs} >= ${f.min_hubs}`,
      summary: `{{ $labels.hub }} stands out of the fleet on {{ $labels.metric }}{{ with $labels.source }} ({{ . }}){{ end }}: robust z {{ $value | printf "%.2f" }} over ${w}`,
      description: `Its {{ $labels.metric }} over fleet.window (${w}) is far above the median hub's (${r.value} against ${r.median}): the problem is this hub's (its host, its config, its children), not the fleet's. The fleet is every hub this Prometheus scrapes, from every monitor.`,
      why: `fleet.outlier: robust z > fleet.outlier_z (${promNumber(f.outlier_z)}), only upwards, with fleet.min_hubs (${f.min_hubs}) hubs that have the value.`,
    },
    {
      ...base,
      labels: { metric: 'server' },
      expr: `${FLEET_SERVER_UP} == 0\nand on (server) count by (server) (${FLEET_SERVER_UP}) >= ${f.min_hubs}\nand on (server) count by (server) (${FLEET_SERVER_UP} == 0) == 1`,
      summary: '{{ $labels.hub }}: server {{ $labels.server }} is down on this hub while up on the other hubs of the fleet',
      description: 'The server is configured on several hubs and is down (or fails its probe) on this one only: this hub\'s copy of it (its env, its child) is broken, not the server.',
      why: `fleet.outlier, metric server: a server on at least fleet.min_hubs (${f.min_hubs}) hubs, down on exactly one.`,
    },
  ];
}
