/**
 * `export prometheus`: recording and alerting rules equivalent to the daemon's built-in alerting — the
 * same thresholds from the config (check.*, slo.*) and the same timing (alerting.* and alerting.rules.<id>,
 * mapped as timing.ts explains) — over the metric names the daemon's /metrics exports (views/metrics.ts).
 */
import { ruleSettings, type RuleSettings } from '../alerts/lifecycle.js';
import type { MonitorConfig } from '../config/defaults.js';
import type { CommentedRule, PromRule, RuleGroup } from './rule-types.js';
import { burnRateAlerts, sloRecordingRules, SLO_EVALUATION_MS } from './slo-rules.js';
import { callAlertSpecs } from './call-rules.js';
import { fleetAlertSpecs, fleetRecordingRules } from './fleet-rules.js';
import { anomalyRuleGroup, anomalyRuleSettings, type AnomalyRuleSettings } from './anomaly-rules.js';
import { forMsOf, keepFiringMsOf, promDuration, promNumber } from './timing.js';
import { renderYaml, type NodeComment } from './yaml-text.js';

/** What the rules are built for besides the config. */
export interface PrometheusExportOptions {
  /** How often Prometheus scrapes the daemon (and evaluates these rules); default collect.interval. */
  scrapeIntervalMs: number;
  /** The learned bands' settings; default: from the config (`anomaly:`). */
  anomaly?: AnomalyRuleSettings;
}

type Severity = 'critical' | 'warning' | 'info';

interface AlertSpec {
  name: string;
  /** The daemon rule id whose settings (enabled, severity, thresholds, for) this alert follows. */
  rule: string;
  expr: string;
  severity: Severity;
  /** How often the daemon evaluates `rule`. */
  periodMs: number;
  summary: string;
  description: string;
  why: string;
  /** A fixed `for` instead of the mapped one (for alerts the daemon has no rule for). */
  forMs?: number;
  /** Labels besides severity (the daemon's own labels of the finding, e.g. fleet.outlier's metric). */
  labels?: Record<string, string>;
}

function alertRule(cfg: MonitorConfig, a: AlertSpec): CommentedRule | undefined {
  const s: RuleSettings = ruleSettings(cfg.alerting, a.rule);
  if (!s.enabled) return undefined;
  const forMs = a.forMs ?? forMsOf(s, a.periodMs);
  const keepMs = a.forMs === undefined ? keepFiringMsOf(s, a.periodMs) : 0;
  const rule: PromRule = {
    alert: a.name,
    expr: a.expr,
    ...(forMs > 0 ? { for: promDuration(forMs) } : {}),
    ...(keepMs > 0 ? { keep_firing_for: promDuration(keepMs) } : {}),
    labels: { ...a.labels, severity: s.severity ?? a.severity },
    annotations: { summary: a.summary, description: a.description },
  };
  const timing = a.forMs !== undefined ? `for ${promDuration(forMs)}`
    : `for: (failure_threshold ${s.failureThreshold} - 1) × ${promDuration(a.periodMs)} + for ${promDuration(s.forMs)} = ${promDuration(forMs)}`
      + `; keep_firing_for: (success_threshold ${s.successThreshold} - 1) × ${promDuration(a.periodMs)} + ${promDuration(s.keepFiringForMs)} = ${promDuration(keepMs)}`;
  return { rule, comment: `${a.why}\n${timing}` };
}

