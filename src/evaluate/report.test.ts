import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { decodeEvent, isKnown } from '../model/events.js';
import { buildReport, reportPeriod, topServers } from './report.js';
import { addCall, emptyStats, type CallStats } from '../model/call-stats.js';
import { availabilityOf, downEpisodes, episodesIn, findOutages } from './report-availability.js';
import { errorCounts, incidentsIn, NO_CODE, remediationsIn, topCounts, toolChangesIn } from './report-events.js';
import type { AlertEpisode, BaselineInfo, Bucket, HubReportInput, ReportEvent, ReportInput } from './report-model.js';
import { changePercent, hourlyMeans, latencyReport, memoryReport } from './report-trends.js';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const T0 = Date.UTC(2026, 0, 5);
const HUB = 'http://127.0.0.1:7000';
const cfg = defaultConfig();
const NO_BASELINE: BaselineInfo = { status: 'absent', file: '/s/baselines/pinned.json', hubs: [] };

/** One 1-minute bucket of a 0/1 series: `good` of `n` polls up, `err` of them failed. */
const up = (t: number, good: number, n = 1, err = 0): Bucket => ({ t, widthMs: M, n, nErr: err, sum: n - err === 0 ? null : good, min: null, max: null });
const minutes = (from: number, count: number, good: (i: number) => number): Bucket[] => Array.from({ length: count }, (_, i) => up(from + i * M, good(i)));
/** Stored rows as a report reads them: checked against the event catalogue, rows that fit no entry left out. */
const read = (...rows: [t: number, type: string, server: string | null, data: unknown][]): ReportEvent[] =>
  rows.map(([t, type, server, data]) => decodeEvent({ id: 0, hub: 'h', t, type, server, data })).filter(isKnown);
const ev = (t: number, type: string, server: string | null, data: unknown): ReportEvent => {
  const [e] = read([t, type, server, data]);
  if (!e) throw new Error(`a ${type} fixture that fits no catalogue entry: ${JSON.stringify(data)}`);
  return e;
};
const status = (t: number, server: string, from: string | null, to: string) => ev(t, to === 'dead' ? 'server_dead' : 'server_status', server, { from, to, message: '' });

describe('availability', () => {
  test.each([
    ['every poll up', [up(0, 1), up(M, 1)], { good: 2, total: 2, percent: 100 }],
    ['a failed poll counts in total, not in good', [up(0, 1), up(M, 0, 1, 1)], { good: 1, total: 2, percent: 50 }],
    ['no polls is unknown, not 0 %', [], { good: 0, total: 0, percent: null }],
  ])('%s', (_name, buckets, expected) => {
    expect(availabilityOf(buckets)).toEqual(expected);
  });

  test('outages: adjacent failing minutes merge; a missing minute (unknown) splits them', () => {
    const b = [...minutes(0, 10, (i) => (i >= 2 && i < 5 ? 0 : 1)), ...minutes(11 * M, 3, () => 0)];
    expect(findOutages(b, 100 * M)).toEqual([
      { start: 2 * M, end: 5 * M, downMs: 3 * M, failedPolls: 3, ongoing: false },
      { start: 11 * M, end: 14 * M, downMs: 3 * M, failedPolls: 3, ongoing: false },
    ]);
  });

  test('outages: a minute with 3 of 12 polls failing is 15 s down; failing at the period end is ongoing', () => {
    const b = [up(0, 12, 12), up(M, 9, 12), up(2 * M, 12, 12), up(3 * M, 0, 12, 12)];
    expect(findOutages(b, 4 * M)).toEqual([
      { start: M, end: 2 * M, downMs: 15_000, failedPolls: 3, ongoing: false },
      { start: 3 * M, end: 4 * M, downMs: M, failedPolls: 12, ongoing: true },
    ]);
  });
});

