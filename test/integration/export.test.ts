/**
 * `export prometheus|grafana|alertmanager` against the real tools and the real /metrics: the rules pass
 * `promtool check rules` and `promtool test rules` on scenarios that mirror the daemon's own alert tests
 * (test/fixtures/promtool/scenarios.ts; the SLO ones are also put to the daemon's evaluator; the fleet ones,
 * fleet-scenarios.ts, to the daemon's fleet inputs and evaluateFleet), every metric
 * the rules, the Sloth spec and the dashboard query is one a seeded daemon really serves, and the CLI
 * writes the files. promtool tests are skipped, saying why, only when promtool is not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterAll, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import { evaluateSlo, sloWindows, type Ratio } from '../../src/evaluate/slo.js';
import { renderAlertmanager } from '../../src/export/alertmanager.js';
import { buildGrafanaDashboard, HUB_VARIABLE_QUERY } from '../../src/export/grafana.js';
import { prometheusRuleGroups, renderPrometheusRules } from '../../src/export/prometheus-rules.js';
import { labelValuesMetric, metricNames } from '../support/promql-names.js';
import { renderScrapeConfig } from '../../src/export/scrape-config.js';
import { renderSlothSpec } from '../../src/export/sloth.js';
import { promDuration } from '../../src/export/timing.js';
import { startHttpServer } from '../../src/views/http/server.js';
import { CallsLedger } from '../../src/daemon/calls-ledger.js';
import { newTapSocketStats } from '../../src/daemon/jobs/tap-socket.js';
import { HUB, SCENARIOS, STEP_S, type Scenario } from '../fixtures/promtool/scenarios.js';
import { FLEET_SCENARIOS, hubValues } from '../fixtures/promtool/fleet-scenarios.js';
import { evaluateFleet } from '../../src/evaluate/fleet.js';
import { fleetInputs, type FleetStoreReader } from '../../src/daemon/fleet-inputs.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { httpRequest, useFakeDaemonViews } from '../support/fake-daemon-view.js';
import { skipUnless, tool } from '../support/requires.js';

const PROMTOOL = tool('promtool', 'prometheus');

const OPTS = { scrapeIntervalMs: STEP_S * 1000 };
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'mhm-export-'));
  dirs.push(d);
  return d;
};
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function promtool(args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync(PROMTOOL.path!, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** promtool's unit-test file for the scenarios, evaluating at the scrape interval. */
/** A scenario whose checks may also state the annotations (promtool then compares them). */
type AnnotatedScenario = Omit<Scenario, 'checks'> & { checks: (Scenario['checks'][number] & { annotations?: Record<string, string> })[] };

function promtoolTests(scenarios: readonly AnnotatedScenario[], everyS: number): string {
  return YAML.stringify({
    rule_files: ['rules.yml'],
    evaluation_interval: `${everyS}s`,
    tests: scenarios.map((s) => ({
      name: s.name,
      interval: `${STEP_S}s`,
      input_series: s.series,
      alert_rule_test: s.checks.map((c) => ({
        eval_time: promDuration(c.atS * 1000), alertname: c.alertname, exp_alerts: c.firing.map((labels) => ({ exp_labels: labels, ...(c.annotations ? { exp_annotations: c.annotations } : {}) })),
      })),
      ...(s.exprChecks ? {
        promql_expr_test: s.exprChecks.map((c) => ({ expr: c.expr, eval_time: promDuration(c.atS * 1000), exp_samples: c.samples.map(([labels, value]) => ({ labels, value })) })),
      } : {}),
    })),
  }, { lineWidth: 0 });
}

/**
 * Writes rules.yml and tests.yml to a temp dir and runs `promtool test rules`. promtool compares annotations
 * too, so the scenarios run on the rules without them (timing and labels are what they test); `annotated`
 * keeps them for the test of the rendered texts.
 */
