import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { ANOMALY_NOT_TRANSLATED, ANOMALY_SERIES, anomalyRecord, anomalyRuleGroup, anomalyRuleSettings, type AnomalyRuleSettings } from './anomaly-rules.js';
import { prometheusRuleGroups, renderPrometheusRules } from './prometheus-rules.js';
import type { PromRule } from './rule-types.js';

const D = anomalyRuleSettings(defaultConfig());

const rules = (s: AnomalyRuleSettings = D): PromRule[] => anomalyRuleGroup(s)!.rules.map((r) => r.rule);
const recorded = (part: string, id: (typeof ANOMALY_SERIES)[number], s = D): string =>
  rules(s).find((r) => r.record === anomalyRecord(part, id))!.expr;
const alert = (name: string, s = D): PromRule => rules(s).find((r) => r.alert === name)!;

test('every series has its band recorded every 5 min and one alert, at the configured severity', () => {
  const g = anomalyRuleGroup(D)!;
  expect(g).toMatchObject({ name: 'mcp-hub-monitor.anomaly', interval: '5m' });
  for (const id of ANOMALY_SERIES) {
    for (const part of ['input', 'expected', 'sigma', 'margin', 'upper', 'lower', 'anomalous']) expect(recorded(part, id)).toBeTruthy();
  }
  expect(rules().filter((r) => r.alert).map((r) => [r.alert, r.labels?.severity])).toEqual([
    ['McpHubAnomalyHealthLatency', 'warning'], ['McpHubAnomalyProbeLatency', 'warning'], ['McpHubAnomalyCallLatency', 'warning'],
    ['McpHubAnomalyErrorRatio', 'warning'], ['McpHubAnomalyRss', 'warning'], ['McpHubAnomalyCpu', 'warning'],
  ]);
});

test('the modes: robust from min_history back, daily from 3 days back; windows end at the previous point', () => {
  const twoDays: AnomalyRuleSettings = { ...D, minHistoryMs: 2 * 86_400_000 };
  expect(recorded('expected', 'rss', twoDays)).toBe([
    'mcp_hub_monitor:anomaly_expected_daily:rss and present_over_time(mcp_hub_monitor:anomaly_input:rss[1h] offset 3d)',
    'or',
    'mcp_hub_monitor:anomaly_expected_robust:rss and present_over_time(mcp_hub_monitor:anomaly_input:rss[1h] offset 2d)',
  ].join('\n'));
  expect(recorded('expected_robust', 'rss')).toBe('quantile_over_time(0.5, mcp_hub_monitor:anomaly_input:rss[23h59m59s] offset 5m)');
  expect(recorded('level', 'rss')).toBe('quantile_over_time(0.5, mcp_hub_monitor:anomaly_deseasonalized:rss[5h59m59s] offset 5m)');
  // The same time of day ± 15 min on each of the 7 previous days.
  const seasonal = recorded('seasonal', 'rss');
  expect([...seasonal.matchAll(/\[30m\] offset (\S+)\)/g)].map((m) => m[1])).toEqual(['23h45m', '1d23h45m', '2d23h45m', '3d23h45m', '4d23h45m', '5d23h45m', '6d23h45m']);
  expect(recorded('sigma_daily', 'rss')).toBe('1.4826 * quantile_over_time(0.5, abs(mcp_hub_monitor:anomaly_residual:rss - mcp_hub_monitor:anomaly_residual_median:rss @ end())[23h59m59s:5m] offset 5m)');
});

test('the margin: k × sigma, at least abs_margin (ms → s for latencies) and rel_margin × |expected|; no relative term at 0', () => {
  expect(recorded('margin', 'health_latency')).toBe([
    'clamp_min(3 * mcp_hub_monitor:anomaly_sigma:health_latency, 0.005) > 0.1 * abs(mcp_hub_monitor:anomaly_expected:health_latency)',
    'or',
    '0.1 * abs(mcp_hub_monitor:anomaly_expected:health_latency)',
  ].join('\n'));
  expect(recorded('margin', 'error_ratio')).toBe('clamp_min(3 * mcp_hub_monitor:anomaly_sigma:error_ratio, 0.02)');
  const s: AnomalyRuleSettings = { ...D, k: 4, series: { ...D.series, rss: { severity: 'critical', absMargin: 20_000_000, relMargin: 0.02 } } };
  expect(recorded('margin', 'rss', s)).toContain('clamp_min(4 * mcp_hub_monitor:anomaly_sigma:rss, 20000000) > 0.02 * abs(');
  expect(alert('McpHubAnomalyRss', s).labels?.severity).toBe('critical');
});