describe('server down episodes', () => {
  test('down/up cycles, a death, a disable (no cycle) and a server still down', () => {
    const eps = downEpisodes([
      status(10, 'a', 'up', 'down'), status(20, 'a', 'down', 'up'), status(30, 'a', 'up', 'dead'), status(50, 'a', 'dead', 'up'),
      status(10, 'b', 'up', 'down'), status(40, 'b', 'down', 'disabled'),
      status(60, 'c', 'up', 'connecting'), status(70, 'c', 'connecting', 'down'),
    ], 0);
    expect(eps.get('a')).toEqual([{ start: 10, end: 20, recovered: true }, { start: 30, end: 50, recovered: true }]);
    expect(eps.get('b')).toEqual([{ start: 10, end: 40, recovered: false }]);
    expect(eps.get('c')).toEqual([{ start: 60, end: null, recovered: false }]);
  });

  test('a first event that is a recovery means the server was down since the events start', () => {
    expect(downEpisodes([status(100, 'x', 'dead', 'up')], 5).get('x')).toEqual([{ start: 5, end: 100, recovered: true }]);
  });

  test('a server named __proto__ is just a server', () => {
    expect(downEpisodes([status(1, '__proto__', 'up', 'down')], 0).get('__proto__')).toHaveLength(1);
  });

  test('per period: episodes are clipped to it, and a cycle counts where it ends', () => {
    const eps = [{ start: 5, end: 15, recovered: true }, { start: 18, end: 30, recovered: true }, { start: 40, end: null, recovered: false }];
    expect(episodesIn(eps, 10, 20)).toEqual({ count: 2, downMs: 7, longestMs: 5, cycles: 1 });
    expect(episodesIn(eps, 20, 50)).toEqual({ count: 2, downMs: 20, longestMs: 10, cycles: 1 });
  });
});

describe('incidents', () => {
  const row = (fp: string, firedAt: number, resolvedAt: number | null, server: string | null = null): AlertEpisode =>
    ({ fingerprint: fp, rule: 'server.status', severity: 'warning', server, summary: fp, firedAt, resolvedAt });
  const fire = (t: number, fp: string, type = 'alert_firing') => ev(t, type, null, { fingerprint: fp, rule: 'hub.reachable', severity: 'critical', summary: 's' });

  test('an alert row and its own events are one incident; an episode known only from events is kept', () => {
    const got = incidentsIn([row('a', 10 * M, 20 * M)], [fire(10 * M + 1500, 'a'), fire(20 * M + 1500, 'a', 'alert_resolved'), fire(30 * M, 'b'), fire(35 * M, 'b', 'alert_resolved')], 0, H);
    expect(got.map((i) => [i.start, i.end, i.durationMs, i.source])).toEqual([[10 * M, 20 * M, 10 * M, 'alert_store'], [30 * M, 35 * M, 5 * M, 'events']]);
  });

  test('an incident shows the text it fired with, not the resolved row\'s passing text; without its event, the row\'s', () => {
    const cured = { ...row('crashy', 10 * M, 20 * M, 'crashy'), summary: 'crashy: connected, up 6s' };
    const fired = ev(10 * M + 1500, 'alert_firing', 'crashy', { fingerprint: 'crashy', rule: 'server.status', severity: 'critical', summary: 'crashy: dead: the hub says connected, but uptime stayed 0' });
    expect(incidentsIn([cured], [fired], 0, H).map((i) => i.summary)).toEqual(['crashy: dead: the hub says connected, but uptime stayed 0']);
    expect(incidentsIn([cured], [], 0, H).map((i) => i.summary)).toEqual(['crashy: connected, up 6s']);
  });

  test('only incidents overlapping the period; one still firing lasts until the period end', () => {
    const got = incidentsIn([row('old', 0, 5 * M), row('open', 50 * M, null), row('later', 2 * H, 3 * H)], [], 10 * M, H);
    expect(got).toMatchObject([{ summary: 'open', end: null, durationMs: 10 * M, ongoing: true }]);
  });

  test('a resolve whose firing is before the events start is skipped (no known start)', () => {
    expect(incidentsIn([], [fire(5, 'x', 'alert_resolved')], 0, H)).toEqual([]);
  });
});

