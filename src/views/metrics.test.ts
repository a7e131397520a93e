import { afterEach, describe, expect, test } from 'vitest';
import { register as globalRegister } from 'prom-client';
import { useFakeDaemonViews, type FakeDaemonView } from '../../test/support/fake-daemon-view.js';
import { filteringSamples } from '../daemon/observations.js';
import { createMetrics } from './metrics.js';

const HUB = 'http://127.0.0.1:7000';
const NOW = Date.parse('2026-11-25T12:00:00Z');
const views = useFakeDaemonViews('mhm-metrics-');

interface Sample { name: string; labels: Record<string, string>; value: number }

/** Parses the text format strictly enough to catch injection: every sample line must match the grammar. */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:\\[\\"n]|[^"\\\n])*",?)*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\[\\"n]|[^"\\\n])*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(["\\n])/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hit = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hit.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${hit.length} series match`);
  return hit[0]?.value;
}

async function scrape(view: FakeDaemonView, opts: Parameters<typeof createMetrics>[1] = {}): Promise<{ text: string; samples: Sample[] }> {
  const text = await createMetrics(view, { processMetrics: false, ...opts }).render();
  return { text, samples: parse(text) };
}

function healthyHub(): FakeDaemonView {
  const v = views(NOW);
  v.watch(HUB, { sseConnected: true });
  v.poll(HUB, NOW - 10_000, { latencyMs: 4, rssBytes: 72_000_000, servers: [{ name: 'everything', up: true, uptimeS: 60, tools: 11 }, { name: 'off' }] });
  v.poll(HUB, NOW - 5_000, { latencyMs: 7, rssBytes: 75_000_000, cpuPercent: 12.5, servers: [{ name: 'everything', up: true, uptimeS: 65, tools: 11 }, { name: 'off' }] });
  v.probe(HUB, NOW - 8_000, 'everything', true, 30);
  return v;
}

afterEach(() => {
  expect(globalRegister.getMetricsAsArray().filter((m) => m.name.startsWith('mcp_hub'))).toEqual([]);
});

describe('a healthy hub', () => {
  test('hub up, state set, latency, RSS and CPU in base units, servers up, level 1', async () => {
    const { samples } = await scrape(healthyHub());
    expect(value(samples, 'mcp_hub_up', { hub: HUB })).toBe(1);
    expect(value(samples, 'mcp_hub_state', { hub: HUB, state: 'ready' })).toBe(1);
    expect(samples.filter((s) => s.name === 'mcp_hub_state').map((s) => s.value).reduce((a, b) => a + b)).toBe(1);
    expect(value(samples, 'mcp_hub_health_latency_seconds', { hub: HUB })).toBeCloseTo(0.007);
    expect(value(samples, 'mcp_hub_process_resident_memory_bytes', { hub: HUB })).toBe(75_000_000);
    expect(value(samples, 'mcp_hub_process_tree_cpu_ratio', { hub: HUB })).toBe(0.125); // 12.5 % of one core
    expect(value(samples, 'mcp_hub_server_up', { hub: HUB, server: 'everything' })).toBe(1);
    expect(value(samples, 'mcp_hub_server_dead', { hub: HUB, server: 'everything' })).toBe(0);
    expect(value(samples, 'mcp_hub_server_up', { hub: HUB, server: 'off' })).toBeUndefined(); // disabled: never counted as down
    expect(value(samples, 'mcp_hub_servers', { hub: HUB, status: 'up' })).toBe(1);
    expect(value(samples, 'mcp_hub_degradation_level', { hub: HUB })).toBe(1);
    expect(value(samples, 'mcp_hub_server_probe_success', { hub: HUB, server: 'everything' })).toBe(1);
    expect(value(samples, 'mcp_hub_server_uptime_seconds', { hub: HUB, server: 'everything' })).toBe(65); // the latest poll's
    expect(value(samples, 'mcp_hub_server_uptime_seconds', { hub: HUB, server: 'off' })).toBeUndefined(); // no child, no uptime
  });

  test('the daemon\'s own health: clean start, poll age, SSE, outbox, notifications, dropped samples, config reload', async () => {
    const v = healthyHub();
    v.health = { ...v.health, cleanStart: false, outboxDepth: 3, droppedSamples: 7, notifications: { team: { sent: 4, retry: 1 }, 'pager"\n': { failed: 2 } }, configReload: { ok: false, lastSuccessAt: NOW - 60_000 } };
    const { samples } = await scrape(v);
    expect(value(samples, 'mcp_hub_monitor_config_last_reload_successful')).toBe(0);
    expect(value(samples, 'mcp_hub_monitor_config_last_reload_success_timestamp_seconds')).toBe((NOW - 60_000) / 1000);
    expect(value(samples, 'mcp_hub_monitor_clean_start')).toBe(0);
    expect(value(samples, 'mcp_hub_monitor_start_time_seconds')).toBe((NOW - 3_600_000) / 1000);
    expect(value(samples, 'mcp_hub_monitor_last_poll_age_seconds', { hub: HUB })).toBe(5);
    expect(value(samples, 'mcp_hub_monitor_sse_connected', { hub: HUB })).toBe(1);
    expect(value(samples, 'mcp_hub_monitor_outbox_depth')).toBe(3);
    expect(value(samples, 'mcp_hub_monitor_dropped_samples_total')).toBe(7);
    expect(value(samples, 'mcp_hub_monitor_notifications_total', { receiver: 'team', outcome: 'sent' })).toBe(4);
    expect(value(samples, 'mcp_hub_monitor_notifications_total', { receiver: 'pager"', outcome: 'failed' })).toBe(2);
  });

  test('the history store\'s writes (issue I): refused writes, writable, the last successful write and its age, the backlog, dropped rows', async () => {
    const v = healthyHub();
    v.health = { ...v.health, droppedSamples: 2, store: { writeFailures: 37, lastWriteAt: NOW - 40_000, failing: true, pendingRows: 812, droppedEvents: 3, pendingAlerting: 2 } };
    const { samples } = await scrape(v);
    expect(value(samples, 'mcp_hub_monitor_store_write_failures_total')).toBe(37);
    expect(value(samples, 'mcp_hub_monitor_store_writable')).toBe(0);
    expect(value(samples, 'mcp_hub_monitor_store_last_successful_write_timestamp_seconds')).toBe((NOW - 40_000) / 1000);
    expect(value(samples, 'mcp_hub_monitor_store_last_successful_write_age_seconds')).toBe(40);
    expect(value(samples, 'mcp_hub_monitor_store_backlog_rows')).toBe(812);
    expect(value(samples, 'mcp_hub_monitor_dropped_samples_total')).toBe(2);
    expect(value(samples, 'mcp_hub_monitor_dropped_events_total')).toBe(3);
    // No successful write known: no timestamp rather than a false one.
    v.health = { ...v.health, store: { ...v.health.store, lastWriteAt: undefined } };
    expect(value((await scrape(v)).samples, 'mcp_hub_monitor_store_last_successful_write_timestamp_seconds')).toBeUndefined();
  });

  test('poll-only mode has no SSE series rather than a false 0', async () => {
    const v = healthyHub().watch(HUB, { lastPollAt: NOW - 5_000, lastPollOk: true });
    expect(value((await scrape(v)).samples, 'mcp_hub_monitor_sse_connected', { hub: HUB })).toBeUndefined();
  });
});

describe('the fork\'s filtering stats', () => {
  test('each stored fork.* series at the latest poll is a gauge; a hub without them has none', async () => {
    const v = healthyHub();
    v.record(filteringSamples(HUB, NOW - 10_000, { totalTools: 27, exposedTools: 13, enabled: true }));
    v.record(filteringSamples(HUB, NOW - 5_000, {
      enabled: false, totalTools: 54, filteredTools: 28, exposedTools: 26, filterRate: 28 / 54, categoryCacheSize: 27, cacheHitRate: 0.5, llmCacheSize: 3, llmCacheHitRate: 0.25,
    }));
    const other = 'http://127.0.0.1:7001';
    v.watch(other).poll(other, NOW - 5_000, { servers: [] });
    const { samples } = await scrape(v);
    expect(samples.filter((s) => s.name.startsWith('mcp_hub_fork_')).map((s) => [s.name, s.labels.hub, s.value])).toEqual([
      ['mcp_hub_fork_filtering_enabled', HUB, 0],
      ['mcp_hub_fork_filtering_total_tools', HUB, 54],
      ['mcp_hub_fork_filtering_filtered_tools', HUB, 28],
      ['mcp_hub_fork_filtering_exposed_tools', HUB, 26],
      ['mcp_hub_fork_filtering_filter_ratio', HUB, 28 / 54],
      ['mcp_hub_fork_category_cache_entries', HUB, 27],
      ['mcp_hub_fork_category_cache_hit_ratio', HUB, 0.5],
      ['mcp_hub_fork_llm_cache_entries', HUB, 3],
      ['mcp_hub_fork_llm_cache_hit_ratio', HUB, 0.25],
    ]);
  });

  test('stats from an older poll are not shown as the latest', async () => {
    const v = healthyHub();
    v.record(filteringSamples(HUB, NOW - 10_000, { totalTools: 27 }));
    expect(value((await scrape(v)).samples, 'mcp_hub_fork_filtering_total_tools', { hub: HUB })).toBeUndefined();
  });
});

describe('failures', () => {
  test('a dead server: dead 1, up 0, counted dead not down', async () => {
    const v = healthyHub();
    v.poll(HUB, NOW - 1_000, { servers: [{ name: 'everything', up: false, verdict: 'dead', uptimeS: 0 }, { name: 'off' }] });
    const { samples } = await scrape(v);
    expect(value(samples, 'mcp_hub_server_dead', { hub: HUB, server: 'everything' })).toBe(1);
    expect(value(samples, 'mcp_hub_server_up', { hub: HUB, server: 'everything' })).toBe(0);
    expect(value(samples, 'mcp_hub_servers', { hub: HUB, status: 'dead' })).toBe(1);
    expect(value(samples, 'mcp_hub_servers', { hub: HUB, status: 'down' })).toBe(0);
    expect(value(samples, 'mcp_hub_server_uptime_seconds', { hub: HUB, server: 'everything' })).toBe(0); // the exited child (faults A11)
  });

  test('a failed latest poll: up 0, state unreachable; the servers of the last good poll stay until stale', async () => {
    const v = healthyHub();
    v.poll(HUB, NOW - 1_000, { err: 'refused' });
    const { samples } = await scrape(v);
    expect(value(samples, 'mcp_hub_up', { hub: HUB })).toBe(0);
    expect(value(samples, 'mcp_hub_state', { hub: HUB, state: 'unreachable' })).toBe(1);
    expect(value(samples, 'mcp_hub_state', { hub: HUB, state: 'ready' })).toBe(0);
    expect(value(samples, 'mcp_hub_server_up', { hub: HUB, server: 'everything' })).toBe(1);
    v.nowMs = NOW + 10 * 60_000; // past the 5-minute staleness window
    const later = (await scrape(v)).samples;
    expect(value(later, 'mcp_hub_server_up', { hub: HUB, server: 'everything' })).toBeUndefined();
    expect(value(later, 'mcp_hub_up', { hub: HUB })).toBeUndefined();
  });

  test('a hostile hub state maps to "unknown", never to a new series', async () => {
    const v = views(NOW).watch(HUB);
    v.poll(HUB, NOW - 1_000, { state: '} 1\nfake_metric 1' });
    const { samples } = await scrape(v);
    expect(value(samples, 'mcp_hub_state', { hub: HUB, state: 'unknown' })).toBe(1);
    expect(samples.filter((s) => s.name === 'mcp_hub_state')).toHaveLength(9);
    expect(samples.some((s) => s.name === 'fake_metric')).toBe(false);
  });

  test('firing alerts set the level: one warning yellow, two orange, a critical red; pending ones do not count', async () => {
    const v = healthyHub();
    v.alert({ rule: 'hub.memory', hub: HUB, severity: 'warning' });
    expect(value((await scrape(v)).samples, 'mcp_hub_degradation_level', { hub: HUB })).toBe(2);
    v.alert({ rule: 'servers.down', hub: HUB, severity: 'warning' });
    v.alert({ rule: 'hub.state', hub: HUB, severity: 'critical', state: 'pending' });
    const { samples } = await scrape(v);
    expect(value(samples, 'mcp_hub_degradation_level', { hub: HUB })).toBe(3);
    expect(value(samples, 'mcp_hub_monitor_alerts', { severity: 'warning', state: 'firing' })).toBe(2);
    expect(value(samples, 'mcp_hub_monitor_alerts', { severity: 'critical', state: 'pending' })).toBe(1);
    expect(value(samples, 'mcp_hub_monitor_alerts', { severity: 'info', state: 'firing' })).toBe(0);
    v.alert({ rule: 'server.status', hub: HUB, severity: 'critical' });
    expect(value((await scrape(v)).samples, 'mcp_hub_degradation_level', { hub: HUB })).toBe(4);
  });
});

describe('hostile server names and cardinality (faults D1, D5)', () => {
  const hostile = ['\x1b]0;pwned\x07', 'quote"name', 'new\nline', 'back\\slash', '} 1\nfake_metric 1', '__proto__', 'x'.repeat(10_240)];

  test('every hostile name is one well-formed series with no control characters', async () => {
    const v = views(NOW).watch(HUB);
    v.poll(HUB, NOW - 1_000, { servers: hostile.map((name) => ({ name, up: true, uptimeS: 5 })) });
    const { text, samples } = await scrape(v);
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    const ups = samples.filter((s) => s.name === 'mcp_hub_server_up');
    expect(ups).toHaveLength(hostile.length);
    expect(ups.map((s) => s.labels.server).sort()).toEqual(expect.arrayContaining([']0;pwned', 'quote"name', 'newline', 'back\\slash', '} 1fake_metric 1', '__proto__']));
    expect(Math.max(...ups.map((s) => [...s.labels.server!].length))).toBe(128);
    expect(samples.some((s) => s.name === 'fake_metric')).toBe(false);
  });

  test('beyond the cap servers fold into __other__, counted once in series_dropped_total', async () => {
    const v = views(NOW).watch(HUB);
    const servers = Array.from({ length: 250 }, (_, i) => ({ name: `s${String(i).padStart(3, '0')}`, up: i !== 240, verdict: i === 240 ? 'dead' : undefined }));
    v.poll(HUB, NOW - 1_000, { servers });
    const metrics = createMetrics(v, { processMetrics: false, maxServersPerHub: 200 });
    const first = parse(await metrics.render());
    const ups = first.filter((s) => s.name === 'mcp_hub_server_up');
    expect(ups).toHaveLength(201);
    expect(value(first, 'mcp_hub_server_up', { hub: HUB, server: '__other__' })).toBe(0); // one folded server is dead
    expect(value(first, 'mcp_hub_server_dead', { hub: HUB, server: '__other__' })).toBe(1);
    expect(value(first, 'mcp_hub_server_up', { hub: HUB, server: 's199' })).toBe(1);
    expect(value(first, 'mcp_hub_server_up', { hub: HUB, server: 's200' })).toBeUndefined();
    expect(value(first, 'mcp_hub_monitor_series_dropped_total')).toBe(50);
    const second = parse(await metrics.render());
    expect(value(second, 'mcp_hub_monitor_series_dropped_total')).toBe(50);
  });

  test('__other__ has the smallest uptime of the folded servers: a restart among them still shows as its uptime going back', async () => {
    const v = views(NOW).watch(HUB);
    v.poll(HUB, NOW - 1_000, { servers: [{ name: 'a', up: true, uptimeS: 900 }, { name: 'b', up: true, uptimeS: 700 }, { name: 'c', up: true, uptimeS: 3 }] });
    const samples = parse(await createMetrics(v, { processMetrics: false, maxServersPerHub: 1 }).render());
    expect(value(samples, 'mcp_hub_server_uptime_seconds', { hub: HUB, server: 'a' })).toBe(900);
    expect(value(samples, 'mcp_hub_server_uptime_seconds', { hub: HUB, server: '__other__' })).toBe(3);
  });

  test('a server that left the hub loses its series at the next scrape', async () => {
    const v = views(NOW).watch(HUB);
    v.poll(HUB, NOW - 6_000, { servers: [{ name: 'a', up: true }, { name: 'gone', up: true }] });
    v.probe(HUB, NOW - 5_500, 'gone', true, 12);
    const metrics = createMetrics(v, { processMetrics: false });
    expect(value(parse(await metrics.render()), 'mcp_hub_probe_duration_seconds_count', { hub: HUB, server: 'gone' })).toBe(1);
    v.poll(HUB, NOW - 1_000, { servers: [{ name: 'a', up: true }] });
    const after = parse(await metrics.render());
    expect(after.filter((s) => s.labels.server === 'gone')).toEqual([]);
    expect(value(after, 'mcp_hub_server_up', { hub: HUB, server: 'a' })).toBe(1);
  });
});

describe('probe latency histogram', () => {
  test('each stored probe is observed once, in seconds; late rows within the overlap still count once', async () => {
    const v = healthyHub();
    const metrics = createMetrics(v, { processMetrics: false });
    let s = parse(await metrics.render());
    expect(value(s, 'mcp_hub_probe_duration_seconds_count', { hub: HUB, server: 'everything' })).toBe(1);
    expect(value(s, 'mcp_hub_probe_duration_seconds_sum', { hub: HUB, server: 'everything' })).toBeCloseTo(0.03);
    expect(value(s, 'mcp_hub_probe_duration_seconds_bucket', { hub: HUB, server: 'everything', le: '0.05' })).toBe(1);
    expect(value(s, 'mcp_hub_probe_duration_seconds_bucket', { hub: HUB, server: 'everything', le: '0.02' })).toBe(0);
    s = parse(await metrics.render());
    expect(value(s, 'mcp_hub_probe_duration_seconds_count', { hub: HUB, server: 'everything' })).toBe(1);
    v.nowMs = NOW + 60_000;
    v.poll(HUB, NOW + 55_000, { servers: [{ name: 'everything', up: true, uptimeS: 120 }] });
    v.probe(HUB, NOW + 50_000, 'everything', true, 2_500);
    v.probe(HUB, NOW - 2_000, 'everything', true, 40); // written late by the buffer, older than the last scrape
    s = parse(await metrics.render());
    expect(value(s, 'mcp_hub_probe_duration_seconds_count', { hub: HUB, server: 'everything' })).toBe(3);
    expect(value(s, 'mcp_hub_probe_duration_seconds_bucket', { hub: HUB, server: 'everything', le: '+Inf' })).toBe(3);
  });
});

describe('SLO error budget', () => {
  test('remaining = 1 − bad time observed ÷ what the whole SLO window allows (rollups, then raw after the watermark); absent without polls', async () => {
    const v = views(NOW).watch(HUB);
    v.health.runId = v.db.startRun({ pid: 1, t: NOW - 3_600_000, cleanStart: true }); // an hour of a 30-day window observed
    for (let i = 0; i < 600; i++) {
      const t = NOW - 3_600_000 + i * 5_000;
      if (i === 100) v.poll(HUB, t, { err: 'timeout' });
      else v.poll(HUB, t, { latencyMs: i % 10 === 0 ? 500 : 3 });
    }
    v.db.rollup(NOW - 20 * 60_000); // the last 20 minutes come from raw samples
    const { samples } = await scrape(v);
    const cfg = v.cfg.slo;
    const whole = v.db.ratioOver(HUB, 'hub.up', NOW - cfg.window, NOW + 1);
    expect(whole.total).toBe(600); // every poll counted once, rolled up or not
    // One failed poll of 600 in the hour: 6 s down of the 43m12s 30 days allow at 99.9 %.
    expect(value(samples, 'mcp_hub_slo_error_budget_remaining_ratio', { hub: HUB, objective: 'availability' })).toBeCloseTo(1 - 6 / 2592, 6);
    // 59 slow of the 599 answered polls (the failed one has no latency event): 354.6 s slow of the 36 h 95 % allows.
    expect(value(samples, 'mcp_hub_slo_error_budget_remaining_ratio', { hub: HUB, objective: 'latency' })).toBeCloseTo(1 - ((59 / 599) * 3_600) / 129_600, 6);
    const empty = views(NOW).watch('http://127.0.0.1:7001');
    expect((await scrape(empty)).samples.filter((x) => x.name === 'mcp_hub_slo_error_budget_remaining_ratio')).toEqual([]);
  });

  test('the SLO on the tap\'s calls: the bad share of the calls × the time they cover, against the window; absent with no calls', async () => {
    const { CallsLedger } = await import('../daemon/calls-ledger.js');
    const v = views(NOW).watch(HUB);
    v.health.runId = v.db.startRun({ pid: 1, t: NOW - 3_600_000, cleanStart: true });
    v.poll(HUB, NOW - 5_000, { latencyMs: 3 });
    expect((await scrape(v)).samples.filter((x) => x.name === 'mcp_hub_slo_error_budget_remaining_ratio').map((x) => x.labels.objective)).toEqual(['availability', 'latency']);
    // Half an hour of calls through the tap, stored every 5 s as the calls job does: 2 % fail, 10 % take 3 s.
    const ledger = new CallsLedger();
    const first = NOW - 1_800_000;
    for (let t = first; t < NOW; t += 5_000) {
      for (let i = 0; i < 50; i++) {
        const failed = i === 0;
        ledger.note({
          hub: HUB, server: 'files', tool: 'read', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: t, durationMs: i < 5 ? 3_000 : 40,
          ...(failed ? { outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: 'Not connected' } : { outcome: 'ok' }), requestBytes: 1, responseBytes: 1,
        }, t);
      }
      v.record(ledger.closeInterval(t + 5_000, 300_000));
    }
    const { samples } = await scrape(v);
    const observed = NOW + 1 - (first + 5_000);
    const budget = (objective: string) => value(samples, 'mcp_hub_slo_error_budget_remaining_ratio', { hub: HUB, objective });
    // 2 % failed against 1 % allowed, over the half hour observed of 30 days; 10 % slower than 2 s against 5 %.
    expect(budget('call_success')).toBeCloseTo(1 - (0.02 * observed) / (0.01 * 30 * 86_400_000), 6);
    expect(budget('call_latency')).toBeCloseTo(1 - (0.1 * observed) / (0.05 * 30 * 86_400_000), 6);
  });
});

describe('robustness', () => {
  test('no NaN or Infinity is ever written', async () => {
    const v = healthyHub().watch('http://127.0.0.1:7999'); // a hub never polled
    const { samples } = await scrape(v);
    expect(samples.filter((s) => !Number.isFinite(s.value) && !(s.name.endsWith('_bucket')))).toEqual([]);
  });

  test('a store error on one hub (the SLO budget reads the store) is counted and logged; the scrape still answers, the live series too', async () => {
    const v = healthyHub();
    const warnings: object[] = [];
    const broken = { ...v.db, ratioOver: () => { throw new Error('SQLITE_BUSY'); }, observedMs: v.db.observedMs.bind(v.db) };
    v.store = () => broken as never;
    const text = await createMetrics(v, { processMetrics: false, log: { warn: (o) => warnings.push(o) } }).render();
    expect(value(parse(text), 'mcp_hub_monitor_scrape_errors_total', { hub: HUB })).toBe(1);
    expect(value(parse(text), 'mcp_hub_monitor_outbox_depth')).toBe(0);
    expect(value(parse(text), 'mcp_hub_up', { hub: HUB })).toBe(1);
    expect(value(parse(text), 'mcp_hub_server_up', { hub: HUB, server: 'everything' })).toBe(1);
    expect(value(parse(text), 'mcp_hub_slo_error_budget_remaining_ratio', { hub: HUB, objective: 'availability' })).toBeUndefined();
    expect(warnings).toEqual([expect.objectContaining({ hub: HUB, err: expect.stringContaining('SQLITE_BUSY') })]);
  });

  test('process metrics come from this registry (process_open_fds) and two servers do not share state', async () => {
    const a = createMetrics(healthyHub());
    const b = createMetrics(healthyHub());
    expect(a.registry).not.toBe(b.registry);
    expect(await a.render()).toMatch(/^process_open_fds \d+/m);
  });
});

describe('the traffic tap\'s calls (OTel mcp.server.operation.duration)', () => {
  test('a histogram per hub, server, method, tool and error type, in seconds on the OTel boundaries; tap gauges', async () => {
    const { CallsLedger } = await import('../daemon/calls-ledger.js');
    const { newTapSocketStats } = await import('../daemon/jobs/tap-socket.js');
    const v = healthyHub();
    const ledger = new CallsLedger();
    const note = (durationMs: number, failed = false) => ledger.note({
      hub: `${HUB}/`, server: 'everything', tool: 'echo', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: NOW, durationMs,
      ...(failed ? { outcome: 'jsonrpc_error', errorCode: 500, errorType: '500', errorMessage: 'Not connected' } : { outcome: 'ok' }), requestBytes: 1, responseBytes: 1,
    }, NOW);
    note(5);
    note(1_500);
    note(3, true);
    ledger.noteStatus({ listen: '127.0.0.1:7001', hub: HUB, pid: 42, startedAt: NOW, dropped: 7, buffered: 0 }, NOW);
    ledger.noteUnwatched('http://localhost:7000', NOW);
    v.liveState.tap = { ledger, socket: { ...newTapSocketStats('/nonexistent'), listening: true, connections: 1, accepted: 1, badLines: 2 } };
    const { text, samples } = await scrape(v);
    expect(text).toContain('# TYPE mcp_server_operation_duration_seconds histogram');
    const ok = { hub: HUB, server: 'everything', mcp_method_name: 'tools/call', gen_ai_tool_name: 'echo', error_type: '' };
    const bucket = (labels: Record<string, string>, le: string) => value(samples, 'mcp_server_operation_duration_seconds_bucket', { ...labels, le });
    expect(['0.01', '1', '2', '300', '+Inf'].map((le) => bucket(ok, le))).toEqual([1, 1, 2, 2, 2]);
    expect(value(samples, 'mcp_server_operation_duration_seconds_sum', ok)).toBeCloseTo(1.505);
    expect(value(samples, 'mcp_server_operation_duration_seconds_count', ok)).toBe(2);
    expect(value(samples, 'mcp_server_operation_duration_seconds_count', { ...ok, error_type: '500' })).toBe(1);
    expect(samples.filter((s) => s.name === 'mcp_server_operation_duration_seconds_bucket' && s.labels.error_type === '500').map((s) => s.labels.le))
      .toEqual(['0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1', '2', '5', '10', '30', '60', '120', '300', '+Inf']);
    expect(value(samples, 'mcp_hub_monitor_tap_connected')).toBe(1);
    expect(value(samples, 'mcp_hub_monitor_tap_dropped_records_total')).toBe(7);
    expect(value(samples, 'mcp_hub_monitor_tap_bad_lines_total')).toBe(2);
    expect(value(samples, 'mcp_hub_monitor_tap_unwatched_calls_total')).toBe(1);
  });

  test('the taps\' OpenTelemetry export: what was sent and lost per signal, and whether it fails now', async () => {
    const { CallsLedger } = await import('../daemon/calls-ledger.js');
    const { newTapSocketStats } = await import('../daemon/jobs/tap-socket.js');
    const v = healthyHub();
    const ledger = new CallsLedger();
    v.liveState.tap = { ledger, socket: { ...newTapSocketStats('/nonexistent'), listening: true, connections: 1, accepted: 1 } };
    expect(value((await scrape(v)).samples, 'mcp_hub_monitor_tap_otel_export_failing', { signal: 'traces' })).toBeUndefined(); // no tap exports
    const health = (exported: number, failed: number) => ({ url: 'http://collector:4318/v1/x', exported, failed, failedExports: failed > 0 ? 1 : 0, failing: failed > 0 });
    ledger.noteStatus({ listen: '127.0.0.1:7001', hub: HUB, pid: 42, startedAt: NOW, dropped: 0, buffered: 0, otel: { traces: health(30, 12), metrics: health(5, 0) } }, NOW);
    const { samples } = await scrape(v);
    expect(value(samples, 'mcp_hub_monitor_tap_otel_exported_total', { signal: 'traces' })).toBe(30);
    expect(value(samples, 'mcp_hub_monitor_tap_otel_failed_total', { signal: 'traces' })).toBe(12);
    expect(value(samples, 'mcp_hub_monitor_tap_otel_export_failing', { signal: 'traces' })).toBe(1);
    expect(value(samples, 'mcp_hub_monitor_tap_otel_export_failing', { signal: 'metrics' })).toBe(0);
  });

  test('no tap: the gauge says so only while the daemon listens', async () => {
    const { CallsLedger } = await import('../daemon/calls-ledger.js');
    const { newTapSocketStats } = await import('../daemon/jobs/tap-socket.js');
    const v = healthyHub();
    v.liveState.tap = { ledger: new CallsLedger(), socket: { ...newTapSocketStats('/nonexistent'), listening: true } };
    expect(value((await scrape(v)).samples, 'mcp_hub_monitor_tap_connected')).toBe(0);
    v.liveState.tap.socket.listening = false;
    expect(value((await scrape(v)).samples, 'mcp_hub_monitor_tap_connected')).toBeUndefined();
  });
});

describe('learned bands', () => {
  test('each series\' band in base units with its learning progress; a learning series has no band; absent before the job\'s first pass', async () => {
    const v = healthyHub();
    expect((await scrape(v)).samples.filter((s) => s.name.startsWith('mcp_hub_monitor_anomaly_'))).toEqual([]);
    v.health = {
      ...v.health,
      anomaly: [
        { hub: HUB, series: 'health_latency', labels: {}, band: { mode: 'robust', expected: 50, lower: 40, upper: 60, sigma: 2 }, state: 'ok' },
        { hub: HUB, series: 'probe_latency', labels: { server: 'files' }, band: { mode: 'learning', progress: 0.4 }, state: 'ok' },
        { hub: HUB, series: 'error_ratio', labels: { server: 'files', tool: 'read' }, band: { mode: 'daily', expected: 0.01, lower: 0, upper: 0.03, sigma: 0.005 }, state: 'firing' },
        { hub: HUB, series: 'cpu', labels: {}, band: { mode: 'robust', expected: 12, lower: 7, upper: 17, sigma: 0.5 }, state: 'ok' },
        { hub: HUB, series: 'log_errors', labels: {}, band: { mode: 'robust', expected: 0, lower: -3, upper: 3, sigma: 0 }, state: 'ok' },
      ],
    };
    const { samples } = await scrape(v);
    const own = { hub: HUB, series: 'health_latency', server: '', tool: '' };
    expect(['lower', 'expected', 'upper'].map((bound) => value(samples, 'mcp_hub_monitor_anomaly_band', { ...own, bound }))).toEqual([0.04, 0.05, 0.06]);
    expect(value(samples, 'mcp_hub_monitor_anomaly_band', { series: 'error_ratio', server: 'files', tool: 'read', bound: 'upper' })).toBe(0.03);
    expect(value(samples, 'mcp_hub_monitor_anomaly_learning_progress', own)).toBe(1);
    // CPU in cores (17 % of one core: 0.17), counts per 5 minutes as the daemon judges them.
    expect(value(samples, 'mcp_hub_monitor_anomaly_band', { series: 'cpu', bound: 'upper' })).toBe(0.17);
    expect(value(samples, 'mcp_hub_monitor_anomaly_band', { series: 'log_errors', bound: 'upper' })).toBe(3);
    expect(value(samples, 'mcp_hub_monitor_anomaly_learning_progress', { series: 'probe_latency', server: 'files' })).toBe(0.4);
    expect(samples.filter((s) => s.name === 'mcp_hub_monitor_anomaly_band' && s.labels.series === 'probe_latency')).toEqual([]);
  });
});
