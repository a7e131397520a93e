/**
 * Reads what a report needs from the history store (read-only) and the pinned baseline, as the plain
 * data `buildReport` takes. Counts come from the 1-minute rollups up to the rollup watermark and from raw
 * samples after it (grouped by minute here), so a poll is counted exactly once and the newest minutes,
 * not yet rolled up, still count; a monthly report reads whole hours from the 1-hour rollups.
 */
import { hubRestartTimes } from '../evaluate/hub-restarts.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MonitorConfig } from '../config/defaults.js';
import { type AlertEpisode, type BaselineInfo, type Bucket, type HubReportInput, type ReportEvent, type ReportInput, type ReportKind } from '../evaluate/report-model.js';
import { reportPeriod } from '../evaluate/report.js';
import { CALL_SERIES, hubCallsOver, statsFromRows, type CallSeriesRow } from '../daemon/calls-series.js';
import { callRatios } from '../evaluate/call-slo.js';
import type { CallStats } from '../model/call-stats.js';
import { isKnown, type EventType } from '../model/events.js';
import { isRecord, own, parseJsonSafe } from '../model/json.js';
import { AlertStore } from '../store/alert-store.js';
import { META_ROLLUP_WATERMARK } from '../store/rollup.js';
import type { RawSampleRow, RollupRow, Store } from '../store/store.js';
import { BASELINE_NAME, baselinesDir, readBaselineText } from './baseline-files.js';
import { capacitySeries } from '../daemon/capacity-inputs.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Event types a report reads; each is one index range. */
const REPORT_EVENT_TYPES = ['server_status', 'server_dead', 'server_removed', 'log', 'log_summary', 'tool_list_changed', 'alert_firing', 'alert_resolved', 'remediation'] as const satisfies readonly EventType[];
/** Per event type and hub: beyond this a report would not be read by anyone anyway. */
const EVENT_LIMIT = 500_000;

type Grouped = Map<string, Bucket[]>;

function push(out: Grouped, key: string, b: Bucket): void {
  const list = out.get(key);
  if (list) list.push(b); else out.set(key, [b]);
}

/**
 * Buckets of one series name of a hub in [from, to) (minute-aligned), grouped by the `server` label ('' for
 * none). `coarse` '1h' reads whole hours from rollup_1h and only the edges from rollup_1m.
 */
export function readBuckets(store: Store, hub: string, name: string, from: number, to: number, coarse: '1m' | '1h'): Grouped {
  const out: Grouped = new Map();
  if (!(to > from)) return out;
  const wm = store.sql.getMetaNumber(META_ROLLUP_WATERMARK);
  const rolledTo = wm === undefined ? from : Math.min(to, Math.max(from, wm));
  const rollups = (resolution: '1m' | '1h', a: number, b: number) => {
    if (!(b > a)) return;
    const widthMs = resolution === '1m' ? MINUTE : HOUR;
    for (const r of store.querySamples({ hub, name, from: a, to: b, resolution }) as RollupRow[]) {
      push(out, r.labels.server ?? '', { t: r.bucket, widthMs, n: r.n, nErr: r.n_err, sum: r.sum, min: r.min, max: r.max });
    }
  };
  let cursor = from;
  if (coarse === '1h') {
    const hStart = Math.ceil(from / HOUR) * HOUR;
    const hEnd = Math.floor(rolledTo / HOUR) * HOUR;
    if (hStart < hEnd) {
      rollups('1m', from, hStart);
      rollups('1h', hStart, hEnd);
      cursor = hEnd;
    }
  }
  rollups('1m', cursor, rolledTo);
  // After the watermark: raw samples, folded into minutes exactly as the rollup will fold them.
  const minutes = new Map<string, Bucket>();
  for (const r of store.querySamples({ hub, name, from: rolledTo, to, resolution: 'raw' }) as RawSampleRow[]) {
    const server = r.labels.server ?? '';
    const t = Math.floor(r.t / MINUTE) * MINUTE;
    const k = `${server}\u0000${t}`;
    let b = minutes.get(k);
    if (!b) {
      b = { t, widthMs: MINUTE, n: 0, nErr: 0, sum: null, min: null, max: null };
      minutes.set(k, b);
      push(out, server, b);
    }
    b.n++;
    if (r.v === null) { b.nErr++; continue; }
    b.sum = (b.sum ?? 0) + r.v;
    b.min = b.min === null ? r.v : Math.min(b.min, r.v);
    b.max = b.max === null ? r.v : Math.max(b.max, r.v);
  }
  for (const [k, list] of out) out.set(k, coarse === '1h' ? toHours(list) : list.sort((a, b) => a.t - b.t));
  return out;
}

