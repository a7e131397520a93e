/**
 * The alert lifecycle, pure: pending → firing → resolved, driven by evaluations of rules (check's
 * findings, probe, SLO and meta findings). Confirm before alerting and the same to resolve (faults §4.4):
 * `failureThreshold` consecutive failing evaluations make an alert pending, `for` more makes it fire;
 * `successThreshold` passing ones, and `keepFiringFor` since it last failed, resolve it. A rule with no
 * data (no_data, or the hub could not be asked) changes nothing: an absent metric never fires, and
 * never resolves a firing alert either.
 */
import { createHash } from 'node:crypto';
import type { MonitorConfig, RuleOverride } from '../config/defaults.js';
import type { CheckStatus } from '../evaluate/types.js';
import type { AlertRow } from '../store/alert-store.js';

/** One rule evaluated for one subject. */
export interface RuleResult {
  rule: string;
  /** hub always; server / tool when narrower. */
  labels: Record<string, string>;
  status: CheckStatus;
  summary: string;
  value?: number | string;
  /**
   * Evidence, not a suspicion (a call the hub failed with "Not connected"): it fires at once, without
   * waiting for failure_threshold evaluations or `for`.
   */
  immediate?: boolean;
}

/** What one evaluation covered: results for these rules of this hub are complete. */
export interface EvaluationScope {
  hub: string;
  rules: (rule: string) => boolean;
  /**
   * Whether a subject missing from the results means "gone, so fine" (the hub answered and no longer lists
   * the server) rather than "unknown" (the hub did not answer).
   */
  absentMeansOk: boolean;
}

export interface RuleSettings {
  enabled: boolean;
  severity?: 'critical' | 'warning' | 'info';
  failureThreshold: number;
  successThreshold: number;
  forMs: number;
  keepFiringForMs: number;
}

/** The effective settings of a rule: alerting defaults with its override. */
export function ruleSettings(cfg: MonitorConfig['alerting'], rule: string): RuleSettings {
  const o: RuleOverride = (cfg.rules as Partial<Record<string, RuleOverride>>)[rule] ?? {};
  return {
    enabled: o.enabled ?? true,
    severity: o.severity,
    failureThreshold: o.failure_threshold ?? cfg.failure_threshold,
    successThreshold: o.success_threshold ?? cfg.success_threshold,
    forMs: o.for ?? cfg.for,
    keepFiringForMs: o.keep_firing_for ?? cfg.keep_firing_for,
  };
}

/** Canonical label text: keys sorted, so the fingerprint does not depend on insertion order. */
export function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

/** A stable id for a rule and its labels (severity excluded: a warning that turns critical is the same alert). */
export function fingerprint(rule: string, labels: Record<string, string>): string {
  return createHash('sha256').update(rule).update('\0').update(labelKey(labels)).digest('hex').slice(0, 16);
}

export interface Transition {
  alert: AlertRow;
  from: AlertRow['state'] | 'inactive';
  to: AlertRow['state'] | 'inactive';
}

export interface StepResult {
  /** Alerts whose row changed (to save). */
  changed: AlertRow[];
  /** Pending alerts whose condition cleared before they fired (to delete: never history). */
  dropped: AlertRow[];
  transitions: Transition[];
  /** Some rule failed but has not reached its threshold yet: the caller may confirm sooner (faults §4.4). */
  confirming: boolean;
}

const severityOf = (r: RuleResult, s: RuleSettings): AlertRow['severity'] => s.severity ?? (r.status === 'critical' ? 'critical' : 'warning');

function newAlert(r: RuleResult, fp: string, now: number): AlertRow {
  return {
    id: 0, fingerprint: fp, rule: r.rule, hub: r.labels.hub ?? '', labels: { ...r.labels, rule: r.rule }, severity: 'warning',
    state: 'pending', failStreak: 0, okStreak: 0, activeSince: null, firedAt: null, lastActiveAt: null, resolvedAt: null,
    summary: r.summary, value: null, ackedAt: null, ackedBy: null, ackComment: null, updatedAt: now,
  };
}

/**
 * Applies one evaluation to the open alerts (pending or firing, by fingerprint). Does not mutate `open`;
 * returns the rows to save or drop and the state transitions, in a deterministic order.
 */
export function stepAlerts(
  open: ReadonlyMap<string, AlertRow>, results: readonly RuleResult[], scope: EvaluationScope,
  settingsOf: (rule: string) => RuleSettings, now: number,
): StepResult {
  const out: StepResult = { changed: [], dropped: [], transitions: [], confirming: false };
  const seen = new Set<string>();

  const pass = (a: AlertRow, s: RuleSettings, r?: RuleResult) => {
    if (a.state === 'pending') {
      out.dropped.push(a);
      out.transitions.push({ alert: a, from: 'pending', to: 'inactive' });
      return;
    }
    const next: AlertRow = { ...a, failStreak: 0, okStreak: a.okStreak + 1, updatedAt: now, summary: r?.summary ?? a.summary };
    if (next.okStreak >= s.successThreshold && now - (a.lastActiveAt ?? 0) >= s.keepFiringForMs) {
      next.state = 'resolved';
      next.resolvedAt = now;
      out.transitions.push({ alert: next, from: 'firing', to: 'resolved' });
    }
    out.changed.push(next);
  };

  for (const r of results) {
    if (!scope.rules(r.rule)) continue;
    const s = settingsOf(r.rule);
    if (!s.enabled) continue;
    const fp = fingerprint(r.rule, r.labels);
    seen.add(fp);
    const existing = open.get(fp);
    if (r.status === 'no_data') continue;
    if (r.status === 'ok') {
      if (existing) pass(existing, s, r);
      continue;
    }
    // Failing.
    const a: AlertRow = existing ? { ...existing } : newAlert(r, fp, now);
    a.okStreak = 0;
    a.failStreak += 1;
    a.activeSince ??= now;
    a.lastActiveAt = now;
    a.summary = r.summary;
    a.value = r.value === undefined ? null : String(r.value);
    a.severity = severityOf(r, s);
    a.updatedAt = now;
    if (a.state === 'pending' && (r.immediate === true || (a.failStreak >= s.failureThreshold && now - a.activeSince >= s.forMs))) {
      a.state = 'firing';
      a.firedAt = now;
      out.transitions.push({ alert: a, from: existing ? 'pending' : 'inactive', to: 'firing' });
    } else if (!existing) {
      out.transitions.push({ alert: a, from: 'inactive', to: 'pending' });
    }
    if (a.state === 'pending') out.confirming = true;
    out.changed.push(a);
  }

  // Open alerts of this scope that the evaluation did not mention: gone (fine) or unknown (hold).
  for (const a of open.values()) {
    if (seen.has(a.fingerprint) || a.hub !== scope.hub || !scope.rules(a.rule)) continue;
    const s = settingsOf(a.rule);
    // A rule turned off resolves at once; a subject the hub no longer lists passes.
    if (!s.enabled) pass(a, { ...s, successThreshold: 1, keepFiringForMs: 0 });
    else if (scope.absentMeansOk) pass(a, s);
  }
  return out;
}
