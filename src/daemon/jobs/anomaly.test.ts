/**
 * The anomaly job on a manual clock over a real store seeded through the Store API: a series learns for a
 * day and never alerts meanwhile; then a sustained shift far outside its band fires anomaly.<series>
 * (not from one point, nor from an isolated spike), and being back in band for the recovery window
 * resolves it. Only the learned band's specified behaviour is relied on, not its arithmetic.
 */
import { expect, test } from 'vitest';
import { useTempStores } from '../../../test/support/temp-store.js';
import type { EvaluationScope, RuleResult } from '../../alerts/lifecycle.js';
import { defaultConfig } from '../../config/defaults.js';
import { ManualClock } from '../../model/clock.js';
import type { SampleInput, Store } from '../../store/store.js';
import { anomalyJob } from './anomaly.js';

const newStore = useTempStores('mhm-anomaly-job-');
const HUB = 'http://127.0.0.1:7000';
const MIN = 60_000;
const HOUR = 60 * MIN;
const quiet = { info() {}, warn() {}, error() {} };

/** A health latency of about 50 ms (49–51) every minute over [from, to). */
function flat(from: number, to: number): SampleInput[] {
  const out: SampleInput[] = [];
  for (let t = from; t < to; t += MIN) out.push({ hub: HUB, name: 'hub.health_latency_ms', t, v: 50 + ((t / MIN) % 3) - 1 });
  return out;
}

function setUp(historyMs: number, opts: { rollup?: boolean } = {}) {
  const clock = new ManualClock(Date.parse('2026-11-25T00:00:00Z'));
  const store = newStore();
  store.insertSamples(flat(clock.now() - historyMs, clock.now()));
  if (opts.rollup) store.rollup(clock.now() - HOUR); // most of it in the 1-minute rollups, the last hour raw
  const cfg = defaultConfig();
  const observed: { results: RuleResult[]; scope: EvaluationScope }[] = [];
  const job = anomalyJob({ cfg, store, clock, hubs: () => [HUB], openAlerts: () => [], observe: (results, scope) => observed.push({ results, scope }), log: quiet });
  job.start();
  const health = () => observed.at(-1)?.results.find((r) => r.rule === 'anomaly.health_latency');
  return { clock, store, cfg, job, observed, health };
}

/** Samples every minute for `ms` (value `v`), the clock following, the job judging every interval. */
async function run(clock: ManualClock, store: Store, ms: number, v: (t: number) => number): Promise<void> {
  for (let end = clock.now() + ms; clock.now() < end;) {
    store.insertSamples([{ hub: HUB, name: 'hub.health_latency_ms', t: clock.now(), v: v(clock.now()) }]);
    await clock.advance(MIN);
  }
}

test('flat for 2 days, then 400 ms: not from the first points, fires within the trigger window and says value, band and fraction; back in band for the recovery window resolves', async () => {
  const { clock, store, cfg, job, health, observed } = setUp(2 * 24 * HOUR, { rollup: true });
  await run(clock, store, cfg.anomaly.interval, () => 50);
  expect(health()).toMatchObject({ status: 'ok', labels: { hub: HUB } });
  expect(observed.at(-1)!.scope).toMatchObject({ hub: HUB, absentMeansOk: true });
  expect(observed.at(-1)!.scope.rules('anomaly.rss') && !observed.at(-1)!.scope.rules('hub.reachable')).toBe(true);

  await run(clock, store, 5 * MIN, () => 400);
  expect(health()!.status).toBe('ok'); // one step outside: never from one point
  await run(clock, store, cfg.anomaly.trigger.window - 5 * MIN, () => 400);
  expect(health()!.status).toBe('warning');
  const fired = observed.flatMap((o) => o.results).find((r) => r.status === 'warning')!;
  expect(fired.value).toBe(400);
  expect(fired.summary).toMatch(/^health latency 400 ms, expected \d+(\.\d)?–\d+(\.\d)? ms \(\w+\); [3-9] of [4-9] points outside in the last 30m$/);

  await run(clock, store, cfg.anomaly.recovery.window + cfg.anomaly.interval, () => 50);
  expect(health()!.status).toBe('ok');
  await job.stop();
});

test('an isolated spike never fires', async () => {
  const { clock, store, job, health, observed } = setUp(2 * 24 * HOUR);
  await run(clock, store, 10 * MIN, () => 50);
  await run(clock, store, MIN, () => 5_000);
  await run(clock, store, 2 * HOUR, () => 50);
  expect(observed.length).toBeGreaterThan(20);
  expect(observed.flatMap((o) => o.results).filter((r) => r.status !== 'ok')).toEqual([]);
  expect(health()!.status).toBe('ok');
  await job.stop();
});

