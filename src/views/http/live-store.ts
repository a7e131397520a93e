/**
 * The store as the running daemon's HTTP server reads it: the stored samples plus those still waiting in
 * the write buffer. While the store refuses writes (disk full, issue I) the latest polls exist only in
 * memory; /metrics and the API must show them (`mcp_hub_up 0` after the hub died), not the last stored
 * poll from before the disk filled. Events and rollups are read from the store alone.
 */
import type { SampleRow } from '../../daemon/observations.js';
import type { RawSampleRow } from '../../store/queries.js';
import { canonicalLabels } from '../../store/series.js';
import type { StoreReader } from './view.js';

export function withPendingSamples(store: StoreReader, pending: () => readonly SampleRow[]): StoreReader {
  const rows = (hub: string | undefined, name: string, labelsText: string | undefined, from: number, to: number): RawSampleRow[] => {
    const out: RawSampleRow[] = [];
    for (const r of pending()) {
      if (r.name !== name || (hub !== undefined && r.hub !== hub) || r.t < from || r.t >= to) continue;
      if (labelsText !== undefined && canonicalLabels(r.labels) !== labelsText) continue;
      out.push({ hub: r.hub, labels: r.labels ?? {}, t: r.t, v: r.v, err: r.err ?? null });
    }
    return out;
  };
  const live: StoreReader = {
    querySamples: ((q: Parameters<StoreReader['querySamples']>[0]) => {
      const stored = store.querySamples(q);
      if (q.resolution !== 'raw') return stored;
      const extra = rows(q.hub, q.name, q.labels === undefined ? undefined : canonicalLabels(q.labels), q.from, q.to);
      return extra.length ? [...(stored as RawSampleRow[]), ...extra] : stored;
    }) as StoreReader['querySamples'],
    samplesOfName(hub, name, from, to) {
      const extra = rows(hub, name, undefined, from, to);
      const stored = store.samplesOfName(hub, name, from, to);
      return extra.length ? [...stored, ...extra] : stored;
    },
    lastSampleTime(hub) {
      const stored = store.lastSampleTime(hub);
      let t = stored;
      for (const r of pending()) if ((hub === undefined || r.hub === hub) && (t === undefined || r.t > t)) t = r.t;
      return t;
    },
    queryEvents: (q) => store.queryEvents(q),
    eventsAfter: (hub, types, afterId, limit) => store.eventsAfter(hub, types, afterId, limit),
    listSeries: (hub) => store.listSeries(hub),
    listHubs: () => store.listHubs(),
    ratioOver: (hub, name, from, to) => store.ratioOver(hub, name, from, to),
    sumsOver: (hub, name, from, to) => store.sumsOver(hub, name, from, to),
    observedMs: (hub, name, from, to, opts) => store.observedMs(hub, name, from, to, opts),
    gaps: (from, to, opts) => store.gaps(from, to, opts),
  };
  return live;
}