/** Folds buckets into whole hours, so a monthly report's edges and tail weigh the same as its rolled-up hours. */
function toHours(list: readonly Bucket[]): Bucket[] {
  const hours = new Map<number, Bucket>();
  for (const b of list) {
    const t = Math.floor(b.t / HOUR) * HOUR;
    const h = hours.get(t);
    if (!h) { hours.set(t, { ...b, t, widthMs: HOUR }); continue; }
    h.n += b.n;
    h.nErr += b.nErr;
    if (b.sum !== null) h.sum = (h.sum ?? 0) + b.sum;
    if (b.min !== null) h.min = h.min === null ? b.min : Math.min(h.min, b.min);
    if (b.max !== null) h.max = h.max === null ? b.max : Math.max(h.max, b.max);
  }
  return [...hours.values()].sort((a, b) => a.t - b.t);
}

/**
 * The tap's calls of a hub in [from, to) per (server, tool), from the stored `calls.*` series: counts sum
 * exactly across rollups (their `sum`), so rollups up to the watermark and raw rows after it read back as
 * the very counts and histograms the daemon stored. `coarse` '1h' reads whole hours from rollup_1h.
 */
export function readCallStats(store: Store, hub: string, from: number, to: number, coarse: '1m' | '1h'): CallStats[] {
  if (!(to > from)) return [];
  const wm = store.sql.getMetaNumber(META_ROLLUP_WATERMARK);
  const rolledTo = wm === undefined ? from : Math.min(to, Math.max(from, wm));
  const rows: CallSeriesRow[] = [];
  for (const name of Object.values(CALL_SERIES)) {
    const rollups = (resolution: '1m' | '1h', a: number, b: number) => {
      if (!(b > a)) return;
      for (const r of store.querySamples({ hub, name, from: a, to: b, resolution }) as RollupRow[]) rows.push({ hub, name, labels: r.labels, total: r.sum ?? 0 });
    };
    let cursor = from;
    const hStart = Math.ceil(from / HOUR) * HOUR;
    const hEnd = Math.floor(rolledTo / HOUR) * HOUR;
    if (coarse === '1h' && hStart < hEnd) {
      rollups('1m', from, hStart);
      rollups('1h', hStart, hEnd);
      cursor = hEnd;
    }
    rollups('1m', cursor, rolledTo);
    for (const r of store.querySamples({ hub, name, from: rolledTo, to, resolution: 'raw' }) as RawSampleRow[]) rows.push({ hub, name, labels: r.labels, total: r.v ?? 0 });
  }
  return statsFromRows(rows);
}

const only = (g: Grouped): Bucket[] => g.get('') ?? [];
const means = (bs: readonly Bucket[]): number[] => bs.flatMap((b) => (b.sum === null || b.n - b.nErr <= 0 ? [] : [b.sum / (b.n - b.nErr)]));

/** Alert episodes of a hub that fired before `to` and were open at or after `from`. */
function readAlerts(store: Store, hub: string, from: number, to: number): AlertEpisode[] {
  let alerts: AlertStore;
  try {
    alerts = new AlertStore(store.db);
  } catch {
    return []; // a store from before the alerting tables: no alert history to show
  }
  return [...alerts.openAlerts(), ...alerts.recentResolved(from, 100_000)]
    .filter((a) => a.hub === hub && a.firedAt !== null && a.firedAt < to)
    .map((a) => ({ fingerprint: a.fingerprint, rule: a.rule, severity: a.severity, server: a.labels.server ?? null, summary: a.summary, firedAt: a.firedAt as number, resolvedAt: a.resolvedAt }));
}