test('less than min_history of history: learning, never fires however far the series moves', async () => {
  const { clock, store, cfg, job, health, observed } = setUp(12 * HOUR - 10 * MIN);
  await run(clock, store, 10 * MIN, () => 50);
  expect(health()).toMatchObject({ status: 'no_data', summary: 'health latency: learning, 50% of the history needed' });
  await run(clock, store, 2 * cfg.anomaly.trigger.window, () => 5_000);
  expect(observed.flatMap((o) => o.results).map((r) => r.status)).toEqual(Array(observed.length).fill('no_data'));
  expect(health()!.summary).toMatch(/^health latency: learning, 5\d% of the history needed$/);
  await job.stop();
});

test('after a restart, an alert the store has open is the state it starts from: partly back in band holds it firing, where nothing open stays ok', async () => {
  const { fingerprint } = await import('../../alerts/lifecycle.js');
  const fp = fingerprint('anomaly.health_latency', { hub: HUB });
  const statusAfterRestart = async (open: { fingerprint: string; state: string }[]) => {
    const clock = new ManualClock(Date.parse('2026-11-25T00:00:00Z'));
    const store = newStore();
    // 400 ms from 60 to 25 minutes ago, back to 50 since: the recovery window still holds it, the trigger window does not.
    store.insertSamples(flat(clock.now() - 2 * 24 * HOUR, clock.now() - 60 * MIN));
    store.insertSamples(Array.from({ length: 35 }, (_, i) => ({ hub: HUB, name: 'hub.health_latency_ms', t: clock.now() - (60 - i) * MIN, v: 400 })));
    store.insertSamples(flat(clock.now() - 25 * MIN, clock.now()));
    const cfg = defaultConfig();
    const observed: RuleResult[][] = [];
    const job = anomalyJob({ cfg, store, clock, hubs: () => [HUB], openAlerts: () => open, observe: (r) => observed.push(r), log: quiet });
    job.start();
    await run(clock, store, cfg.anomaly.interval, () => 50);
    await job.stop();
    return observed.at(-1)!.find((r) => r.rule === 'anomaly.health_latency')!.status;
  };
  expect(await statusAfterRestart([{ fingerprint: fp, state: 'firing' }])).toBe('warning');
  expect(await statusAfterRestart([])).toBe('ok');
});

test('per server: probe latency labelled by server', async () => {
  const clock = new ManualClock(Date.parse('2026-11-25T00:00:00Z'));
  const store = newStore();
  const rows: SampleInput[] = [];
  for (let t = clock.now() - 2 * 24 * HOUR; t < clock.now(); t += MIN) rows.push({ hub: HUB, name: 'server.probe_latency_ms', labels: { server: 'files' }, t, v: 8 });
  store.insertSamples(rows);
  const observed: RuleResult[][] = [];
  const cfg = defaultConfig();
  const job = anomalyJob({ cfg, store, clock, hubs: () => [HUB], openAlerts: () => [], observe: (r) => observed.push(r), log: quiet });
  job.start();
  for (let i = 0; i < 45; i++) {
    store.insertSamples([{ hub: HUB, name: 'server.probe_latency_ms', labels: { server: 'files' }, t: clock.now(), v: 900 }]);
    await clock.advance(MIN);
  }
  const r = observed.at(-1)!.find((x) => x.rule === 'anomaly.probe_latency')!;
  expect([r.status, r.labels]).toEqual(['warning', { hub: HUB, server: 'files' }]);
  expect(r.summary).toMatch(/^files: probe latency 900 ms, expected /);
  await job.stop();
});

test('with a pause, a pass gives the event loop turns: between slices of its first read and between series, and judges the same', async () => {
  const clock = new ManualClock(Date.parse('2026-11-25T00:00:00Z'));
  const store = newStore();
  const rows: SampleInput[] = [];
  for (let t = clock.now() - 2 * 24 * HOUR; t < clock.now(); t += MIN) {
    for (const server of ['a', 'b', 'c']) rows.push({ hub: HUB, name: 'server.probe_latency_ms', labels: { server }, t, v: 8 });
  }
  store.insertSamples(rows);
  const cfg = defaultConfig();
  const passes: { turns: number; results: RuleResult[] }[] = [];
  let turns = 0;
  // A pause that resolves at once (the manual clock fires the job): only counted, so the pass stays in this tick's microtasks.
  const job = anomalyJob({ cfg, store, clock, hubs: () => [HUB], openAlerts: () => [], observe: (r) => { passes.push({ turns, results: r }); turns = 0; }, log: quiet, pause: async () => { turns++; } });
  job.start();
  for (let t = 0; t < cfg.anomaly.interval * 2; t += MIN) {
    await clock.advance(MIN);
    for (let i = 0; i < 200; i++) await Promise.resolve();
  }
  await job.stop();
  // First pass: 8 days back in 6-hour slices (32 pauses, only the last 2 days hold data) plus one per series; then one per series.
  expect(passes.map((p) => p.turns)).toEqual([32 + 3, 3]);
  expect(passes.at(-1)!.results.filter((r) => r.rule === 'anomaly.probe_latency').map((r) => [r.labels.server, r.status])).toEqual([['a', 'ok'], ['b', 'ok'], ['c', 'ok']]);
});