/** The alerting rules, in the order of the daemon's rule ids (hub, servers, probes, SLO, the monitor itself). */
export function alertRules(cfg: MonitorConfig, o: PrometheusExportOptions): CommentedRule[] {
  const scrape = o.scrapeIntervalMs;
  const c = cfg.check;
  const rssBytes = c.memory_mb.warning * 1_000_000; // decimal MB, as hub.memory judges it
  const staleS = promNumber((3 * cfg.collect.interval) / 1000);
  const specs: (AlertSpec | undefined)[] = [
    {
      name: 'McpHubDown', rule: 'hub.reachable', severity: 'critical', periodMs: scrape,
      expr: 'mcp_hub_up == 0 unless ignoring(state) (mcp_hub_state{state=~"starting|restarting"} == 1)',
      summary: '{{ $labels.hub }} is down',
      description: 'The monitor\'s polls of {{ $labels.hub }} fail, or the hub is stopping, stopped or in error. `mcp-hub-monitor check --hub {{ $labels.hub }}` says why.',
      why: 'hub.reachable (poll failed) and hub.state critical (stopping, stopped, error): mcp_hub_up is 0 for both;\nstarting/restarting is McpHubStateTransitional instead.',
    },
    c.transitional_state_severity === 'ok' ? undefined : {
      name: 'McpHubStateTransitional', rule: 'hub.state', severity: c.transitional_state_severity, periodMs: scrape,
      expr: 'mcp_hub_state{state=~"starting|restarting"} == 1',
      summary: '{{ $labels.hub }} is {{ $labels.state }}',
      description: 'The hub has been starting or restarting for a while (check.transitional_state_severity).',
      why: 'hub.state starting/restarting at check.transitional_state_severity.',
    },
    {
      name: 'McpHubServerDead', rule: 'server.status', severity: c.dead_server_severity, periodMs: scrape,
      expr: 'mcp_hub_server_dead == 1',
      summary: '{{ $labels.hub }}: server {{ $labels.server }} is dead while the hub says connected',
      description: 'The hub still reports {{ $labels.server }} as connected, but its process has exited (uptime went to 0). The hub will not reconnect it by itself: restart the server.',
      why: 'server.status dead (dead-while-connected) at check.dead_server_severity.',
    },
    {
      name: 'McpHubServerDown', rule: 'server.status', severity: 'warning', periodMs: scrape,
      expr: '(mcp_hub_server_up == 0) unless (mcp_hub_server_dead == 1)',
      summary: '{{ $labels.hub }}: server {{ $labels.server }} is down',
      description: 'The hub reports {{ $labels.server }} disconnected, connecting or unauthorized. Disabled servers have no series and never count.',
      why: 'server.status down/connecting/unauthorized (warning); a dead server is McpHubServerDead instead.',
    },
    {
      name: 'McpHubServerFlapping', rule: 'server.flapping', severity: 'warning', periodMs: scrape,
      expr: `changes(mcp_hub_server_up[${promDuration(cfg.alerting.flapping.window)}]) >= ${cfg.alerting.flapping.changes}`,
      summary: '{{ $labels.hub }}: server {{ $labels.server }} is flapping ({{ $value }} state changes in ' + promDuration(cfg.alerting.flapping.window) + ')',
      description: 'The server keeps going down and coming back. Its per-cycle McpHubServerDown/Dead and probe alerts are inhibited while this fires (export alertmanager), so it pages once.',
      why: `server.flapping: alerting.flapping.changes (${cfg.alerting.flapping.changes}) state changes within alerting.flapping.window; a restart between two scrapes that the daemon counts is invisible here.`,
    },
    ...serversDown(cfg, scrape),
    {
      name: 'McpHubMemoryHigh', rule: 'hub.memory', severity: 'warning', periodMs: scrape,
      expr: `mcp_hub_process_resident_memory_bytes > ${rssBytes}`,
      summary: '{{ $labels.hub }}: hub RSS {{ $value | humanize }}B over ' + `${c.memory_mb.warning} MB`,
      description: `The hub process uses more than check.memory_mb (${c.memory_mb.warning} MB) of resident memory. Local hubs only.`,
      why: `hub.memory: RSS > check.memory_mb (${c.memory_mb.warning} MB = ${rssBytes} bytes).`,
    },
    {
      name: 'McpHubProbeFailing', rule: 'server.probe', severity: c.dead_server_severity, periodMs: cfg.probes.interval,
      expr: 'mcp_hub_server_probe_success == 0',
      summary: '{{ $labels.hub }}: server {{ $labels.server }} does not answer MCP probes through the hub',
      description: 'The hub lists {{ $labels.server }} as connected, but a read-only MCP round trip through the hub got no answer from its child (dead or hung). Restart the server.',
      why: `server.probe at check.dead_server_severity; evaluated every probe round (probes.interval ${promDuration(cfg.probes.interval)}).`,
    },
  ];
  specs.push(...callAlertSpecs(cfg), ...fleetAlertSpecs(cfg));
  const rules = specs.flatMap((a) => (a ? [alertRule(cfg, a)] : [])).filter((r): r is CommentedRule => r !== undefined);
  return [...rules, ...burnRateAlerts(cfg), ...monitorRules(cfg, scrape, staleS)];
}

