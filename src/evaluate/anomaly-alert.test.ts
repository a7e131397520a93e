import { describe, expect, test } from 'vitest';
import { anomalyEpisodes, anomalyState, type AnomalyWindowSettings } from './anomaly-alert.js';
import type { Band, JudgedPoint } from './learned-band.js';

const MIN = 60_000;
const STEP = 5 * MIN;
const T0 = Date.UTC(2026, 0, 5);
const DEFAULTS: AnomalyWindowSettings = { triggerMs: 30 * MIN, triggerFraction: 0.5, minAnomalous: 3, recoveryMs: 60 * MIN, recoveryFraction: 0.1 };
const BAND: Band = { mode: 'robust', expected: 10, lower: 5, upper: 15, sigma: 1 };

/** One point a step from T0 per character: '.' normal, 'x' anomalous, 'l' judged while learning (flagged anyway). */
function judged(pattern: string): JudgedPoint[] {
  return [...pattern].map((c, i) => ({
    t: T0 + i * STEP, v: c === '.' ? 10 : 50,
    band: c === 'l' ? { mode: 'learning', progress: 0.5 } : BAND, anomalous: c !== '.',
  }));
}
const at = (step: number) => T0 + step * STEP;

describe('fraction-anomalous alerting', () => {
  test('one isolated anomalous point never fires, whatever the settings', () => {
    const lax = { ...DEFAULTS, triggerFraction: 0.01, minAnomalous: 1, triggerMs: 5 * MIN };
    expect(anomalyEpisodes(judged('.........x.........'), DEFAULTS)).toEqual([]);
    expect(anomalyEpisodes(judged('.........x.........'), lax)).toEqual([]);
    expect(anomalyEpisodes(judged('x'), lax)).toEqual([]);
  });

  test('fires when half the trigger window and at least 3 points are anomalous', () => {
    const points = judged('......xxx......');
    expect(anomalyState(points, at(7), 'ok', DEFAULTS)).toEqual({ state: 'ok', fraction: 2 / 6, anomalous: 2, points: 6 });
    expect(anomalyState(points, at(8), 'ok', DEFAULTS)).toEqual({ state: 'firing', fraction: 3 / 6, anomalous: 3, points: 6 });
    expect(anomalyEpisodes(points, DEFAULTS)[0]).toMatchObject({ start: at(8) });
  });

  test('two anomalous points out of three is a high fraction but too few points', () => {
    // Sparse data: only 3 points in the trigger window, 2 of them anomalous.
    const points = judged('xx.').map((p, i) => ({ ...p, t: T0 + i * 10 * MIN }));
    expect(anomalyState(points, T0 + 20 * MIN, 'ok', DEFAULTS)).toMatchObject({ state: 'ok', anomalous: 2, points: 3 });
  });

  test('recovery needs the recovery window: firing until at most 10 % of its hour is anomalous', () => {
    // Anomalous at steps 0..3 (0–15 min), normal after.
    const points = judged(`xxxx${'.'.repeat(20)}`);
    const [episode, ...more] = anomalyEpisodes(points, DEFAULTS);
    expect(more).toEqual([]);
    expect(episode!.start).toBe(at(2));
    // At 65 min the hour (5, 65] still holds steps 2 and 3 (2 of 12 = 17 %); at 70 min only step 3 (8 %).
    expect(anomalyState(points, at(13), 'firing', DEFAULTS)).toMatchObject({ state: 'firing', anomalous: 2, points: 12 });
    expect(episode!.end).toBe(at(14));
    // The trigger window alone would have let it go 30 min after the last anomalous point.
    expect(anomalyState(points, at(9), 'ok', DEFAULTS).state).toBe('ok');
    expect(anomalyState(points, at(9), 'firing', DEFAULTS).state).toBe('firing');
  });

  test('never while learning: points judged during learning do not count', () => {
    expect(anomalyEpisodes(judged('llllllllll'), DEFAULTS)).toEqual([]);
    expect(anomalyState(judged('lllll.'), at(5), 'ok', DEFAULTS)).toEqual({ state: 'ok', fraction: 0, anomalous: 0, points: 1 });
  });

  test('no judged point in the window keeps the state (a gap neither fires nor resolves)', () => {
    const points = judged('xxxxxx');
    expect(anomalyState(points, at(30), 'firing', DEFAULTS)).toEqual({ state: 'firing', fraction: 0, anomalous: 0, points: 0 });
    expect(anomalyState(points, at(30), 'ok', DEFAULTS).state).toBe('ok');
  });

  test('an episode still firing at the end has no end; a second one starts after recovery', () => {
    const points = judged(`xxxx${'.'.repeat(14)}xxxxxx`);
    const episodes = anomalyEpisodes(points, DEFAULTS);
    expect(episodes).toEqual([{ start: at(2), end: at(14) }, { start: at(20) }]);
  });
});
