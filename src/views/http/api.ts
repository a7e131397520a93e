/**
 * The JSON API (GET only): hubs, servers, series, events, alerts and the daemon's own health, read from
 * the daemon view at request time. Every answer is bounded: series count, points, event rows and the
 * time span per resolution are capped, so no query can make the daemon read its whole history.
 */
import { formatDuration } from '../../config/duration.js';
import { fleetInputs } from '../../daemon/fleet-inputs.js';
import { evaluateFleet } from '../../evaluate/fleet.js';
import { toolsPanels } from '../../evaluate/tools-panel.js';
import { recentFailure } from '../../model/calls-window.js';
import { eventRow } from '../../model/events.js';
import { normaliseHubUrl } from '../../sources/discovery.js';
import { escapeUnsafeJson } from '../../model/json.js';
import type { Labels } from '../../store/store.js';
import { ParamError } from '../../errors.js';
import { parseChoice, parseLimit, parseName, parseRange, readParams } from './params.js';
import { levelNumber, readHubs } from './snapshot.js';
import type { DaemonView } from './view.js';

/** A JSON route: query in, body out; throws ParamError for a 400. */
export type ApiRoute = (view: DaemonView, search: URLSearchParams) => unknown;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Most series one /api/series answer carries, and most points over all of them. */
export const MAX_SERIES = 50;
export const MAX_POINTS = 100_000;
/** Longest span per resolution: raw up to 6 h, 1-minute rollups up to 7 days, 1-hour ones beyond (as `history --resolution auto`). */
const MAX_SPAN = { raw: 6 * HOUR, '1m': 7 * DAY, '1h': 400 * DAY } as const;
export const MAX_EVENTS = 1_000;
const MAX_SERVERS_LISTED = 5_000;

const age = (now: number, t: number | undefined): number | null => (t === undefined ? null : Math.max(0, (now - t) / 1000));

/** The hub parameter: one the daemon watches or has history of (exact, or after URL normalisation). */
function parseHub(view: DaemonView, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const known = new Set([...view.hubs().map((h) => h.url), ...view.store().listHubs()]);
  if (known.has(text)) return text;
  try {
    const n = normaliseHubUrl(text);
    if (known.has(n)) return n;
  } catch { /* not a URL: unknown below */ }
  throw new ParamError('hub', `not a hub this daemon watches or has history of (got ${JSON.stringify(text.slice(0, 100))}); see /api/hubs`);
}

/**
 * The tap's side of /api/hubs (so the SSE tick carries it live): whether a tap is connected, and each
 * hub's tools panel over the calls window. Without a tap the panel is empty and `tap.connected` is 0:
 * the dashboard says calls are not seen rather than showing an empty, healthy-looking list.
 */
function callsOf(view: DaemonView, hubUrls: readonly string[], now: number) {
  const calls = view.live().calls();
  const windowMs = view.config().calls.window;
  const panels = toolsPanels(hubUrls, calls ? calls.ledger.window(now, windowMs) : []);
  const tap = { connected: calls?.socket.connections ?? 0, everConnected: (calls?.socket.accepted ?? 0) > 0, problem: calls?.socket.problem ?? null, windowSeconds: windowMs / 1000 };
  return { tap, panels: new Map(panels.map((p) => [p.hub, p])) };
}

function hubs(view: DaemonView, search: URLSearchParams): unknown {
  readParams(search, []);
  const now = view.now();
  const all = readHubs(view);
  const calls = callsOf(view, all.map((h) => h.url), now);
  return {
    now,
    tap: calls.tap,
    hubs: all.map((h) => ({
      url: h.url, up: h.up ?? null, state: h.state, pollError: h.pollError ?? null, level: h.level, levelNumber: levelNumber(h.level), levelReason: h.levelReason,
      lastPollAt: h.lastPollAt ?? null, lastPollOk: h.lastPollOk ?? null, lastPollAgeSeconds: age(now, h.lastPollAt), sseConnected: h.sseConnected ?? null,
      healthLatencyMs: h.healthLatencyMs ?? null, rssBytes: h.rssBytes ?? null, serversAt: h.serversAt ?? null,
      servers: { total: h.servers.length, ...h.counts },
      tools: calls.panels.get(h.url)!,
    })),
  };
}

