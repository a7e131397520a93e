/**
 * The fork's `/api/filtering/stats` on /metrics: one gauge per stored `fork.*` series, read at the hub's
 * latest successful poll (the instant every per-poll gauge shows), absent for a hub that does not serve
 * the route. The tool gauges mirror the fork's counters of filter decisions, and say so in their help.
 */
import { Gauge, type Registry } from 'prom-client';
import { FILTERING_SERIES } from '../sources/filtering-stats.js';
import type { FilteringNumber } from '../model/hub.js';
import type { PollRecord } from '../daemon/live-state.js';

const GAUGES: readonly [FilteringNumber | 'enabled', string, string][] = [
  ['enabled', 'mcp_hub_fork_filtering_enabled', 'Whether the fork\'s tool filtering is enabled (its /api/filtering/stats `enabled`).'],
  ['totalTools', 'mcp_hub_fork_filtering_total_tools', 'The fork\'s `totalTools`: filter decisions since its filtering service started, not a count of tools (a re-sync counts the same tools again).'],
  ['filteredTools', 'mcp_hub_fork_filtering_filtered_tools', 'The fork\'s `filteredTools`: decisions that hid a tool, since its filtering service started.'],
  ['exposedTools', 'mcp_hub_fork_filtering_exposed_tools', 'The fork\'s `exposedTools`: decisions that exposed a tool, since its filtering service started.'],
  ['filterRate', 'mcp_hub_fork_filtering_filter_ratio', 'The fork\'s `filterRate`: filteredTools / totalTools.'],
  ['categoryCacheSize', 'mcp_hub_fork_category_cache_entries', 'Entries in the fork\'s tool category cache (`categoryCacheSize`).'],
  ['cacheHitRate', 'mcp_hub_fork_category_cache_hit_ratio', 'Hit ratio of the fork\'s tool category cache (`cacheHitRate`; 0 also before any lookup).'],
  ['llmCacheSize', 'mcp_hub_fork_llm_cache_entries', 'Entries in the fork\'s LLM categorization cache (`llmCacheSize`).'],
  ['llmCacheHitRate', 'mcp_hub_fork_llm_cache_hit_ratio', 'Hit ratio of the fork\'s LLM categorization cache (`llmCacheHitRate`; 0 also before any lookup).'],
];

export interface ForkGauges {
  reset(): void;
  /** Sets the gauges of a hub (label `hubLabel`) from the samples of its latest successful poll. */
  fill(poll: PollRecord, hubLabel: string): void;
}

export function createForkGauges(registers: Registry[]): ForkGauges {
  const gauges = GAUGES.map(([key, name, help]) => ({ series: FILTERING_SERIES[key], gauge: new Gauge({ name, help, labelNames: ['hub'], registers }) }));
  return {
    reset: () => { for (const g of gauges) g.gauge.reset(); },
    fill(poll, hubLabel) {
      for (const { series, gauge } of gauges) {
        const v = poll.hub.get(series);
        if (v !== undefined && v !== null) gauge.set({ hub: hubLabel }, v);
      }
    },
  };
}
