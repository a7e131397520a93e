/**
 * status's learned-normal section from a real store: a series with half a day of history is learning (and
 * says how far along), one with two days has a band; hub strings are cleaned; off when anomaly is off.
 */
import { expect, test } from 'vitest';
import { useTempStores } from '../../test/support/temp-store.js';
import { defaultConfig } from '../config/defaults.js';
import type { SampleInput } from '../store/store.js';
import { anomalyLines, anomalyStatus } from './anomaly-status.js';

const newStore = useTempStores('mhm-anomaly-status-');
const HUB = 'http://127.0.0.1:7000';
const NOW = Date.parse('2026-11-25T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

function every(name: string, ms: number, v: number, labels?: Record<string, string>): SampleInput[] {
  const out: SampleInput[] = [];
  for (let t = NOW - ms; t < NOW; t += MIN) out.push({ hub: HUB, name, ...(labels ? { labels } : {}), t, v });
  return out;
}

test('learning with its share of the history needed, or the band it has; server names cleaned', () => {
  const store = newStore();
  store.insertSamples([
    ...every('hub.health_latency_ms', 2 * 24 * HOUR, 50),
    ...every('hub.rss_bytes', 6 * HOUR, 100 * 1024 * 1024),
    ...every('server.probe_latency_ms', 18 * HOUR, 8, { server: 'fi\u001b[31mles' }),
  ]);
  const s = anomalyStatus(defaultConfig(), store, [HUB], NOW);
  expect(s.series.map((r) => [r.series, r.mode, r.progress === null ? null : Math.round(r.progress * 100)])).toEqual([
    ['health_latency', 'robust', null],
    ['probe_latency', 'learning', 75],
    ['rss', 'learning', 25],
  ]);
  expect(s.series[0]).toMatchObject({ expected: 50 });
  expect(anomalyLines(s)).toEqual([
    'learned normal (anomaly.*):',
    `  ${HUB}`,
    '    health latency: expected 45–55 ms (robust)',
    '    probe latency fi\\x1b[31mles: learning, 75% of the history needed', // the escape shown, not sent
    '    RSS: learning, 25% of the history needed',
  ]);
});

test('off, or nothing recorded yet', () => {
  const store = newStore();
  const cfg = defaultConfig();
  expect(anomalyLines(anomalyStatus(cfg, store, [HUB], NOW))).toEqual(['learned normal: no series recorded yet']);
  cfg.anomaly.enabled = false;
  expect(anomalyLines(anomalyStatus(cfg, store, [HUB], NOW))).toEqual(['learned normal: off (anomaly.enabled is false)']);
});

test('the hub\'s CPU, error log lines and reconnects: their bands in their units', () => {
  const store = newStore();
  store.insertSamples([...every('hub.up', 2 * 24 * HOUR, 1), ...every('hub.cpu_percent', 2 * 24 * HOUR, 12)]);
  store.insertEvents([{ hub: HUB, t: NOW - HOUR, type: 'log', data: { level: 'error', message: 'boom' } }]);
  expect(anomalyLines(anomalyStatus(defaultConfig(), store, [HUB], NOW))).toEqual([
    'learned normal (anomaly.*):',
    `  ${HUB}`,
    '    CPU: expected 7.0–17.0% CPU (robust)', // the least margin: 5 points (abs_margin)
    '    log errors: expected 0–3 per 5 min (robust)',
    '    reconnects: expected 0–2 per 5 min (robust)',
  ]);
});

test('poll-only (collect.sse false): no log errors band from zeros the daemon never read, and the section says why', () => {
  const store = newStore();
  store.insertSamples(every('hub.up', 2 * 24 * HOUR, 1));
  const cfg = defaultConfig();
  cfg.collect.sse = false;
  const s = anomalyStatus(cfg, store, [HUB], NOW);
  expect(s.series.map((r) => r.series)).toEqual(['reconnects']);
  expect(anomalyLines(s)).toEqual([
    'learned normal (anomaly.*):',
    '  log errors: not judged: poll-only (collect.sse false or --no-sse), and the hub\'s log lines come only from its event stream',
    `  ${HUB}`,
    '    reconnects: expected 0–2 per 5 min (robust)',
  ]);
});
