/**
 * The muting stages: silences (from the CLI, stored) and maintenance windows (from config: a cron start
 * and a duration), then inhibition along the built-in topology hub → server → tool. A muted alert sends
 * no new notification; its resolution is never suppressed once its firing was sent.
 */
import { Cron } from 'croner';
import type { MaintenanceWindow } from '../config/defaults.js';
import type { AlertRow, Matcher, SilenceRow } from '../store/alert-store.js';
import { matchesAll, parseMatcher } from './matchers.js';
import { HUB_RULES, META_RULES, REMEDIATION_RULES } from './results.js';

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
    const start = w.cron.nextRun(new Date(now - w.window.duration));
    if (start && start.getTime() <= now) return w.window;
  }
  return undefined;
}

/**
 * The alerts about one server, most explanatory first. One fault of a server pages once: a flapping server
 * explains each of its down/up cycles; a dead or disconnected server explains its failed probes and
 * canaries; a failed probe explains its canaries.
 */
const SERVER_FAULT_ORDER = ['server.flapping', 'server.status', 'server.probe', 'canary.call'];
const serverFaultRank = (rule: string): number => {
  const i = SERVER_FAULT_ORDER.indexOf(rule);
  return i < 0 ? SERVER_FAULT_ORDER.length : i;
};

/** Whether firing alert `f` about a server explains alert `a` about the same server. */
function explainsServerAlert(f: AlertRow, a: AlertRow): boolean {
  const fr = serverFaultRank(f.rule);
  if (fr >= serverFaultRank('canary.call')) return false; // only the server's own health explains others
  // A status and a probe alert are two views of one child: whichever fired first carries the page (a hung
  // child that is then stopped, or a dead one that then fails its probe, is still one fault).
  if ((f.rule === 'server.status' && a.rule === 'server.probe') || (f.rule === 'server.probe' && a.rule === 'server.status')) {
    const ff = f.firedAt ?? Infinity;
    const af = a.firedAt ?? Infinity;
    return ff < af || (ff === af && f.rule === 'server.status');
  }
  return fr < serverFaultRank(a.rule);
}

/**
 * The firing alert that inhibits `a`, if any: a hub that is down (or not the hub) explains every alert
 * about its servers, tools, LLM and SLO; a server's own health explains its other alerts (see
 * SERVER_FAULT_ORDER). Like Alertmanager's `equal: [hub]` / `equal: [hub, server]`; `export alertmanager`
 * writes the same rules.
 */
export function inhibitedBy(a: AlertRow, firing: readonly AlertRow[]): AlertRow | undefined {
  if (HUB_RULES.has(a.rule) || META_RULES.has(a.rule)) return undefined;
  for (const f of firing) {
    if (f.state !== 'firing' || f.hub !== a.hub || f.fingerprint === a.fingerprint) continue;
    if (HUB_RULES.has(f.rule)) {
      if (f.severity === 'critical' || f.rule === 'hub.reachable') return f;
      continue;
    }
    // What the monitor did to a server, and that it gave up, are news whatever the server's own alert says.
    if (a.labels.server !== undefined && f.labels.server === a.labels.server && !REMEDIATION_RULES.has(a.rule) && explainsServerAlert(f, a)) return f;
  }
  return undefined;
}
