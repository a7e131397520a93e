/**
 * `export grafana`: a dashboard (Grafana schemaVersion 39) over the daemon's /metrics — hub overview,
 * server availability as a state timeline, probe latency from the probe histogram, resources, SLO budget,
 * alerts, the fleet (every hub side by side, from the fleet recording rules of `export prometheus`) and the
 * monitor's own health. The seed guide also promised LLM performance, cache hit rate and
 * queue depth panels: the daemon exports none of those (views/metrics.ts), so they are text panels that
 * say so rather than queries that would always be empty.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { DATASOURCE, gauge, Layout, stat, stateTimeline, text, timeseries, type Mapping, type Panel } from './grafana-panels.js';
import { FLEET_SERVER_UP, fleetRecords } from './fleet-rules.js';
import { promDuration, promNumber } from './timing.js';

/** The schema version the dashboard declares (Grafana 10.x/11.x). */
export const DASHBOARD_SCHEMA_VERSION = 39;
/** The hub template variable's query. */
export const HUB_VARIABLE_QUERY = 'label_values(mcp_hub_up, hub)';

const H = 'hub=~"$hub"';
const UP_DOWN: Mapping[] = [[1, 'up', 'green'], [0, 'down', 'red']];
const LEVELS: Mapping[] = [[1, 'L1 green', 'green'], [2, 'L2 yellow', 'yellow'], [3, 'L3 orange', 'orange'], [4, 'L4 red', 'red']];

const NOT_EXPOSED = (what: string, check: string) => [
  `**${what}: not exposed by this hub / the monitor.**`,
  '',
  'mcp-hub 4.x serves no LLM metrics, and the monitor\'s daemon does not export any on `/metrics` (it does not store them).',
  `\`mcp-hub-monitor check\` reads them live when a hub (the fork) serves them — ${check} — and the daemon's`,
  '`llm.*` alerts raise **Degradation level** above when they breach.',
].join('\n');

