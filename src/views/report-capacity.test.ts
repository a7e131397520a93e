/**
 * The capacity outlook in the reports: hub RSS with its prediction interval against check's and
 * anomalies' limits (the one trend method, capacity.ts), the hub's call volume, and this machine's disk
 * (the hub's logs, the store); too little history and not growing said as such.
 */
import { expect, test } from 'vitest';
import { hostileReport } from '../../test/support/report-fixture.js';
import { defaultConfig } from '../config/defaults.js';
import type { SeriesPoint } from '../evaluate/capacity.js';
import { renderReportMarkdown } from './report-markdown.js';

const HUB = 'http://127.0.0.1:7000';
const H = 3_600_000;
const D = 24 * H;

/** Hourly points over the 3 days before `to` of f(days before to). */
const hourly = (to: number, f: (x: number) => number): SeriesPoint[] => Array.from({ length: 72 }, (_, i) => {
  const t = to - 3 * D + (i + 0.5) * H;
  return { t, v: f((t - to) / D) };
});

test('RSS against both limits with its interval, the call volume, and the machine\'s disk', () => {
  const cfg = defaultConfig();
  cfg.capacity.thresholds.call_volume = 10_000;
  const model = hostileReport(['files'], HUB, ({ to }) => ({
    events: [], alerts: [],
    capacity: [
      { hub: HUB, resource: 'call_volume', points: hourly(to, (x) => 8_000 + 500 * x) },
      { hub: '', resource: 'hub_logs', points: hourly(to, (x) => 80e6 + 5e6 * x) },
      { hub: '', resource: 'store', points: hourly(to, () => 300e6).slice(-10) },
    ],
  }), cfg);
  const { markdown } = renderReportMarkdown(model);
  // The fixture's RSS grows 1.44 MB a day, exactly: the interval is the point, beyond the 7-day horizon.
  expect(markdown).toMatch(/Capacity outlook: hub RSS grows by 1\.4 MB\/day \(least squares over 168 hourly means, 2025-12-30 00:30Z to 2026-01-05 23:30Z, with the 95 % prediction interval\)\. It reaches 500\.0 MB \(check warning\) in 2\d\d\.\d days \(at the earliest in 2\d\d\.\d, the latest beyond the 7-day horizon\); 1000\.0 MB \(anomalies critical\) in \d+\.\d days \(at the earliest in \d+\.\d, the latest beyond the 7-day horizon\)\./);
  expect(markdown).toContain('Capacity outlook: call volume reaches 10000 calls/day in 4.0 days (between 4.0 and 4.0); +500 calls/day per day.');
  expect(markdown).toContain('## Capacity of this machine');
  expect(markdown).toContain("The hub's logs: reaches 100 MB in 4.0 days (between 4.0 and 4.0); +5 MB/day.");
  expect(markdown).toContain('The history store: too little history (9 h of 24 h).');
});

test('RSS that does not grow, and a hub with too little of it', () => {
  const flat = hostileReport(['files'], HUB, () => ({ events: [], alerts: [] }));
  const hub = flat.hubs[0]!;
  hub.memory = { ...hub.memory, toWarning: { ...hub.memory.toWarning, reason: 'not_growing', slopePerDay: -2e5 } };
  expect(renderReportMarkdown(flat).markdown).toMatch(/Capacity outlook: hub RSS is not growing \(−0\.2 MB\/day, within the noise; least squares over 168 hourly means, .*\): no limit in sight\./);
  hub.memory = { ...hub.memory, trend: { points: 5, fromMs: 0, toMs: 4 * H }, toWarning: { ...hub.memory.toWarning, reason: 'too_little_history' } };
  expect(renderReportMarkdown(flat).markdown).toContain('Capacity outlook: too little RSS history to fit a trend (4 h of hourly means; need 24 h).');
});
