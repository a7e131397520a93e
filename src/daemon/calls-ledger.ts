/**
 * What the daemon keeps of the tap's calls, in memory: per (hub, server, tool) the calls of the interval
 * in progress (closed into stored samples every few seconds), of the judging window (a ring of closed
 * intervals, so the window is a sum, never a scan), and since the daemon started (the /metrics histogram:
 * Prometheus counters only grow). Also what each tap said of itself (its drops). Bounded: a hub keeps at
 * most MAX_KEYS_PER_HUB (server, tool) pairs, the rest fold into tool `__other__` (or server `__other__`),
 * and at most MAX_HUBS hubs; a tap's strings cannot grow memory without end. Kept across config reloads.
 * And the last MAX_RECENT_FAILURES failing calls as the tap recorded them (with their arguments when the user
 * opted in), in memory only: for whoever investigates a failing tool (`status`, /api/calls/recent-failures).
 */
import { addCall, emptyStats, errorTypeOf, mergeStats, statsKey, type CallStats } from '../model/call-stats.js';
import type { CallRecord, TapStatus } from '../model/calls.js';
import type { TapOtelSeen } from '../model/calls-window.js';
import { normaliseHubUrl } from '../sources/discovery.js';
import type { SampleRow } from './observations.js';
import { callSamples } from './calls-series.js';

/** Distinct (server, tool) pairs per hub with their own stats. */
export const MAX_KEYS_PER_HUB = 500;
export const MAX_HUBS = 32;
/** Failing calls kept as they came. */
export const MAX_RECENT_FAILURES = 20;
/** The name pairs beyond the cap fold into. */
export const OTHER = '__other__';

/** A tap that said nothing for this long is gone (a live one says every 5 s): its export is not shown. */
export const TAP_STATUS_FRESH_MS = 30_000;

/** A tap as it last described itself. */
export interface TapSeen { status: TapStatus; at: number }

interface Interval { t: number; stats: Map<string, CallStats> }

/** Since start per (hub, server, tool, method, error type): the /metrics histogram's series. */
export interface OperationStats extends CallStats {
  method: string;
  /** '' for a call that succeeded (OpenTelemetry sets error.type only on failures). */
  errorType: string;
}

/** Distinct methods and error types per hub with their own series; the rest count as `other`. */
export const MAX_LABEL_VALUES = 32;
const METHOD_SHAPE = /^[A-Za-z_]+(?:\/[A-Za-z_]+){0,3}$/;

export class CallsLedger {
  private current = new Map<string, CallStats>();
  private currentFrom: number | undefined;
  private readonly ring: Interval[] = [];
  private readonly total = new Map<string, CallStats>();
  private readonly keysPerHub = new Map<string, Set<string>>();
  private readonly serversPerHub = new Map<string, Set<string>>();
  private readonly operations = new Map<string, OperationStats>();
  private readonly labelValues = new Map<string, Set<string>>();
  readonly taps = new Map<string, TapSeen>();
  private readonly failures: CallRecord[] = [];
  /** Calls whose hub was beyond MAX_HUBS: not kept. */
  droppedCalls = 0;
  /** Calls taken in since start. */
  calls = 0;
  /** Calls since start for hubs the daemon does not watch, and the latest, per hub (at most MAX_HUBS; the rest only in the total). */
  readonly unwatched = new Map<string, { calls: number; lastAt: number }>();
  unwatchedCalls = 0;

  /** A call for a hub the daemon does not watch: counted, not kept as that hub's (nothing judges it). */
  noteUnwatched(hub: string, now: number): void {
    this.unwatchedCalls++;
    const u = this.unwatched.get(hub);
    if (u) {
      u.calls++;
      u.lastAt = now;
    } else if (this.unwatched.size < MAX_HUBS) this.unwatched.set(hub, { calls: 1, lastAt: now });
  }

  /** Takes one call in; false when it was not kept (its hub beyond MAX_HUBS). */
  note(c: CallRecord, now: number): boolean {
    const hub = normalizeHub(c.hub);
    let keys = this.keysPerHub.get(hub);
    if (!keys) {
      if (this.keysPerHub.size >= MAX_HUBS) {
        this.droppedCalls++;
        return false;
      }
      this.keysPerHub.set(hub, (keys = new Set()));
    }
    let server = c.server ?? '';
    let tool = c.tool ?? '';
    if (!keys.has(statsKey(hub, server, tool)) && keys.size >= MAX_KEYS_PER_HUB) {
      // Keep a server that has pairs of its own: "some tool of files" says more than "some server". That
      // is one more pair per known server at most, so the bound holds.
      server = this.serversOf(hub).has(server) ? server : OTHER;
      tool = OTHER;
    }
    const key = statsKey(hub, server, tool);
    if (!keys.has(key)) {
      keys.add(key);
      this.serversOf(hub).add(server);
    }
    this.currentFrom ??= now;
    for (const m of [this.current, this.total]) {
      let s = m.get(key);
      if (!s) m.set(key, (s = emptyStats(hub, server, tool)));
      addCall(s, { ...c, hub });
    }
    const method = this.bounded(hub, 'method', METHOD_SHAPE.test(c.method) && c.method.length <= 64 ? c.method : 'other');
    const errorType = c.outcome === 'ok' ? '' : this.bounded(hub, 'error', errorTypeOf(c).slice(0, 64));
    const opKey = `${key}\u0000${method}\u0000${errorType}`;
    let op = this.operations.get(opKey);
    if (!op) this.operations.set(opKey, (op = { ...emptyStats(hub, server, tool), method, errorType }));
    addCall(op, { ...c, hub });
    this.calls++;
    if (c.outcome !== 'ok') {
      this.failures.push({ ...c, hub });
      if (this.failures.length > MAX_RECENT_FAILURES) this.failures.shift();
    }
    return true;
  }