test('per tool: the error ratio and mean latency of the tap\'s calls, steps with fewer than calls.min_calls calls left out', async () => {
  const clock = new ManualClock(Date.parse('2026-11-25T00:00:00Z'));
  const store = newStore();
  const labels = { server: 'files', tool: 'read' };
  /** One interval of `calls` calls of 30 ms, `errors` of them failing. */
  const interval = (t: number, calls: number, errors: number): SampleInput[] => [
    { hub: HUB, name: 'calls.count', labels, t, v: calls },
    { hub: HUB, name: 'calls.duration_ms_sum', labels, t, v: calls * 30 },
    ...(errors > 0 ? [{ hub: HUB, name: 'calls.errors', labels: { ...labels, error_type: '500' }, t, v: errors }] : []),
  ];
  for (let t = clock.now() - 2 * 24 * HOUR; t < clock.now(); t += 10 * MIN) store.insertSamples(Array.from({ length: 10 }, (_, i) => interval(t + i * MIN, 5, 0)).flat());
  const observed: RuleResult[][] = [];
  const cfg = defaultConfig();
  const job = anomalyJob({ cfg, store, clock, hubs: () => [HUB], openAlerts: () => [], observe: (r) => observed.push(r), log: quiet });
  job.start();
  // Three of four calls fail: the error ratio is far outside its band, the latency is not.
  for (let i = 0; i < 40; i++) {
    store.insertSamples(interval(clock.now(), 4, 3));
    await clock.advance(MIN);
  }
  const of = (rule: string) => observed.at(-1)!.find((x) => x.rule === rule)!;
  expect([of('anomaly.error_ratio').status, of('anomaly.error_ratio').labels, of('anomaly.error_ratio').value]).toEqual(['warning', { hub: HUB, ...labels }, 0.75]);
  expect(of('anomaly.error_ratio').summary).toMatch(/^files\/read: error ratio 75\.0%, expected 0\.0–2\.0% \(\w+\); /);
  expect([of('anomaly.call_latency').status, of('anomaly.call_latency').value]).toEqual(['ok', 30]);
  // One call a minute: 5 a step, under calls.min_calls (10): nothing new to judge, so nothing resolves.
  for (let i = 0; i < 90; i++) {
    store.insertSamples(interval(clock.now(), 1, 1));
    await clock.advance(MIN);
  }
  expect(of('anomaly.error_ratio')).toMatchObject({ status: 'no_data', summary: 'files/read: error ratio: no point in the last 1h to judge' });
  await job.stop();
});

test('only the anomaly pass speaks for anomaly.* alerts: a poll or probe round of the hub that answered does not resolve one', async () => {
  const { fingerprint, ruleSettings, stepAlerts } = await import('../../alerts/lifecycle.js');
  const { pollScope, probeScope } = await import('../../alerts/results.js');
  const cfg = defaultConfig();
  const labels = { hub: HUB };
  const fp = fingerprint('anomaly.health_latency', labels);
  const firing = {
    id: 1, fingerprint: fp, rule: 'anomaly.health_latency', hub: HUB, labels: { ...labels, rule: 'anomaly.health_latency' }, severity: 'warning' as const,
    state: 'firing' as const, failStreak: 1, okStreak: 0, activeSince: 0, firedAt: 0, lastActiveAt: 0, resolvedAt: null,
    summary: 'health latency 400 ms', value: '400', ackedAt: null, ackedBy: null, ackComment: null, updatedAt: 0,
  };
  for (const scope of [pollScope(HUB, true), probeScope(HUB, true)]) {
    const step = stepAlerts(new Map([[fp, firing]]), [], scope, (r) => ruleSettings(cfg.alerting, r), 1_000);
    expect(step.changed).toEqual([]);
  }
});
