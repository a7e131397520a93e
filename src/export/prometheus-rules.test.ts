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
  test('the SLO and alert groups evaluate at the scrape interval, the learned bands at their 5-minute step', () => {
    expect(prometheusRuleGroups(c, { scrapeIntervalMs: 15_000 }).map((g) => g.interval)).toEqual(['15s', '15s', '5m']);
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
  expect(doc.groups.map((g) => g.name)).toEqual(['mcp-hub-monitor.slo', 'mcp-hub-monitor.alerts', 'mcp-hub-monitor.anomaly']);
  expect(doc.groups[1]!.rules.find((r) => r.alert === 'McpHubDown')?.annotations?.summary).toBe('{{ $labels.hub }} is down');
});