function servers(view: DaemonView, search: URLSearchParams): unknown {
  const p = readParams(search, ['hub']);
  const hub = parseHub(view, p.get('hub'));
  const all = readHubs(view).filter((h) => hub === undefined || h.url === hub);
  return {
    now: view.now(),
    hubs: all.map((h) => ({
      url: h.url, serversAt: h.serversAt ?? null, truncated: h.servers.length > MAX_SERVERS_LISTED,
      servers: h.servers.slice(0, MAX_SERVERS_LISTED).map((s) => ({
        name: s.name, up: s.up ?? null, dead: s.dead, verdict: s.verdict ?? null, uptimeS: s.uptimeS ?? null, tools: s.tools ?? null,
        probeOk: s.probeOk ?? null, probeLatencyMs: s.probeLatencyMs ?? null, probeAt: s.probeAt ?? null,
      })),
    })),
  };
}

function series(view: DaemonView, search: URLSearchParams): unknown {
  const p = readParams(search, ['hub', 'name', 'server', 'from', 'to', 'step']);
  const hub = parseHub(view, p.get('hub'));
  const name = parseName(p.get('name'), 'name', true)!;
  const server = p.get('server');
  const step = parseChoice(p.get('step'), ['auto', 'raw', '1m', '1h'] as const, 'auto', 'step');
  const { from, to } = parseRange(p, view.now(), HOUR, MAX_SPAN['1h']);
  const span = to - from;
  const resolution = step !== 'auto' ? step : span <= MAX_SPAN.raw ? 'raw' : span <= MAX_SPAN['1m'] ? '1m' : '1h';
  if (span > MAX_SPAN[resolution]) throw new ParamError('step', `${resolution} covers at most ${MAX_SPAN[resolution] / HOUR} h; use a coarser step or a shorter range`);
  // Pick the series first and query each on its own, so a name with thousands of label sets stays bounded.
  const matching = view.store().listSeries(hub).filter((s) => s.name === name && (server === undefined || s.labels.server === server));
  // Time the daemon was not running: unknown, so each series gets a null point there (a break in the line).
  const gaps = view.store().gaps(from, to, { currentRunId: view.daemon().runId }).map((g) => ({ from: g.from, to: g.to }));
  let points = 0;
  const out: SeriesOut[] = [];
  for (const s of matching.slice(0, MAX_SERIES)) {
    const rows = view.store().querySamples({ hub: s.hub, name, labels: s.labels, from, to, resolution });
    const room = Math.max(0, MAX_POINTS - points);
    if (room === 0) break;
    const kept = rows.slice(0, room);
    points += kept.length;
    if (resolution === 'raw') {
      const raw = kept as { t: number; v: number | null }[];
      out.push(breakAtGaps({ hub: s.hub, labels: s.labels, t: raw.map((r) => r.t), v: raw.map((r) => r.v) }, gaps));
    } else {
      const agg = kept as { bucket: number; n: number; n_err: number; sum: number | null; min: number | null; max: number | null }[];
      out.push(breakAtGaps({
        hub: s.hub, labels: s.labels, t: agg.map((r) => r.bucket),
        v: agg.map((r) => (r.sum === null || r.n - r.n_err === 0 ? null : Math.round((r.sum / (r.n - r.n_err)) * 1000) / 1000)),
        min: agg.map((r) => r.min), max: agg.map((r) => r.max), n: agg.map((r) => r.n), failed: agg.map((r) => r.n_err),
      }, gaps));
    }
  }
  return { name, resolution, from, to, gaps, series: out, truncated: matching.length > out.length || points >= MAX_POINTS };
}

interface SeriesOut { hub: string; labels: Labels; t: number[]; v: (number | null)[]; min?: (number | null)[]; max?: (number | null)[]; n?: number[]; failed?: number[] }

/**
 * Inserts a null point at the start of every gap that follows the series' first point, so a chart breaks
 * its line where the daemon was not running instead of drawing straight across (a failed poll is a 0, not
 * a null: only unknown time breaks the line).
 */
export function breakAtGaps(s: SeriesOut, gaps: readonly { from: number }[]): SeriesOut {
  const first = s.t[0];
  const at = gaps.map((g) => g.from).filter((t) => first !== undefined && t > first);
  if (at.length === 0) return s;
  const out: SeriesOut = { hub: s.hub, labels: s.labels, t: [], v: [], ...(s.n ? { min: [], max: [], n: [], failed: [] } : {}) };
  const push = (i: number | undefined, t: number) => {
    out.t.push(t);
    out.v.push(i === undefined ? null : s.v[i]!);
    if (out.n) {
      out.min!.push(i === undefined ? null : s.min![i]!);
      out.max!.push(i === undefined ? null : s.max![i]!);
      out.n.push(i === undefined ? 0 : s.n![i]!);
      out.failed!.push(i === undefined ? 0 : s.failed![i]!);
    }
  };
  let g = 0;
  s.t.forEach((t, i) => {
    while (g < at.length && at[g]! < t) push(undefined, at[g++]!);
    push(i, t);
  });
  while (g < at.length) push(undefined, at[g++]!);
  return out;
}

