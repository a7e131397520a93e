/**
 * `fork.filtering`: whether the fork's `/api/filtering/stats` numbers mean what they say. Its tool counts
 * are counters of filter decisions, not tools (sources/filtering-stats.ts): after a re-sync they exceed the
 * tools the hub lists, and a build could serve counts that do not add up or go negative. Any of these is a
 * WARNING that names the values; no finding at all for a hub that does not serve the route.
 */
import { FILTERING_ROUTE, type FilteringStats, type HubSnapshot } from '../model/hub.js';
import { finding, type Finding } from './types.js';

const COUNTS = ['totalTools', 'filteredTools', 'exposedTools', 'categoryCacheSize', 'llmCacheSize'] as const;
const RATES = ['filterRate', 'cacheHitRate', 'llmCacheHitRate'] as const;

/** What does not add up in `s`, one phrase each; `listed` is how many tools the hub's servers list. */
export function filteringInconsistencies(s: FilteringStats, listed: number | undefined): string[] {
  const out: string[] = [];
  for (const key of COUNTS) {
    const v = s[key];
    if (v !== undefined && (v < 0 || !Number.isInteger(v))) out.push(`${key} ${v} is not a count`);
  }
  for (const key of RATES) {
    const v = s[key];
    if (v !== undefined && (v < 0 || v > 1)) out.push(`${key} ${v} is outside 0..1`);
  }
  const { totalTools: total, filteredTools: filtered, exposedTools: exposed } = s;
  if (total !== undefined) {
    if (exposed !== undefined && exposed > total) out.push(`exposedTools ${exposed} > totalTools ${total}`);
    if (filtered !== undefined && filtered > total) out.push(`filteredTools ${filtered} > totalTools ${total}`);
    if (exposed !== undefined && filtered !== undefined && exposed <= total && filtered <= total && exposed + filtered !== total) {
      out.push(`exposedTools ${exposed} + filteredTools ${filtered} ≠ totalTools ${total}`);
    }
  }
  if (listed !== undefined) {
    const over = (['totalTools', 'exposedTools'] as const).filter((k) => (s[k] ?? 0) > listed);
    if (over.length > 0) {
      out.push(`${over.map((k) => `${k} ${s[k]}`).join(', ')} for the ${listed} tools the hub lists (the fork counts filter decisions since it started, and a re-sync counts the same tools again)`);
    }
  }
  return out;
}

/** The finding for one snapshot: none unless the hub serves the fork's route. */
export function evaluateForkFiltering(s: HubSnapshot): Finding[] {
  const hub = s.target.url;
  const route = s.routes[FILTERING_ROUTE];
  if (!s.filtering) {
    return route?.outcome === 'error' ? [finding(hub, 'fork.filtering', 'no_data', `cannot read ${FILTERING_ROUTE}: ${route.detail ?? 'error'}`)] : [];
  }
  const listed = s.health.ok ? s.health.value.servers.reduce((n, server) => n + server.toolCount, 0) : undefined;
  const bad = filteringInconsistencies(s.filtering, listed);
  const { totalTools: total, filteredTools: filtered, exposedTools: exposed } = s.filtering;
  const extra = exposed !== undefined ? { value: exposed, ...(total !== undefined ? { threshold: total } : {}) } : {};
  if (bad.length > 0) return [finding(hub, 'fork.filtering', 'warning', `the fork's filtering stats do not add up: ${bad.join('; ')}`, extra)];
  const counts = [exposed !== undefined && `${exposed} exposed`, filtered !== undefined && `${filtered} filtered`, total !== undefined && `of ${total} checked`].filter(Boolean);
  return [finding(hub, 'fork.filtering', 'ok', counts.length ? `filtering stats consistent: ${counts.join(', ')}` : 'filtering stats served, no tool counts', extra)];
}
