/**
 * The daemon's read model: what it has observed of each hub, kept in memory as it observes it, for
 * /metrics, the JSON API and the SSE tick. Every row the collectors, probers and alerting record passes
 * through here on its way to the write buffer (daemon/write-buffer.ts `tap`), so a scrape reads memory,
 * never SQLite, and keeps answering while the store refuses writes (issue I). The store serves history
 * (ranges, reports); after a restart the model is seeded from it once (`seedLiveState`).
 *
 * It keeps the latest values, not a history: a hub's latest poll and its latest successful one (a poll
 * writes all its samples at one `t`, observations.ts), each server's latest settled verdict and latest
 * probe, the hub's latest state, and a bounded log of probe latencies for the /metrics histogram.
 */
import type { AlertRow } from '../store/alert-store.js';
import type { StoredEvent } from '../model/events.js';
import type { EventRow, SampleRow } from './observations.js';
import type { CallsLedger } from './calls-ledger.js';
import type { TapSocketStats } from './jobs/tap-socket.js';
import type { TapIntake } from './tap-intake.js';

/** One poll's samples, all stored at its `t`. */
export interface PollRecord {
  t: number;
  /** `hub.up`: 1 or 0, with the failure class of a failed poll; undefined until that sample is seen. */
  up?: { v: number | null; err?: string };
  /** The hub's own series at this poll (hub.health_latency_ms, hub.rss_bytes, fork.*). */
  hub: Map<string, number | null>;
  /** Each server's series at this poll (server.up, server.tools, server.uptime_s). */
  servers: Map<string, Map<string, number | null>>;
}

/** A value and when it was recorded: the latest by time wins, then the later recorded (as the store's ids). */
export interface Stamped { t: number; seq: number; value: string }

/** A sample kept as the latest of its series. */
export interface LatestSample { t: number; v: number | null }

/** One probe round trip that got an answer, for the /metrics histogram. */
export interface ProbeLatency { seq: number; hub: string; server: string; t: number; ms: number }

/** What the read model holds of one hub. */
export interface HubLive {
  /** The latest poll with a `hub.up` sample, and the latest one that answered (hub.up without an error). */
  latestPoll?: PollRecord;
  lastOkPoll?: PollRecord;
  /** The latest `hub_state` event ever. */
  hubState?: Stamped;
  /** Per server, the latest verdict event (server_status, server_dead). */
  verdicts: ReadonlyMap<string, Stamped>;
  /** Per server, the latest `server.probe_ok` and `server.probe_latency_ms` samples. */
  probeOk: ReadonlyMap<string, LatestSample>;
  probeLatency: ReadonlyMap<string, LatestSample>;
}

/** What the HTTP server reads of the model. */
export interface LiveView {
  hub(url: string): HubLive | undefined;
  /** Probe latencies recorded after `afterSeq` (0: all kept), and the sequence number to ask after next. */
  probeLatencies(afterSeq: number): { rows: readonly ProbeLatency[]; seq: number };
  /** Open alerts (pending and firing) as the alerting holds them; none when alerting is off. */
  openAlerts(): readonly AlertRow[];
  /** The traffic tap's calls and socket; undefined before the daemon set them up. */
  calls(): { ledger: CallsLedger; socket: TapSocketStats } | undefined;
}

/** Probe latencies kept for scrapes to come (a scrape every 15 s of 200 servers probed each minute reads ~50). */
const PROBE_LOG_MAX = 10_000;

/** Polls kept per hub: the latest that answered and the failed ones since (a hub down for hours fails every poll). */
const MAX_POLLS_KEPT = 1_000;

interface HubEntry extends HubLive {
  polls: Map<number, PollRecord>;
  verdicts: Map<string, Stamped>;
  probeOk: Map<string, LatestSample>;
  probeLatency: Map<string, LatestSample>;
}

const newer = (t: number, seq: number, cur: { t: number; seq: number } | undefined): boolean => !cur || t > cur.t || (t === cur.t && seq > cur.seq);

export class LiveState implements LiveView {
  private readonly hubs = new Map<string, HubEntry>();
  private readonly probeLog: ProbeLatency[] = [];
  private seq = 0;
  /** Open alerts: the running alerting's, set by whoever starts it (a config reload starts another). */
  openAlerts: () => readonly AlertRow[] = () => [];
  /** The tap's calls and socket: kept here so a config reload keeps them (the run that starts sets them once). */
  tap?: { ledger: CallsLedger; socket: TapSocketStats; intake?: TapIntake };

  calls(): { ledger: CallsLedger; socket: TapSocketStats } | undefined {
    return this.tap;
  }