function events(view: DaemonView, search: URLSearchParams): unknown {
  const p = readParams(search, ['hub', 'type', 'from', 'to', 'limit']);
  const hub = parseHub(view, p.get('hub'));
  const type = parseName(p.get('type'), 'type', false);
  const { from, to } = parseRange(p, view.now(), DAY, 400 * DAY);
  const limit = parseLimit(p.get('limit'), 100, MAX_EVENTS);
  const rows = view.store().queryEvents({ hub, type, from, to, limit, order: 'desc' }).map(eventRow);
  return { from, to, limit, events: rows, truncated: rows.length === limit };
}

function alerts(view: DaemonView, search: URLSearchParams): unknown {
  readParams(search, []);
  const a = view.alerts();
  const now = view.now();
  // A resolved row's summary is the passing text; firedSummary is what it fired with.
  const resolved = (a?.recentResolved(now - DAY, 200) ?? []).map((r) => ({ ...r, firedSummary: a!.firedSummary(r) }));
  return { enabled: a !== undefined, open: a?.openAlerts() ?? [], resolved, resolvedSince: now - DAY };
}

function health(view: DaemonView, search: URLSearchParams): unknown {
  readParams(search, []);
  const d = view.daemon();
  const now = view.now();
  return {
    status: 'running', now, startedAt: d.startedAt, uptimeSeconds: age(now, d.startedAt), cleanStart: d.cleanStart, runId: d.runId,
    outboxDepth: d.outboxDepth, droppedSamples: d.droppedSamples, notifications: d.notifications, configReload: d.configReload,
    otel: d.otel ?? { enabled: false },
    store: { ...d.store, lastWriteAt: d.store.lastWriteAt ?? null, lastWriteAgeSeconds: age(now, d.store.lastWriteAt) },
    hubs: view.hubs().map((h) => ({ url: h.url, lastPollAt: h.lastPollAt ?? null, lastPollOk: h.lastPollOk ?? null, lastPollAgeSeconds: age(now, h.lastPollAt), sseConnected: h.sseConnected ?? null })),
  };
}

/**
 * The last failing calls the tap recorded, newest first (with their arguments, redacted and capped, when
 * the user opted in): from the daemon's memory, never stored.
 */
function recentFailures(view: DaemonView, search: URLSearchParams): unknown {
  readParams(search, []);
  return { failures: [...(view.live().calls()?.ledger.recentFailures() ?? [])].reverse().map(recentFailure) };
}

/**
 * The watched hubs side by side over fleet.window and the ones that stand out, as `status --fleet --json`
 * says it (the same rows and evaluator; levels from the alerts open now).
 */
function fleet(view: DaemonView, search: URLSearchParams): unknown {
  readParams(search, []);
  const cfg = view.config();
  const hubUrls = view.hubs().map((h) => h.url);
  const verdict = evaluateFleet(fleetInputs(view.store(), hubUrls, view.live().openAlerts(), cfg, view.now()), cfg.fleet, { windowLabel: formatDuration(cfg.fleet.window) });
  return { windowMs: cfg.fleet.window, minHubs: cfg.fleet.min_hubs, hubs: verdict.rows, outliers: verdict.outliers, findings: verdict.findings, notJudged: verdict.notJudged ?? null, notCompared: verdict.notCompared };
}

/** Route path → handler. */
export const API_ROUTES: Readonly<Record<string, ApiRoute>> = {
  '/api/hubs': hubs,
  '/api/servers': servers,
  '/api/series': series,
  '/api/events': events,
  '/api/alerts': alerts,
  '/api/health': health,
  '/api/calls/recent-failures': recentFailures,
  '/api/fleet': fleet,
};

// `<`, `>`, `&` escaped so a body can never be read as markup; escapeUnsafeJson keeps terminals and JS parsers safe.
const MARKUP_IN_JSON = /[<>&]/g;

/** Compact JSON with markup- and terminal-unsafe characters as \u escapes (the same JSON value). */
export function toJsonBody(value: unknown): string {
  return escapeUnsafeJson(JSON.stringify(value)).replace(MARKUP_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
