/**
 * Findings (what check, the probes and the SLO evaluator say) as rule results for the alert lifecycle,
 * and the scope each evaluation covers: a poll speaks for the hub, its servers and LLM metrics; a probe
 * round for the probes and canaries; the SLO pass for the burn rates.
 */
import type { Finding } from '../evaluate/types.js';
import type { EvaluationScope, RuleResult } from './lifecycle.js';
import { ANOMALY_RULE_IDS, CALL_RULE_IDS, CAPACITY_RULE_IDS, FLEET_RULE_IDS, HUB_RULE_IDS, META_RULE_IDS, PROBE_RULE_IDS, REMEDIATION_RULE_IDS, SLO_RULE_IDS } from './rule-ids.js';

/** Findings → rule results; the subject becomes a `server` label (and `tool` for canaries and per-tool call findings). */
export function toRuleResults(findings: readonly Finding[]): RuleResult[] {
  return findings.map((f) => {
    const labels: Record<string, string> = { hub: f.hub };
    if (f.subject !== undefined) {
      if (f.id === 'canary.call') {
        const cut = f.subject.lastIndexOf('/');
        labels.server = f.subject.slice(0, cut);
        labels.tool = f.subject.slice(cut + 1);
      } else if (f.id.startsWith('server.') || CALL_RULES.has(f.id)) labels.server = f.subject;
      else labels.subject = f.subject;
    }
    if (f.tool !== undefined) labels.tool = f.tool;
    return {
      rule: f.id, labels, status: f.status,
      summary: f.subject !== undefined ? `${f.subject}${f.tool !== undefined ? `/${f.tool}` : ''}: ${f.message}` : f.message,
      ...(f.value !== undefined ? { value: f.value } : {}),
    };
  });
}

const PROBE_RULES: ReadonlySet<string> = new Set(PROBE_RULE_IDS);
/** Alerts about the hub as a whole: they explain every other alert of that hub and always notify at once. */
export const HUB_RULES: ReadonlySet<string> = new Set(HUB_RULE_IDS);
/** Alerts about the monitor itself (hub META_HUB): no poll, probe or silence of a hub speaks for them. */
export const META_RULES: ReadonlySet<string> = new Set(META_RULE_IDS);
const SLO_RULES: ReadonlySet<string> = new Set(SLO_RULE_IDS);
const CALL_RULES: ReadonlySet<string> = new Set(CALL_RULE_IDS);
const FLEET_RULES: ReadonlySet<string> = new Set(FLEET_RULE_IDS);
const CAPACITY_RULES: ReadonlySet<string> = new Set(CAPACITY_RULE_IDS);
const ANOMALY_RULES: ReadonlySet<string> = new Set(ANOMALY_RULE_IDS);
/** What the remediation job did or gave up on: no server's own alert explains them (mute.ts). */
export const REMEDIATION_RULES: ReadonlySet<string> = new Set(REMEDIATION_RULE_IDS);

/** Rules judged from the optional metrics routes, which a health-only poll (a confirmation) does not ask. */
const fromMetricsRoutes = (r: string) => r.startsWith('llm.') || r === 'fork.filtering';

/**
 * What a poll of `hub` speaks for. When the hub did not answer, absent servers are unknown, not fine; a
 * poll that did not ask the metrics routes says nothing about the rules judged from them.
 */
export function pollScope(hub: string, answered: boolean, metricsAsked = true): EvaluationScope {
  return {
    hub,
    rules: (r) => !PROBE_RULES.has(r) && !SLO_RULES.has(r) && !CALL_RULES.has(r) && !FLEET_RULES.has(r) && !ANOMALY_RULES.has(r) && !META_RULES.has(r) && r !== 'baseline.regression' && !REMEDIATION_RULES.has(r)
      && !CAPACITY_RULES.has(r) && (metricsAsked || !fromMetricsRoutes(r)),
    absentMeansOk: answered,
  };
}

