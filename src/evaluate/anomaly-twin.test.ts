/**
 * The built-in detector on the scenario the exported Prometheus rules are tested on under promtool
 * (test/fixtures/anomaly-scenario.ts, test/integration/anomaly-rules-promtool.test.ts), with the settings the
 * export uses: the same series must fire in both, at the same point, and resolve at the same point.
 */
import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { anomalyRuleSettings } from '../export/anomaly-rules.js';
import {
  anomalyScenario, checkTimes, EXPECTED_EPISODE, expectedFiring, FLAT, flatScenario, LAST_PEAK_MS, LEARNING, learningCheckTimes, learningFiring, learningScenario, SHIFT_EPISODE, SPIKE,
} from '../../test/fixtures/anomaly-scenario.js';
import { anomalyEpisodes } from './anomaly-alert.js';
import { judgePoints } from './learned-band.js';

/** The default config's settings: the ones both detectors run with. */
const D = anomalyRuleSettings(defaultConfig());

const m = D.series.health_latency;
// The fixture is in seconds, as /metrics serves it; the config's margin is in ms.
const band = { k: D.k, absMargin: m.absMargin / 1000, relMargin: m.relMargin, minHistoryMs: D.minHistoryMs };
const windows = { triggerMs: D.trigger.windowMs, triggerFraction: D.trigger.fraction, minAnomalous: D.trigger.minAnomalous, recoveryMs: D.recovery.windowMs, recoveryFraction: D.recovery.fraction };

test('the twin scenario: the spike and the level shift fire, each from its 3rd point to the end of its recovery window, as under promtool', () => {
  const points = anomalyScenario();
  const judged = judgePoints(points, points[0]!.t, band);
  const episodes = anomalyEpisodes(judged, windows);
  expect(episodes).toEqual([EXPECTED_EPISODE, SHIFT_EPISODE]);
  // The same checks as the promtool test, point by point.
  const firingAt = (t: number) => episodes.some((e) => t >= e.start && (e.end === undefined || t < e.end));
  expect(checkTimes().filter((t) => firingAt(t) !== expectedFiring(t))).toEqual([]);
});

test('the spike is anomalous only to the seasonal band: robust before 3 days, daily at the spike and at the next peak', () => {
  const points = anomalyScenario();
  const judged = judgePoints(points, points[0]!.t, band);
  const at = (t: number) => judged.find((p) => p.t === t)!;
  expect(at(SPIKE.start)).toMatchObject({ anomalous: true, band: { mode: 'daily' } });
  // The spike's height (the daily peak's) is inside the robust band of the day before.
  const robust = at(SPIKE.start - 86_400_000 + 11 * 3_600_000);
  expect(robust.band.mode).toBe('robust');
  expect(robust.band.mode !== 'learning' && robust.band.upper).toBeGreaterThan(0.08);
  expect(at(LAST_PEAK_MS)).toMatchObject({ anomalous: false, band: { mode: 'daily' } });
  expect(judged.filter((p) => p.band.mode === 'learning').length).toBe(288);
});

test('learning: a spike before a day of history fires nothing; the same spike a day later fires, as under promtool', () => {
  const points = learningScenario();
  const episodes = anomalyEpisodes(judgePoints(points, points[0]!.t, band), windows);
  expect(episodes).toEqual([LEARNING.episode]);
  const firingAt = (t: number) => episodes.some((e) => t >= e.start && (e.end === undefined || t < e.end));
  expect(learningCheckTimes().filter((t) => firingAt(t) !== learningFiring(t))).toEqual([]);
});

test('a flat series does not alarm on noise: 2 ms off for 30 min is inside the least margin (MAD 0), as under promtool', () => {
  const points = flatScenario();
  const judged = judgePoints(points, points[0]!.t, band);
  expect(judged.find((p) => p.t === FLAT.step.start)).toMatchObject({ anomalous: false, band: { mode: 'robust', sigma: 0 } });
  expect(anomalyEpisodes(judged, windows)).toEqual([]);
});

test('the CPU twin: the scenario as CPU in cores (× 10: 0.4 cores for 40 ms) fires anomaly.cpu at the same points, as McpHubAnomalyCpu under promtool', () => {
  const c = D.series.cpu;
  // /metrics serves CPU in cores, the config's margin is in % of one core; × 10 maps the latency margin onto it exactly.
  expect([c.absMargin / 100, c.relMargin]).toEqual([(m.absMargin / 1000) * 10, m.relMargin]);
  const points = anomalyScenario().map((p) => ({ t: p.t, v: p.v * 10 }));
  const cpuBand = { k: D.k, absMargin: c.absMargin / 100, relMargin: c.relMargin, minHistoryMs: D.minHistoryMs };
  expect(anomalyEpisodes(judgePoints(points, points[0]!.t, cpuBand), windows)).toEqual([EXPECTED_EPISODE, SHIFT_EPISODE]);
});