function runPromtoolTests(scenarios: readonly AnnotatedScenario[], o: { annotated?: boolean } = {}) {
  const dir = tempDir();
  const rules = YAML.parse(renderPrometheusRules(defaultConfig(), OPTS)) as { groups: { name: string; rules: Record<string, unknown>[] }[] };
  if (!o.annotated) for (const g of rules.groups) for (const r of g.rules) delete r.annotations;
  // The learned bands read none of these series and have their own scenario (anomaly-rules-promtool.test.ts);
  // evaluated every 5 s here, their day-long subqueries would make promtool take 3 times as long.
  rules.groups = rules.groups.filter((g) => g.name !== 'mcp-hub-monitor.anomaly');
  writeFileSync(join(dir, 'rules.yml'), YAML.stringify(rules, { lineWidth: 0 }));
  // promtool evaluates at the test file's evaluation_interval (not the group's): one file per interval.
  const files = [...new Set(scenarios.map((s) => s.evaluateEveryS ?? STEP_S))].map((everyS) => {
    writeFileSync(join(dir, `tests-${everyS}s.yml`), promtoolTests(scenarios.filter((s) => (s.evaluateEveryS ?? STEP_S) === everyS), everyS));
    return `tests-${everyS}s.yml`;
  });
  return promtool(['test', 'rules', ...files], dir);
}

describe('promtool', skipUnless(PROMTOOL), () => {
  test('promtool check rules passes for the defaults and for a config that changes every knob', () => {
    const custom = defaultConfig();
    custom.alerting = { ...custom.alerting, failure_threshold: 4, for: 30_000, keep_firing_for: 60_000, rules: { ...custom.alerting.rules, 'servers.down': { enabled: true }, 'hub.memory': { severity: 'critical' } } };
    custom.check = { ...custom.check, dead_server_severity: 'warning', memory_mb: { warning: 900 }, transitional_state_severity: 'critical' };
    custom.slo = { ...custom.slo, availability: 99.5, latency: 99, latency_threshold: 200 };
    for (const cfg of [defaultConfig(), custom]) {
      const dir = tempDir();
      writeFileSync(join(dir, 'rules.yml'), renderPrometheusRules(cfg, OPTS));
      const r = promtool(['check', 'rules', 'rules.yml'], dir);
      expect(r, r.out).toMatchObject({ status: 0 });
      expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    }
  });

  test(`promtool test rules: ${SCENARIOS.length} scenarios mirroring the daemon's alert tests pass`, () => {
    const r = runPromtoolTests(SCENARIOS);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
  }, 120_000);

  test(`promtool test rules: ${FLEET_SCENARIOS.length} fleet scenarios (three hubs through two monitors) fire McpHubFleetOutlier as fleet.outlier would`, () => {
    const r = runPromtoolTests(FLEET_SCENARIOS);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
  }, 120_000);

  test('the annotations render: hub and server names', () => {
    const dead = SCENARIOS.find((s) => s.name.startsWith('a dead server'))!;
    const r = runPromtoolTests([{
      ...dead,
      checks: [{
        atS: 20, alertname: 'McpHubServerDead', firing: [{ hub: HUB, server: 'crashy', severity: 'critical' }],
        annotations: {
          summary: `${HUB}: server crashy is dead while the hub says connected`,
          description: 'The hub still reports crashy as connected, but its process has exited (uptime went to 0). The hub will not reconnect it by itself: restart the server.',
        },
      }],
    }], { annotated: true });
    expect(r.status, r.out).toBe(0);
  });

  test('the harness fails when an expectation is wrong (a single failed scrape expected to fire)', () => {
    const wrong: Scenario = { ...SCENARIOS[1]!, checks: [{ atS: 25, alertname: 'McpHubDown', firing: [{ hub: HUB, severity: 'critical' }] }] };
    const r = runPromtoolTests([wrong]);
    expect(r.status).toBe(1);
    expect(r.out).toContain('a single failed scrape fires nothing');
  });

  test('promtool check config accepts scrape.yml with the rules file, with and without a token', () => {
    for (const token of ['', 'tok-3f9a8b7c6d5e4f3a2b1c']) {
      const cfg = defaultConfig();
      cfg.http = { ...cfg.http, listen: '127.0.0.1:9464', token };
      const dir = tempDir();
      writeFileSync(join(dir, 'mcp-hub-monitor.rules.yml'), renderPrometheusRules(cfg, OPTS));
      const scrape = YAML.parse(renderScrapeConfig(cfg, OPTS));
      // promtool checks that the token file exists: stand one in for the placeholder path.
      const auth = scrape.scrape_configs[0].authorization;
      if (auth) writeFileSync(auth.credentials_file = join(dir, 'token'), `${token}\n`);
      writeFileSync(join(dir, 'prometheus.yml'), YAML.stringify({ rule_files: ['mcp-hub-monitor.rules.yml'], ...scrape }));
      const r = promtool(['check', 'config', 'prometheus.yml'], dir);
      expect(r, r.out).toMatchObject({ status: 0 });
    }
  });

  test('the Sloth SLI queries are valid PromQL once {{.window}} is filled in', () => {
    const spec = YAML.parse(renderSlothSpec(defaultConfig()));
    const rules = spec.slos.flatMap((s: { name: string; sli: { events: Record<string, string> } }) => Object.entries(s.sli.events).map(([k, q]) => ({
      record: `sloth_check:${s.name.replace(/-/g, '_')}:${k}`, expr: q.replaceAll('{{.window}}', '5m'),
    })));
    const dir = tempDir();
    writeFileSync(join(dir, 'sloth.yml'), YAML.stringify({ groups: [{ name: 'sloth-check', rules }] }));
    const r = promtool(['check', 'rules', 'sloth.yml'], dir);
    expect(r, r.out).toMatchObject({ status: 0 });
  });
});

