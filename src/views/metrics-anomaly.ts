/**
 * The learned bands on /metrics, from the anomaly job's latest pass (in memory, no store read):
 * `mcp_hub_monitor_anomaly_band{bound="lower|expected|upper"}` per series with a band, in base units
 * (seconds for latencies, a ratio, bytes; CPU in cores, counts per 5-minute step), and
 * `mcp_hub_monitor_anomaly_learning_progress` per series (the share of the history needed it has; 1 once
 * it has a band). Labels hub, series, server and tool
 * ("" for a hub's own series); per hub at most `maxServers` servers, as every per-server series.
 */
import { Gauge, type Registry } from 'prom-client';
import type { AnomalyBandRow } from '../daemon/jobs/anomaly.js';
import { ANOMALY_SERIES } from '../evaluate/anomaly-watch.js';
import { sanitizeLabelValue as L } from './http/metric-labels.js';

export interface AnomalyGauges {
  refresh(rows: readonly AnomalyBandRow[] | undefined): void;
}

const LABELS = ['hub', 'series', 'server', 'tool'];

export function createAnomalyGauges(registers: Registry[], maxServers: number): AnomalyGauges {
  const band = new Gauge({ name: 'mcp_hub_monitor_anomaly_band', help: 'The learned normal band of a series (anomaly.<series> fires when enough recent points are outside it): bound lower, expected or upper, in base units (seconds, ratio, bytes; CPU in cores, log errors and reconnects per 5 minutes).', labelNames: [...LABELS, 'bound'], registers });
  const progress = new Gauge({ name: 'mcp_hub_monitor_anomaly_learning_progress', help: 'Share of the history a series needs before it has a learned band (anomaly.min_history) that it has: below 1 it is learning and never alerts.', labelNames: LABELS, registers });
  return {
    refresh(rows) {
      band.reset();
      progress.reset();
      const servers = new Map<string, Set<string>>();
      for (const r of rows ?? []) {
        const server = r.labels.server ?? '';
        if (server !== '') {
          const seen = servers.get(r.hub) ?? new Set<string>();
          servers.set(r.hub, seen);
          if (!seen.has(server) && seen.size >= maxServers) continue;
          seen.add(server);
        }
        const labels = { hub: L(r.hub), series: r.series, server: L(server), tool: L(r.labels.tool ?? '') };
        if (r.band.mode === 'learning') {
          progress.set(labels, r.band.progress);
          continue;
        }
        progress.set(labels, 1);
        const unit = ANOMALY_SERIES[r.series].unit;
        const scale = unit === 'ms' ? 1 / 1000 : unit === 'percent' ? 1 / 100 : 1; // seconds; CPU in cores, as mcp_hub_process_tree_cpu_ratio
        for (const [bound, v] of [['lower', r.band.lower], ['expected', r.band.expected], ['upper', r.band.upper]] as const) band.set({ ...labels, bound }, v * scale);
      }
    },
  };
}
