import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { defaultConfig, type MonitorConfig } from '../config/defaults.js';
import type { HubSnapshot, HubTarget, ProcessFacts, LlmMetrics, Health, ServerInfo } from '../model/hub.js';
import { mergeJsonMetrics } from '../sources/hub-metrics.js';
import { parseHealth } from '../sources/hub-models.js';
import { buildResult, evaluateCheck, evaluateHub, needsConfirmation } from './check.js';
import type { Finding } from './types.js';

const HUB = 'http://127.0.0.1:37373';
const NOW = Date.parse('2026-11-24T19:24:40.000Z');
const cfg = defaultConfig();

const fixture = (rel: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/${rel}`, import.meta.url), 'utf8'));

function okSnapshot(health: Health, over: Partial<HubSnapshot> = {}, issues: string[] = []): HubSnapshot {
  return {
    target: { url: HUB, origin: 'flag' },
    at: NOW,
    monotonicAt: 1_000,
    health: { ok: true, value: health, issues, latencyMs: 12.4 },
    metrics: { sources: [] },
    routes: {},
    ...over,
  };
}

function fromFixture(rel: string, over: Partial<HubSnapshot> = {}): HubSnapshot {
  const parsed = parseHealth(fixture(rel));
  return okSnapshot(parsed.value, over, parsed.issues);
}

function server(name: string, over: Partial<ServerInfo> = {}): ServerInfo {
  return { name, status: 'connected', error: null, uptimeS: 120, lastStartedMs: NOW - 120_000, toolCount: 2, ...over };
}

function health(over: Partial<Health> = {}): Health {
  return {
    status: 'ok', state: 'ready', serverId: 'mcp-hub', version: '4.2.1', timestampMs: NOW,
    servers: [server('everything'), server('filesystem')], ...over,
  };
}

function unreachable(target: HubTarget = { url: HUB, origin: 'flag' }, process?: ProcessFacts): HubSnapshot {
  return {
    target, at: NOW, monotonicAt: 1_000, metrics: { sources: [] }, routes: {}, process,
    health: { ok: false, failure: 'refused', message: `GET ${target.url}/api/health: connection refused (is the hub running?)`, latencyMs: 1 },
  };
}

const run = (snaps: HubSnapshot[], earlier = new Map<string, HubSnapshot>(), config: MonitorConfig = cfg) =>
  evaluateCheck(snaps, earlier, config, NOW);
const find = (checks: Finding[], id: string, subject?: string) =>
  checks.find((c) => c.id === id && (subject === undefined || c.subject === subject));

describe('hub reachability and identity', () => {
  test('an unreachable hub is critical with exit code 2 and level red', () => {
    const r = run([unreachable()]);
    expect(r.status).toBe('critical');
    expect(r.exitCode).toBe(2);
    expect(r.level).toBe('red');
    expect(r.hubs[0]).toMatchObject({ reachable: false, state: null, status: 'critical' });
    expect(find(r.checks, 'hub.reachable')).toMatchObject({ status: 'critical', value: 'refused' });
    expect(find(r.checks, 'hub.reachable')!.message).toMatch(/^hub unreachable: connection refused \(GET /);
    expect(r.checks.some((c) => c.id.startsWith('server') || c.id.startsWith('llm'))).toBe(false);
  });

  test('an unreachable hub found in workspaces.json with a dead pid says the entry is stale', () => {
    const r = run([unreachable({ url: HUB, origin: 'workspaces', pid: 9211, pidAlive: false }, { pid: 9211, alive: false })]);
    expect(find(r.checks, 'hub.process')).toMatchObject({ status: 'critical', value: 9211 });
    expect(find(r.checks, 'hub.process')!.message).toContain('stale workspaces.json entry');
    expect(r.hubs[0]!.pid).toBe(9211);
  });

  test('a hub remembered from the daemon\'s last look, gone from workspaces.json, says when it was last seen', () => {
    const lastSeenAt = NOW - 90_000;
    const r = run([unreachable({ url: HUB, origin: 'remembered', lastSeenAt })]);
    expect(r.exitCode).toBe(2);
    expect(find(r.checks, 'hub.reachable')!.message).toBe(
      `hub unreachable: connection refused: last seen answering ${new Date(lastSeenAt).toISOString()}, now gone from workspaces.json with no mcp-hub process serving it (GET ${HUB}/api/health: connection refused (is the hub running?))`,
    );
  });

  test('an impostor server_id is critical "not an MCP hub" and its fields are not judged', () => {
    const r = run([okSnapshot(health({ serverId: 'grafana', servers: [server('x', { status: 'disconnected' })] }))]);
    expect(r.status).toBe('critical');
    expect(r.exitCode).toBe(2);
    expect(find(r.checks, 'hub.identity')).toMatchObject({ status: 'critical', value: 'grafana' });
    expect(find(r.checks, 'hub.identity')!.message).toContain('not an MCP hub');
    expect(r.checks.some((c) => c.id.startsWith('server') || c.id.startsWith('llm') || c.id === 'hub.state')).toBe(false);
  });

  test('a body with no server_id is not an MCP hub either', () => {
    const r = run([okSnapshot(health({ serverId: undefined }))]);
    expect(find(r.checks, 'hub.identity')).toMatchObject({ status: 'critical', value: 'absent' });
  });

  test('a reachable hub reports its latency in whole ms', () => {
    const r = run([okSnapshot(health())]);
    expect(find(r.checks, 'hub.reachable')).toMatchObject({ status: 'ok', value: 12 });
  });
});

describe('hub state', () => {
  test('state restarting is a warning, not critical', () => {
    const r = run([fromFixture('hub/health-while-restarting.json')]);
    expect(find(r.checks, 'hub.state')).toMatchObject({ status: 'warning', value: 'restarting' });
    expect(find(r.checks, 'hub.state')!.message).toContain('not an outage');
    expect(r.status).toBe('warning');
    expect(r.exitCode).toBe(1);
    expect(r.checks.filter((c) => c.status === 'critical')).toEqual([]);
  });

  test('state starting follows transitionalStateSeverity', () => {
    const config = { ...cfg, check: { ...cfg.check, transitional_state_severity: 'ok' as const } };
    const r = run([fromFixture('hub/health-while-starting.json')], new Map(), config);
    expect(find(r.checks, 'hub.state')).toMatchObject({ status: 'ok', value: 'starting' });
  });

  test('state restarted is ok (after a restart the hub never returns to ready)', () => {
    const r = run([fromFixture('hub/health-while-restarted.json')]);
    expect(find(r.checks, 'hub.state')).toMatchObject({ status: 'ok', value: 'restarted' });
  });

  test('a restarted hub with every server up is ok with exit code 0 and level green', () => {
    const r = run([okSnapshot(health({ state: 'restarted' }))]);
    expect(r.status).toBe('ok');
    expect(r.exitCode).toBe(0);
    expect(r.level).toBe('green');
  });

  test('an unrecognised state "banana" is a warning that quotes it', () => {
    const r = run([okSnapshot(health({ state: 'banana' }))]);
    expect(find(r.checks, 'hub.state')).toMatchObject({ status: 'warning', value: 'banana' });
    expect(find(r.checks, 'hub.state')!.message).toBe('hub state unrecognised ("banana")');
    expect(r.status).toBe('warning');
  });

  test('a missing state is a warning', () => {
    const r = run([okSnapshot(health({ state: undefined }))]);
    expect(find(r.checks, 'hub.state')).toMatchObject({ status: 'warning', value: 'absent', message: 'hub state missing' });
  });

  test.each(['stopping', 'stopped', 'error'])('state %s is critical', (state) => {
    const r = run([okSnapshot(health({ state }))]);
    expect(find(r.checks, 'hub.state')!.status).toBe('critical');
    expect(r.exitCode).toBe(2);
  });
});

describe('servers on captured hubs', () => {
  test('the ready hub: 2 of 4 up, 2 down with their errors, warning', () => {
    const r = run([fromFixture('hub/health-ready.json')]);
    expect(r.hubs[0]).toMatchObject({
      reachable: true, state: 'ready', version: '4.2.1', pid: 5653, status: 'warning',
      servers: { total: 4, up: 2, down: 2, dead: 0, disabled: 0, connecting: 0 },
    });
    expect(find(r.checks, 'server.status', 'broken')!.message).toBe('disconnected: MCP error -32000: Connection closed');
    expect(find(r.checks, 'servers.down')).toMatchObject({ status: 'warning', value: 2 });
    expect(r.exitCode).toBe(1);
  });

  test('the ready hub needs no confirmation poll', () => {
    expect(needsConfirmation(evaluateHub(fromFixture('hub/health-ready.json'), undefined, cfg))).toBe(false);
  });

  test('after kill -9 one poll cannot yet tell: everything is unconfirmed and a confirmation is needed', () => {
    const first = fromFixture('hub/health-after-kill.json');
    const findings = evaluateHub(first, undefined, cfg);
    expect(find(findings, 'server.status', 'everything')).toMatchObject({ status: 'ok', value: 'unconfirmed' });
    expect(needsConfirmation(findings)).toBe(true);
  });

  test('after kill -9 the confirmation poll (uptime still 0, same lastStarted) makes everything critical', () => {
    const first = fromFixture('hub/health-after-kill.json');
    const body = fixture('hub/health-after-kill.json') as { timestamp: string };
    body.timestamp = new Date(Date.parse(body.timestamp) + 1_200).toISOString();
    const again = okSnapshot(parseHealth(body).value, { at: NOW + 1_200 });
    const r = run([again], new Map([[HUB, first]]));
    expect(r.status).toBe('critical');
    expect(r.exitCode).toBe(2);
    expect(r.level).toBe('red');
    const dead = find(r.checks, 'server.status', 'everything')!;
    expect(dead).toMatchObject({ status: 'critical', value: 'dead' });
    expect(dead.message).toContain('uptime stayed 0');
    expect(r.hubs[0]!.servers).toMatchObject({ dead: 1, up: 1, down: 2 });
    expect(find(r.checks, 'servers.down')!.message).toContain('everything');
  });

  test('seen long after its start, the killed server is dead without a second poll', () => {
    const s = fromFixture('hub/health-after-kill.json');
    if (s.health.ok) s.health.value.timestampMs = Date.parse('2026-11-24T19:25:00.000Z');
    const r = run([s]);
    expect(find(r.checks, 'server.status', 'everything')).toMatchObject({ status: 'critical', value: 'dead' });
  });

  test('needsConfirmation is true when any connected server has uptime 0', () => {
    const snap = okSnapshot(health({ servers: [server('a'), server('b', { uptimeS: 0, lastStartedMs: NOW - 2_000 })] }));
    expect(needsConfirmation(evaluateHub(snap, undefined, cfg))).toBe(true);
    const allUp = okSnapshot(health());
    expect(needsConfirmation(evaluateHub(allUp, undefined, cfg))).toBe(false);
  });

  test('the idle fork with its zero-load filtering stats is not critical (the seed script exited 2)', () => {
    const metrics: LlmMetrics = { sources: [] };
    mergeJsonMetrics(metrics, fixture('fork/filtering-stats.json'), '/api/filtering/stats');
    const r = run([fromFixture('fork/health.json', { metrics })]);
    const llm = r.checks.filter((c) => c.id.startsWith('llm.'));
    expect(llm).toHaveLength(5);
    for (const c of llm) expect(c.status, c.id).toBe('no_data');
    expect(r.status).not.toBe('critical');
    expect(r.hubs[0]!.version).toBeNull();
    expect(r.hubs[0]!.metricsExposed).toEqual(['/api/filtering/stats']);
  });
});

describe('process facts', () => {
  test('RSS above the memory threshold is a warning', () => {
    const r = run([okSnapshot(health(), { process: { pid: 42, alive: true, rssBytes: 600 * 1_000_000 } })]);
    expect(find(r.checks, 'hub.memory')).toMatchObject({ status: 'warning', value: 600, threshold: 500 });
  });

  test('a pid not visible here while the hub answers is a visibility limit (container), never critical', () => {
    const r = run([okSnapshot(health(), { process: { pid: 42, alive: false } })]);
    expect(find(r.checks, 'hub.process')).toBeUndefined();
    expect(find(r.checks, 'hub.memory')).toMatchObject({ status: 'no_data' });
    expect(r.status).toBe('ok');
  });

  test('a live pid that is not the hub on this port (pid reuse) gives memory no_data, not that process\'s memory', () => {
    const r = run([okSnapshot(health(), { process: { pid: 42, alive: true, matchesPort: false, rssBytes: 900 * 1_048_576 } })]);
    expect(find(r.checks, 'hub.memory')).toMatchObject({ status: 'no_data' });
    expect(find(r.checks, 'hub.memory')!.message).toContain('not the hub on this port');
    expect(r.status).toBe('ok');
  });

  test('no process facts gives memory no_data, never a failure', () => {
    const r = run([okSnapshot(health())]);
    expect(find(r.checks, 'hub.memory')!.status).toBe('no_data');
    expect(r.status).toBe('ok');
  });
});

describe('the overall result', () => {
  test('no hubs is unknown with exit code 3', () => {
    const r = run([]);
    expect(r).toMatchObject({ status: 'unknown', exitCode: 3, hubs: [], checks: [] });
  });

  test('the worst hub decides status and level', () => {
    const other = okSnapshot(health(), { target: { url: 'http://127.0.0.1:7000', origin: 'flag' } });
    const r = run([other, unreachable()]);
    expect(r.status).toBe('critical');
    expect(r.level).toBe('red');
    expect(r.hubs.map((h) => h.status)).toEqual(['ok', 'critical']);
  });

  test('the timestamp is the given time in ISO form', () => {
    expect(run([okSnapshot(health())]).timestamp).toBe('2026-11-24T19:24:40.000Z');
  });

  test('the metric bands of a hub that is not up do not move its level', () => {
    // Cache hit rate 30%: red band, but only a warning finding.
    const bad: LlmMetrics = { sources: ['x'], cacheHits: 30, cacheMisses: 70 };
    const config = { ...cfg, check: { ...cfg.check, transitional_state_severity: 'ok' as const } };
    const starting = run([okSnapshot(health({ state: 'starting' }), { metrics: bad })], new Map(), config);
    const ready = run([okSnapshot(health(), { metrics: bad })], new Map(), config);
    expect(starting.hubs[0]!.level).toBe('yellow');
    expect(ready.hubs[0]!.level).toBe('red');
  });

  test('validation issues are passed through to the summary', () => {
    const r = run([okSnapshot(health(), {}, ['server "x": unusable uptime'])]);
    expect(r.hubs[0]!.validationIssues).toEqual(['server "x": unusable uptime']);
  });
});

describe('the level with the tap\'s calls (check --expect-daemon)', () => {
  test('the real calls\' success rate moves the level, and the summary says what it was judged from', () => {
    const snap = okSnapshot(health({ servers: [server('a')] }));
    const plain = buildResult([{ snapshot: snap, findings: evaluateHub(snap, undefined, cfg) }], cfg, NOW);
    expect(plain.hubs[0]).toMatchObject({ level: 'green', levelReason: 'no calls through a tap (the level is judged from the polls\' and probes\' findings); checks: none failing' });
    const calls = { calls: 50, errors: 9, p95Ms: 120, windowLabel: '5m', minCalls: 10 };
    const r = buildResult([{ snapshot: snap, findings: evaluateHub(snap, undefined, cfg), calls }], cfg, NOW);
    expect(r.hubs[0]).toMatchObject({ level: 'orange', levelReason: 'calls through the tap over 5m: success 82.0% of 50, P95 120 ms (orange); checks: none failing' });
    expect(r.level).toBe('orange');
  });
});