function panels(cfg: MonitorConfig): Panel[] {
  const l = new Layout();
  const probeWindow = `${Math.max(300, (3 * cfg.probes.interval) / 1000)}s`; // a few probe rounds, or rate() sees none
  l.row('Hub overview');
  l.add(4, 5, stat('Hub up', 'mcp_hub_up: the latest poll found the hub ready or restarted.', [{ expr: `mcp_hub_up{${H}}`, legend: '{{hub}}', instant: true }], { mappings: UP_DOWN }));
  l.add(4, 5, stat('Degradation level', 'The guide\'s L1–L4 from the daemon\'s firing alerts (any critical → red).', [{ expr: `mcp_hub_degradation_level{${H}}`, legend: '{{hub}}', instant: true }], { mappings: LEVELS }));
  l.add(6, 5, stat('Servers', 'Enabled servers by status at the latest poll; dead = the hub says connected but the child exited.', [{ expr: `sum by (status) (mcp_hub_servers{${H}})`, legend: '{{status}}', instant: true }], { thresholds: ['blue', []] }));
  l.add(5, 5, stat('Active alerts', 'Alerts firing in the daemon, all hubs (mcp_hub_monitor_alerts has no hub label).', [{ expr: 'sum by (severity) (mcp_hub_monitor_alerts{state="firing"})', legend: '{{severity}}', instant: true }], { thresholds: ['green', [[1, 'red']]] }));
  l.add(5, 5, gauge('SLO error budget left', `Over slo.window; objectives ${cfg.slo.availability}% availability, ${cfg.slo.latency}% of polls within ${cfg.slo.latency_threshold} ms.`, [{ expr: `mcp_hub_slo_error_budget_remaining_ratio{${H}}`, legend: '{{objective}}', instant: true }], { unit: 'percentunit', min: 0, max: 1, thresholds: ['red', [[0.25, 'orange'], [0.5, 'green']]] }));
  l.add(12, 8, timeseries('Health latency', `/api/health at each poll; the SLO threshold is ${cfg.slo.latency_threshold} ms.`, [{ expr: `mcp_hub_health_latency_seconds{${H}}`, legend: '{{hub}}' }], { unit: 's', min: 0, thresholdLine: cfg.slo.latency_threshold / 1000 }));
  l.add(12, 8, timeseries('Probe latency (MCP round trip through the hub)', `Quantiles of mcp_hub_probe_duration_seconds over ${probeWindow} (probes run every ${cfg.probes.interval / 1000}s).`,
    [0.5, 0.95, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le, hub) (rate(mcp_hub_probe_duration_seconds_bucket{${H}}[${probeWindow}])))`, legend: `p${q * 100} {{hub}}` })), { unit: 's', min: 0 }));
  l.add(12, 7, timeseries('Availability', 'Share of polls that found the hub up, over the last hour.', [{ expr: `avg_over_time(mcp_hub_up{${H}}[1h])`, legend: '{{hub}}' }], { unit: 'percentunit', min: 0, max: 1 }));
  l.add(12, 7, timeseries('Hub state', 'mcp_hub_state: the state at the latest poll.', [{ expr: `mcp_hub_state{${H}} == 1`, legend: '{{hub}} {{state}}' }], { min: 0, max: 1 }));

  l.row('Servers');
  l.add(24, 10, stateTimeline('Server availability', 'mcp_hub_server_up per server; disabled servers have no lane.', [{ expr: `mcp_hub_server_up{${H}}`, legend: '{{server}}' }], UP_DOWN));
  l.add(12, 8, stateTimeline('Dead while the hub says connected', 'mcp_hub_server_dead: the hub\'s status says connected but the child exited.', [{ expr: `mcp_hub_server_dead{${H}}`, legend: '{{server}}' }], [[0, 'alive', 'green'], [1, 'dead', 'red']]));
  l.add(12, 8, stateTimeline('MCP probe answers', 'mcp_hub_server_probe_success: the latest probe through the hub got an answer.', [{ expr: `mcp_hub_server_probe_success{${H}}`, legend: '{{server}}' }], [[1, 'answers', 'green'], [0, 'no answer', 'red']]));

  fleetRow(l, cfg);

  l.row('Resource usage');
  l.add(12, 8, timeseries('Hub resident memory (RSS)', `Local hubs only; the alert threshold is check.memory_mb (${cfg.check.memory_mb.warning} MB).`, [{ expr: `mcp_hub_process_resident_memory_bytes{${H}}`, legend: '{{hub}}' }], { unit: 'bytes', min: 0, thresholdLine: cfg.check.memory_mb.warning * 1_000_000 }));
  l.add(12, 8, timeseries('Monitor daemon memory', 'The mcp-hub-monitor daemon\'s own RSS and heap.', [{ expr: 'process_resident_memory_bytes', legend: 'RSS {{instance}}' }, { expr: 'nodejs_heap_size_used_bytes', legend: 'heap {{instance}}' }], { unit: 'bytes', min: 0 }));

  l.row('LLM performance, cache and queue');
  l.add(8, 6, text('Real-time LLM performance', NOT_EXPOSED('LLM success rate and P95 latency', `\`llm.success_rate\` (≥ ${cfg.check.success_rate.warning}%), \`llm.p95_latency\` (≤ ${cfg.check.p95_latency_ms.warning} ms)`)));
  l.add(8, 6, text('Cache hit rate trends', NOT_EXPOSED('LLM cache hit rate', `\`llm.cache_hit_rate\` (≥ ${cfg.check.cache_hit_rate.warning}%)`)));
  l.add(8, 6, text('Queue depth', NOT_EXPOSED('LLM queue depth', `\`llm.queue_depth\` (≤ ${cfg.check.queue_depth.warning})`)));

  l.row('SLOs and alerts');
  l.add(12, 8, timeseries('SLO error budget over time', '1 = untouched, 0 = spent, below 0 = overspent.', [{ expr: `mcp_hub_slo_error_budget_remaining_ratio{${H}}`, legend: '{{hub}} {{objective}}' }], { unit: 'percentunit' }));
  l.add(12, 8, timeseries('Open alerts', 'Pending and firing alerts in the daemon, by severity.', [{ expr: 'sum by (severity, state) (mcp_hub_monitor_alerts)', legend: '{{severity}} {{state}}' }], { min: 0 }));

  l.row('Monitor health');
  l.add(8, 7, timeseries('Last poll age', `Stale above 3 poll intervals (${promNumber((3 * cfg.collect.interval) / 1000)} s).`, [{ expr: `mcp_hub_monitor_last_poll_age_seconds{${H}}`, legend: '{{hub}}' }], { unit: 's', min: 0, thresholdLine: (3 * cfg.collect.interval) / 1000 }));
  l.add(8, 7, timeseries('Notifications', 'Delivery attempts per receiver and outcome.', [{ expr: 'sum by (receiver, outcome) (increase(mcp_hub_monitor_notifications_total[$__rate_interval]))', legend: '{{receiver}} {{outcome}}' }], { min: 0 }));
  l.add(4, 7, stat('Outbox depth', 'Notifications waiting to be delivered.', [{ expr: 'mcp_hub_monitor_outbox_depth', instant: true }], { thresholds: ['green', [[1, 'orange']]] }));
  l.add(4, 7, stat('SSE connected', 'Whether the daemon\'s SSE stream from the hub is connected (absent in poll-only mode).', [{ expr: `mcp_hub_monitor_sse_connected{${H}}`, legend: '{{hub}}', instant: true }], { mappings: [[1, 'connected', 'green'], [0, 'cut', 'orange']] }));
  return l.panels;
}

