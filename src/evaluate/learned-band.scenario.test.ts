/**
 * The learned band on a generated 21-day history (issue M targets): at least twice the F1 of today's outlier
 * check, no alert while it learns (the first 3 days), every injected spike found. `npm run bench:anomaly`
 * prints the full comparison over more seeds.
 */
import { describe, expect, test } from 'vitest';
import { learnedBandEpisodes, robustZEpisodes } from '../../test/support/anomaly-detectors.js';
import { scoreEpisodes, syntheticHistory } from '../../test/support/synthetic-history.js';

const DAY = 86_400_000;

describe.each([1, 2, 3])('the learned band on the synthetic history, seed %i', (seed) => {
  const h = syntheticHistory({ days: 21, stepMs: 5 * 60_000, seed });
  const end = h.series[h.series.length - 1]!.t;
  const learned = learnedBandEpisodes(h.series);

  test('an F1 score at least twice that of today\'s median/MAD outlier check', () => {
    const band = scoreEpisodes(learned, h.anomalies, end);
    const outlier = scoreEpisodes(robustZEpisodes(h.series), h.anomalies, end);
    expect(band.f1).toBeGreaterThanOrEqual(2 * outlier.f1);
    expect(outlier.f1).toBeGreaterThan(0);
  });

  test('no alert during the first 3 days', () => {
    expect(learned.filter((e) => e.start < h.start + 3 * DAY)).toEqual([]);
  });

  test('every injected spike is found', () => {
    const spikes = h.anomalies.filter((a) => a.kind === 'spike');
    expect(spikes.length).toBeGreaterThanOrEqual(3);
    expect(scoreEpisodes(learned, spikes, end).recall).toBe(1);
  });
});
