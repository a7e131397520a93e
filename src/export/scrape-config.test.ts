import YAML from 'yaml';
import { expect, test } from 'vitest';
import { defaultConfig, type MonitorConfig } from '../config/defaults.js';
import { renderScrapeConfig, TOKEN_FILE_PLACEHOLDER } from './scrape-config.js';
import { renderSlothSpec } from './sloth.js';

const withHttp = (listen: string, token = ''): MonitorConfig => {
  const c = defaultConfig();
  c.http = { ...c.http, listen, token };
  return c;
};
const job = (c: MonitorConfig, ms = 5_000) => YAML.parse(renderScrapeConfig(c, { scrapeIntervalMs: ms })).scrape_configs[0];

test('scrapes http.listen every collect.interval; the token is read from a placeholder file, never written', () => {
  const c = withHttp('10.0.0.5:9464', 'tok-3f9a8b7c6d5e4f3a2b1c');
  const text = renderScrapeConfig(c, { scrapeIntervalMs: 5_000 });
  expect(text).not.toContain('tok-3f9a8b7c6d5e4f3a2b1c');
  expect(job(c)).toEqual({
    job_name: 'mcp-hub-monitor', scrape_interval: '5s', scrape_timeout: '5s', metrics_path: '/metrics', scheme: 'http',
    authorization: { type: 'Bearer', credentials_file: TOKEN_FILE_PLACEHOLDER }, static_configs: [{ targets: ['10.0.0.5:9464'] }],
  });
});

test('no listen: the README address and a note; no token: no authorization; a long interval keeps timeout at 10s', () => {
  const text = renderScrapeConfig(defaultConfig(), { scrapeIntervalMs: 30_000 });
  expect(text).toContain('http.listen is not set');
  expect(job(defaultConfig(), 30_000)).toMatchObject({ scrape_interval: '30s', scrape_timeout: '10s', static_configs: [{ targets: ['127.0.0.1:9464'] }] });
  expect(job(defaultConfig()).authorization).toBeUndefined();
});

test('a wildcard or IPv6 bind gets a scrapeable target', () => {
  expect(job(withHttp('0.0.0.0:9464', 'tok-3f9a8b7c6d5e4f3a2b1c')).static_configs[0].targets).toEqual(['127.0.0.1:9464']);
  expect(job(withHttp('[::1]:9464')).static_configs[0].targets).toEqual(['[::1]:9464']);
});

test('a malformed http.listen is a usage error naming the file and key', () => {
  const c = withHttp('nope');
  c.file = '/etc/mhm.yaml';
  expect(() => renderScrapeConfig(c, { scrapeIntervalMs: 5_000 })).toThrow('/etc/mhm.yaml: http.listen: not host:port (got "nope")');
});

test('the Sloth spec: prometheus/v1, the configured objectives, event SLIs with {{.window}}, page and ticket alerts', () => {
  const c = defaultConfig();
  c.slo.availability = 99.5;
  const spec = YAML.parse(renderSlothSpec(c));
  expect(spec).toMatchObject({ version: 'prometheus/v1', service: 'mcp-hub' });
  expect(spec.slos.map((s: { name: string; objective: number }) => [s.name, s.objective])).toEqual([['availability', 99.5], ['health-latency', 95]]);
  for (const s of spec.slos) {
    expect(s.sli.events.error_query).toContain('{{.window}}');
    expect(s.sli.events.total_query).toContain('{{.window}}');
    expect(s.alerting).toMatchObject({ name: expect.stringMatching(/^McpHub\w+$/), page_alert: { labels: { severity: 'critical' } }, ticket_alert: { labels: { severity: 'warning' } } });
  }
});