describe('the burn-rate scenarios say what the daemon\'s evaluator says about the same samples', () => {
  const cfg = defaultConfig().slo;
  /** good/total of the samples at i × STEP_S within [t − w, t], as a Prometheus 2.x range selector reads them. */
  const ratiosAt = (good: number[], atS: number) => new Map(sloWindows(cfg).map((w): [number, Ratio] => {
    const inWindow = good.filter((_, i) => i * STEP_S <= atS && i * STEP_S >= atS - w / 1000);
    return [w, { good: inWindow.filter((v) => v === 1).length, total: inWindow.length }];
  }));
  const withSlo = SCENARIOS.filter((s) => s.slo);
  test.each(withSlo.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    for (const atS of s.slo!.atS) {
      const ratios = ratiosAt(s.slo!.good, atS);
      const empty = new Map([...ratios.keys()].map((w) => [w, { good: 0, total: 0 }]));
      // The budget used needs the time observed; the burn rates compared here do not.
      const observedMs = { availability: atS * 1000, latency: atS * 1000 };
      const inputs = s.slo!.objective === 'availability' ? { availability: ratios, latency: empty, observedMs } : { availability: empty, latency: ratios, observedMs };
      const daemon = evaluateSlo(HUB, inputs, cfg).find((f) => f.id === 'slo.burn_rate' && f.subject === s.slo!.objective)!.status;
      const firing = s.checks.filter((c) => c.atS === atS && c.alertname === 'McpHubErrorBudgetBurn').flatMap((c) => c.firing.map((l) => l.severity));
      const worst = firing.includes('critical') ? 'critical' : firing.includes('warning') ? 'warning' : 'ok';
      expect({ atS, daemon }).toEqual({ atS, daemon: worst });
    }
  });
});

describe('the fleet scenarios say what the daemon\'s fleet.outlier says about the same samples', () => {
  const cfg = defaultConfig();
  /** The daemon's store as it would hold the scenario's samples up to `atS` (one poll per sample), each hub once. */
  function storeOf(s: (typeof FLEET_SCENARIOS)[number], atS: number): FleetStoreReader {
    const rows = new Map<string, { labels: Record<string, string>; t: number; v: number | null }[]>();
    const add = (hub: string, name: string, labels: Record<string, string>, values: number[]) => {
      const key = `${hub}\u0000${name}`;
      rows.set(key, [...(rows.get(key) ?? []), ...values.flatMap((v, i) => (i * STEP_S <= atS ? [{ labels, t: i * STEP_S * 1000, v }] : []))]);
    };
    const seen = new Set<string>();
    for (const h of s.hubs) {
      if (seen.has(h.hub)) continue; // a hub two monitors watch is one hub
      seen.add(h.hub);
      const v = hubValues(h);
      add(h.hub, 'hub.health_latency_ms', {}, v.latencyS.map((x) => x * 1000));
      for (const [server, x] of v.servers) {
        add(h.hub, 'server.up', { server }, x.up);
        add(h.hub, 'server.probe_ok', { server }, x.probe);
        add(h.hub, 'server.uptime_s', { server }, x.uptime);
      }
    }
    const polls = (hub: string) => (rows.get(`${hub}\u0000hub.health_latency_ms`) ?? []).length;
    return {
      samplesOfName: (hub, name) => (rows.get(`${hub}\u0000${name}`) ?? []) as never,
      queryEvents: () => [],
      ratioOver: (hub) => ({ good: polls(hub), total: polls(hub) }),
    };
  }
  const judged = FLEET_SCENARIOS.flatMap((s) => s.checks.filter((c) => c.alertname === 'McpHubFleetOutlier').map((c) => [s.name, s, c] as const));
  test.each(judged.map(([name, s, c]) => [`${name} (at ${c.atS}s)`, s, c] as const))('%s', (_name, s, c) => {
    const hubs = [...new Set(s.hubs.map((h) => h.hub))];
    const verdict = evaluateFleet(fleetInputs(storeOf(s, c.atS), hubs, [], cfg, c.atS * 1000), cfg.fleet, { windowLabel: '10m' });
    const daemon = verdict.outliers.map((o) => [o.hub, o.metric, o.server ?? '']).sort();
    const prometheus = c.firing.map((l) => [l.hub, l.metric, l.server ?? '']).sort();
    expect(daemon).toEqual(prometheus);
  });
});

