import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { evaluateFleet, type FleetHubInput } from '../evaluate/fleet.js';
import { fleetCellList, fleetCells, notJudgedText, outlierCells, outlierCellsOf, outlierLine } from './fleet-format.js';

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

test('too few hubs: how many, and how many it takes', () => {
  expect(notJudgedText(2, 3)).toBe('not judged: 2 hubs, need 3');
  expect(notJudgedText(1, 3)).toBe('not judged: 1 hub, need 3');
});
