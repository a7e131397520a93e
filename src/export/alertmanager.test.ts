import YAML from 'yaml';
import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { renderAlertmanager, WEBHOOK_URL_PLACEHOLDER } from './alertmanager.js';

test('a route and a webhook receiver with a URL placeholder, grouped and timed as the daemon', () => {
  const text = renderAlertmanager(defaultConfig());
  const doc = YAML.parse(text);
  expect(doc.receivers).toEqual([{ name: 'mcp-hub-webhook', webhook_configs: [{ url: WEBHOOK_URL_PLACEHOLDER, send_resolved: true, max_alerts: 0 }] }]);
  expect(doc.route).toMatchObject({ receiver: 'mcp-hub-webhook', group_by: ['hub'], group_wait: '5s', group_interval: '5m', repeat_interval: '4h' });
  expect(doc.route.routes[0]).toMatchObject({ receiver: 'mcp-hub-webhook', matchers: ['alertname=~"McpHub.*"'] });
  expect(doc.inhibit_rules[0]).toMatchObject({ source_matchers: ['alertname="McpHubDown"'], equal: ['hub'] });
  expect(text).toMatch(/own `type: webhook` receiver posts Alertmanager's webhook JSON/);
});

test('one receiver per configured webhook, each URL a placeholder (they are secrets), every one getting every alert', () => {
  const cfg = defaultConfig();
  cfg.alerting.receivers = {
    ops: { type: 'webhook', url: 'https://secret.example/hook?token=s3cr3t', max_alerts: 10 },
    n8n: { type: 'webhook', url: 'https://n8n.example/x', max_alerts: 0 },
    team: { type: 'slack', url: 'https://hooks.slack.com/x' },
  };
  const text = renderAlertmanager(cfg);
  expect(text).not.toContain('s3cr3t');
  const doc = YAML.parse(text);
  expect(doc.receivers.map((r: { name: string }) => r.name)).toEqual(['ops', 'n8n']);
  expect(doc.receivers[0].webhook_configs[0].max_alerts).toBe(10);
  expect(doc.route.routes.map((r: { continue?: boolean }) => r.continue ?? false)).toEqual([true, false]);
});

test('McpHubFleetOutlier is muted as the daemon mutes fleet.outlier: by its hub down, and (with a server label) by that server\'s own health', () => {
  const doc = YAML.parse(renderAlertmanager(defaultConfig())) as { inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[] };
  const muters = (equal: string) => doc.inhibit_rules.filter((r) => r.equal.join() === equal && r.target_matchers.some((m) => new RegExp(`^(?:${/"(.*)"/.exec(m)![1]})$`).test('McpHubFleetOutlier')))
    .map((r) => r.source_matchers[0]);
  expect(muters('hub')).toEqual(['alertname="McpHubDown"']);
  expect(muters('hub,server')).toEqual(['alertname="McpHubServerFlapping"', 'alertname="McpHubServerDead"', 'alertname="McpHubServerDown"', 'alertname="McpHubProbeFailing"']);
});
