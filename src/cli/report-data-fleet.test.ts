/**
 * The reports' Fleet section from a real Store seeded as the daemon writes it (polls, probes, a hub
 * restart): readReportInput → buildReport → the Markdown and HTML reports. Three hubs, one slow, one whose
 * probes fail, one named to break out of a table or the HTML; a report of one hub has no such section.
 */
import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { buildReport } from '../evaluate/report.js';
import { escapeHtml } from '../views/html.js';
import { renderReportHtml } from '../views/report-html.js';
import { renderReportMarkdown } from '../views/report-markdown.js';
import { useFakeDaemonViews } from '../../test/support/fake-daemon-view.js';
import { markdownTables } from '../../test/support/report-fixture.js';
import { readReportInput } from './report-data.js';

const views = useFakeDaemonViews('mhm-report-fleet-');
const M = 60_000;
const AT = Date.UTC(2026, 0, 6, 12);
const EVIL = 'http://127.0.0.1:7003/|<img src=x onerror="window.__pwned=1">\u001b[2J';
const HUBS = ['http://127.0.0.1:7001', 'http://127.0.0.1:7002', EVIL];
const absent = { status: 'absent' as const, file: '/state/baselines/pinned.json', hubs: [] };

/** An hour of polls a minute apart for each hub; the EVIL hub answers in 900 ms and restarts once, hub 2's probes of `echo` fail. */
function seeded() {
  const v = views(AT);
  for (const [i, hub] of HUBS.entries()) {
    for (let t = AT - 60 * M; t < AT - M; t += M) {
      const restarting = i === 2 && t === AT - 30 * M;
      v.poll(hub, t, { state: restarting ? 'restarting' : 'ready', latencyMs: i === 2 ? 900 : 4 + i, servers: [{ name: 'echo', up: true, uptimeS: 60 }] });
      v.probe(hub, t, 'echo', !(i === 1 && t >= AT - 30 * M));
    }
  }
  return v;
}

const report = (store: ReturnType<typeof seeded>['db'], hubs?: string[]) =>
  buildReport(readReportInput(store, 'daily', AT, defaultConfig(), { baseline: absent, generatedAt: AT, ...(hubs ? { hubs } : {}) }), defaultConfig());

test('three hubs: a row each over the period (the level from the alerts firing at its end), the slow hub and the failing probes named against the fleet\'s median', () => {
  const v = seeded();
  v.alert({ rule: 'hub.reachable', hub: EVIL }); // fired 30 s before the period's end, still firing
  v.alert({ rule: 'server.status', hub: HUBS[0]!, resolvedAt: AT - 10 * M, state: 'resolved' }); // over before the end
  const m = report(v.db);
  expect(m.fleet!.rows.map((r) => [r.hub, r.availability, r.latency?.p50, r.errorRatio, r.errorSource, r.serversUp, r.serversDown, r.restarts])).toEqual([
    [HUBS[0], 1, 4, 0, 'probes', 1, 0, 0],
    [HUBS[1], 1, 5, 29 / 59, 'probes', 0, 1, 0],
    [EVIL, 58 / 59, 900, 0, 'probes', 1, 0, 1], // the poll that saw it restarting is not "up"
  ]);
  expect(m.fleet!.rows.map((r) => r.level)).toEqual(['green', 'green', 'red']);
  expect(m.fleet!.outliers.map((o) => [o.hub, o.metric])).toEqual([[EVIL, 'health_latency_ms'], [HUBS[1], 'error_ratio'], [HUBS[1], 'server']]);

  const { markdown } = renderReportMarkdown(m);
  const section = markdown.slice(markdown.indexOf('## Fleet'), markdown.indexOf('## Hub 1'));
  const [table, outliers] = markdownTables(section);
  expect(table!.map((r) => r.length)).toEqual([9, 9, 9, 9, 9]);
  expect(table![0]).toEqual(['hub', 'level', 'avail', 'p50 ms', 'p95 ms', 'errors', 'from', 'up/down', 'restarts']);
  expect(table![4]).toEqual(['http://127.0.0.1:7003/\\|\\<img src=x onerror="window.\\_\\_pwned=1"\\>\\\\x1b\\[2J', 'red', '98.31%', '900.0', '900.0', '0.0%', 'probes', '1/0', '1']);
  expect(outliers!.slice(2)).toEqual([
    ['http://127.0.0.1:7003/\\|\\<img src=x onerror="window.\\_\\_pwned=1"\\>\\\\x1b\\[2J', 'health latency (median of its polls)', '900 ms', '5 ms', '30.18'],
    [HUBS[1], 'error ratio (probes)', '49.2%', '0%', '16.58'],
    [HUBS[1], 'server echo', 'down', 'up on 2 other hubs', '—'],
  ]);
  expect(section).toContain('**Outliers**: 3 outliers (fleet.outlier) — ');

  const html = renderReportHtml(m);
  const fleet = html.slice(html.indexOf('>Fleet</h2>'), html.indexOf('>Hub 1: '));
  expect(fleet).toContain(`<td>${escapeHtml('http://127.0.0.1:7003/|<img src=x onerror="window.__pwned=1">\\x1b[2J')}</td>`);
  expect(fleet).not.toMatch(/<img|\u001b/);
  expect((fleet.match(/<tr>/g) ?? []).length).toBe(4 + 4); // header and three hubs; header and three outliers
});

test('two hubs: the table, and that outliers are not judged; one hub: no Fleet section at all', () => {
  const v = seeded();
  const two = renderReportMarkdown(report(v.db, HUBS.slice(0, 2))).markdown;
  expect(two).toContain('## Fleet');
  expect(two).toContain('**Outliers**: not judged: 2 hubs, need 3.');
  const one = report(v.db, HUBS.slice(0, 1));
  expect(one.fleet).toBeNull();
  expect(renderReportMarkdown(one).markdown).not.toContain('Fleet');
  expect(renderReportHtml(one)).not.toContain('Fleet');
});
