/**
 * Seeds the daemon's read model (live-state.ts) from the store once, when a run starts: the latest polls
 * of each hub within `lookbackMs`, its latest probes, its latest state and this run's verdicts, so /metrics
 * and the API answer after a restart as before it, until the first poll replaces them.
 */
import type { Store } from '../store/store.js';
import type { LiveState } from './live-state.js';
import type { SampleRow } from './observations.js';

/** The store's reads the seeding needs. */
export type SeedSource = Pick<Store, 'querySamples' | 'samplesOfName' | 'listSeries' | 'queryEvents'>;

const PROBE_SERIES = ['server.probe_ok', 'server.probe_latency_ms'];

/** Takes into `live` what the store holds of `hubs` as of `now`; `since` is the run's start (its verdicts only). */
export function seedLiveState(live: LiveState, store: SeedSource, hubs: readonly string[], o: { now: number; lookbackMs: number; since: number }): void {
  const from = o.now - o.lookbackMs;
  const to = o.now + 1;
  for (const hub of hubs) {
    const ups = store.querySamples({ hub, name: 'hub.up', from, to, resolution: 'raw' });
    const latest = ups.at(-1);
    const lastOk = [...ups].reverse().find((r) => r.err === null); // a failed poll: hub.up 0 with its error
    const names = [...new Set(store.listSeries(hub).map((s) => s.name))].filter((n) => !PROBE_SERIES.includes(n));
    const samples: SampleRow[] = [];
    for (const at of new Set([lastOk?.t, latest?.t])) {
      if (at === undefined) continue;
      for (const name of names) {
        for (const r of store.samplesOfName(hub, name, at, at + 1)) samples.push({ hub, name, labels: r.labels, t: r.t, v: r.v, ...(r.err !== null ? { err: r.err } : {}) });
      }
    }
    for (const name of PROBE_SERIES) {
      for (const r of store.samplesOfName(hub, name, from, to)) samples.push({ hub, name, labels: r.labels, t: r.t, v: r.v, ...(r.err !== null ? { err: r.err } : {}) });
    }
    live.observe(samples.sort((a, b) => a.t - b.t), []);
    const events = store.queryEvents({ hub, type: 'hub_state', from: 0, to, limit: 1, order: 'desc' });
    for (const type of ['server_status', 'server_dead']) events.push(...store.queryEvents({ hub, type, from: o.since, to, limit: 5_000, order: 'desc' }));
    live.observeStored(events.sort((a, b) => a.id - b.id));
  }
}
