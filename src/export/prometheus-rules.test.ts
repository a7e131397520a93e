import YAML from 'yaml';
import { describe, expect, test } from 'vitest';
import { defaultConfig, type MonitorConfig } from '../config/defaults.js';
import type { PromRule } from './rule-types.js';
import { alertRules, prometheusRuleGroups, renderPrometheusRules } from './prometheus-rules.js';

const o = { scrapeIntervalMs: 5_000 };
const cfgWith = (edit: (c: MonitorConfig) => void): MonitorConfig => {
  const c = defaultConfig();
  edit(c);
  return c;
};
const rules = (c: MonitorConfig, opts = o): PromRule[] => alertRules(c, opts).map((r) => r.rule);
const byName = (c: MonitorConfig, name: string, opts = o): PromRule[] => rules(c, opts).filter((r) => r.alert === name);
const one = (c: MonitorConfig, name: string, opts = o): PromRule => {
  const [r, ...rest] = byName(c, name, opts);
  expect(rest).toEqual([]);
  return r!;
};

describe('defaults: the daemon\'s thresholds and timing', () => {
  const c = defaultConfig();
  test('every alert the brief names is there, with a severity, a summary and a description', () => {
    const names = new Set(rules(c).map((r) => r.alert));
    for (const n of ['McpHubDown', 'McpHubServerDead', 'McpHubServerDown', 'McpHubMemoryHigh', 'McpHubProbeFailing', 'McpHubErrorBudgetBurn', 'McpHubMonitorStale', 'McpHubNotifierFailing']) expect(names).toContain(n);
    for (const r of rules(c)) {
      expect(r.labels?.severity).toMatch(/^(critical|warning|info)$/);
      expect(r.annotations?.summary).toBeTruthy();
      expect(r.annotations?.description).toBeTruthy();
    }
  });
  test('hub down: critical, for 10s (3 polls at 5 s), keep_firing_for 2m5s (2 passes + the 2 min flap hold, faults A13)', () => {
    expect(one(c, 'McpHubDown')).toMatchObject({ for: '10s', keep_firing_for: '2m5s', labels: { severity: 'critical' } });
  });
  test('memory at check.memory_mb in decimal MB, as hub.memory judges it', () => {
    expect(one(c, 'McpHubMemoryHigh').expr).toBe('mcp_hub_process_resident_memory_bytes > 500000000');
  });
  test('probes fire on the first failing round (failure_threshold 1)', () => {
    expect(one(c, 'McpHubProbeFailing').for).toBeUndefined();
  });
  test('burn rates: 1h/5m at 14.4× critical and 6h/30m at 6× warning, per objective', () => {
    const burns = byName(c, 'McpHubErrorBudgetBurn').map((r) => [r.labels?.objective, r.labels?.window, r.labels?.severity]);
    expect(burns).toEqual([
      ['availability', '1h/5m', 'critical'], ['availability', '6h/30m', 'warning'],
      ['latency', '1h/5m', 'critical'], ['latency', '6h/30m', 'warning'],
    ]);
    expect(byName(c, 'McpHubErrorBudgetBurn')[0]!.expr).toBe('(1 - hub:mcp_hub_availability_good:ratio_1h) / 0.001 > 14.4\nand\n(1 - hub:mcp_hub_availability_good:ratio_5m) / 0.001 > 14.4');
  });
  test('servers.down is off by default, as in the daemon', () => {
    expect(byName(c, 'McpHubServersDown')).toEqual([]);
  });
  test('the monitor: stale after 3 poll intervals, absent for a minute', () => {
    expect(byName(c, 'McpHubMonitorStale').map((r) => [r.expr, r.for, r.labels?.severity])).toEqual([
      ['mcp_hub_monitor_last_poll_age_seconds > 15', '10s', 'warning'], ['absent(mcp_hub_up)', '1m', 'critical'],
    ]);
  });
  test('the monitor\'s store: critical while it refuses writes, on the second scrape (failure_threshold 2), resolved at the first write (faults F1)', () => {
    expect(one(c, 'McpHubMonitorStoreNotWriting')).toMatchObject({ expr: 'mcp_hub_monitor_store_writable == 0', for: '5s', labels: { severity: 'critical' } }); // (2 - 1) × the 5 s scrape
  });
  test('the SLO, fleet and alert groups evaluate at the scrape interval, the learned bands at their 5-minute step', () => {
    expect(prometheusRuleGroups(c, { scrapeIntervalMs: 15_000 }).map((g) => g.interval)).toEqual(['15s', '15s', '15s', '5m']);
  });
});

