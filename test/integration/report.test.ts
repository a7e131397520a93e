/**
 * `summary` and `report weekly|monthly` through the built CLI against a store seeded with a known eight
 * days (test/support/seeded-store.ts): the numbers are the known answers, the Markdown keeps its tables
 * with hostile server names, the JSON is the model, and files are written atomically.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateReport, writeReport } from '../../src/cli/commands/report.js';
import { defaultConfig } from '../../src/config/defaults.js';
import type { HubReport, ReportModel } from '../../src/evaluate/report-model.js';
import { runCli } from '../support/cli.js';
import { markdownTables } from '../support/report-fixture.js';
import { DAY, END, FIRING_TEXT, HOSTILE, HOSTILE_CODE, HOSTILE_TOOL, HOUR, HUB_A, HUB_B, MIN, OUTAGES, seedStore, T0 } from '../support/seeded-store.js';

let seed: ReturnType<typeof seedStore>;
const temps: string[] = [];
beforeAll(() => { seed = seedStore(); });
afterAll(() => {
  seed.cleanup();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
/** A temp dir removed after the file's tests. */
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};

const iso = (t: number) => new Date(t).toISOString();
const cli = (...args: string[]) => runCli([...args, '--state-dir', seed.stateDir]);
async function json(...args: string[]): Promise<ReportModel> {
  const run = await cli(...args, '--format', 'json');
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as ReportModel;
}
const hub = (m: ReportModel, url: string) => m.hubs.find((h) => h.hub === url) as HubReport;
const server = (h: HubReport, name: string) => h.servers.find((s) => s.name === name)!;

