/**
 * The anomaly job on the series counted from events and on the hub's CPU, on a manual clock over a real
 * store seeded through the Store API: after two quiet days a burst of error log lines (or of reconnects,
 * or CPU far above its level) for the trigger window fires anomaly.log_errors (anomaly.reconnects,
 * anomaly.cpu); a single blip does not (never from one point, and the least margin covers a quiet series'
 * one-off); with less than a day of history the series is learning and never fires.
 */
import { expect, test } from 'vitest';
import { useTempStores } from '../../../test/support/temp-store.js';
import type { RuleResult } from '../../alerts/lifecycle.js';
import { defaultConfig } from '../../config/defaults.js';
import { ManualClock } from '../../model/clock.js';
import type { NewEvent } from '../../model/events.js';
import type { SampleInput } from '../../store/store.js';
import { anomalyJob } from './anomaly.js';

const newStore = useTempStores('mhm-anomaly-events-');
const HUB = 'http://127.0.0.1:7000';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const quiet = { info() {}, warn() {}, error() {} };

const errorLine = (t: number): NewEvent => ({ hub: HUB, t, type: 'log', data: { level: 'error', message: 'Failed to connect' } });
const reconnect = (t: number, server: string): NewEvent => ({ hub: HUB, t, type: 'server_status', server, data: { from: 'down', to: 'up', message: 'connected' } });

/**
 * A hub polled every minute for `historyMs` (hub.up, and a CPU near 3 %), one error log line and one
 * reconnect every 6 hours in it (a quiet hub is not a silent one), and the job judging every interval as
 * the clock advances minute by minute, each minute adding what `minute(t)` gives.
 */
function setUp(historyMs: number) {
  const clock = new ManualClock(Date.parse('2026-11-25T00:00:00Z'));
  const store = newStore();
  const samples: SampleInput[] = [];
  const events: NewEvent[] = [];
  for (let t = clock.now() - historyMs; t < clock.now(); t += MIN) {
    samples.push({ hub: HUB, name: 'hub.up', t, v: 1 }, { hub: HUB, name: 'hub.cpu_percent', t, v: 3 + ((t / MIN) % 3) * 0.1 });
    if (t % (6 * HOUR) === 0) events.push(errorLine(t + 1_000), reconnect(t + 2_000, 'files'));
  }
  store.insertSamples(samples);
  store.insertEvents(events);
  const cfg = defaultConfig();
  const observed: RuleResult[][] = [];
  const job = anomalyJob({ cfg, store, clock, hubs: () => [HUB], openAlerts: () => [], observe: (r) => observed.push(r), log: quiet });
  job.start();
  const run = async (ms: number, minute: (t: number) => { events?: NewEvent[]; cpu?: number } = () => ({})): Promise<void> => {
    for (let end = clock.now() + ms; clock.now() < end;) {
      const t = clock.now();
      const m = minute(t);
      store.insertSamples([{ hub: HUB, name: 'hub.up', t, v: 1 }, { hub: HUB, name: 'hub.cpu_percent', t, v: m.cpu ?? 3 }]);
      store.insertEvents(m.events ?? []);
      await clock.advance(MIN);
    }
  };
  const of = (rule: string) => observed.at(-1)?.find((r) => r.rule === rule);
  const all = (rule: string) => observed.flat().filter((r) => r.rule === rule);
  return { cfg, job, run, of, all };
}

test('two quiet days, then a burst of error log lines: fires anomaly.log_errors within the trigger window, not from the first step; quiet again resolves it', async () => {
  const { cfg, job, run, of } = setUp(2 * DAY);
  await run(cfg.anomaly.interval);
  expect(of('anomaly.log_errors')).toMatchObject({ status: 'ok', labels: { hub: HUB } });
  const burst = (t: number) => ({ events: Array.from({ length: 4 }, (_, i) => errorLine(t + i * 1_000)) }); // 20 a step
  await run(5 * MIN, burst);
  expect(of('anomaly.log_errors')!.status).toBe('ok');
  await run(cfg.anomaly.trigger.window - 5 * MIN, burst);
  expect(of('anomaly.log_errors')).toMatchObject({ status: 'warning', value: 20 });
  expect(of('anomaly.log_errors')!.summary).toMatch(/^log errors 20 per 5 min, expected 0–3 per 5 min \(robust\); \d+ of \d+ points outside in the last (30m|1h)$/);
  expect(of('anomaly.reconnects')!.status).toBe('ok');
  await run(cfg.anomaly.recovery.window + cfg.anomaly.interval);
  expect(of('anomaly.log_errors')!.status).toBe('ok');
  await job.stop();
});

