/**
 * The seed guide's "Performance Degradation Levels": L1 green, L2 yellow, L3 orange, L4 red. The level is
 * the worst of (a) the metric bands (success rate, P95 latency, cache hit rate) and (b) the alerts:
 * any critical → red, two or more warnings → orange ("multiple warnings"), one warning → yellow.
 * The success rate and P95 bands judge the real calls through the traffic tap when a tap sent the hub's
 * calls within `calls.window` (at least `calls.min_calls` of them), beside the polls' and probes' alerts;
 * and the hub's own LLM metrics when it serves them. Metrics that are not there do not move the level, and
 * the reason says what the level was judged from.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { LlmMetrics } from '../model/hub.js';
import { emptyStats, mergeStats, quantileMs, type CallStats } from '../model/call-stats.js';
import { cacheHitRateOf, successRateOf } from './llm.js';
import type { Finding, Level } from './types.js';

const ORDER: Level[] = ['green', 'yellow', 'orange', 'red'];
const max = (a: Level, b: Level): Level => (ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);
type Bands = MonitorConfig['levels'];

function lowerIsWorse(value: number, bands: { yellow: number; orange: number; red: number }): Level {
  return value < bands.red ? 'red' : value < bands.orange ? 'orange' : value < bands.yellow ? 'yellow' : 'green';
}

function higherIsWorse(value: number, bands: { yellow: number; orange: number; red: number }): Level {
  return value > bands.red ? 'red' : value > bands.orange ? 'orange' : value > bands.yellow ? 'yellow' : 'green';
}

/** The tap's calls to one hub over the calls window, as the level reads them. */
export interface CallsLevelInput {
  calls: number;
  errors: number;
  /** P95 of the durations, ms (undefined with no calls). */
  p95Ms?: number;
  /** The window as said (`5m`). */
  windowLabel: string;
  /** Fewer calls than this do not move the level (calls.min_calls: light load is no verdict). */
  minCalls: number;
}

/** A hub's calls of the window (every server and tool, and the calls that name none) as the level's input. */
export function callsLevelInput(window: readonly CallStats[], hub: string, cfg: MonitorConfig['calls'], windowLabel: string): CallsLevelInput {
  const all = emptyStats(hub, '', '');
  for (const s of window) if (s.hub === hub) mergeStats(all, s);
  const p95Ms = quantileMs(all, 0.95);
  return { calls: all.calls, errors: all.errors, ...(p95Ms !== undefined ? { p95Ms } : {}), windowLabel, minCalls: cfg.min_calls };
}

/** A level and what it was judged from, for a person: `calls through the tap over 5m: success 82.0% of 120, P95 40 ms (orange); alerts: none firing`. */
export interface LevelVerdict {
  level: Level;
  reason: string;
}

/** How a level reason that judged the tap's calls begins. */
export const CALLS_REASON = 'calls through the tap';

const pct1 = (x: number) => `${x.toFixed(1)}%`;
const tag = (l: Level) => (l === 'green' ? '' : ` (${l})`);

function callsPart(c: CallsLevelInput | undefined, bands: Bands): { level: Level; text: string } {
  if (!c || c.calls === 0) return { level: 'green', text: 'no calls through a tap (the level is judged from the polls\' and probes\' findings)' };
  if (c.calls < c.minCalls) return { level: 'green', text: `${CALLS_REASON} over ${c.windowLabel}: ${c.calls}, fewer than calls.min_calls (${c.minCalls}): not judged` };
  const success = (100 * (c.calls - c.errors)) / c.calls;
  const level = max(lowerIsWorse(success, bands.success_rate), c.p95Ms === undefined ? 'green' : higherIsWorse(c.p95Ms, bands.p95_latency_ms));
  const p95 = c.p95Ms === undefined ? '' : `, P95 ${Math.round(c.p95Ms)} ms`;
  return { level, text: `${CALLS_REASON} over ${c.windowLabel}: success ${pct1(success)} of ${c.calls}${p95}${tag(level)}` };
}

function llmPart(m: LlmMetrics | undefined, bands: Bands): { level: Level; text: string } | undefined {
  if (!m) return undefined;
  let level: Level = 'green';
  const said: string[] = [];
  const sr = successRateOf(m);
  if ('rate' in sr) {
    level = max(level, lowerIsWorse(sr.rate * 100, bands.success_rate));
    said.push(`success ${pct1(sr.rate * 100)}`);
  }
  if (m.p95LatencyMs !== undefined && m.requestsTotal !== 0) {
    level = max(level, higherIsWorse(m.p95LatencyMs, bands.p95_latency_ms));
    said.push(`P95 ${Math.round(m.p95LatencyMs)} ms`);
  }
  const cr = cacheHitRateOf(m);
  if ('rate' in cr) {
    level = max(level, lowerIsWorse(cr.rate * 100, bands.cache_hit_rate));
    said.push(`cache hits ${pct1(cr.rate * 100)}`);
  }
  return said.length === 0 ? undefined : { level, text: `LLM metrics: ${said.join(', ')}${tag(level)}` };
}

/**
 * The degradation level of one hub and why: its findings (or firing alerts: `what` names them), the real
 * calls through the tap over the calls window, and the hub's LLM metrics.
 */
export function degradation(
  findings: readonly Finding[], m: LlmMetrics | undefined, bands: Bands, calls?: CallsLevelInput, what = 'alerts',
): LevelVerdict {
  const critical = findings.filter((f) => f.status === 'critical').length;
  const warnings = findings.filter((f) => f.status === 'warning').length;
  const alertLevel: Level = critical > 0 ? 'red' : warnings >= 2 ? 'orange' : warnings === 1 ? 'yellow' : 'green';
  const counts = [critical > 0 ? `${critical} critical` : '', warnings > 0 ? `${warnings} warning` : ''].filter(Boolean).join(', ');
  const llm = llmPart(m, bands);
  const parts = [callsPart(calls, bands), ...(llm ? [llm] : []), { level: alertLevel, text: `${what}: ${counts === '' ? (what === 'alerts' ? 'none firing' : 'none failing') : counts}${tag(alertLevel)}` }];
  return { level: parts.reduce<Level>((l, p) => max(l, p.level), 'green'), reason: parts.map((p) => p.text).join('; ') };
}

/** The degradation level of one hub from its findings and metrics. */
export function degradationLevel(findings: readonly Finding[], m: LlmMetrics | undefined, bands: Bands): Level {
  return degradation(findings, m, bands).level;
}

/** The worst of several levels (a report over many hubs). */
export function worstLevel(levels: readonly Level[]): Level {
  return levels.reduce<Level>((a, b) => max(a, b), 'green');
}

/** What levelFromAlerts needs of an alert (structurally an AlertRow). */
export interface AlertLike {
  hub: string;
  rule: string;
  state: string;
  severity: string;
}

/**
 * A hub's level from its firing alerts and, when a tap sends its calls, their success rate and P95 over
 * the calls window: check's bands (any critical → red, …). There are no live LLM metrics here (they are
 * not stored): the llm.* alerts carry them at check's thresholds. Used by `status`, `/metrics` and the JSON
 * API, so all of them say the same.
 */
export function levelFromAlerts(hub: string, open: readonly AlertLike[], bands: Bands, calls?: CallsLevelInput): LevelVerdict {
  const findings: Finding[] = open
    .filter((a) => a.hub === hub && a.state === 'firing')
    .map((a) => ({ id: a.rule, hub, message: '', status: a.severity === 'critical' ? 'critical' : a.severity === 'warning' ? 'warning' : 'ok' }));
  return degradation(findings, undefined, bands, calls);
}