/** servers.down (off by default): the count of enabled servers down or dead, at check.servers_down. */
function serversDown(cfg: MonitorConfig, scrape: number): AlertSpec[] {
  const t = cfg.check.servers_down;
  const down = 'sum without (status) (mcp_hub_servers{status=~"down|dead"})';
  const base = { name: 'McpHubServersDown', rule: 'servers.down', periodMs: scrape, description: 'Enabled servers down or dead on {{ $labels.hub }} (check.servers_down).' };
  return [
    { ...base, severity: 'warning', expr: `${down} >= ${t.warning} < ${t.critical} unless ignoring(status) mcp_hub_servers{status="up"} == 0`, summary: '{{ $labels.hub }}: {{ $value }} servers down', why: `servers.down warning: ${t.warning} ≤ down < ${t.critical}.` },
    {
      ...base, severity: 'critical', summary: '{{ $labels.hub }}: {{ $value }} servers down',
      expr: `${down} >= ${t.critical}\nor\n(${down} > 0 and ignoring(status) mcp_hub_servers{status="up"} == 0)`,
      why: `servers.down critical: ≥ ${t.critical} down, or all down.`,
    },
  ];
}

/** Alerts about the monitor itself: stale or absent polls, failing notifications, a store that refuses writes. */
function monitorRules(cfg: MonitorConfig, scrape: number, staleS: string): CommentedRule[] {
  const out: (CommentedRule | undefined)[] = [
    alertRule(cfg, {
      name: 'McpHubMonitorStale', rule: 'daemon.running', severity: 'warning', periodMs: scrape,
      expr: `mcp_hub_monitor_last_poll_age_seconds > ${staleS}`,
      summary: '{{ $labels.hub }}: the monitor has not polled this hub for {{ $value | humanizeDuration }}',
      description: `The daemon's last poll of {{ $labels.hub }} is older than 3 poll intervals (collect.interval ${promDuration(cfg.collect.interval)}): its loop is stuck or the host is overloaded.`,
      why: 'The dead-man check of `check --expect-daemon`, from the daemon\'s own gauge: last poll older than 3 intervals.',
    }),
    alertRule(cfg, {
      name: 'McpHubMonitorStale', rule: 'daemon.running', severity: 'critical', periodMs: scrape, forMs: Math.max(60_000, 3 * scrape),
      expr: 'absent(mcp_hub_up)',
      summary: 'No mcp-hub-monitor daemon reports any hub',
      description: 'mcp_hub_up is absent: the daemon is not running, not scraped (see the scrape job\'s `up`), or watches no hub. Nothing else in these rules can fire meanwhile.',
      why: 'A dead monitor: absent(mcp_hub_up). for ≥ 1m, so a daemon restart or Prometheus\' own start does not fire it.',
    }),
    alertRule(cfg, {
      name: 'McpHubNotifierFailing', rule: 'notifier.broken', severity: 'warning', periodMs: scrape,
      expr: 'sum without (outcome) (increase(mcp_hub_monitor_notifications_total{outcome=~"failed|expired"}[1h])) > 0',
      summary: 'mcp-hub-monitor receiver {{ $labels.receiver }} rejected or gave up on {{ $value | printf "%.0f" }} notifications in the last hour',
      description: 'A 4xx from the receiver (not retried) or 24 h of failed retries: alerts are not reaching {{ $labels.receiver }}. `mcp-hub-monitor notify test {{ $labels.receiver }}` shows the error.',
      why: 'notifier.broken: deliveries that failed (4xx) or expired (retries gave up) in the last hour.',
    }),
    alertRule(cfg, {
      name: 'McpHubMonitorStoreNotWriting', rule: 'monitor.store', severity: 'critical', periodMs: scrape,
      expr: 'mcp_hub_monitor_store_writable == 0',
      summary: 'mcp-hub-monitor cannot write its history (last successful write {{ with query "time() - mcp_hub_monitor_store_last_successful_write_timestamp_seconds" }}{{ . | first | value | humanizeDuration }}{{ end }} ago)',
      description: 'The daemon\'s store refuses writes (disk full, I/O error, locked): it keeps alerting from memory and keeps new rows in memory, bounded (mcp_hub_monitor_store_backlog_rows, dropped beyond it). `mcp-hub-monitor status` says why; freeing space on the state dir\'s volume resumes writing by itself.',
      why: 'monitor.store: the daemon\'s own gauge, 0 while its writes fail.',
    }),
    alertRule(cfg, {
      name: 'McpHubMonitorOtelExportFailing', rule: 'monitor.otel', severity: 'warning', periodMs: scrape,
      expr: 'max by (signal) (mcp_hub_monitor_otel_export_failing) > 0 or label_replace(max by (signal) (mcp_hub_monitor_tap_otel_export_failing), "exporter", "tap", "", "") > 0',
      summary: 'mcp-hub-monitor cannot export OpenTelemetry {{ $labels.signal }}{{ if $labels.exporter }} (a tap){{ end }}',
      description: 'The last OTLP export of {{ $labels.signal }} failed: spans or metrics are being lost. `mcp-hub-monitor status` names the exporter, the endpoint and the backend\'s answer; check otel.endpoint, otel.headers and the backend.',
      why: 'monitor.otel: the daemon\'s and the taps\' own gauges, 1 while the last export of a signal failed.',
    }),
    alertRule(cfg, {
      name: 'McpHubMonitorConfigReloadFailed', rule: 'config.reload', severity: 'warning', periodMs: scrape,
      expr: 'mcp_hub_monitor_config_last_reload_successful == 0',
      summary: 'mcp-hub-monitor could not load its edited config; it runs the previous one',
      description: 'The last `mcp-hub-monitor reload` (SIGHUP) found a config error. The daemon keeps its previous config until the file is fixed and reloaded; `mcp-hub-monitor reload` prints the error naming the key and the file.',
      why: 'config.reload: the daemon\'s own gauge, as Prometheus\' and Alertmanager\'s config_last_reload_successful.',
    }),
  ];
  return out.filter((r): r is CommentedRule => r !== undefined);
}