describe('every metric the exports query is one the daemon serves', () => {
  const views = useFakeDaemonViews('mhm-export-');

  /** Metric names with samples in a real /metrics of a daemon with a hub, servers, probes, alerts and notifications. */
  async function servedMetricNames(): Promise<Set<string>> {
    const now = Date.now();
    const v = views(now).watch(HUB, { sseConnected: true });
    const exportCounts = (signal: string) => ({ url: `http://collector:4318/v1/${signal}`, exported: 3, failed: 1, failedExports: 1, failing: true, lastError: 'Unauthorized', lastErrorAt: now });
    v.health = { ...v.health, outboxDepth: 1, notifications: { team: { sent: 3, failed: 1 } }, otel: { enabled: true, status: { traces: exportCounts('traces'), metrics: exportCounts('metrics') } } };
    const servers = [{ name: 'everything', up: true, uptimeS: 30 }, { name: 'crashy', up: false, verdict: 'dead' }, { name: 'off' }];
    for (let i = 0; i < 30; i++) v.poll(HUB, now - 150_000 + i * 5_000, { latencyMs: 3, rssBytes: 70_000_000, cpuPercent: 4, servers });
    v.probe(HUB, now - 20_000, 'everything', true, 12).probe(HUB, now - 20_000, 'crashy', false);
    v.db.rollup(now);
    v.alert({ rule: 'server.status', hub: HUB, severity: 'critical', labels: { hub: HUB, server: 'crashy' } });
    // A tap that saw a call: the histogram of calls appears.
    const ledger = new CallsLedger();
    ledger.note({ hub: HUB, server: 'everything', tool: 'echo', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: now, durationMs: 5, outcome: 'ok', requestBytes: 1, responseBytes: 1 }, now);
    // A tap that exports to OpenTelemetry, and fails: its export series appear.
    ledger.noteStatus({ listen: '127.0.0.1:7001', hub: HUB, pid: 1, startedAt: now, dropped: 0, buffered: 0, otel: { traces: exportCounts('traces'), metrics: exportCounts('metrics') } }, now);
    v.liveState.tap = { ledger, socket: { ...newTapSocketStats('/nonexistent'), listening: true, connections: 1, accepted: 1 } };
    const s = await startHttpServer({ listen: { host: '127.0.0.1', port: 0 }, source: v, log: { info: () => {}, warn: () => {} } });
    try {
      const r = await httpRequest(s.url, '/metrics');
      expect(r.status).toBe(200);
      return new Set(r.body.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(l)![0]));
    } finally {
      await s.close();
    }
  }

  test('the rules, the Sloth spec and the dashboard read only served metrics (recording rules excepted)', async () => {
    const served = await servedMetricNames();
    // The seed must make every family the exports read appear, or an absent one would pass unnoticed.
    for (const n of ['mcp_server_operation_duration_seconds_bucket', 'mcp_hub_probe_duration_seconds_bucket', 'mcp_hub_monitor_notifications_total', 'mcp_hub_slo_error_budget_remaining_ratio', 'mcp_hub_server_probe_success', 'mcp_hub_monitor_otel_export_failing', 'mcp_hub_monitor_tap_otel_export_failing', 'mcp_hub_server_uptime_seconds', 'mcp_hub_process_tree_cpu_ratio']) expect(served).toContain(n);
    const cfg = defaultConfig();
    const groups = prometheusRuleGroups(cfg, OPTS);
    // Recording rules' names, and ALERTS: Prometheus' own series of its alerts' states (the anomaly alerts read theirs).
    const recorded = new Set(['ALERTS', ...groups.flatMap((g) => g.rules.map((r) => r.rule.record).filter((x): x is string => x !== undefined))]);
    const dashboard = buildGrafanaDashboard(cfg) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const sloth = YAML.parse(renderSlothSpec(cfg)) as { slos: { name: string; sli: { events: Record<string, string> } }[] };
    const exprs: [where: string, expr: string][] = [
      ...groups.flatMap((g) => g.rules.map((r): [string, string] => [`rule ${r.rule.record ?? r.rule.alert}`, r.rule.expr])),
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t): [string, string] => [`panel "${p.title}"`, t.expr])),
      ...sloth.slos.flatMap((s) => Object.values(s.sli.events).map((q): [string, string] => [`sloth ${s.name}`, q])),
    ];
    expect(exprs.length).toBeGreaterThan(40);
    const unknown = exprs.flatMap(([where, e]) => metricNames(e).filter((n) => !served.has(n) && !recorded.has(n)).map((n) => `${where}: ${n}`));
    expect(unknown).toEqual([]);
    expect(served).toContain(labelValuesMetric(HUB_VARIABLE_QUERY));
  });
});

