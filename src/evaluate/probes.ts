/**
 * Judges MCP probe results (a round trip to each child through the hub). The hub keeps a dead or hung
 * stdio child `connected`; a probe that gets no answer from the child while the hub says connected is as
 * bad as a dead server. A probe the hub itself could not serve says nothing about the child.
 */
import type { MonitorConfig } from '../config/defaults.js';
import type { CanaryResult, ProbeResult } from '../model/probe.js';
import { finding, type Finding } from './types.js';

const ms = (n: number) => `${Math.round(n)} ms`;

export function evaluateProbes(hub: string, probes: readonly ProbeResult[], cfg: MonitorConfig): Finding[] {
  const severity = cfg.check.dead_server_severity;
  return probes.flatMap((p): Finding[] => {
    const extra = { subject: p.server, value: p.outcome };
    switch (p.outcome) {
      case 'alive':
        return [finding(hub, 'server.probe', 'ok', `answers through the hub in ${ms(p.latencyMs)}`, { ...extra, value: Math.round(p.latencyMs * 10) / 10 })];
      case 'dead':
        return [finding(hub, 'server.probe', severity, `the hub says connected, but the child does not answer through it (${p.detail ?? 'not connected'}); restart the server`, extra)];
      case 'hung':
        return [finding(hub, 'server.probe', severity, `the hub says connected, but the child did not answer within ${ms(cfg.probes.timeout)} (hung)`, extra)];
      case 'not_connected':
        return []; // the poll's server.status already says so
      default:
        return [finding(hub, 'server.probe', 'no_data', `probe not possible: ${p.detail ?? p.outcome}`, extra)];
    }
  });
}

/** Canary tool calls: a canary that fails (tool error, dead, hung) is a warning; one the hub could not make is no_data. */
export function evaluateCanaries(hub: string, canaries: readonly CanaryResult[]): Finding[] {
  return canaries.map((c) => {
    const extra = { subject: `${c.server}/${c.tool}`, value: c.outcome };
    if (c.outcome === 'ok') return finding(hub, 'canary.call', 'ok', `canary ${c.tool} answered in ${ms(c.latencyMs)}`, { ...extra, value: Math.round(c.latencyMs * 10) / 10 });
    if (c.outcome === 'tool_error' || c.outcome === 'dead' || c.outcome === 'hung') {
      return finding(hub, 'canary.call', 'warning', `canary ${c.tool} failed (${c.outcome}${c.detail ? `: ${c.detail}` : ''})`, extra);
    }
    return finding(hub, 'canary.call', 'no_data', `canary ${c.tool} could not be called: ${c.detail ?? c.outcome}`, extra);
  });
}
