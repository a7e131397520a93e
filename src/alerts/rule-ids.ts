/**
 * The catalogue of alert rule ids: every finding the daemon turns into an alert, and its alerts about
 * itself. `alerting.rules.<id>` accepts only these (a misspelt id is a config error, not an override that
 * never applies), and the rule groups of the alert stages are slices of it.
 */

/** Alerts about a hub as a whole: they explain every other alert of that hub. */
export const HUB_RULE_IDS = ['hub.reachable', 'hub.identity', 'hub.state', 'hub.process'] as const;

/** Judged by a probe round, not by a poll. */
export const PROBE_RULE_IDS = ['server.probe', 'canary.call'] as const;

/** Judged by the SLO pass: the hub's polls (availability, latency) and the tap's calls (call_success, call_latency). */
export const SLO_RULE_IDS = ['slo.availability', 'slo.latency', 'slo.call_success', 'slo.call_latency', 'slo.burn_rate'] as const;

/** Judged from the traffic tap's calls over a window, per server and per tool. */
export const CALL_RULE_IDS = ['calls.error_rate', 'calls.p95_latency'] as const;

/** Judged by the fleet job: one hub against the other watched hubs. */
export const FLEET_RULE_IDS = ['fleet.outlier'] as const;

/**
 * Judged by the anomaly job: a series outside its learned normal band for a share of the trigger window
 * (evaluate/learned-band.ts, evaluate/anomaly-alert.ts). One id per series kind the store holds.
 */
export const ANOMALY_RULE_IDS = ['anomaly.health_latency', 'anomaly.probe_latency', 'anomaly.call_latency', 'anomaly.error_ratio', 'anomaly.rss', 'anomaly.cpu', 'anomaly.log_errors', 'anomaly.reconnects'] as const;

/** Raised by the remediation job: what it did to a target (its outcome), and that it gave up on one (pages). */
export const REMEDIATION_RULE_IDS = ['remediation.action', 'remediation.gave_up'] as const;

/** Judged by the capacity job: a resource predicted to reach its threshold within capacity.horizon. */
export const CAPACITY_RULE_IDS = ['capacity.rss', 'capacity.disk', 'capacity.call_volume'] as const;

/** Alerts about the monitor itself (no hub). */
export const META_RULE_IDS = ['notifier.broken', 'config.reload', 'monitor.store', 'monitor.otel'] as const;

export const RULE_IDS = [
  ...HUB_RULE_IDS, 'hub.memory',
  'server.status', 'servers.down', 'server.flapping',
  'llm.success_rate', 'llm.p95_latency', 'llm.cache_hit_rate', 'llm.queue_depth', 'llm.circuit_breaker',
  'fork.filtering',
  ...PROBE_RULE_IDS,
  ...SLO_RULE_IDS,
  ...CALL_RULE_IDS,
  ...FLEET_RULE_IDS,
  ...ANOMALY_RULE_IDS,
  'baseline.regression',
  ...REMEDIATION_RULE_IDS,
  ...CAPACITY_RULE_IDS,
  ...META_RULE_IDS,
  // check --expect-daemon's finding: the daemon cannot alert on its own death, `export prometheus` does.
  'daemon.running',
] as const;

export type RuleId = (typeof RULE_IDS)[number];