describe('errors and tool changes', () => {
  const events = [
    ...read(
      [1, 'log', 's1', { level: 'error', code: 'ECONNRESET', message: 'm' }], [2, 'log', 's1', { level: 'warn', code: 'ECONNRESET', message: 'm' }],
      [3, 'log', 's2', { level: 'error', message: 'm' }], [4, 'log', 's2', { level: 'info', code: 'X', message: 'm' }],
      [5, 'log_summary', null, { from: 4, to: 5, total: 4, byLevel: { error: 4 }, byCode: { ECONNRESET: 3, EPIPE: 1, neg: -1 }, sample: [] }],
      [6, 'log_summary', null, { from: 5, to: 6, total: 9, byLevel: { error: 9 }, byCode: { ECONNRESET: 9, bad: 'x' }, sample: [] }], // fits no entry: left out whole
      [7, 'log', 's1', { level: 'error', code: 'NO_MESSAGE' }],
      [99, 'log', 's1', { level: 'error', code: 'LATE', message: 'm' }],
    ),
  ];

  test('warning and error lines per code, flood summaries counted exactly; info, bad counts and rows that fit no entry ignored', () => {
    const c = errorCounts(events, 0, 50);
    expect(c.total).toBe(3 + 4);
    expect(topCounts(c.byCode, 10)).toEqual([{ code: 'ECONNRESET', count: 5 }, { code: NO_CODE, count: 1 }, { code: 'EPIPE', count: 1 }]);
    expect([...c.byServer]).toEqual([['s1', 2], ['s2', 1]]);
  });

  test('tool changes: the first list of a server (baseline) is not a change; a malformed row is left out', () => {
    const got = toolChangesIn(read(
      [1, 'tool_list_changed', 's', { baseline: true, count: 3 }],
      [2, 'tool_list_changed', 's', { added: ['x'], removed: [], changed: [{ name: 'r', fields: ['description'] }], count: 4 }],
      [3, 'tool_list_changed', 's', { added: ['x', 7], removed: 'nope', changed: [{ name: 'r', fields: ['description'] }, null], count: 4 }],
    ), 0, 10);
    expect(got).toEqual([{ t: 2, server: 's', added: ['x'], removed: [], changed: ['r'], count: 4 }]);
  });
});

test('remediations of the period, oldest first; a malformed row is left out', () => {
  const heal = { action: 'heal_server', target: 's', why: 's: dead', who: 'rule server.status', dryRun: false, result: 'healed', detail: 'stopped and started' };
  const got = remediationsIn(read(
    [5, 'remediation', 's', { ...heal, result: 'gave_up', detail: 'gave up' }],
    [2, 'remediation', 's', heal],
    [3, 'remediation', 's', { ...heal, dryRun: 'no' }],
    [20, 'remediation', 's', heal],
  ), 0, 10);
  expect(got).toEqual([
    { t: 2, action: 'heal_server', target: 's', result: 'healed', dryRun: false, who: 'rule server.status', why: 's: dead', detail: 'stopped and started' },
    { t: 5, action: 'heal_server', target: 's', result: 'gave_up', dryRun: false, who: 'rule server.status', why: 's: dead', detail: 'gave up' },
  ]);
});