test('two quiet days, then servers reconnecting over and over: fires anomaly.reconnects; a hub restart (its servers back up) once does not', async () => {
  const { cfg, job, run, of, all } = setUp(2 * DAY);
  // One hub restart: the hub restarting and its three servers back up, in one step.
  await run(cfg.anomaly.interval, (t) => (t % (5 * MIN) === 0 && all('anomaly.reconnects').length === 0
    ? { events: [{ hub: HUB, t, type: 'hub_state', data: { state: 'restarting', source: 'sse', pid: 7 } }, ...['a', 'b', 'c'].map((s) => reconnect(t + 5_000, s))] } : {}));
  await run(2 * HOUR);
  expect(all('anomaly.reconnects').map((r) => r.status).filter((s) => s !== 'ok')).toEqual([]);
  // A server flapping: up again every minute.
  await run(cfg.anomaly.trigger.window, (t) => ({ events: [reconnect(t, 'files')] }));
  expect(of('anomaly.reconnects')).toMatchObject({ status: 'warning', value: 5 });
  expect(of('anomaly.reconnects')!.summary).toMatch(/^reconnects 5 per 5 min, expected 0–2 per 5 min \(robust\); /);
  expect(of('anomaly.log_errors')!.status).toBe('ok');
  await job.stop();
});

test('one blip of 30 error log lines in a quiet log never fires', async () => {
  const { job, run, all } = setUp(2 * DAY);
  let sent = false;
  await run(10 * MIN);
  await run(2 * HOUR, (t) => (sent ? {} : (sent = true, { events: Array.from({ length: 30 }, (_, i) => errorLine(t + i * 100)) })));
  expect(all('anomaly.log_errors').length).toBeGreaterThan(20);
  expect(all('anomaly.log_errors').filter((r) => r.status !== 'ok')).toEqual([]);
  await job.stop();
});

test('the hub\'s CPU: 3 % for two days, then 60 % fires anomaly.cpu', async () => {
  const { cfg, job, run, of } = setUp(2 * DAY);
  await run(cfg.anomaly.interval);
  expect(of('anomaly.cpu')!.status).toBe('ok');
  await run(cfg.anomaly.trigger.window, () => ({ cpu: 60 }));
  expect(of('anomaly.cpu')).toMatchObject({ status: 'warning', value: 60 });
  expect(of('anomaly.cpu')!.summary).toMatch(/^CPU 60\.0% CPU, expected \d+\.\d–\d+\.\d% CPU \(robust\); /);
  await job.stop();
});

test('less than a day of history: every counted series is learning and never fires, whatever the burst', async () => {
  const { cfg, job, run, of, all } = setUp(12 * HOUR - 10 * MIN);
  await run(10 * MIN);
  expect(of('anomaly.log_errors')).toMatchObject({ status: 'no_data', summary: 'log errors: learning, 50% of the history needed' });
  expect(of('anomaly.reconnects')!.summary).toBe('reconnects: learning, 50% of the history needed');
  await run(2 * cfg.anomaly.trigger.window, (t) => ({ events: [...Array.from({ length: 10 }, (_, i) => errorLine(t + i)), reconnect(t, 'files')], cpu: 90 }));
  for (const rule of ['anomaly.log_errors', 'anomaly.reconnects', 'anomaly.cpu']) expect(new Set(all(rule).map((r) => r.status))).toEqual(new Set(['no_data']));
  await job.stop();
});
