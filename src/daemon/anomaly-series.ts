/**
 * The history of every series that has a learned band, read from the store as the learned band wants it:
 * 5-minute points over the last 8 days (evaluate/learned-band.ts STEP_MS), from the 1-minute rollups and
 * the newest raw samples (Store.minutesOfName). Gauges (health and probe latency, RSS) are the median of
 * their minutes' means; the tap's calls are ratios of sums per step (mean latency = duration sum / calls,
 * error ratio = errors / calls), and a step with fewer than calls.min_calls calls is left out (a few calls
 * say nothing of a ratio). The hub's error-level log lines and its reconnects are counts of events per step
 * (Store.eventCountsByStep), on the steps the daemon polled the hub (a quiet step is a 0, a step it did not
 * watch is no point). Shared by the anomaly job and `status`.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { AnomalySeriesId } from '../evaluate/anomaly-watch.js';
import { bucketPoints, STEP_MS, type SeriesPoint } from '../evaluate/learned-band.js';
import type { MinuteRow, Store } from '../store/store.js';
import { parseLabels, type Labels } from '../store/series.js';
import { HUB_RESTART_SAME_MS, hubRestartTimes } from '../evaluate/hub-restarts.js';
import { CALL_SERIES } from './calls-series.js';

/** How far back a band looks: a week of weekdays and a day more. */
export const ANOMALY_LOOKBACK_MS = 8 * 86_400_000;

/** One series of a hub and its points, oldest first. */
export interface AnomalySeriesHistory {
  series: AnomalySeriesId;
  hub: string;
  /** server, and tool for the calls series; none for the hub's own. */
  labels: Labels;
  points: SeriesPoint[];
}

type Minutes = Pick<Store, 'minutesOfName' | 'eventCountsByStep' | 'queryEvents'>;

const GAUGES: Partial<Record<AnomalySeriesId, string>> = {
  health_latency: 'hub.health_latency_ms',
  probe_latency: 'server.probe_latency_ms',
  rss: 'hub.rss_bytes',
  cpu: 'hub.cpu_percent',
};

/** The series counted from events, and the poll series whose steps say the daemon was watching the hub. */
const EVENT_COUNTS = { log_errors: 'logErrors', reconnects: 'reconnects' } as const satisfies Partial<Record<AnomalySeriesId, string>>;
const WATCHED = 'hub.up';

/**
 * Every learned-band series of `hub` with data in the lookback before `now`, in catalogue order; with
 * `from`, only the steps from then on (`from` a multiple of STEP_MS: whole steps).
 */
export function anomalyHistories(store: Minutes, hub: string, cfg: MonitorConfig, now: number, from = now - ANOMALY_LOOKBACK_MS): AnomalySeriesHistory[] {
  const to = now + 1;
  const out: AnomalySeriesHistory[] = [];
  for (const [series, name] of Object.entries(GAUGES) as [AnomalySeriesId, string][]) {
    for (const [labelsText, minutes] of byLabels(store.minutesOfName(hub, name, from, to))) {
      out.push({ series, hub, labels: parseLabels(labelsText), points: bucketPoints(minutes.map((m) => ({ t: m.t, v: m.sum / m.n }))) });
    }
  }
  const calls = stepSums(store.minutesOfName(hub, CALL_SERIES.count, from, to));
  const durations = stepSums(store.minutesOfName(hub, CALL_SERIES.durationSum, from, to));
  const errors = stepSums(store.minutesOfName(hub, CALL_SERIES.errors, from, to));
  for (const series of ['call_latency', 'error_ratio'] as const) {
    for (const [key, steps] of calls) {
      const over = series === 'call_latency' ? durations.get(key) : errors.get(key);
      const points = [...steps].filter(([, n]) => n >= cfg.calls.min_calls).map(([t, n]) => ({ t, v: (over?.get(t) ?? 0) / n }));
      if (points.length > 0) out.push({ series, hub, labels: parseLabels(key), points });
    }
  }
  out.push(...eventHistories(store, hub, from, to, cfg.collect.sse));
  return out;
}

/**
 * The event counts of each step the daemon polled the hub in (0 when nothing happened in it). The hub's log
 * lines come only from its event stream: poll-only (collect.sse false), a 0 would be a lie, so no log series.
 */