/** The rule groups: SLI and fleet recordings and the alerts at the scrape interval; the learned bands every 5 min. */
export function prometheusRuleGroups(cfg: MonitorConfig, o: PrometheusExportOptions): RuleGroup[] {
  const interval = promDuration(o.scrapeIntervalMs);
  const anomaly = anomalyRuleGroup(o.anomaly ?? anomalyRuleSettings(cfg));
  return [
    { name: 'mcp-hub-monitor.slo', interval, rules: sloRecordingRules(cfg) },
    { name: 'mcp-hub-monitor.fleet', interval, rules: fleetRecordingRules(cfg, o) },
    { name: 'mcp-hub-monitor.alerts', interval, rules: alertRules(cfg, o) },
    ...(anomaly ? [anomaly] : []),
  ];
}

/** The rules file text, commented: where each threshold and `for` comes from. */
export function renderPrometheusRules(cfg: MonitorConfig, o: PrometheusExportOptions): string {
  const groups = prometheusRuleGroups(cfg, o);
  const comments: NodeComment[] = [];
  groups.forEach((g, gi) => g.rules.forEach((r, ri) => { if (r.comment) comments.push([['groups', gi, 'rules', ri], r.comment]); }));
  const data = { groups: groups.map((g) => ({ name: g.name, interval: g.interval, rules: g.rules.map((r) => r.rule) })) };
  const scrape = promDuration(o.scrapeIntervalMs);
  const header = [
    `mcp-hub-monitor: Prometheus rules equivalent to the daemon's built-in alerting, generated by`,
    `\`mcp-hub-monitor export prometheus\` from ${cfg.file ?? 'the default configuration'}. Regenerate after changing it.`,
    'Load it with `rule_files:`; keep_firing_for needs Prometheus 2.42 or later. Metric names are those of the',
    'daemon\'s /metrics (daemon --listen); scrape it with scrape.yml.',
    '',
    'Timing. The daemon fires after failure_threshold consecutive failing evaluations plus alerting.for, and',
    'resolves after success_threshold passing ones plus keep_firing_for. A Prometheus alert is pending from its',
    'first failing evaluation, so each rule below uses',
    '  for:             (failure_threshold - 1) × evaluation period + alerting.for',
    '  keep_firing_for: (success_threshold - 1) × evaluation period + alerting.keep_firing_for',
    `with the settings of alerting.rules.<id>. The period is the scrape interval (${scrape}) for poll rules, probes.interval`,
    `(${promDuration(cfg.probes.interval)}) for server.probe and the daemon's ${promDuration(SLO_EVALUATION_MS)} SLO pass for slo.burn_rate. With the defaults`,
    '(failure_threshold 3, collect.interval 5s) McpHubDown has `for: 10s`: it fires on the 3rd failing scrape.',
    'The daemon itself confirms a failed poll at +1.1 s and +2.2 s and so fires ~2.2 s after it first sees a hub',
    'or child die; those confirmation polls store no samples and /metrics shows only the scheduled polls, so',
    'Prometheus fires up to (failure_threshold - 1) scrape intervals later than the daemon does.',
    '',
    'The fleet (fleet.outlier, McpHubFleetOutlier) is every hub this Prometheus scrapes: scrape several',
    'monitors and their hubs are compared as one fleet (the fleet rules aggregate by hub, never by instance or job).',
    '',
    'Not translated, because /metrics does not export what they judge: llm.* (the hub\'s LLM metrics; their',
    'alerts raise mcp_hub_degradation_level), fork.filtering (it compares the fork\'s counters with the tools the',
    'hub lists, which /metrics does not carry), canary.call, hub.identity, hub.process. The daemon\'s inhibition',
    '(hub down mutes its servers) is Alertmanager\'s job: see `mcp-hub-monitor export alertmanager`.',
    'alerting.rules.<id>.enabled: false leaves that rule out; alerting.enabled (the daemon\'s own alerting) does not.',
    '',
    'The group mcp-hub-monitor.anomaly learns a band per series from its own history as the daemon does',
    '(anomaly.<series>): robust (median ± k × 1.4826 MAD of the last day) from 1 day of history, by time of day',
    'from 3 days; the daemon\'s weekday term (from 14 days) is not translated. It evaluates every 5 min, the',
    'daemon\'s step, and needs the @ modifier (Prometheus 2.33 or later) and Prometheus\' own ALERTS series.',
    'anomaly.log_errors and anomaly.reconnects are the daemon\'s only: /metrics does not serve the hub\'s',
    'error log lines or its servers\' reconnects, the series they judge.',
  ].join('\n');
  return renderYaml(data, { header, comments });
}