describe('the CLI', () => {
  test('export prometheus --output-dir writes the three files, 0644, and says so', async () => {
    const dir = join(tempDir(), 'out');
    const run = await runCli(['export', 'prometheus', '--output-dir', dir]);
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    for (const f of ['mcp-hub-monitor.rules.yml', 'scrape.yml', 'slo-sloth.yml']) {
      expect(run.stdout).toContain(`wrote ${join(dir, f)}`);
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o644);
      expect(() => YAML.parse(readFileSync(join(dir, f), 'utf8'))).not.toThrow();
    }
    expect(readFileSync(join(dir, 'mcp-hub-monitor.rules.yml'), 'utf8')).toContain('alert: McpHubDown');
  });

  test('export prometheus reads the config: thresholds, listen and --scrape-interval', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.yaml'), 'check: { memory_mb: { warning: 750 } }\nalerting: { failure_threshold: 4 }\nhttp: { listen: "127.0.0.1:9555" }\n');
    const run = await runCli(['export', 'prometheus', '--config', join(dir, 'config.yaml'), '--scrape-interval', '10s']);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('mcp_hub_process_resident_memory_bytes > 750000000');
    expect(run.stdout).toContain('for: 30s'); // (4 - 1) × 10s
    expect(run.stdout).toContain('127.0.0.1:9555');
    const docs = YAML.parseAllDocuments(run.stdout);
    expect(docs.map((d) => d.errors.length)).toEqual([0, 0, 0]); // rules, scrape job, Sloth spec in one stream
  });

  test('export grafana --output writes the dashboard (creating its directory); export alertmanager prints YAML with receivers and route', async () => {
    const file = join(tempDir(), 'grafana', 'dashboard.json');
    const g = await runCli(['export', 'grafana', '--output', file]);
    expect(g).toMatchObject({ code: 0, stdout: `wrote ${file}\n` });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ schemaVersion: 39, title: 'MCP Hub' });
    const a = await runCli(['export', 'alertmanager']);
    expect(a.code).toBe(0);
    const doc = YAML.parse(a.stdout);
    expect(doc.receivers[0].webhook_configs[0].url).toMatch(/^https:\/\//);
    expect(doc.route.receiver).toBe(doc.receivers[0].name);
  });

  test('an unknown target or a flag that does not fit is exit 3, naming the choices', async () => {
    const env = isolatedEnv();
    const foo = await runCli(['export', 'foo'], env);
    expect(foo).toMatchObject({ code: 3, stdout: '' });
    expect(foo.stderr).toBe('mcp-hub-monitor: export: unknown target "foo"; use one of: export prometheus, export grafana, export alertmanager\n');
    const wrongFlag = await runCli(['export', 'grafana', '--output-dir', '/tmp'], env);
    expect(wrongFlag.code).toBe(3);
    expect(wrongFlag.stderr).toContain('--output-dir is for export prometheus');
  });
});

test('the alertmanager snippet names the webhook format it shares with ours', () => {
  expect(renderAlertmanager(defaultConfig())).toContain('version "4"');
});