describe('the user\'s config', () => {
  test('failure_threshold, for and keep_firing_for map onto for/keep_firing_for', () => {
    const c = cfgWith((x) => { x.alerting.failure_threshold = 5; x.alerting.for = 60_000; x.alerting.keep_firing_for = 120_000; });
    expect(one(c, 'McpHubDown')).toMatchObject({ for: '1m20s', keep_firing_for: '2m5s' });
  });
  test('the scrape interval is the evaluation period of poll rules', () => {
    expect(one(defaultConfig(), 'McpHubDown', { scrapeIntervalMs: 15_000 }).for).toBe('30s');
  });
  test('per-rule overrides: severity, thresholds, enabled: false', () => {
    const c = cfgWith((x) => {
      x.alerting.rules = { ...x.alerting.rules, 'hub.memory': { enabled: false }, 'hub.reachable': { severity: 'warning', failure_threshold: 2 } };
    });
    expect(byName(c, 'McpHubMemoryHigh')).toEqual([]);
    expect(one(c, 'McpHubDown')).toMatchObject({ for: '5s', labels: { severity: 'warning' } });
  });
  test('dead_server_severity warning makes dead servers and failed probes warnings', () => {
    const c = cfgWith((x) => { x.check.dead_server_severity = 'warning'; });
    expect(one(c, 'McpHubServerDead').labels?.severity).toBe('warning');
    expect(one(c, 'McpHubProbeFailing').labels?.severity).toBe('warning');
  });
  test('memory_mb, SLO objectives and the latency threshold come from the config', () => {
    const c = cfgWith((x) => { x.check.memory_mb.warning = 800; x.slo.availability = 99.5; x.slo.latency_threshold = 120; });
    expect(one(c, 'McpHubMemoryHigh').expr).toContain('> 800000000');
    expect(byName(c, 'McpHubErrorBudgetBurn')[0]!.expr).toContain('/ 0.005 > 14.4');
    const text = renderPrometheusRules(c, o);
    expect(text).toContain('(mcp_hub_health_latency_seconds <= bool 0.12)');
  });
  test('servers.down enabled gives a warning and a critical rule at check.servers_down; transitional ok gives none', () => {
    const c = cfgWith((x) => { x.alerting.rules = { ...x.alerting.rules, 'servers.down': { enabled: true } }; x.check.transitional_state_severity = 'ok'; });
    expect(byName(c, 'McpHubServersDown').map((r) => r.labels?.severity)).toEqual(['warning', 'critical']);
    expect(byName(c, 'McpHubStateTransitional')).toEqual([]);
  });
});

