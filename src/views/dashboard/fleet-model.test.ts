import { expect, test } from 'vitest';
import { defaultConfig } from '../../config/defaults.js';
import { evaluateFleet, type FleetHubInput } from '../../evaluate/fleet.js';
import { fleetScreen, fleetView } from './fleet-model.js';

const hub = (name: string, over: Partial<FleetHubInput> = {}): FleetHubInput => ({
  hub: name, level: 'green', polls: { good: 10, total: 10 }, healthLatencyMs: [5], probes: { total: 10, failed: 0 }, restarts: 0,
  servers: new Map([['s', true]]), ...over,
});
const cfg = defaultConfig().fleet;
const EVIL = 'http://x\u001b]0;pwn\u0007\u202e:1';

test('a row per hub in the columns of status --fleet, the outlier\'s cell marked and its row flagged !, the outliers named; hostile names neutralised', () => {
  const v = evaluateFleet([hub('http://a:1'), hub('http://b:1'), hub(EVIL, { level: 'red', healthLatencyMs: [900], servers: new Map([['s', true], ['t\u001b[2J', false]]) }),
    hub('http://c:1', { servers: new Map([['s', true], ['t\u001b[2J', true]]) }), hub('http://d:1', { servers: new Map([['s', true], ['t\u001b[2J', true]]) })], cfg, { windowLabel: '10m' });
  const f = fleetView(v, { windowLabel: '10m', minHubs: 3, width: 120 });
  const line = (r: (typeof f.rows)[number]) => `${r.mark} ${r.cells.map((c) => c.text).join('  ')}`;
  expect(f.title).toBe('fleet over the last 10m: 5 hubs');
  expect([f.header, ...f.rows.map(line)]).toEqual([
    '  hub                               level    avail  p50 ms  p95 ms  errors  from    up/down  restarts',
    '  http://a:1                        green  100.00%     5.0     5.0    0.0%  probes      1/0         0',
    '  http://b:1                        green  100.00%     5.0     5.0    0.0%  probes      1/0         0',
    '! http://x\\x1b]0;pwn\\x07<U+202E>:1  red    100.00%   900.0   900.0    0.0%  probes      1/1         0',
    '  http://c:1                        green  100.00%     5.0     5.0    0.0%  probes      2/0         0',
    '  http://d:1                        green  100.00%     5.0     5.0    0.0%  probes      2/0         0',
  ]);
  expect(f.rows[2]!.cells.map((c, i) => (c.standsOut ? i : -1)).filter((i) => i >= 0)).toEqual([3, 7]); // p50 and up/down
  expect(f.rows.filter((r, i) => i !== 2).every((r) => r.cells.every((c) => !c.standsOut))).toBe(true);
  expect(f.note).toBe('outliers: 2 outliers (fleet.outlier)');
  expect(f.outliers).toEqual([
    'http://x\\x1b]0;pwn\\x07<U+202E>:1  health latency (median of its polls) 900 ms vs fleet median 5 ms (z 30.18)',
    'http://x\\x1b]0;pwn\\x07<U+202E>:1  server t\\x1b[2J down here, up on 2 other hubs',
  ]);
});

test('a narrow terminal clips the hub column, not the numbers', () => {
  const long = `http://${'h'.repeat(80)}:1`;
  const f = fleetView(evaluateFleet([hub(long), hub('http://b:1'), hub('http://c:1')], cfg, { windowLabel: '10m' }), { windowLabel: '10m', minHubs: 3, width: 90 });
  const first = `${f.rows[0]!.mark} ${f.rows[0]!.cells.map((c) => c.text).join('  ')}`;
  expect(first.length).toBe(90);
  expect(first).toMatch(/^ {2}http:\/\/h+…  green  100\.00%/);
  expect(first.endsWith('0')).toBe(true);
  expect(f.note).toBe('outliers: none: no hub stands out from the fleet');
});

test('too few hubs to judge, no hub, no history, not loaded yet: each says so', () => {
  const two = fleetView(evaluateFleet([hub('http://a:1'), hub('http://b:1')], cfg, { windowLabel: '10m' }), { windowLabel: '10m', minHubs: 3, width: 100 });
  expect([two.rows.length, two.note, two.outliers]).toEqual([2, 'outliers: not judged: 2 hubs, need 3', []]);
  expect(fleetView(evaluateFleet([], cfg, { windowLabel: '10m' }), { windowLabel: '10m', minHubs: 3, width: 100 }).title).toBe('fleet: no hub recorded in the last 10m');
  expect(fleetScreen({ unavailable: 'no daemon history at /s/history.db\u001b[2J' }, 100)).toEqual({ title: 'fleet: no daemon history at /s/history.db\\x1b[2J', header: '', rows: [], note: '', outliers: [], notCompared: [] });
  expect(fleetScreen(undefined, 100).title).toBe('fleet: loading…');
});

test('a metric too few hubs have a value for: a "not compared" line under the outliers', () => {
  const f = fleetView(evaluateFleet([hub('http://a:1', { calls: { total: 10, errors: 0 } }), hub('http://b:1'), hub('http://c:1'), hub('http://d:1')], cfg, { windowLabel: '10m' }), { windowLabel: '10m', minHubs: 3, width: 120 });
  expect(f.notCompared).toEqual(['not compared: error ratio (calls): 1 hub has a value, need 3']);
});
