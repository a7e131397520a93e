/**
 * The capacity jobs on a manual clock over a real store: the disk-usage job samples the store's and the
 * hub's logs' bytes every minute as the machine's series; the capacity job reads the hourly rollups and
 * warns (capacity.rss, capacity.disk) when the earliest crossing is within the horizon — and only then.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../../../test/support/temp-dir.js';
import { useTempStores } from '../../../test/support/temp-store.js';
import type { EvaluationScope, RuleResult } from '../../alerts/lifecycle.js';
import { defaultConfig } from '../../config/defaults.js';
import { ManualClock } from '../../model/clock.js';
import { mulberry32 } from '../../evaluate/stats.js';
import type { SampleInput, Store } from '../../store/store.js';
import { DISK_SERIES, MACHINE_HUB } from '../capacity-inputs.js';
import { capacityJob, diskUsageJob } from './capacity.js';

const newStore = useTempStores('mhm-capacity-job-');
const H = 3_600_000;
const D = 24 * H;
const FAST = 'http://127.0.0.1:7001';
const SLOW = 'http://127.0.0.1:7002';
const YOUNG = 'http://127.0.0.1:7003';

/** A sample every 5 minutes over [end − span, end) of `at(daysBeforeEnd)` plus ±2 MB of noise. */
function series(hub: string, name: string, end: number, span: number, at: (x: number) => number, seed: number): SampleInput[] {
  const rand = mulberry32(seed);
  const out: SampleInput[] = [];
  for (let t = end - span; t < end; t += 5 * 60_000) out.push({ hub, name, t, v: Math.round(at((t - end) / D) + (rand() - 0.5) * 4e6) });
  return out;
}

function rollUp(store: Store, now: number): void {
  while (!store.rollup(now).done) { /* bounded per call */ }
}

test('RSS and the store predicted from the hourly rollups: a warning within the horizon, ok beyond it, nothing without a day of history', async () => {
  const clock = new ManualClock();
  const store = newStore();
  const cfg = defaultConfig();
  const t0 = clock.now();
  store.insertSamples([
    // 420 MB now, +40 MB/day: 500 MB in 2 days.
    ...series(FAST, 'hub.rss_bytes', t0, 3 * D, (x) => 420e6 + 40e6 * x, 1),
    // 300 MB now, +2 MB/day: 500 MB in 100 days.
    ...series(SLOW, 'hub.rss_bytes', t0, 3 * D, (x) => 300e6 + 2e6 * x, 2),
    // 12 h of a fast growth: too little history to say anything.
    ...series(YOUNG, 'hub.rss_bytes', t0, 12 * H, (x) => 480e6 + 100e6 * x, 3),
    // The store: 800 MB now, +100 MB/day: 1 GB in 2 days.
    ...series(MACHINE_HUB, DISK_SERIES.store, t0, 2 * D, (x) => 800e6 + 100e6 * x, 4),
  ]);
  rollUp(store, t0);
  const observed: { results: RuleResult[]; scope: EvaluationScope }[] = [];
  const job = capacityJob({ cfg, store, clock, hubs: () => [FAST, SLOW, YOUNG], observe: (results, scope) => observed.push({ results, scope }) });
  job.start();
  await clock.advance(cfg.capacity.interval - 1);
  expect(observed).toEqual([]);
  await clock.advance(1);
  expect(observed.map((o) => [o.scope.hub, o.scope.absentMeansOk, o.results.map((r) => [r.rule, r.status, r.labels])])).toEqual([
    [FAST, false, [['capacity.rss', 'warning', { hub: FAST, resource: 'rss' }]]],
    [SLOW, false, [['capacity.rss', 'ok', { hub: SLOW, resource: 'rss' }]]],
    [YOUNG, false, []],
    [MACHINE_HUB, false, [['capacity.disk', 'warning', { hub: MACHINE_HUB, resource: 'store' }]]],
  ]);
  const [fast] = observed[0]!.results;
  expect(fast!.summary).toMatch(/^hub RSS reaches 500 MB in (1\.[6-9]|2\.[0-4]) days \(between \d\.\d and \d\.\d\); \+(3[6-9]|4[0-4])(\.\d)? MB\/day$/);
  expect(fast!.value).toBeGreaterThan(1.5);
  expect(observed[1]!.results[0]!.summary).toMatch(/^hub RSS reaches 500 MB in \d+\.\d days \(at the earliest in \d+\.\d, the latest beyond the 7-day horizon\)/);
  expect(observed[3]!.results[0]!.summary).toMatch(/^the history store reaches 1 GB in (1\.[6-9]|2\.[0-4]) days/);
  expect(observed[0]!.scope.rules('capacity.rss') && !observed[0]!.scope.rules('hub.memory')).toBe(true);
  await job.stop();
});

test('the same growth with a horizon shorter than its earliest crossing: ok, not a warning', async () => {
  const clock = new ManualClock();
  const store = newStore();
  const cfg = defaultConfig();
  cfg.capacity.horizon = 12 * H;
  const t0 = clock.now();
  store.insertSamples(series(FAST, 'hub.rss_bytes', t0, 3 * D, (x) => 420e6 + 40e6 * x, 1));
  rollUp(store, t0);
  const observed: RuleResult[][] = [];
  const job = capacityJob({ cfg, store, clock, hubs: () => [FAST], observe: (results) => observed.push(results) });
  job.start();
  await clock.advance(cfg.capacity.interval);
  expect(observed[0]!.map((r) => [r.rule, r.status])).toEqual([['capacity.rss', 'ok']]);
  await job.stop();
});

test('disk usage: the store and the hub\'s log every minute when a watched hub is local; the store alone for remote hubs', async () => {
  const clock = new ManualClock();
  const store = newStore();
  const cfg = defaultConfig();
  const log = join(tempDir('mhm-capacity-logs-'), 'mcp-hub.log');
  writeFileSync(log, 'x'.repeat(1234));
  cfg.logs.file = log;
  let hubs = [FAST];
  const written: { name: string; hub: string; v: number | null }[][] = [];
  const job = diskUsageJob({ cfg, store, clock, hubs: () => hubs, write: (rows) => written.push(rows.map((r) => ({ name: r.name, hub: r.hub, v: r.v }))) });
  job.start();
  await clock.advance(60_000);
  expect(written).toEqual([[
    { name: DISK_SERIES.store, hub: MACHINE_HUB, v: store.sizeBytes() },
    { name: DISK_SERIES.hub_logs, hub: MACHINE_HUB, v: 1234 },
  ]]);
  expect(written[0]![0]!.v).toBeGreaterThan(0);
  hubs = ['http://hub.example.com:7000'];
  await clock.advance(60_000);
  expect(written[1]!.map((r) => r.name)).toEqual([DISK_SERIES.store]);
  await job.stop();
});
