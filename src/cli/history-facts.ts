/**
 * Reads the last hour of one hub from the daemon's history store, read-only, for the one-shot commands.
 * No store (no daemon), or a store that cannot be opened, simply means no history: the commands still
 * work on what they observe live.
 */
import { existsSync } from 'node:fs';
import { historyDbPath } from '../config/paths.js';
import type { HistoryFacts } from '../evaluate/history.js';

const HOUR_MS = 3_600_000;

export async function readHistoryFacts(stateDir: string, hub: string, now: number): Promise<HistoryFacts | undefined> {
  if (!existsSync(historyDbPath(stateDir))) return undefined;
  try {
    const { Store } = await import('../store/store.js');
    const store = Store.open({ stateDir, readOnly: true, quickCheck: false });
    try {
      const from = now - HOUR_MS;
      const up = store.querySamples({ hub, name: 'hub.up', from, to: now + 1, resolution: 'raw' }) as { err: string | null }[];
      if (up.length === 0) return undefined;
      const latency = store.querySamples({ hub, name: 'hub.health_latency_ms', from, to: now + 1, resolution: 'raw' }) as { v: number | null }[];
      const reconnects = new Map<string, number>();
      const probeProblems = new Map<string, { outcome: string; at: number }>();
      const wasDown = new Map<string, boolean>();
      for (const e of store.queryEvents({ hub, from, to: now + 1, limit: 100_000 })) {
        if (!e.server) continue;
        if (e.type === 'probe_disagreement') probeProblems.set(e.server, { outcome: e.data.outcome, at: e.t });
        if (e.type === 'probe_recovered') probeProblems.delete(e.server);
        if (e.type !== 'server_status' && e.type !== 'server_dead') continue;
        const { to } = e.data;
        if (to === 'up') {
          if (wasDown.get(e.server)) reconnects.set(e.server, (reconnects.get(e.server) ?? 0) + 1);
          wasDown.set(e.server, false);
        } else if (to === 'down' || to === 'dead') wasDown.set(e.server, true);
      }
      return {
        spanMs: HOUR_MS,
        latencyMs: latency.flatMap((r) => (r.v === null ? [] : [r.v])),
        polls: up.length,
        failedPolls: up.filter((r) => r.err !== null).length, // hub.up 0 with the failure class
        reconnectsByServer: reconnects,
        probeProblems,
      };
    } finally {
      store.close();
    }
  } catch {
    return undefined;
  }
}