/**
 * Every hub Prometheus scrapes, from every monitor, side by side (not filtered by $hub: the point is the
 * comparison), from the fleet recording rules: what fleet.outlier compares, and each hub's robust z.
 */
function fleetRow(l: Layout, cfg: MonitorConfig): void {
  const w = promDuration(cfg.fleet.window);
  const r = fleetRecords(w);
  const metric = (m: string) => `${r.value}{metric="${m}"}`;
  const median = (m: string) => ({ expr: `${r.median}{metric="${m}"}`, legend: 'fleet median {{source}}' });
  const needs = 'Needs the rules of `mcp-hub-monitor export prometheus` loaded in this Prometheus.';
  l.row('Fleet');
  l.add(8, 8, timeseries('Fleet: health latency', `Each hub's median /api/health latency over fleet.window (${w}), and the fleet's median hub. ${needs}`,
    [{ expr: metric('health_latency_ms'), legend: '{{hub}}' }, median('health_latency_ms')], { unit: 'ms', min: 0 }));
  l.add(8, 8, timeseries('Fleet: error ratio', `Failed calls through the tap, else failed probe looks, else failed polls (the source), over ${w}; hubs are compared with those measured the same way. ${needs}`,
    [{ expr: metric('error_ratio'), legend: '{{hub}} ({{source}})' }, median('error_ratio')], { unit: 'percentunit', min: 0 }));
  l.add(8, 8, timeseries('Fleet: restarts per hour', `Children that restarted over ${w}, per hour (a child that died and stays dead is not one). ${needs}`,
    [{ expr: metric('restarts_per_hour'), legend: '{{hub}}' }, median('restarts_per_hour')], { min: 0 }));
  l.add(12, 8, timeseries('Fleet: outlier z', `Each hub's robust z, 0.6745 × (value − median) / MAD, per metric: above fleet.outlier_z (${promNumber(cfg.fleet.outlier_z)}) with fleet.min_hubs (${cfg.fleet.min_hubs}) hubs, McpHubFleetOutlier fires. ${needs}`,
    [{ expr: r.z, legend: '{{hub}} {{metric}}' }], { thresholdLine: cfg.fleet.outlier_z }));
  l.add(6, 8, stat('Fleet: servers up / down', 'Enabled servers per hub at its latest poll, every hub of every monitor.', [{ expr: 'sum by (hub, status) (mcp_hub_servers{status=~"up|down|dead"})', legend: '{{hub}} {{status}}', instant: true }], { thresholds: ['blue', []] }));
  l.add(6, 8, stateTimeline('Fleet: servers per hub', `Each server on each hub: up, or down (or failing its probe). A server down on one hub only fires McpHubFleetOutlier (metric server). ${needs}`,
    [{ expr: FLEET_SERVER_UP, legend: '{{server}} @ {{hub}}' }], [[1, 'up', 'green'], [0, 'down', 'red']]));
}

/** The dashboard JSON (an object: the caller serialises it). */
export function buildGrafanaDashboard(cfg: MonitorConfig): Record<string, unknown> {
  return {
    id: null,
    uid: 'mcp-hub-monitor',
    title: 'MCP Hub',
    description: 'MCP Hub as mcp-hub-monitor sees it (generated by `mcp-hub-monitor export grafana`).',
    tags: ['mcp-hub', 'mcp-hub-monitor'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    refresh: '30s',
    schemaVersion: DASHBOARD_SCHEMA_VERSION,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    links: [],
    annotations: { list: [{ builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard' }] },
    templating: {
      list: [
        { type: 'datasource', name: 'DS_PROMETHEUS', label: 'Prometheus', query: 'prometheus', current: {}, hide: 0, includeAll: false, multi: false, options: [], refresh: 1, regex: '' },
        {
          type: 'query', name: 'hub', label: 'Hub', datasource: DATASOURCE, definition: HUB_VARIABLE_QUERY,
          query: { qryType: 1, query: HUB_VARIABLE_QUERY, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
          refresh: 2, includeAll: true, multi: true, allValue: '.*', current: {}, options: [], sort: 1, regex: '', hide: 0,
        },
      ],
    },
    panels: panels(cfg),
  };
}

/** The dashboard as the file Grafana imports. */
export function renderGrafanaDashboard(cfg: MonitorConfig): string {
  return `${JSON.stringify(buildGrafanaDashboard(cfg), null, 2)}\n`;
}
