/**
 * The seed guide's "Performance Degradation Levels": L1 green, L2 yellow, L3 orange, L4 red. The level is
 * the worst of (a) the metric bands (success rate, P95 latency, cache hit rate) and (b) the alerts:
 * any critical → red, two or more warnings → orange ("multiple warnings"), one warning → yellow.
 * Metrics that are not served do not move the level.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { LlmMetrics } from '../model/hub.js';
import { cacheHitRateOf, successRateOf } from './llm.js';
import type { Finding, Level } from './types.js';

const ORDER: Level[] = ['green', 'yellow', 'orange', 'red'];
const max = (a: Level, b: Level): Level => (ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);

function lowerIsWorse(value: number, bands: { yellow: number; orange: number; red: number }): Level {
  return value < bands.red ? 'red' : value < bands.orange ? 'orange' : value < bands.yellow ? 'yellow' : 'green';
}

function higherIsWorse(value: number, bands: { yellow: number; orange: number; red: number }): Level {
  return value > bands.red ? 'red' : value > bands.orange ? 'orange' : value > bands.yellow ? 'yellow' : 'green';
}

/** The degradation level of one hub from its findings and metrics. */
export function degradationLevel(findings: readonly Finding[], m: LlmMetrics | undefined, bands: MonitorConfig['levels']): Level {
  let level: Level = 'green';
  const warnings = findings.filter((f) => f.status === 'warning').length;
  if (findings.some((f) => f.status === 'critical')) level = 'red';
  else if (warnings >= 2) level = 'orange';
  else if (warnings === 1) level = 'yellow';
  if (m) {
    const sr = successRateOf(m);
    if ('rate' in sr) level = max(level, lowerIsWorse(sr.rate * 100, bands.success_rate));
    if (m.p95LatencyMs !== undefined && m.requestsTotal !== 0) level = max(level, higherIsWorse(m.p95LatencyMs, bands.p95_latency_ms));
    const cr = cacheHitRateOf(m);
    if ('rate' in cr) level = max(level, lowerIsWorse(cr.rate * 100, bands.cache_hit_rate));
  }
  return level;
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
 * A hub's level from its firing alerts: check's bands (any critical → red, …). There are no live LLM metrics
 * here (they are not stored): the llm.* alerts carry them at check's thresholds. Used by `status`,
 * `/metrics` and the JSON API, so all of them say the same.
 */
export function levelFromAlerts(hub: string, open: readonly AlertLike[], bands: MonitorConfig['levels']): Level {
  const findings: Finding[] = open
    .filter((a) => a.hub === hub && a.state === 'firing')
    .map((a) => ({ id: a.rule, hub, message: '', status: a.severity === 'critical' ? 'critical' : a.severity === 'warning' ? 'warning' : 'ok' }));
  return degradationLevel(findings, undefined, bands);
}