function eventHistories(store: Minutes, hub: string, from: number, to: number, logsSeen: boolean): AnomalySeriesHistory[] {
  const steps = [...new Set(store.minutesOfName(hub, WATCHED, from, to).map((m) => Math.floor(m.t / STEP_MS) * STEP_MS))].sort((a, b) => a - b);
  if (steps.length === 0) return [];
  const counts = new Map(store.eventCountsByStep(hub, from, to, STEP_MS).map((c) => [c.t, { ...c }]));
  // The hub's restarts, once each (the stream and a poll both see one): read from a little earlier, so a
  // restart the previous slice counted is not counted again here.
  const states = store.queryEvents({ hub, type: 'hub_state', from: from - HUB_RESTART_SAME_MS, to, limit: 100_000 });
  for (const t of hubRestartTimes(states).filter((t) => t >= from)) {
    const step = Math.floor(t / STEP_MS) * STEP_MS;
    const c = counts.get(step) ?? { t: step, logErrors: 0, reconnects: 0 };
    c.reconnects++;
    counts.set(step, c);
  }
  return (Object.entries(EVENT_COUNTS) as [keyof typeof EVENT_COUNTS, 'logErrors' | 'reconnects'][]).filter(([series]) => logsSeen || series !== 'log_errors').map(([series, field]) => (
    { series, hub, labels: {}, points: steps.map((t) => ({ t, v: counts.get(t)?.[field] ?? 0 })) }
  ));
}

function byLabels(rows: readonly MinuteRow[]): Map<string, MinuteRow[]> {
  const out = new Map<string, MinuteRow[]>();
  for (const r of rows) {
    if (r.n <= 0) continue;
    const list = out.get(r.labelsText);
    if (list) list.push(r);
    else out.set(r.labelsText, [r]);
  }
  return out;
}

/** Per (server, tool) (an error's error_type folded in), the sum of each step, steps in time order. */
function stepSums(rows: readonly MinuteRow[]): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  const keyOf = new Map<string, string>(); // label text → (server, tool): parsed once per series, not per row
  for (const r of rows) {
    let key = keyOf.get(r.labelsText);
    if (key === undefined) {
      const l = parseLabels(r.labelsText);
      keyOf.set(r.labelsText, (key = JSON.stringify({ server: l.server ?? '', tool: l.tool ?? '' })));
    }
    const step = Math.floor(r.t / STEP_MS) * STEP_MS;
    let steps = out.get(key);
    if (!steps) out.set(key, (steps = new Map()));
    steps.set(step, (steps.get(step) ?? 0) + r.sum);
  }
  for (const [key, steps] of out) out.set(key, new Map([...steps].sort((a, b) => a[0] - b[0])));
  return out;
}

/** A pause the reader takes between slices: the daemon's gives the event loop a turn (nextTurn). */
export type Pause = () => Promise<void>;

/** One turn of the event loop: what was waiting (a poll's answer, a timer, a request) runs first. */
export const nextTurn: Pause = () => new Promise((resolve) => setImmediate(resolve));

/** How much history one synchronous read takes: 6 hours, whole steps (the first pass reads 32 of them). */
export const ANOMALY_SLICE_MS = 6 * 3_600_000;

const keyOf = (h: AnomalySeriesHistory) => `${h.series}\u0000${JSON.stringify(Object.entries(h.labels).sort())}`;

/** Appends `h`'s points to the series of the same key in `into` (points in time order, slices in order). */
function append(into: Map<string, AnomalySeriesHistory>, h: AnomalySeriesHistory): void {
  const old = into.get(keyOf(h));
  into.set(keyOf(h), old === undefined ? h : { ...old, points: [...old.points, ...h.points] });
}

/**
 * The histories of the previous pass, kept so the next reads only the steps since: 8 days of minutes of
 * every series is seconds of reading (a hub with 20 servers and 20 tools), the minutes since the last pass
 * milliseconds. The last step read is read again (it was in progress then). A long read goes in slices of
 * ANOMALY_SLICE_MS with a pause between them: one synchronous read of 8 days held the daemon's event loop
 * for 1.3 s (65 series), and polls, /metrics and notifications with it.
 */
export class AnomalyHistoryCache {
  private readonly kept = new Map<string, { from: number; series: AnomalySeriesHistory[] }>();

  async read(store: Minutes, hub: string, cfg: MonitorConfig, now: number, pause?: Pause): Promise<AnomalySeriesHistory[]> {
    const start = now - ANOMALY_LOOKBACK_MS;
    const before = this.kept.get(hub);
    const from = before === undefined || before.from < start ? Math.floor(start / STEP_MS) * STEP_MS : before.from;
    const merged = new Map((before?.series ?? []).map((h) => [keyOf(h), { ...h, points: h.points.filter((p) => p.t >= start && p.t < from) }]));
    // Slices start on whole steps, so no step is split between two reads.
    for (let a = from; a <= now; a += ANOMALY_SLICE_MS) {
      const b = Math.min(a + ANOMALY_SLICE_MS, now + 1);
      for (const h of anomalyHistories(store, hub, cfg, b - 1, a)) append(merged, h);
      if (b <= now && pause) await pause();
    }
    const series = [...merged.values()].filter((h) => h.points.length > 0);
    const newest = Math.max(from, ...series.map((h) => h.points.at(-1)!.t));
    this.kept.set(hub, { from: Math.floor(newest / STEP_MS) * STEP_MS, series });
    return series;
  }
}