describe('weekly report of the seeded week', () => {
  let m: ReportModel;
  beforeAll(async () => { m = await json('report', 'weekly', '--at', iso(END)); });

  test('period and hubs', () => {
    expect(m.period).toEqual({ from: T0 + DAY, to: END });
    expect(m.previous).toEqual({ from: T0 - 6 * DAY, to: T0 + DAY });
    expect(m.hubs.map((h) => h.hub)).toEqual([HUB_B, HUB_A]);
  });

  test('hub availability: 30 refused polls of 10,020 (the daemon gap is unknown, not counted), budget used: 30 min down of the 10m05s a week allows', () => {
    const a = hub(m, HUB_A);
    expect(a.availability.current).toMatchObject({ good: 9990, total: 10020 });
    expect(a.availability.current.percent).toBeCloseTo(99.7006, 4);
    expect(a.availability.badMs).toBeCloseTo(30 * MIN, 6);
    expect(a.availability.budgetUsedPercent).toBeCloseTo(((30 * MIN) / (0.001 * 7 * DAY)) * 100, 6); // 297.6 %
    expect(a.unknown).toEqual({ totalMs: HOUR, gaps: [{ from: OUTAGES.daemonGap[0], to: OUTAGES.daemonGap[1], durationMs: HOUR }] });
    expect(a.outages).toEqual([{ start: OUTAGES.hubA[0], end: OUTAGES.hubA[1], downMs: 30 * MIN, failedPolls: 30, ongoing: false }]);
    expect(hub(m, HUB_B).availability.current).toMatchObject({ good: 10020, total: 10020, percent: 100 });
  });

  test('servers: availability, episodes, flapping', () => {
    const a = hub(m, HUB_A);
    expect(a.servers.map((s) => [s.name, s.current.good, s.current.total])).toEqual([
      ['crashy', 9870, 9990], [HOSTILE, 9985, 9990], ['flaky', 9950, 9990], ['stable', 9990, 9990],
    ]);
    expect(server(a, 'flaky')).toMatchObject({ downEpisodes: 4, downMs: 40 * MIN, longestDownMs: 10 * MIN, cycles: 4, flapping: true, errors: 5, incidents: 4 });
    expect(server(a, 'crashy')).toMatchObject({ downEpisodes: 1, downMs: 2 * HOUR, cycles: 1, flapping: false, incidents: 1 });
    expect(server(a, HOSTILE)).toMatchObject({ downEpisodes: 1, downMs: 5 * MIN, flapping: false });
  });

  test('incidents: 7 with their durations (rows and their events are not counted twice); 1 in the week before', () => {
    const a = hub(m, HUB_A);
    expect(a.incidents.map((i) => [i.rule, i.server, i.durationMs])).toEqual([
      ['server.status', HOSTILE, 5 * MIN], ['hub.reachable', null, 30 * MIN],
      ['server.status', 'flaky', 10 * MIN], ['server.status', 'flaky', 10 * MIN], ['server.status', 'flaky', 10 * MIN], ['server.status', 'flaky', 10 * MIN],
      ['server.status', 'crashy', 2 * HOUR],
    ]);
    expect(a.incidents.every((i) => i.source === 'alert_store' && !i.ongoing)).toBe(true);
    expect(a.incidentsPrevious).toBe(1); // known only from events
    expect(hub(m, HUB_B).incidents).toEqual([]);
  });

  test('top error codes, with the flood summary counted exactly', () => {
    expect(hub(m, HUB_A).errors).toEqual({
      total: 33, totalPrevious: 4,
      codes: [{ code: 'ECONNRESET', count: 25 }, { code: 'E_TOOL_TIMEOUT', count: 3 }, { code: HOSTILE_CODE, count: 2 }, { code: 'EPIPE', count: 2 }, { code: '(no code)', count: 1 }],
    });
  });

  test('latency against the week before, RSS trend and capacity outlook, tool-list changes', () => {
    const a = hub(m, HUB_A);
    expect(a.latency).toMatchObject({ basis: '1m', current: { count: 9990, p50: 14.5, max: 19 }, previous: { count: 1440, p50: 9.5 }, baseline: null });
    expect(a.latency.changeP50Percent).toBeCloseTo(52.63, 2);
    expect(a.memory.slopeBytesPerDay).toBeCloseTo(5e6, -3);
    expect(a.memory.daysToWarning).toBeCloseTo(72, 1);
    expect(a.memory.daysToCritical).toBeCloseTo(172, 1);
    // Fitted to the hourly means of the last capacity.window (7 d; the daemon gap has none): a steady line, so the interval is the point.
    expect(a.memory.trend.points).toBeGreaterThanOrEqual(7 * 24 - 2);
    expect(a.memory.toWarning.earliestDays).toBeCloseTo(72, 1);
    expect(hub(m, HUB_B).memory).toMatchObject({ current: null, slopeBytesPerDay: null });
    expect(a.toolChanges.map((c) => [c.server, c.added, c.removed, c.changed])).toEqual([
      ['stable', ['search'], ['old_tool'], ['read']], [HOSTILE, ['a|b\n<script>t</script>'], [], []],
    ]);
  });

  test('calls seen by the tap, from the stored calls.* series (rollups and the raw last half hour): slow servers, error types, top tools', () => {
    const c = hub(m, HUB_A).calls!;
    // 167 hourly intervals this week (the daemon gap has none), 24 on day 0.
    expect([c.current, c.previous.calls]).toEqual([{ calls: 167 * 12 + 40 + 1, errors: 41, successPercent: (100 * (167 * 12)) / (167 * 12 + 41) }, 24 * 13]);
    expect(c.slowServers).toEqual([{ server: 'search', calls: 334, p95Ms: expect.closeTo(4_850, 0), previousP95Ms: expect.closeTo(485, 0), slowCalls: 334 }]);
    expect(c.errorTypes.map((e) => [e.type, e.count, e.previous])).toEqual([['500', 40, 0], [HOSTILE_CODE, 1, 0], ['timeout', 0, 24]]);
    expect(c.topTools.map((t) => [t.server, t.tool, t.calls, t.previousCalls, t.topError])).toEqual([
      ['files', 'read', 1670, 264, null], ['search', 'query', 334, 48, null], ['crashy', 'echo', 40, 0, '500'], [HOSTILE, HOSTILE_TOOL, 1, 0, HOSTILE_CODE],
    ]);
    expect(hub(m, HUB_B).calls).toBeNull(); // no tap in front of it: not seen, not "0 errors"
  });

  test('fleet: the two hubs side by side over the week (restarts: the servers that came back), outliers not judged with two', () => {
    expect(m.fleet!.rows.map((r) => [r.hub, r.availability, r.errorSource, r.serversUp, r.serversDown, r.restarts])).toEqual([
      [HUB_B, 1, 'polls', 1, 0, 0], [HUB_A, 9990 / 10020, 'calls', 4, 0, 6],
    ]);
    expect([m.fleet!.outliers, m.fleet!.notJudged, m.fleet!.minHubs]).toEqual([[], '2 hubs, need 3', 3]);
  });

  test('the JSON is the model the library builds', () => {
    const lib = generateReport('weekly', seed.stateDir, defaultConfig(), END, m.generatedAt);
    expect(m).toEqual(JSON.parse(JSON.stringify(lib)));
  });
});