describe('trends', () => {
  test.each([[5, 10, 100], [10, 5, -50], [0, 1, null], [null, 1, null]] as const)('a change from %s to %s is %s %%', (before, now, expected) => {
    expect(changePercent(now, before)).toBe(expected);
  });

  // RSS 100 MB + 5 MB/day, one sample a minute, for `days` days ending at `end`.
  const rss = (days: number, perDay = 5e6): Bucket[] => Array.from({ length: days * 1440 }, (_, i) => {
    const t = T0 + i * M;
    const v = 100e6 + (perDay * (t + M / 2 - T0)) / D;
    return { t, widthMs: M, n: 1, nErr: 0, sum: v, min: v, max: v };
  });

  const SETTINGS = { horizonMs: 7 * D, minHistoryMs: D };
  const LIMITS = { warningBytes: 500e6, criticalBytes: 1e9 };

  test('capacity: a steady 5 MB/day from 140 MB reaches 500 MB in 72 days and 1 GB in 172, the interval shrunk to the point', () => {
    const m = memoryReport(rss(8), { from: T0 + D, to: T0 + 8 * D, previousFrom: T0 - 6 * D, capacityFrom: T0 + D }, LIMITS, NO_BASELINE, HUB, SETTINGS);
    expect(m.slopeBytesPerDay).toBeCloseTo(5e6, 0);
    expect(m.daysToWarning).toBeCloseTo(72, 6);
    expect(m.daysToCritical).toBeCloseTo(172, 6);
    expect(m.toWarning.earliestDays).toBeCloseTo(72, 4);
    // Beyond the 7-day horizon the latest is not given.
    expect(m.toWarning.latestDays).toBeUndefined();
    expect(m.trend.points).toBe(7 * 24);
  });

  test('capacity: flat or shrinking RSS has no date; less than a day is not enough; over the limit is 0 days', () => {
    const p = { from: T0, to: T0 + 3 * D, previousFrom: T0 - 3 * D, capacityFrom: T0 };
    expect(memoryReport(rss(3, 0), p, LIMITS, NO_BASELINE, HUB, SETTINGS)).toMatchObject({ daysToWarning: null, toWarning: { reason: 'not_growing' } });
    expect(memoryReport(rss(1), p, LIMITS, NO_BASELINE, HUB, SETTINGS)).toMatchObject({ slopeBytesPerDay: null, toWarning: { reason: 'too_little_history' } });
    expect(memoryReport(rss(3), p, { ...LIMITS, warningBytes: 50e6 }, NO_BASELINE, HUB, SETTINGS).daysToWarning).toBe(0);
  });

  test('hourly means sit at the mean time of their samples, so hours with gaps still fit the line', () => {
    const b = rss(2).filter((x) => (x.t - T0) % H >= 40 * M || x.t >= T0 + D); // the first day lacks 40 minutes of each hour
    expect(hourlyMeans(b, T0, T0 + 2 * D)).toHaveLength(48);
    const m = memoryReport(b, { from: T0, to: T0 + 2 * D, previousFrom: T0 - 2 * D, capacityFrom: T0 }, LIMITS, NO_BASELINE, HUB, SETTINGS);
    expect(m.slopeBytesPerDay).toBeCloseTo(5e6, 0);
    expect(m.daysToWarning).toBeCloseTo((500e6 - 110e6) / 5e6, 6);
  });

  test('capacity: a noisy growth gets an interval around the line', () => {
    const noisy = rss(7).map((x, i) => {
      const v = x.sum! + (((i * 7919) % 101) - 50) * 1e5; // ±5 MB, deterministic
      return { ...x, sum: v, min: v, max: v };
    });
    const m = memoryReport(noisy, { from: T0, to: T0 + 7 * D, previousFrom: T0 - 7 * D, capacityFrom: T0 }, { ...LIMITS, warningBytes: 150e6 }, NO_BASELINE, HUB, SETTINGS);
    expect(m.daysToWarning).toBeCloseTo(3, 0);
    expect(m.toWarning.earliestDays!).toBeLessThan(m.daysToWarning!);
    expect(m.toWarning.latestDays!).toBeGreaterThan(m.daysToWarning!);
  });

  test('latency against the previous period and the baseline of this hub only', () => {
    const base: BaselineInfo = { status: 'ok', file: 'f', hubs: [{ url: `${HUB}/`, latencyP50Ms: 5, latencyP95Ms: 10 }, { url: 'http://other:7000', latencyP95Ms: 1 }] };
    const l = latencyReport(HUB, { current: [10, 20, 30], previous: [10, 10, 10] }, 'raw', base);
    expect(l).toMatchObject({ changeP50Percent: 100, baseline: { p50Ms: 5, p95Ms: 10 } });
    expect(l.baseline!.changeP95Percent).toBeCloseTo(190);
    expect(latencyReport('http://third:7000', { current: [1], previous: [] }, 'raw', base)).toMatchObject({ baseline: null, previous: null, changeP95Percent: null });
  });
});