  /** The last failing calls, oldest first. */
  recentFailures(): readonly CallRecord[] {
    return this.failures;
  }

  /** `value` while the hub has fewer than MAX_LABEL_VALUES of this kind, then `other` for new ones. */
  private bounded(hub: string, kind: string, value: string): string {
    const k = `${hub}\u0000${kind}`;
    let seen = this.labelValues.get(k);
    if (!seen) this.labelValues.set(k, (seen = new Set()));
    if (seen.has(value)) return value;
    if (seen.size >= MAX_LABEL_VALUES) return 'other';
    seen.add(value);
    return value;
  }

  /** Every (hub, server, tool, method, error type) since start, for the /metrics histogram. */
  operationTotals(): readonly OperationStats[] {
    return [...this.operations.values()];
  }

  private serversOf(hub: string): Set<string> {
    let s = this.serversPerHub.get(hub);
    if (!s) this.serversPerHub.set(hub, (s = new Set()));
    return s;
  }

  noteStatus(s: TapStatus, now: number): void {
    this.taps.set(`${s.pid}@${s.listen}`, { status: s, at: now });
    if (this.taps.size > MAX_HUBS) this.taps.delete(this.taps.keys().next().value!);
  }

  /** Records the taps said they dropped (the latest status of each). */
  tapDropped(): number {
    let n = 0;
    for (const t of this.taps.values()) n += t.status.dropped;
    return n;
  }

  /** The OpenTelemetry export of each tap heard from lately that exports. */
  tapOtel(now: number): TapOtelSeen[] {
    const out: TapOtelSeen[] = [];
    for (const t of this.taps.values()) if (t.status.otel && now - t.at <= TAP_STATUS_FRESH_MS) out.push({ listen: t.status.listen, ...t.status.otel });
    return out;
  }

  /**
   * Closes the interval in progress at `now`: its samples (stored at `now`), kept in the window ring;
   * intervals older than `windowMs` leave the ring.
   */
  closeInterval(now: number, windowMs: number): SampleRow[] {
    const closed = this.current;
    this.current = new Map();
    this.currentFrom = undefined;
    if (closed.size > 0) this.ring.push({ t: now, stats: closed });
    while (this.ring.length > 0 && this.ring[0]!.t <= now - windowMs) this.ring.shift();
    const out: SampleRow[] = [];
    for (const s of closed.values()) out.push(...callSamples(s, now));
    return out;
  }

  /** The window's calls per (hub, server, tool): the closed intervals within it and the one in progress. */
  window(now: number, windowMs: number): CallStats[] {
    const sum = new Map<string, CallStats>();
    const add = (m: Map<string, CallStats>) => {
      for (const [k, s] of m) {
        let agg = sum.get(k);
        if (!agg) sum.set(k, (agg = emptyStats(s.hub, s.server, s.tool)));
        mergeStats(agg, s);
      }
    };
    for (const i of this.ring) if (i.t > now - windowMs) add(i.stats);
    add(this.current);
    return [...sum.values()];
  }

  /** Every (hub, server, tool) since the daemon started, for the /metrics histogram. */
  totals(): readonly CallStats[] {
    return [...this.total.values()];
  }
}

/**
 * A call's hub as the monitor names hubs (sources/discovery.ts `normaliseHubUrl`: scheme, host and port as
 * the URL parser writes them, no default port, no trailing slash), so it matches a watched hub exactly
 * when it is the same URL; anything that is not an http(s) URL stays as it came (capped), matching none.
 */
export function normalizeHub(url: string): string {
  let hub = normalized.get(url);
  if (hub !== undefined) return hub;
  try {
    hub = normaliseHubUrl(url);
  } catch {
    hub = url.slice(0, 200);
  }
  if (normalized.size >= 64) normalized.clear(); // a tap sends one hub: parsing once per call would cost more than the rest of it
  normalized.set(url, hub);
  return hub;
}
const normalized = new Map<string, string>();
