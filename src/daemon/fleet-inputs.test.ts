import { expect, test } from 'vitest';
import { useTempStores } from '../../test/support/temp-store.js';
import { defaultConfig } from '../config/defaults.js';
import { fleetInputs } from './fleet-inputs.js';

const newStore = useTempStores('mhm-fleet-inputs-');
const HUB = 'http://127.0.0.1:7001';
const T = Date.parse('2026-11-25T00:00:00Z');

test('restarts: an uptime that went back and runs again, and the hub restarting; a child that died and stays at 0 is no restart', () => {
  const store = newStore();
  const uptime = (server: string, values: number[]) => values.map((v, i) => ({ hub: HUB, name: 'server.uptime_s', labels: { server }, t: T + i * 1_000, v }));
  store.insertSamples([
    ...uptime('restarted', [10, 11, 0, 0, 1, 2]), // died, then ran again: one restart
    ...uptime('quick', [10, 11, 2, 3]), // restarted between two polls: one
    ...uptime('died', [10, 11, 0, 0]), // dead, not back: none
    ...uptime('steady', [10, 11, 12, 13]),
  ]);
  store.insertEvents([{ hub: HUB, t: T + 500, type: 'hub_state', data: { state: 'restarting', source: 'sse', pid: null } }]);
  const [input] = fleetInputs(store, [HUB], [], defaultConfig(), T + 10_000);
  expect(input!.restarts).toBe(3);
});

test('servers: those of the latest poll, down when the poll or the latest probe says so; level from the open alerts', () => {
  const store = newStore();
  store.insertSamples([
    { hub: HUB, name: 'server.up', labels: { server: 'gone' }, t: T, v: 1 },
    { hub: HUB, name: 'server.up', labels: { server: 'ok' }, t: T + 1_000, v: 1 },
    { hub: HUB, name: 'server.up', labels: { server: 'hung' }, t: T + 1_000, v: 1 },
    { hub: HUB, name: 'server.up', labels: { server: 'off' }, t: T + 1_000, v: 0 },
    { hub: HUB, name: 'server.probe_ok', labels: { server: 'hung' }, t: T + 1_500, v: 0, err: 'hung' },
  ]);
  const [input] = fleetInputs(store, [HUB], [{ hub: HUB, rule: 'server.status', state: 'firing', severity: 'critical' }], defaultConfig(), T + 10_000);
  expect([...input!.servers].sort()).toEqual([['hung', false], ['off', false], ['ok', true]]);
  expect(input!.probes).toEqual({ total: 1, failed: 1 });
  expect(input!.level).toBe('red');
});