/** A whole day of one hub with a 30-minute outage and one server down twice. */
function dayInput(): ReportInput {
  const { from, to, previousFrom } = reportPeriod('daily', T0 + D + 30_000);
  const hub: HubReportInput = {
    hub: HUB,
    up: { current: minutes(from, 1440, (i) => (i >= 600 && i < 630 ? 0 : 1)), previous: minutes(previousFrom, 1440, () => 1) },
    fast: { current: minutes(from, 1410, () => 1), previous: [] },
    sloWindow: { availability: { good: 2850, total: 2880, observedMs: 2 * D }, latency: { good: 1, total: 1, observedMs: 2 * D } },
    gaps: [],
    servers: [{ name: 'flaky', up: { current: minutes(from, 1410, (i) => (i % 300 < 5 ? 0 : 1)), previous: [] } }],
    latency: { current: [1, 2, 3], previous: [] },
    latencyBuckets: [],
    rss: [],
    events: [status(from + H, 'flaky', 'up', 'down'), status(from + H + 5 * M, 'flaky', 'down', 'up')],
    alerts: [],
  };
  return { kind: 'daily', from, to, previousFrom, generatedAt: to, latencyBasis: 'raw', hubs: [hub], baseline: NO_BASELINE };
}

describe('buildReport', () => {
  test('the period ends at the minute of --at and the previous one precedes it', () => {
    expect(reportPeriod('weekly', T0 + 7 * D + 59_999)).toEqual({ from: T0, to: T0 + 7 * D, previousFrom: T0 - 7 * D });
  });

  test('a day with a 30-minute outage: availability, budget, outage, SLO window, server episodes', () => {
    const m = buildReport(dayInput(), cfg);
    const h = m.hubs[0]!;
    expect(h.availability.current).toEqual({ good: 1410, total: 1440, percent: (100 * 1410) / 1440 });
    expect(h.availability.budgetUsedPercent).toBeCloseTo((30 / 1440 / 0.001) * 100);
    // 30 min down in the 2 days of the 30-day window observed: 30 of the 43.2 minutes it allows.
    expect(h.availability.window.budgetLeftPercent).toBeCloseTo(100 - (30 / 43.2) * 100);
    expect(h.outages).toEqual([{ start: T0 + 600 * M, end: T0 + 630 * M, downMs: 30 * M, failedPolls: 30, ongoing: false }]);
    expect(h.servers[0]).toMatchObject({ name: 'flaky', downEpisodes: 1, downMs: 5 * M, cycles: 1, flapping: false });
    expect(h.series.availabilityPercent).toHaveLength(96);
    expect(h.series.availabilityPercent[40]!.v).toBe(0); // 10:00-10:15 all down
    expect(topServers(h).map((s) => s.name)).toEqual(['flaky']);
  });

  test.each([
    // The summary ten minutes after install: the hub down 15 s, one server down all 10 minutes
    // (was 100000.0 %: its down share ÷ 0.1 %), one down 9m16s (was 92682.9 %).
    ['hub: 15 s down in 10 min observed', [...minutes(0, 9, () => 1), up(9 * M, 9, 12)], 15_000, 15 / 86.4],
    ['server down for all 10 minutes observed', minutes(0, 10, () => 0), 10 * M, 600 / 86.4],
    ['server down 9m16s of the 10 minutes', [...minutes(0, 9, () => 0), up(9 * M, 11, 15)], 9 * M + 16_000, 556 / 86.4],
  ])('a young day: budget used is bad time ÷ what the whole day allows (86.4 s at 99.9 %): %s', (_name, buckets, badMs, usedFraction) => {
    const input = dayInput();
    const at = (b: Bucket[]) => b.map((x) => ({ ...x, t: input.from + D - 10 * M + x.t }));
    const hub = { ...input.hubs[0]!, up: { current: at(buckets), previous: [] }, servers: [{ name: 's', up: { current: at(buckets), previous: [] } }], events: [],
      sloWindow: { availability: { good: 1, total: 1, observedMs: 10 * M }, latency: { good: 1, total: 1, observedMs: 10 * M } }, gaps: [{ from: input.from, to: input.from + D - 10 * M }] };
    const h = buildReport({ ...input, hubs: [hub] }, cfg).hubs[0]!;
    expect(h.availability.badMs).toBeCloseTo(badMs, 0);
    expect(h.availability.budgetUsedPercent).toBeCloseTo(usedFraction * 100, 1);
    expect(h.servers[0]!.budgetUsedPercent).toBeCloseTo(usedFraction * 100, 1);
  });

  test('the SLO window on a young history: 15 s down in the 10 minutes observed of 30 days used 0.58 % of its budget', () => {
    const input = dayInput();
    const hub = { ...input.hubs[0]!, sloWindow: { availability: { good: 117, total: 120, observedMs: 10 * M }, latency: { good: 120, total: 120, observedMs: 10 * M } } };
    const w = buildReport({ ...input, hubs: [hub] }, cfg).hubs[0]!.availability.window;
    expect(w).toMatchObject({ good: 117, total: 120, observedMs: 10 * M });
    expect(w.badMs).toBeCloseTo(15_000, 6);
    expect(w.budgetLeftPercent).toBeCloseTo(100 - 0.5787, 3);
  });

  test('the SLO on real calls: none through a tap is no objective at all; with calls, the period\'s, the previous one\'s and the window\'s', () => {
    const input = dayInput();
    expect(buildReport(input, cfg).hubs[0]!.callSlos).toBeNull();
    const calls = (n: number, failed: number, slow: number): CallStats => {
      const s = emptyStats(HUB, 'files', 'read');
      for (let i = 0; i < n; i++) {
        addCall(s, { hub: HUB, server: 'files', tool: 'read', method: 'tools/call', transport: 'rest', client: null, session: null, requestId: null, start: 0, durationMs: i < slow ? 3_000 : 40,
          ...(i >= n - failed ? { outcome: 'tool_error' as const } : { outcome: 'ok' as const }), requestBytes: 1, responseBytes: 1 });
      }
      return s;
    };
    // A day of calls, 2 % failing and 10 % slower than 2 s; the day before 1,000 calls all fine; the window 3 days observed.
    const hub = { ...input.hubs[0]!, gaps: [{ from: input.from, to: input.from + 12 * H }], calls: { current: [calls(4_000, 80, 400)], previous: [calls(1_000, 0, 0)] },
      callsSloWindow: { success: { good: 4_920, total: 5_000, observedMs: 3 * D }, latency: { good: 4_600, total: 5_000, observedMs: 3 * D } } };
    const c = buildReport({ ...input, hubs: [hub] }, cfg).hubs[0]!.callSlos!;
    expect(c.success).toMatchObject({ objectivePercent: 99, current: { good: 3_920, total: 4_000, percent: 98 }, previous: { good: 1_000, total: 1_000, percent: 100 } });
    // The bad share (2 %) × the 12 h the daemon ran, against the 1 % of the 24 h period: 100 %.
    expect(c.success.badMs).toBeCloseTo(0.02 * 12 * H, 6);
    expect(c.success.budgetUsedPercent).toBeCloseTo(100, 6);
    expect(c.latency).toMatchObject({ objectivePercent: 95, current: { good: 3_600, total: 4_000, percent: 90 } });
    // The window: 1.6 % failing over 3 days observed of 30, against 1 %: 16 % of the budget.
    expect(c.success.window).toMatchObject({ good: 4_920, total: 5_000, observedMs: 3 * D });
    expect(c.success.window.budgetLeftPercent).toBeCloseTo(100 - 16, 6);
  });

  test('the same inputs always give the same model', () => {
    expect(buildReport(dayInput(), cfg)).toEqual(buildReport(dayInput(), cfg));
  });

  test('availability is always within 0–100 % or unknown, and the budget used is never negative', () => {
    fc.assert(fc.property(fc.array(fc.record({ n: fc.integer({ min: 0, max: 20 }), bad: fc.integer({ min: 0, max: 20 }) }), { maxLength: 50 }), (rows) => {
      const input = dayInput();
      const current = rows.map((r, i) => up(input.from + i * M, Math.max(0, r.n - r.bad), r.n, 0));
      const m = buildReport({ ...input, hubs: [{ ...input.hubs[0]!, up: { current, previous: [] } }] }, cfg);
      const a = m.hubs[0]!.availability;
      if (a.current.percent !== null) expect(a.current.percent).toBeGreaterThanOrEqual(0);
      if (a.current.percent !== null) expect(a.current.percent).toBeLessThanOrEqual(100);
      if (a.budgetUsedPercent !== null) expect(a.budgetUsedPercent).toBeGreaterThanOrEqual(0);
    }));
  });
});