/** What a probe round speaks for; `complete` = a full round that answered: an absent server is gone, so fine. */
export function probeScope(hub: string, complete: boolean): EvaluationScope {
  return { hub, rules: (r) => PROBE_RULES.has(r), absentMeansOk: complete };
}

/** What a regression comparison speaks for: absent comparisons (no baseline for a server) are unknown. */
export function regressionScope(hub: string): EvaluationScope {
  return { hub, rules: (r) => r === 'baseline.regression', absentMeansOk: false };
}

/**
 * What a fleet pass speaks for: every outlier of the hub; `judged` = the fleet was compared (enough hubs),
 * so an outlier absent now is over.
 */
export function fleetScope(hub: string, judged: boolean): EvaluationScope {
  return { hub, rules: (r) => FLEET_RULES.has(r), absentMeansOk: judged };
}

/** Fleet outliers as rule results, labelled by hub and metric (and server for a server down on one hub only). */
export function fleetRuleResults(outliers: readonly { finding: Finding; metric: string; server?: string }[]): RuleResult[] {
  return outliers.map(({ finding: f, metric, server }) => ({
    rule: f.id, labels: { hub: f.hub, metric, ...(server !== undefined ? { server } : {}) }, status: f.status,
    summary: f.message, ...(f.value !== undefined ? { value: f.value } : {}),
  }));
}

/**
 * What a capacity pass speaks for: the capacity.* alerts of `hub` (the machine's disk under META_HUB). A
 * resource with too little history is not judged, so an alert of it stays as it is.
 */
export function capacityScope(hub: string): EvaluationScope {
  return { hub, rules: (r) => CAPACITY_RULES.has(r), absentMeansOk: false };
}

/** The judged outlooks (enough history) as rule results, labelled by hub and resource: warning when the earliest crossing is within the horizon. */
export function capacityRuleResults(outlooks: readonly { hub: string; resource: string; rule: string; warn: boolean; summary: string; days?: number }[]): RuleResult[] {
  return outlooks.map((o) => ({
    rule: o.rule, labels: { hub: o.hub, resource: o.resource }, status: o.warn ? 'warning' : 'ok', summary: o.summary,
    ...(o.days !== undefined ? { value: Math.round(o.days * 10) / 10 } : {}),
  }));
}

/**
 * What an anomaly pass speaks for: every learned-band series of the hub the store holds. A series it read
 * but could not judge (learning, no recent point) is reported as no_data and holds; one absent from the
 * lookback altogether is gone, so what fired for it is over.
 */
export function anomalyScope(hub: string): EvaluationScope {
  return { hub, rules: (r) => ANOMALY_RULES.has(r), absentMeansOk: true };
}

export function sloScope(hub: string): EvaluationScope {
  return { hub, rules: (r) => SLO_RULES.has(r), absentMeansOk: false };
}

/**
 * What a pass over the tap's calls speaks for: a (server, tool) absent from the window had no calls, so
 * whatever fired for it is over — but only while a tap is there to see calls (`seeing`).
 */
export function callsScope(hub: string, seeing: boolean): EvaluationScope {
  return { hub, rules: (r) => CALL_RULES.has(r), absentMeansOk: seeing };
}

/**
 * What a call failing with "Not connected" speaks for: the verdict of that one server, nothing else (the
 * next poll judges the rest, and this server again).
 */
export function deadEvidenceScope(hub: string): EvaluationScope {
  return { hub, rules: (r) => r === 'server.status', absentMeansOk: false };
}

/** What one pass of the remediation job speaks for: its alerts about this hub (one not mentioned is over). */
export function remediationScope(hub: string): EvaluationScope {
  return { hub, rules: (r) => REMEDIATION_RULES.has(r), absentMeansOk: true };
}

/** Meta-alerts about the monitor itself (hub label ""). */
export const META_HUB = '';
export function metaScope(rule: string): EvaluationScope {
  return { hub: META_HUB, rules: (r) => r === rule, absentMeansOk: false };
}