test('the alert: the trigger window\'s share and count fire it; once firing, only the recovery window\'s share holds it', () => {
  const s: AnomalyRuleSettings = { ...D, trigger: { windowMs: 20 * 60_000, fraction: 0.6, minAnomalous: 4 }, recovery: { windowMs: 2 * 3_600_000, fraction: 0.05 } };
  const a = 'mcp_hub_monitor:anomaly_anomalous:error_ratio';
  const self = 'last_over_time(ALERTS{alertname="McpHubAnomalyErrorRatio",alertstate="firing"}[9m59s])';
  expect(alert('McpHubAnomalyErrorRatio', s)).toMatchObject({
    expr: [
      `avg_over_time(${a}[19m59s])`,
      'and (',
      `  avg_over_time(${a}[19m59s]) >= 0.6 and sum_over_time(${a}[19m59s]) >= 4 unless on (hub, server, gen_ai_tool_name) ${self}`,
      `  or avg_over_time(${a}[1h59m59s]) > 0.05 and on (hub, server, gen_ai_tool_name) ${self}`,
      ')',
    ].join('\n'),
  });
  expect(alert('McpHubAnomalyErrorRatio', s).for).toBeUndefined();
  expect(recorded('input', 'error_ratio', { ...D, minCalls: 25 })).toMatch(/>= 25$/);
});

test('export prometheus carries the group with the settings it is given, and says what it leaves out', () => {
  const cfg = defaultConfig();
  const s: AnomalyRuleSettings = { ...D, k: 5 };
  const g = prometheusRuleGroups(cfg, { scrapeIntervalMs: 5_000, anomaly: s }).find((x) => x.name === 'mcp-hub-monitor.anomaly')!;
  expect(g.rules.find((r) => r.rule.record === anomalyRecord('margin', 'rss'))!.rule.expr).toContain('clamp_min(5 * ');
  const text = renderPrometheusRules(cfg, { scrapeIntervalMs: 5_000 });
  expect(text).toContain('weekday term (from 14 days) is not translated');
  // The hub's log errors and reconnects: /metrics does not serve them, so no rule judges them, and the file says so.
  expect(ANOMALY_NOT_TRANSLATED).toEqual(['log_errors', 'reconnects']);
  expect(text).not.toMatch(/anomaly_\w+:(log_errors|reconnects)\b/);
  expect(text).toContain('anomaly.log_errors and anomaly.reconnects are the daemon\'s only');
  // The CPU is, in cores as /metrics serves it: the least margin of 5 points of one core is 0.05.
  expect(text).toContain('quantile_over_time(0.5, mcp_hub_process_tree_cpu_ratio[4m59s])');
  expect(text).toMatch(/clamp_min\(3 \* mcp_hub_monitor:anomaly_sigma:cpu, 0\.05\)/);
  expect(text).toContain('# anomaly.health_latency: fires when ≥ 50% and ≥ 3 of the points of the last 30m are anomalous');
});

test('a series with enabled: false is left out; with none enabled there is no group', () => {
  const off = (ids: readonly (typeof ANOMALY_SERIES)[number][]): AnomalyRuleSettings => ({
    ...D, series: Object.fromEntries(ANOMALY_SERIES.map((id) => [id, { ...D.series[id], enabled: !ids.includes(id) }])) as AnomalyRuleSettings['series'],
  });
  const names = rules(off(['rss'])).map((r) => r.record ?? r.alert);
  expect(names.filter((n) => n?.endsWith(':rss') || n === 'McpHubAnomalyRss')).toEqual([]);
  expect(names).toContain('McpHubAnomalyHealthLatency');
  expect(anomalyRuleGroup(off(ANOMALY_SERIES))).toBeUndefined();
  expect(prometheusRuleGroups(defaultConfig(), { scrapeIntervalMs: 5_000, anomaly: off(ANOMALY_SERIES) }).map((g) => g.name)).toEqual(['mcp-hub-monitor.slo', 'mcp-hub-monitor.fleet', 'mcp-hub-monitor.alerts']);
});

test('export prometheus takes the settings from the config: anomaly.k, margins, severity, and each rule\'s override', () => {
  const cfg = defaultConfig();
  cfg.anomaly.k = 4;
  cfg.anomaly.series.rss.severity = 'critical';
  cfg.anomaly.series.health_latency.abs_margin = 25;
  cfg.alerting.rules = { ...cfg.alerting.rules, 'anomaly.probe_latency': { enabled: false }, 'anomaly.call_latency': { severity: 'critical' } };
  const group = prometheusRuleGroups(cfg, { scrapeIntervalMs: 5_000 }).find((g) => g.name === 'mcp-hub-monitor.anomaly')!.rules.map((r) => r.rule);
  expect(group.find((r) => r.record === anomalyRecord('margin', 'rss'))!.expr).toContain('clamp_min(4 * ');
  expect(group.find((r) => r.record === anomalyRecord('margin', 'health_latency'))!.expr).toContain('0.025');
  expect(group.find((r) => r.alert === 'McpHubAnomalyRss')!.labels).toMatchObject({ severity: 'critical' });
  expect(group.find((r) => r.alert === 'McpHubAnomalyCallLatency')!.labels).toMatchObject({ severity: 'critical' });
  expect(group.some((r) => r.alert === 'McpHubAnomalyProbeLatency' || r.record?.endsWith(':probe_latency'))).toBe(false);
  cfg.anomaly.enabled = false;
  expect(prometheusRuleGroups(cfg, { scrapeIntervalMs: 5_000 }).map((g) => g.name)).not.toContain('mcp-hub-monitor.anomaly');
});
