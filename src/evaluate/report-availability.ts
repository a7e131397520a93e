/**
 * Availability from buckets of 0/1 series: good/total (a failed poll counts in total, not in good; time
 * with no polls counts in neither), hub outages as runs of failing minutes, server down episodes from the
 * status events, and the chart series. Pure.
 */
import { budgetFraction } from './slo.js';
import type { Availability, Bucket, Outage, ReportEvent } from './report-model.js';

/** Good/total of 0/1 buckets. */
export function availabilityOf(buckets: readonly Bucket[]): Availability {
  let good = 0;
  let total = 0;
  for (const b of buckets) {
    good += b.sum ?? 0;
    total += b.n;
  }
  return withPercent({ good, total });
}

/** Adds the percentage (null with no polls). */
export function withPercent(r: { good: number; total: number }): Availability {
  return { good: r.good, total: r.total, percent: r.total === 0 ? null : (100 * r.good) / r.total };
}

/** Bad time in 0/1 buckets: each bucket's failed share of its width (a bucket with no polls adds none). */
export function badTimeMs(buckets: readonly Bucket[]): number {
  let ms = 0;
  for (const b of buckets) if (b.n > 0) ms += ((b.n - (b.sum ?? 0)) / b.n) * b.widthMs;
  return ms;
}

/**
 * Share of a span's error budget used, in percent: bad time observed ÷ the bad time the whole span allows
 * at the objective (100 = on budget). Time with no polls spends none. Null with no polls.
 */
export function budgetUsedPercent(a: Availability, badMs: number, spanMs: number, objectivePercent: number): number | null {
  if (a.total === 0) return null;
  return budgetFraction(badMs, spanMs, objectivePercent) * 100;
}

/**
 * Runs of consecutive buckets with a failing poll (adjacent in time: a missing minute ends a run, since
 * nothing is known about it). Down time is estimated per bucket as its failed share of its width.
 */
export function findOutages(buckets: readonly Bucket[], to: number): Outage[] {
  const sorted = [...buckets].sort((a, b) => a.t - b.t);
  const out: Outage[] = [];
  let cur: Outage | undefined;
  const lastEnd = sorted.length ? sorted[sorted.length - 1]!.t + sorted[sorted.length - 1]!.widthMs : 0;
  for (const b of sorted) {
    const bad = b.n - (b.sum ?? 0);
    if (b.n === 0 || bad <= 0) { cur = undefined; continue; }
    if (cur && cur.end !== b.t) cur = undefined;
    if (!cur) {
      cur = { start: b.t, end: b.t, downMs: 0, failedPolls: 0, ongoing: false };
      out.push(cur);
    }
    cur.end = b.t + b.widthMs;
    cur.failedPolls += bad;
    cur.downMs += (bad / b.n) * b.widthMs;
  }
  // Still failing when the data ends, and the data reach (nearly) the end of the period.
  const last = out[out.length - 1];
  if (last && last.end === lastEnd && to - lastEnd <= 2 * 60_000) last.ongoing = true;
  return out;
}

/** A server's time down, from its status events. `end` null: still down when the events end. */
export interface DownEpisode {
  start: number;
  end: number | null;
  /** Ended by the server coming back up (a cycle), rather than being disabled or removed. */
  recovered: boolean;
}

/**
 * Down episodes per server from `server_status`/`server_dead` events (every settled verdict change). A
 * verdict other than up or disabled starts one; up ends it (a cycle); disabled or removal ends it without
 * a cycle. A first event that is a recovery means the server was down when the events start.
 */
export function downEpisodes(events: readonly ReportEvent[], windowStart: number): Map<string, DownEpisode[]> {
  const out = new Map<string, DownEpisode[]>();
  const downSince = new Map<string, number>();
  const seen = new Set<string>();
  for (const e of [...events].sort((a, b) => a.t - b.t)) {
    if (e.type !== 'server_status' && e.type !== 'server_dead' && e.type !== 'server_removed') continue;
    const server = e.server;
    if (server === null) continue;
    const to = e.type === 'server_removed' ? 'removed' : e.type === 'server_dead' ? 'dead' : e.data.to;
    const from = e.type === 'server_removed' ? undefined : e.data.from;
    const list = out.get(server) ?? [];
    out.set(server, list);
    if (!seen.has(server) && to === 'up' && typeof from === 'string' && from !== 'up' && from !== 'disabled') {
      downSince.set(server, windowStart);
    }
    seen.add(server);
    const since = downSince.get(server);
    if (to === 'up' || to === 'disabled' || to === 'removed') {
      if (since !== undefined) list.push({ start: since, end: e.t, recovered: to === 'up' });
      downSince.delete(server);
    } else if (since === undefined) {
      downSince.set(server, e.t);
    }
  }
  for (const [server, since] of downSince) out.get(server)!.push({ start: since, end: null, recovered: false });
  return out;
}

/** What a server's episodes mean for one period: how many overlap it, time down in it, cycles ended in it. */
export function episodesIn(episodes: readonly DownEpisode[], from: number, to: number): { count: number; downMs: number; longestMs: number; cycles: number } {
  let count = 0;
  let downMs = 0;
  let longestMs = 0;
  let cycles = 0;
  for (const ep of episodes) {
    const end = ep.end ?? to;
    if (ep.start >= to || end <= from) continue;
    count++;
    const inside = Math.min(end, to) - Math.max(ep.start, from);
    downMs += inside;
    longestMs = Math.max(longestMs, inside);
    if (ep.recovered && ep.end !== null && ep.end >= from && ep.end < to) cycles++;
  }
  return { count, downMs, longestMs, cycles };
}

/** Regroups buckets into chart steps: `value` of each step's buckets, null for a step with none. */
export function stepSeries(buckets: readonly Bucket[], from: number, to: number, stepMs: number,
  value: (bs: Bucket[]) => number | null): { t: number; v: number | null }[] {
  const steps = new Map<number, Bucket[]>();
  for (const b of buckets) {
    if (b.t < from || b.t >= to) continue;
    const k = from + Math.floor((b.t - from) / stepMs) * stepMs;
    const list = steps.get(k);
    if (list) list.push(b); else steps.set(k, [b]);
  }
  const out: { t: number; v: number | null }[] = [];
  for (let t = from; t < to; t += stepMs) {
    const bs = steps.get(t);
    out.push({ t, v: bs ? value(bs) : null });
  }
  return out;
}

/** Availability percent of some buckets (null when they hold no polls). */
export const percentOf = (bs: readonly Bucket[]): number | null => availabilityOf(bs).percent;

/** Mean value of some buckets, weighted by their successful samples (null when none). */
export function meanOf(bs: readonly Bucket[]): number | null {
  let sum = 0;
  let n = 0;
  for (const b of bs) {
    if (b.sum === null) continue;
    sum += b.sum;
    n += b.n - b.nErr;
  }
  return n === 0 ? null : sum / n;
}