test('summary of day 6: crashy dead 2 h is 91.667 % and one incident; the day before had flaky\'s four', async () => {
  const m = await json('summary', '--at', iso(T0 + 7 * DAY));
  const a = hub(m, HUB_A);
  expect(server(a, 'crashy').current).toMatchObject({ good: 1320, total: 1440 });
  expect(a.incidents).toHaveLength(1);
  expect(a.incidentsPrevious).toBe(4);
  expect(a.latency.basis).toBe('raw');
  const md = (await cli('summary', '--at', iso(T0 + 7 * DAY))).stdout;
  expect(md).toMatch(/^# MCP Hub daily review/);
  expect(md).toContain('| crashy | 91.667% (1320/1440) |');
  // The incident shows what fired, not the passing text its resolved alert row was left with.
  expect(a.incidents[0]!.summary).toBe(FIRING_TEXT['fp-crashy']);
  expect(md).toMatch(/\| critical \| server\.status \| crashy \| crashy: dead: the hub says connected, but uptime went from 41s to 0s \|/);
  expect(md).not.toContain('connected, up 6s');
  const html = (await cli('summary', '--at', iso(T0 + 7 * DAY), '--format', 'html')).stdout;
  expect(html).toContain('<td>crashy: dead: the hub says connected, but uptime went from 41s to 0s</td>');
  expect(html).not.toContain('connected, up 6s');
});

test('monthly report: the whole seeded history, read from the 1-hour rollups', async () => {
  const a = hub(await json('report', 'monthly', '--at', iso(END)), HUB_A);
  expect(a.availability.current).toMatchObject({ good: 11430, total: 11460 });
  expect(a.incidents).toHaveLength(8);
  expect(a.latency.basis).toBe('1h');
  // The same calls from the 1-hour rollups: all eight days, nothing before.
  expect(a.calls!.topTools.slice(0, 2).map((t) => [t.tool, t.calls, t.previousCalls])).toEqual([['read', 1670 + 264, 0], ['query', 334 + 48, 0]]);
  expect(a.calls!.slowServers.map((s) => [s.server, s.slowCalls])).toEqual([['search', 334]]);
});

test('Markdown keeps every table\'s shape with hostile server names', async () => {
  const md = (await cli('report', 'weekly', '--at', iso(END))).stdout;
  const tables = markdownTables(md);
  for (const t of tables) for (const row of t) expect(row).toHaveLength(t[0]!.length);
  const servers = tables.filter((t) => t[0]![0] === 'server' && t[0]!.length === 9);
  expect(servers.map((t) => t.length - 2)).toEqual([1, 4]); // hub B: 1 server, hub A: 4
  expect(tables.filter((t) => t[0]![0] === 'start' && t[0]!.length === 7).map((t) => t.length - 2)).toEqual([7]);
  expect(md).not.toMatch(/(^|[^\\])[<>`]/m);
  expect(md).toMatch(/no pinned baseline/);
  for (const h of ['### Slow servers (P95 \\> 2000 ms)', '### Error type distribution', '### Top tools by calls']) expect(md).toContain(h); // > escaped as Markdown
  expect(tables.filter((t) => t[0]![0] === 'server/tool').map((t) => t.length - 2)).toEqual([4]); // hub A only
  expect(md).toMatch(/No calls recorded this period or the one before: no tap was connected/); // hub B
});

describe('--output', () => {
  test('writes the Markdown and its SVG charts beside it, 0600, no temp file left; a symlink at the target is replaced, not followed', async () => {
    const dir = tempDir('mhm-report-out-');
    writeFileSync(join(dir, 'victim'), 'keep');
    symlinkSync(join(dir, 'victim'), join(dir, 'weekly.md'));
    const run = await cli('report', 'weekly', '--at', iso(END), '--output', join(dir, 'weekly.md'));
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`wrote ${join(dir, 'weekly.md')} and 8 SVG charts beside it\n`);
    expect(readFileSync(join(dir, 'victim'), 'utf8')).toBe('keep');
    expect(lstatSync(join(dir, 'weekly.md')).isFile()).toBe(true);
    const files = readdirSync(dir).sort();
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const svgs = files.filter((f) => f.endsWith('.svg'));
    expect(svgs).toHaveLength(8); // hub B: availability, latency, servers; hub A: also RSS and error codes
    const md = readFileSync(join(dir, 'weekly.md'), 'utf8');
    for (const f of svgs) {
      expect(md).toContain(`](${f})`);
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, f), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
    }
    expect(statSync(join(dir, 'weekly.md')).mode & 0o777).toBe(0o600);
  });

  test('HTML is one file; a missing directory is created, as export --output-dir does; one that cannot be is a usage error', async () => {
    const dir = tempDir('mhm-report-out-');
    expect((await cli('summary', '--at', iso(END), '--format', 'html', '--output', join(dir, 'r.html'))).code).toBe(0);
    expect(readdirSync(dir)).toEqual(['r.html']);
    const nested = await cli('report', 'monthly', '--at', iso(END), '--output', join(dir, 'new', 'reports', 'monthly.md'));
    expect(nested.code).toBe(0);
    expect(readdirSync(join(dir, 'new', 'reports'))).toContain('monthly.md');
    const bad = await cli('summary', '--output', join(dir, 'r.html', 'r.md')); // under a file
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^mcp-hub-monitor: --output .*r\.html\/r\.md: cannot create the directory .*r\.html \(EEXIST\)\. Choose a directory you can write\.\n$/);
  });
});

test('writeReport (the daemon\'s schedule) writes <state>/reports/<kind>-<date>.md and its charts', () => {
  const w = writeReport('weekly', seed.stateDir, defaultConfig(), END);
  expect(w.path).toBe(join(seed.stateDir, 'reports', 'weekly-2026-01-13.md'));
  expect(w.charts).toHaveLength(8);
  expect(w.charts.every((c) => c.startsWith(join(seed.stateDir, 'reports', 'weekly-2026-01-13-')) && existsSync(c))).toBe(true);
  expect(statSync(w.path).mode & 0o777).toBe(0o600);
  expect(statSync(join(seed.stateDir, 'reports')).mode & 0o777).toBe(0o700);
  expect(readFileSync(w.path, 'utf8')).toContain('| http://127.0.0.1:7000 | 99.701% (9990/10020) |');
});

test.each([
  [['report', 'yearly'], /unknown period "yearly"/],
  [['summary', '--format', 'pdf'], /--format: md, html or json \(got "pdf"\)/],
  [['summary', '--at', 'yesterday'], /--at: not an ISO time/],
  [['summary', '--hub', 'http://127.0.0.1:9999'], /no history of this hub/],
])('usage errors exit 3 and say what to do: %j', async (args, message) => {
  const run = await cli(...args);
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(message);
});

test('without a store, a report is a usage error naming the file', async () => {
  const run = await runCli(['summary', '--state-dir', tempDir('mhm-empty-')]);
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(/no history at .*history\.sqlite.*start it first/);
});

test('a pinned baseline of a hub is compared with; a broken one is reported as unreadable', async () => {
  const dir = join(seed.stateDir, 'baselines');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'before-upgrade.json'), JSON.stringify({
    format: 'mcp-hub-monitor-baseline', name: 'before-upgrade', startedAt: iso(T0),
    hubs: [{ url: HUB_A, health: { latencyMs: { p50: 10, p95: 12 } }, process: { hubRssMb: { mean: 90 } } }],
  }));
  writeFileSync(join(dir, 'pinned.json'), JSON.stringify({ name: 'before-upgrade' }));
  const m = await json('report', 'weekly', '--at', iso(END));
  expect(m.baseline).toMatchObject({ status: 'ok', name: 'before-upgrade', takenAt: T0 });
  expect(hub(m, HUB_A).latency.baseline).toMatchObject({ p50Ms: 10, p95Ms: 12 });
  expect(hub(m, HUB_A).latency.baseline!.changeP95Percent).toBeCloseTo(((19 - 12) / 12) * 100);
  expect(hub(m, HUB_A).memory.baselineBytes).toBe(90e6);
  expect(hub(m, HUB_B).latency.baseline).toBeNull();
  writeFileSync(join(dir, 'pinned.json'), '{"name": "../../etc/passwd"}');
  expect((await json('summary', '--at', iso(END))).baseline).toMatchObject({ status: 'unreadable', detail: expect.stringMatching(/not a baseline name/) });
  rmSync(dir, { recursive: true });
});
