/**
 * The capacity section of `status` over a real store's hourly rollups: a growing hub reaches 500 MB in N
 * days (between A and B) and is marked as warning; a flat one is not growing; a young one has too little
 * history (12 h of 24 h); the machine's store and hub logs; a hostile hub URL is escaped.
 */
import { expect, test } from 'vitest';
import { useTempStores } from '../../test/support/temp-store.js';
import { defaultConfig } from '../config/defaults.js';
import { DISK_SERIES, MACHINE_HUB } from '../daemon/capacity-inputs.js';
import type { SampleInput } from '../store/store.js';
import { capacityLines, capacityStatus } from './capacity-status.js';

const newStore = useTempStores('mhm-capacity-status-');
const H = 3_600_000;
const D = 24 * H;
const NOW = Date.parse('2026-11-25T00:00:00Z');

function series(hub: string, name: string, span: number, at: (x: number) => number): SampleInput[] {
  const out: SampleInput[] = [];
  for (let t = NOW - span, i = 0; t < NOW; t += 5 * 60_000, i++) out.push({ hub, name, t, v: Math.round(at((t - NOW) / D) + ((i * 7919) % 13) * 1e5) });
  return out;
}

test('per hub and for this machine: reaches, not growing, too little history, nothing recorded', () => {
  const store = newStore();
  const hostile = 'http://127.0.0.1:7003/\u001b[31mred';
  store.insertSamples([
    ...series('http://127.0.0.1:7001', 'hub.rss_bytes', 3 * D, (x) => 420e6 + 40e6 * x),
    ...series('http://127.0.0.1:7002', 'hub.rss_bytes', 3 * D, () => 300e6),
    ...series(hostile, 'hub.rss_bytes', 12 * H, (x) => 400e6 + 40e6 * x),
    ...series(MACHINE_HUB, DISK_SERIES.store, 3 * D, (x) => 300e6 + 1e6 * x),
  ]);
  while (!store.rollup(NOW).done) { /* bounded per call */ }
  const s = capacityStatus(defaultConfig(), store, ['http://127.0.0.1:7001', 'http://127.0.0.1:7002', hostile], NOW);
  expect(s.resources.map((r) => [r.hub, r.resource, r.reason, r.warn])).toEqual([
    ['http://127.0.0.1:7001', 'rss', null, true],
    ['http://127.0.0.1:7002', 'rss', 'not_growing', false],
    [hostile, 'rss', 'too_little_history', false],
    [null, 'hub_logs', 'too_little_history', false],
    [null, 'store', null, false],
  ]);
  const lines = capacityLines(s);
  expect(lines[0]).toBe('capacity (trend over 7 d of hourly points; warns when the earliest crossing is within 7 d):');
  expect(lines[1]).toMatch(/^ {2}http:\/\/127\.0\.0\.1:7001 {2}hub RSS: reaches 500 MB in 2\.\d days \(between [12]\.\d and [23]\.\d\); \+(39|40|41)(\.\d)? MB\/day {2}\[capacity\.rss warns\]$/);
  expect(lines[2]).toMatch(/^ {2}http:\/\/127\.0\.0\.1:7002 {2}hub RSS: not growing \([+−][\d.]+ [kM]B\/day, within the noise\)$/);
  expect(lines[3]).toMatch(/^ {2}http:\/\/127\.0\.0\.1:7003\/.*red {2}hub RSS: too little history \(1[12] h of 24 h\)$/);
  expect(lines[3]).not.toContain('\u001b');
  expect(lines[4]).toBe("  this machine  the hub's logs: no complete hour recorded in the last 7 days (it needs 24 h)");
  expect(lines[5]).toMatch(/^ {2}this machine {2}the history store: reaches 1 GB in \d+\.\d days \(at the earliest in \d+\.\d, the latest beyond the 7-day horizon\); \+1(\.\d)? MB\/day$/);
});

test('capacity.enabled false says the daemon does not sample nor warn', () => {
  const cfg = defaultConfig();
  cfg.capacity.enabled = false;
  expect(capacityLines(capacityStatus(cfg, newStore(), [], NOW))[0]).toMatch(/capacity\.enabled is false: the daemon neither samples the disk nor warns\):$/);
});
