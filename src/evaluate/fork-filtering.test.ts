import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { parseFilteringStats } from '../sources/filtering-stats.js';
import type { FilteringStats, HubSnapshot } from '../model/hub.js';
import { parseHealth } from '../sources/hub-models.js';
import { evaluateHub } from './check.js';
import { evaluateForkFiltering } from './fork-filtering.js';

const HUB = 'http://127.0.0.1:7000';
const fixture = (rel: string): unknown => JSON.parse(readFileSync(new URL(`../../test/fixtures/${rel}`, import.meta.url), 'utf8'));
const served = parseFilteringStats(fixture('fork/filtering-stats.json'))!;

/** The fork's own health capture (27 tools on two connected servers) with the given stats. */
function forkSnapshot(filtering: FilteringStats | undefined, routes: HubSnapshot['routes'] = { '/api/filtering/stats': { outcome: 'ok' } }): HubSnapshot {
  const h = parseHealth(fixture('fork/health.json'));
  return {
    target: { url: HUB, origin: 'flag' }, at: h.value.timestampMs!, monotonicAt: 1, metrics: { sources: [] }, routes,
    health: { ok: true, value: h.value, issues: h.issues, latencyMs: 3 }, ...(filtering ? { filtering } : {}),
  };
}

describe('parseFilteringStats', () => {
  test('every numeric field of the fork\'s capture, and `enabled`', () => {
    expect(served).toEqual({
      enabled: true, totalTools: 27, filteredTools: 14, exposedTools: 13, filterRate: 14 / 27,
      categoryCacheSize: 27, cacheHitRate: 0, llmCacheSize: 0, llmCacheHitRate: 0,
    });
  });

  test('negatives and numeric strings are kept as served; junk, NaN-ish and huge values are not numbers; another shape is no stats', () => {
    expect(parseFilteringStats({ totalTools: -3, exposedTools: '5', filteredTools: 'many', cacheHitRate: 1e300, llmCacheSize: null, enabled: 'yes' }))
      .toEqual({ totalTools: -3, exposedTools: 5 });
    expect(parseFilteringStats({ error: 'MCP endpoint not initialized' })).toBeUndefined();
    expect(parseFilteringStats([1, 2])).toBeUndefined();
    expect(parseFilteringStats(JSON.parse('{"__proto__":{"totalTools":9}}'))).toBeUndefined();
  });
});

describe('fork.filtering', () => {
  test('the fork\'s capture adds up: 13 exposed + 14 filtered = 27 checked, for the 27 tools its servers list', () => {
    expect(evaluateForkFiltering(forkSnapshot(served))).toEqual([
      { id: 'fork.filtering', status: 'ok', hub: HUB, message: 'filtering stats consistent: 13 exposed, 14 filtered, of 27 checked', value: 13, threshold: 27 },
    ]);
  });

  test('54 exposed for 27 tools (what the fork served after a restart) is a WARNING naming the values', () => {
    const [f] = evaluateForkFiltering(forkSnapshot({ ...served, exposedTools: 54 }));
    expect(f).toMatchObject({ id: 'fork.filtering', status: 'warning', value: 54, threshold: 27 });
    expect(f!.message).toContain('exposedTools 54 > totalTools 27');
    expect(f!.message).toContain('exposedTools 54 for the 27 tools the hub lists');
  });

  test('counters doubled by a re-sync add up among themselves but exceed the tools the hub lists', () => {
    const [f] = evaluateForkFiltering(forkSnapshot({ ...served, totalTools: 54, filteredTools: 28, exposedTools: 26 }));
    expect(f!.status).toBe('warning');
    expect(f!.message).toMatch(/totalTools 54 for the 27 tools the hub lists \(the fork counts filter decisions/);
    expect(f!.message).not.toContain('exposedTools 26');
  });

  test.each([
    ['filteredTools > totalTools', { filteredTools: 30, exposedTools: 0, totalTools: 20 }, 'filteredTools 30 > totalTools 20'],
    ['a negative count', { filteredTools: -1, exposedTools: 14, totalTools: 13 }, 'filteredTools -1 is not a count'],
    ['a fractional count', { categoryCacheSize: 2.5 }, 'categoryCacheSize 2.5 is not a count'],
    ['counts that do not add up', { filteredTools: 10, exposedTools: 10, totalTools: 25 }, 'exposedTools 10 + filteredTools 10 ≠ totalTools 25'],
    ['a rate above 1', { cacheHitRate: 1.5 }, 'cacheHitRate 1.5 is outside 0..1'],
  ])('%s is a WARNING', (_name, over, phrase) => {
    const [f] = evaluateForkFiltering(forkSnapshot({ ...served, ...over }));
    expect(f!.status).toBe('warning');
    expect(f!.message).toContain(phrase);
  });

  test('no finding for a hub that does not serve the route; no_data naming the error when the route failed', () => {
    expect(evaluateForkFiltering(forkSnapshot(undefined, { '/api/filtering/stats': { outcome: 'not_exposed' } }))).toEqual([]);
    expect(evaluateForkFiltering(forkSnapshot(undefined, {}))).toEqual([]);
    expect(evaluateForkFiltering(forkSnapshot(undefined, { '/api/filtering/stats': { outcome: 'error', detail: 'GET …: HTTP 500' } })))
      .toEqual([expect.objectContaining({ status: 'no_data', message: 'cannot read /api/filtering/stats: GET …: HTTP 500' })]);
  });

  test('check reports it with the hub\'s other findings', () => {
    const ids = evaluateHub(forkSnapshot({ ...served, exposedTools: 54 }), undefined, defaultConfig()).map((f) => `${f.id} ${f.status}`);
    expect(ids).toContain('fork.filtering warning');
    expect(evaluateHub(forkSnapshot(undefined, {}), undefined, defaultConfig()).some((f) => f.id === 'fork.filtering')).toBe(false);
  });
});