/** `server.probe_ok` of a hub in [from, to), per server. */
function probesOver(store: Store, hub: string, from: number, to: number, coarse: '1m' | '1h'): { name: string; buckets: Bucket[] }[] {
  return [...readBuckets(store, hub, 'server.probe_ok', from, to, coarse)].filter(([name]) => name !== '').map(([name, buckets]) => ({ name, buckets }));
}

/** How often the hub restarted in [from, to) (its `restarting` state, as the daemon's fleet counts it). */
function hubRestarts(store: Store, hub: string, from: number, to: number): number {
  return hubRestartTimes(store.queryEvents({ hub, type: 'hub_state', from, to, limit: EVENT_LIMIT })).length;
}

/** Everything `buildReport` needs for `kind` ending at `at`, for the given hubs (default: every hub in the store). */
export function readReportInput(store: Store, kind: ReportKind, at: number, cfg: MonitorConfig, opts: { hubs?: string[]; baseline: BaselineInfo; generatedAt: number; currentRunId?: number }): ReportInput {
  const { from, to, previousFrom } = reportPeriod(kind, at);
  const coarse = kind === 'monthly' ? '1h' : '1m';
  const latencyBasis = kind === 'daily' ? 'raw' : coarse;
  const hubs = (opts.hubs ?? store.listHubs()).map((hub): HubReportInput => {
    const servers = (a: number, b: number) => readBuckets(store, hub, 'server.up', a, b, coarse);
    const srvNow = servers(from, to);
    const srvBefore = servers(previousFrom, from);
    const names = [...new Set([...srvNow.keys(), ...srvBefore.keys()])].filter((n) => n !== '').sort();
    const latNow = only(readBuckets(store, hub, 'hub.health_latency_ms', from, to, coarse));
    const rawLatency = (a: number, b: number) => (store.querySamples({ hub, name: 'hub.health_latency_ms', labels: {}, from: a, to: b, resolution: 'raw' }) as RawSampleRow[])
      .flatMap((r) => (r.v === null ? [] : [r.v]));
    const events: ReportEvent[] = REPORT_EVENT_TYPES.flatMap((type) => store.queryEvents({ hub, type, from: previousFrom, to, limit: EVENT_LIMIT }))
      .filter(isKnown);
    const run = opts.currentRunId === undefined ? {} : { currentRunId: opts.currentRunId };
    const window = (name: string) => ({
      ...store.ratioOver(hub, name, to - cfg.slo.window, to), observedMs: store.observedMs(hub, name, to - cfg.slo.window, to, run),
    });
    const callsWindow = (h: string) => {
      const observedMs = store.observedMs(h, CALL_SERIES.count, to - cfg.slo.window, to, { ...run, anyLabels: true });
      const r = callRatios(hubCallsOver(store, h, to - cfg.slo.window, to), cfg.slo.calls.latency_threshold);
      return { success: { ...r.success, observedMs }, latency: { ...r.latency, observedMs } };
    };
    return {
      hub,
      // hub.up always per minute: outages are found in it. The previous period only needs totals.
      up: { current: only(readBuckets(store, hub, 'hub.up', from, to, '1m')), previous: only(readBuckets(store, hub, 'hub.up', previousFrom, from, '1h')) },
      fast: { current: only(readBuckets(store, hub, 'hub.health_fast', from, to, coarse)), previous: only(readBuckets(store, hub, 'hub.health_fast', previousFrom, from, '1h')) },
      sloWindow: { availability: window('hub.up'), latency: window('hub.health_fast') },
      gaps: store.gaps(from, to, run),
      servers: names.map((name) => ({ name, up: { current: srvNow.get(name) ?? [], previous: srvBefore.get(name) ?? [] } })),
      // Raw samples are kept 48 h: enough for a day and the day before; longer reports use bucket means.
      latency: latencyBasis === 'raw'
        ? { current: rawLatency(from, to), previous: rawLatency(previousFrom, from) }
        : { current: means(latNow), previous: means(only(readBuckets(store, hub, 'hub.health_latency_ms', previousFrom, from, coarse))) },
      latencyBuckets: latNow,
      rss: only(readBuckets(store, hub, 'hub.rss_bytes', Math.min(previousFrom, to - cfg.capacity.window), to, coarse)),
      events,
      alerts: readAlerts(store, hub, previousFrom, to),
      calls: { current: readCallStats(store, hub, from, to, coarse), previous: readCallStats(store, hub, previousFrom, from, coarse) },
      callsSloWindow: callsWindow(hub),
      fleet: { probes: probesOver(store, hub, from, to, coarse), hubRestarts: hubRestarts(store, hub, from, to) },
    };
  });
  const capacity = capacitySeries(store, hubs.map((h) => h.hub), cfg.capacity, to);
  return { kind, from, to, previousFrom, generatedAt: opts.generatedAt, latencyBasis, hubs, baseline: opts.baseline, capacity };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The pinned baseline: `<state-dir>/baselines/pinned.json`, either a baseline document itself (a copy
 * made by pinning) or a pointer `{"name": "<baseline>"}` to `<name>.json` beside it. Read tolerantly —
 * the reports only need the health latency p50/p95 and the hub RSS of each hub — and never fatal: a
 * missing file is "no pinned baseline", a broken one is shown as unreadable with the reason.
 */
export function readPinnedBaseline(stateDir: string): BaselineInfo {
  const dir = baselinesDir(stateDir);
  const pinned = join(dir, 'pinned.json');
  if (!existsSync(pinned)) return { status: 'absent', file: pinned, hubs: [] };
  const load = (path: string): unknown => {
    const parsed = parseJsonSafe(readBaselineText(path, 'pinned'));
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  };
  try {
    let file = pinned;
    let doc = load(pinned);
    const pointer = isRecord(doc) ? own(doc, 'name') ?? own(doc, 'pinned') : undefined;
    if (isRecord(doc) && !Array.isArray(own(doc, 'hubs')) && typeof pointer === 'string') {
      if (!BASELINE_NAME.test(pointer)) throw new Error(`points at ${JSON.stringify(pointer)}, not a baseline name`);
      file = join(dir, `${pointer}.json`);
      doc = load(file);
    }
    if (!isRecord(doc) || !Array.isArray(own(doc, 'hubs'))) throw new Error('no "hubs" list: not a baseline written by measure');
    const hubs = (own(doc, 'hubs') as unknown[]).filter(isRecord).flatMap((h) => {
      const url = own(h, 'url');
      if (typeof url !== 'string') return [];
      const health = own(h, 'health');
      const lat = isRecord(health) ? own(health, 'latencyMs') : undefined;
      const proc = own(h, 'process');
      const rssMb = isRecord(proc) ? own(proc, 'hubRssMb') : undefined;
      const mean = isRecord(rssMb) ? num(own(rssMb, 'mean')) : undefined;
      return [{
        url,
        latencyP50Ms: isRecord(lat) ? num(own(lat, 'p50')) : undefined,
        latencyP95Ms: isRecord(lat) ? num(own(lat, 'p95')) : undefined,
        rssBytes: mean === undefined ? undefined : mean * 1_000_000, // measure writes decimal MB
      }];
    });
    const started = own(doc, 'startedAt');
    const takenAt = typeof started === 'string' ? Date.parse(started) : undefined;
    const name = own(doc, 'name');
    return { status: 'ok', file, name: typeof name === 'string' ? name : undefined, takenAt: Number.isFinite(takenAt) ? takenAt : undefined, hubs };
  } catch (err) {
    return { status: 'unreadable', file: pinned, detail: (err as Error).message, hubs: [] };
  }
}