test('the rendered file is YAML with the timing explained in comments', () => {
  const text = renderPrometheusRules(defaultConfig(), o);
  expect(text).toContain('#   for:             (failure_threshold - 1) × evaluation period + alerting.for');
  expect(text).toMatch(/# for: \(failure_threshold 3 - 1\) × 5s \+ for 0s = 10s/);
  const doc = YAML.parse(text) as { groups: { name: string; rules: PromRule[] }[] };
  expect(doc.groups.map((g) => g.name)).toEqual(['mcp-hub-monitor.slo', 'mcp-hub-monitor.fleet', 'mcp-hub-monitor.alerts', 'mcp-hub-monitor.anomaly']);
  expect(doc.groups[2]!.rules.find((r) => r.alert === 'McpHubDown')?.annotations?.summary).toBe('{{ $labels.hub }} is down');
});

describe('the fleet (fleet.outlier\'s twin)', () => {
  const fleetGroup = (c: MonitorConfig) => prometheusRuleGroups(c, o).find((g) => g.name === 'mcp-hub-monitor.fleet')!.rules.map((r) => r.rule);
  test('the per-hub values and the fleet statistics aggregate by hub, never by instance or job: two monitors make one fleet', () => {
    const rules = fleetGroup(defaultConfig());
    for (const r of rules) {
      expect(r.expr).not.toMatch(/\b(instance|job)\b/);
      for (const [, labels] of r.expr.matchAll(/\b(?:sum|max|min|avg|count|quantile) by \(([^)]*)\)/g)) expect(labels!.split(',').map((x) => x.trim()).every((l) => ['hub', 'server', 'le', 'metric', 'source'].includes(l))).toBe(true);
    }
    expect(rules.filter((r) => r.record === 'hub:mcp_hub_fleet_value:10m').map((r) => [r.labels?.metric, r.labels?.source])).toEqual([
      ['health_latency_ms', undefined], ['error_ratio', 'calls'], ['error_ratio', 'probes'], ['error_ratio', 'polls'], ['restarts_per_hour', undefined],
    ]);
    expect(rules.find((r) => r.record === 'fleet:mcp_hub_fleet_value:median_10m')?.expr).toBe('quantile by (metric, source) (0.5, hub:mcp_hub_fleet_value:10m)');
    expect(rules.find((r) => r.record === 'hub:mcp_hub_fleet_value:robust_z_10m')?.expr).toContain('0.6745 * (hub:mcp_hub_fleet_value:10m - on (metric, source) group_left () fleet:mcp_hub_fleet_value:median_10m)');
  });
  test('fleet.window, min_mad, outlier_z and min_hubs come from the config', () => {
    const c = cfgWith((x) => { x.fleet.window = 300_000; x.fleet.outlier_z = 5; x.fleet.min_hubs = 4; x.fleet.min_mad.health_latency_ms = 50; });
    const rules = fleetGroup(c);
    expect(rules.find((r) => r.labels?.metric === 'health_latency_ms' && r.record === 'hub:mcp_hub_fleet_value:5m')?.expr).toBe('1000 * max by (hub) (quantile_over_time(0.5, mcp_hub_health_latency_seconds[5m]))');
    expect(rules.find((r) => r.record === 'fleet:mcp_hub_fleet_value:mad_5m' && r.labels?.metric === 'health_latency_ms')?.expr).toMatch(/,\n {2}50\n\)$/);
    expect(rules.find((r) => r.labels?.metric === 'restarts_per_hour')?.expr).toContain('[5m:5s]'); // the subquery steps at the scrape interval
    expect(rules.find((r) => r.labels?.metric === 'restarts_per_hour')?.expr).toMatch(/\) \* 12$/); // 12 windows of 5m an hour
    const [metric, server] = byName(c, 'McpHubFleetOutlier');
    expect(metric!.expr).toBe('hub:mcp_hub_fleet_value:robust_z_5m > 5\nand on (metric, source) fleet:mcp_hub_fleet_hubs:count_5m >= 4');
    expect(server!.expr).toContain('count by (server) (hub_server:mcp_hub_fleet_server_up:bool) >= 4');
  });
  test('McpHubFleetOutlier: a warning at fleet.outlier\'s timing, the metric from the series or `server`; off with the rule', () => {
    const [metric, server] = byName(defaultConfig(), 'McpHubFleetOutlier');
    expect(metric).toMatchObject({ labels: { severity: 'warning' } });
    expect(metric!.for).toBeUndefined(); // failure_threshold 1: judged over the window already
    expect(server).toMatchObject({ labels: { metric: 'server', severity: 'warning' } });
    expect(byName(cfgWith((x) => { x.alerting.rules = { ...x.alerting.rules, 'fleet.outlier': { enabled: false } }; }), 'McpHubFleetOutlier')).toEqual([]);
  });
});
