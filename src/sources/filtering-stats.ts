/**
 * The fork's `GET /api/filtering/stats` (hub-api.md §8) as numbers, kept as served. Its tool "counts" are
 * counters of the filter's decisions since the filtering service started (`totalTools` = decisions,
 * `exposedTools` = decisions − filtered), not counts of tools: every re-sync (a server or hub restart, a
 * tool-list change) adds the same tools again, so a hub with 27 tools can report 54. The evaluator
 * (evaluate/fork-filtering.ts) says when they stop adding up.
 */
import { isRecord, own } from '../model/json.js';
import { FILTERING_NUMBERS, type FilteringNumber, type FilteringStats } from '../model/hub.js';

/** The daemon's stored series of each field (and `enabled` as 0/1), read back by /metrics. */
export const FILTERING_SERIES: Readonly<Record<FilteringNumber | 'enabled', string>> = {
  totalTools: 'fork.filtering_total_tools', filteredTools: 'fork.filtering_filtered_tools', exposedTools: 'fork.filtering_exposed_tools',
  filterRate: 'fork.filtering_filter_rate', categoryCacheSize: 'fork.category_cache_size', cacheHitRate: 'fork.category_cache_hit_rate',
  llmCacheSize: 'fork.llm_cache_size', llmCacheHitRate: 'fork.llm_cache_hit_rate', enabled: 'fork.filtering_enabled',
};

/** A finite number, or the same as a numeric string; negatives are kept (they are a finding, not noise). */
function finite(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' && v.length < 40 ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && Math.abs(n) < 1e15 ? n : undefined;
}

/** The stats in a parsed body, or undefined when it carries none of them (another route's shape). */
export function parseFilteringStats(body: unknown): FilteringStats | undefined {
  if (!isRecord(body)) return undefined;
  const out: FilteringStats = {};
  for (const key of FILTERING_NUMBERS) {
    const n = finite(own(body, key));
    if (n !== undefined) out[key] = n;
  }
  const enabled = own(body, 'enabled');
  if (typeof enabled === 'boolean') out.enabled = enabled;
  return Object.keys(out).length > 0 ? out : undefined;
}
