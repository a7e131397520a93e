import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { evaluateFleet, type FleetHubInput } from '../evaluate/fleet.js';
import { renderFleetText } from './fleet-text.js';

const hub = (name: string, over: Partial<FleetHubInput> = {}): FleetHubInput => ({
  hub: name, level: 'green', polls: { good: 10, total: 10 }, healthLatencyMs: [5], probes: { total: 10, failed: 0 }, restarts: 0,
  servers: new Map([['s', true]]), ...over,
});

test('a row per hub and the outliers, hostile hub and server names escaped', () => {
  const evil = 'http://x\u001b[31m\u202e:1';
  const v = evaluateFleet([hub('http://a:1'), hub('http://b:1'), hub(evil, { probes: { total: 10, failed: 5 }, servers: new Map([['s\u001b]0;pwn\u0007', false], ['s', true]]) }),
    hub('http://c:1', { servers: new Map([['s\u001b]0;pwn\u0007', true], ['s', true]]) }), hub('http://d:1', { servers: new Map([['s\u001b]0;pwn\u0007', true], ['s', true]]) })], defaultConfig().fleet, { windowLabel: '10m' });
  const text = renderFleetText(v, '10m', 3);
  expect(text).not.toMatch(/[\u001b\u0007\u202e]/);
  expect(text.split('\n').slice(0, 4)).toEqual([
    'fleet over the last 10m: 5 hubs',
    '  hub                         level     avail    p50 ms    p95 ms   errors (from)    up/down  restarts',
    '  http://a:1                  green   100.00%       5.0       5.0     0.0% (probes)      1/0  0',
    '  http://b:1                  green   100.00%       5.0       5.0     0.0% (probes)      1/0  0',
  ]);
  expect(text).toContain('  http://x\\x1b[31m<U+202E>:1  green   100.00%       5.0       5.0    50.0% (probes)      1/1  0');
  expect(text).toContain('outliers: 2 outliers (fleet.outlier)\n  http://x\\x1b[31m<U+202E>:1  error_ratio: error ratio (probes) 50%');
  expect(text).toContain('s\\x1b]0;pwn\\x07: server s\\x1b]0;pwn\\x07 is down on this hub while up on the 2 other hubs');
});

test('too few hubs: the table, and why outliers are not judged', () => {
  const v = evaluateFleet([hub('http://a:1'), hub('http://b:1')], defaultConfig().fleet, { windowLabel: '10m' });
  expect(renderFleetText(v, '10m', 3)).toMatch(/outliers: not judged: 2 hubs, need 3\n$/);
  expect(renderFleetText(evaluateFleet([], defaultConfig().fleet, { windowLabel: '10m' }), '10m', 3)).toMatch(/^fleet: no hub recorded in the last 10m/);
});

test('a metric too few hubs have a value for is listed as not compared', () => {
  const tapped = { calls: { total: 10, errors: 0 } };
  const v = evaluateFleet([hub('http://a:1', tapped), hub('http://b:1'), hub('http://c:1'), hub('http://d:1')], defaultConfig().fleet, { windowLabel: '10m' });
  expect(renderFleetText(v, '10m', 3)).toMatch(/outliers: none: no hub stands out from the fleet\nnot compared: error ratio \(calls\): 1 hub has a value, need 3\n$/);
});
