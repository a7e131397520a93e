/**
 * The muting stages: silences (from the CLI, stored) and maintenance windows (from config: a cron start
 * and a duration), then inhibition along the built-in topology hub → server → tool. A muted alert sends
 * no new notification; its resolution is never suppressed once its firing was sent.
 */
import { Cron } from 'croner';
import type { MaintenanceWindow } from '../config/defaults.js';
import type { AlertRow, Matcher, SilenceRow } from '../store/alert-store.js';
import { matchesAll, parseMatcher } from './matchers.js';
import { META_RULES } from './results.js';

/** The silence covering these labels now, if any. */
export function silencedBy(labels: Record<string, string>, silences: readonly SilenceRow[], now: number): SilenceRow | undefined {
  return silences.find((s) => s.startsAt <= now && now < s.endsAt && s.expiredAt === null && matchesAll(labels, s.matchers));
}

interface CompiledWindow {
  window: MaintenanceWindow;
  cron: Cron;
  matchers: Matcher[];
}

/** Compiles maintenance windows once (config is validated, so patterns and matchers parse). */
export function compileWindows(windows: readonly MaintenanceWindow[]): CompiledWindow[] {
  return windows.map((w) => ({ window: w, cron: new Cron(w.cron, { paused: true }), matchers: w.matchers.map(parseMatcher) }));
}

/** The maintenance window covering these labels at `now`: a start in (now − duration, now]. */
export function inMaintenance(labels: Record<string, string>, windows: readonly CompiledWindow[], now: number): MaintenanceWindow | undefined {
  for (const w of windows) {
    if (!matchesAll(labels, w.matchers)) continue;
    const start = w.cron.nextRun(new Date(now - w.window.durationMs));
    if (start && start.getTime() <= now) return w.window;
  }
  return undefined;
}

const HUB_LEVEL = new Set(['hub.reachable', 'hub.identity', 'hub.state', 'hub.process']);
const SERVER_LEVEL = new Set(['server.status', 'server.probe']);

/**
 * The firing alert that inhibits `a`, if any: a hub that is down (or not the hub) explains every alert
 * about its servers, tools, LLM and SLO; a dead server explains its canaries (Alertmanager `equal: [hub]`).
 */
export function inhibitedBy(a: AlertRow, firing: readonly AlertRow[]): AlertRow | undefined {
  if (HUB_LEVEL.has(a.rule) || META_RULES.has(a.rule)) return undefined;
  for (const f of firing) {
    if (f.state !== 'firing' || f.hub !== a.hub || f.fingerprint === a.fingerprint) continue;
    if (f.severity !== 'critical' && f.rule !== 'hub.reachable') continue;
    if (HUB_LEVEL.has(f.rule)) return f;
    if (SERVER_LEVEL.has(f.rule) && !SERVER_LEVEL.has(a.rule) && a.labels.server !== undefined && f.labels.server === a.labels.server) return f;
  }
  return undefined;
}