  /** Takes in rows as they are recorded (samples and events of any hub, in recording order). */
  observe(samples: readonly SampleRow[], events: readonly EventRow[]): void {
    const touched = new Set<HubEntry>();
    for (const s of samples) {
      const h = this.entry(s.hub);
      touched.add(h);
      this.observeSample(h, s);
    }
    for (const e of events) this.observeEvent(this.entry(e.hub), e.type, e.t, e.server, e.data, ++this.seq);
    for (const h of touched) settlePolls(h);
  }

  hub(url: string): HubLive | undefined {
    return this.hubs.get(url);
  }

  probeLatencies(afterSeq: number): { rows: readonly ProbeLatency[]; seq: number } {
    const first = this.probeLog.findIndex((p) => p.seq > afterSeq);
    return { rows: first < 0 ? [] : this.probeLog.slice(first), seq: Math.max(afterSeq, this.probeLog.at(-1)?.seq ?? 0) };
  }

  /** Takes in stored events as the store numbered them (seeding after a restart). */
  observeStored(events: readonly StoredEvent[]): void {
    for (const e of events) this.observeEvent(this.entry(e.hub), e.type, e.t, e.server ?? undefined, e.data, ++this.seq);
  }

  private entry(hub: string): HubEntry {
    let h = this.hubs.get(hub);
    if (!h) this.hubs.set(hub, (h = { polls: new Map(), verdicts: new Map(), probeOk: new Map(), probeLatency: new Map() }));
    return h;
  }

  private observeSample(h: HubEntry, s: SampleRow): void {
    const server = s.labels?.server;
    if (s.name === 'server.probe_ok' || s.name === 'server.probe_latency_ms') {
      if (server === undefined) return;
      const latest = s.name === 'server.probe_ok' ? h.probeOk : h.probeLatency;
      const cur = latest.get(server);
      if (!cur || s.t >= cur.t) latest.set(server, { t: s.t, v: s.v });
      if (s.name === 'server.probe_latency_ms' && s.v !== null) {
        this.probeLog.push({ seq: ++this.seq, hub: s.hub, server, t: s.t, ms: s.v });
        if (this.probeLog.length > PROBE_LOG_MAX) this.probeLog.splice(0, this.probeLog.length - PROBE_LOG_MAX);
      }
      return;
    }
    if (!s.name.startsWith('hub.') && !s.name.startsWith('server.') && !s.name.startsWith('fork.')) return;
    let poll = h.polls.get(s.t);
    if (!poll) h.polls.set(s.t, (poll = { t: s.t, hub: new Map(), servers: new Map() }));
    if (s.name === 'hub.up') poll.up = { v: s.v, ...(s.err !== undefined ? { err: s.err } : {}) };
    else if (server === undefined) poll.hub.set(s.name, s.v);
    else {
      let values = poll.servers.get(server);
      if (!values) poll.servers.set(server, (values = new Map()));
      values.set(s.name, s.v);
    }
  }

  private observeEvent(h: HubEntry, type: string, t: number, server: string | undefined, data: unknown, seq: number): void {
    const d = data as { to?: unknown; state?: unknown } | undefined;
    if (type === 'hub_state') {
      if (newer(t, seq, h.hubState)) h.hubState = { t, seq, value: typeof d?.state === 'string' ? d.state : 'unknown' };
    } else if ((type === 'server_status' || type === 'server_dead') && server !== undefined && newer(t, seq, h.verdicts.get(server))) {
      h.verdicts.set(server, { t, seq, value: type === 'server_dead' ? 'dead' : typeof d?.to === 'string' ? d.to : 'unknown' });
    }
  }
}

/** Finds the latest poll and the latest that answered; forgets polls older than both. */
function settlePolls(h: HubEntry): void {
  let latest: PollRecord | undefined;
  let lastOk: PollRecord | undefined;
  for (const p of h.polls.values()) {
    if (!p.up) continue;
    if (!latest || p.t >= latest.t) latest = p;
    if (p.up.err === undefined && (!lastOk || p.t >= lastOk.t)) lastOk = p;
  }
  h.latestPoll = latest;
  h.lastOkPoll = lastOk;
  const keepFrom = lastOk?.t ?? latest?.t;
  if (keepFrom !== undefined) for (const t of h.polls.keys()) if (t < keepFrom) h.polls.delete(t);
  // Rows of a poll with no hub.up (never written so) must not pile up either.
  if (h.polls.size > MAX_POLLS_KEPT) for (const t of [...h.polls.keys()].sort((a, b) => a - b).slice(0, h.polls.size - MAX_POLLS_KEPT)) h.polls.delete(t);
}
