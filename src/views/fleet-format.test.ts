import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { evaluateFleet, type FleetHubInput } from '../evaluate/fleet.js';
import { fleetCellList, fleetCells, notComparedLines, outlierCells, outlierCellsOf, outlierLine, outlierSummary } from './fleet-format.js';

const hub = (name: string, over: Partial<FleetHubInput> = {}): FleetHubInput => ({
  hub: name, level: 'green', polls: { good: 10, total: 10 }, healthLatencyMs: [5], probes: { total: 10, failed: 0 }, restarts: 0,
  servers: new Map([['s', true]]), ...over,
});
const cfg = defaultConfig().fleet;

test('a row in words: every column, and — where the window has no value', () => {
  const v = evaluateFleet([hub('http://a:1', { healthLatencyMs: [4, 6, 100], probes: { total: 3, failed: 1 }, restarts: 2, servers: new Map([['s', true], ['t', false]]) }),
    hub('http://b:1', { polls: { good: 0, total: 0 }, healthLatencyMs: [], probes: { total: 0, failed: 0 } })], cfg, { windowLabel: '10m' });
  expect(fleetCellList(v.rows[0]!)).toEqual(['http://a:1', 'green', '100.00%', '6.0', '90.6', '33.3%', 'probes', '1/1', '2']);
  expect(fleetCells(v.rows[1]!)).toMatchObject({ availability: '—', p50: '—', p95: '—', errors: '—', errorSource: '—' });
});

test('outliers named: the metric (and the error ratio\'s source), the value against the fleet\'s median, z; a server down on one hub', () => {
  const v = evaluateFleet([hub('http://a:1', { healthLatencyMs: [900], probes: { total: 10, failed: 5 } }), hub('http://b:1', { servers: new Map([['s', false]]) }),
    hub('http://c:1'), hub('http://d:1')], cfg, { windowLabel: '10m' });
  const cells = v.outliers.map((o) => outlierCells(o, v.rows));
  expect(cells).toEqual([
    { hub: 'http://a:1', metric: 'health latency (median of its polls)', value: '900 ms', median: '5 ms', z: '30.18' },
    { hub: 'http://a:1', metric: 'error ratio (probes)', value: '50%', median: '0%', z: '16.86' },
    { hub: 'http://b:1', metric: 'server s', value: 'down', median: 'up on 3 other hubs', z: '—' },
  ]);
  expect(cells.map(outlierLine)).toEqual([
    'health latency (median of its polls) 900 ms vs fleet median 5 ms (z 30.18)', 'error ratio (probes) 50% vs fleet median 0% (z 16.86)', 'server s down here, up on 3 other hubs',
  ]);
  expect([...outlierCellsOf('http://a:1', v.outliers)]).toEqual(['p50', 'errors']);
  expect([...outlierCellsOf('http://c:1', v.outliers)]).toEqual([]);
});

test('the outliers summarised the same way in every view: not judged (how many hubs, how many it takes), none, or how many', () => {
  const cfg = defaultConfig().fleet;
  expect(outlierSummary(evaluateFleet([hub('a'), hub('b')], cfg, { windowLabel: '10m' }))).toBe('not judged: 2 hubs, need 3');
  expect(outlierSummary(evaluateFleet([hub('a')], cfg, { windowLabel: '10m' }))).toBe('not judged: 1 hub, need 3');
  expect(outlierSummary(evaluateFleet([hub('a'), hub('b'), hub('c')], cfg, { windowLabel: '10m' }))).toBe('none: no hub stands out from the fleet');
  const slow = evaluateFleet([hub('a'), hub('b'), hub('c', { healthLatencyMs: [900] })], cfg, { windowLabel: '10m' });
  expect(outlierSummary(slow)).toBe('1 outlier (fleet.outlier)');
  // What the web page gets from /api/fleet: notJudged null when judged.
  expect(outlierSummary({ notJudged: null, outliers: [] })).toBe('none: no hub stands out from the fleet');
});

test('a metric too few hubs have a value for is said not compared, never left silent', () => {
  const cfg = defaultConfig().fleet;
  // Two hubs with a tap (error ratio from calls), one without (from probes): neither group has 3 hubs.
  const tapped = { calls: { total: 100, errors: 50 } };
  const v = evaluateFleet([hub('a', tapped), hub('b', tapped), hub('c'), hub('d', { healthLatencyMs: [] })], cfg, { windowLabel: '10m' });
  expect(v.notCompared).toEqual([{ metric: 'error_ratio', source: 'calls', hubs: 2 }, { metric: 'error_ratio', source: 'probes', hubs: 2 }]);
  expect(notComparedLines(v.notCompared, 3)).toEqual(['error ratio (calls): 2 hubs have a value, need 3', 'error ratio (probes): 2 hubs have a value, need 3']);
  // Health latency on three of the four hubs is still compared; no hub with a latency at all is a gap, named.
  const none = evaluateFleet([hub('a', { healthLatencyMs: [] }), hub('b', { healthLatencyMs: [] }), hub('c', { healthLatencyMs: [] })], cfg, { windowLabel: '10m' });
  expect(notComparedLines(none.notCompared, 3)).toEqual(['health latency (median of its polls): no hub has a value, need 3']);
  // Every metric compared: nothing to say. Too few hubs overall: not judged says it all.
  expect(evaluateFleet([hub('a'), hub('b'), hub('c')], cfg, { windowLabel: '10m' }).notCompared).toEqual([]);
  expect(evaluateFleet([hub('a', tapped), hub('b')], cfg, { windowLabel: '10m' }).notCompared).toEqual([]);
});
