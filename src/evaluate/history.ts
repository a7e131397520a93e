/**
 * Findings from the daemon's history of the last hour (when a daemon keeps one): how many polls the hub
 * answered, which servers flapped, and which children the daemon's probes found dead or hung while the
 * hub called them connected. Pure; the one-shot commands add these to what they observe live.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { finding, type Finding } from './types.js';

/** What the daemon's history store says about the last hour, when it exists (issue C). */
export interface HistoryFacts {
  spanMs: number;
  /** Health latencies of the answered polls, oldest first. */
  latencyMs: number[];
  polls: number;
  failedPolls: number;
  /** Per server: settled transitions back to up (after down or dead) recorded by the daemon. */
  reconnectsByServer: Map<string, number>;
  /** Servers whose latest probe in the span found the child dead or hung (no probe_recovered since). */
  probeProblems: Map<string, { outcome: string; at: number }>;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** The share of polls answered over the history span. */
export function historyPollsFinding(hub: string, h: HistoryFacts, id = 'history.polls'): Finding {
  const share = h.polls ? (h.polls - h.failedPolls) / h.polls : 1;
  return finding(hub, id, h.failedPolls === 0 ? 'ok' : share < 0.9 ? 'critical' : 'warning',
    `history of the last ${minutes(h.spanMs)}: ${h.polls - h.failedPolls} of ${h.polls} polls answered`, { value: Number((share * 100).toFixed(2)) });
}

export function evaluateHistory(hub: string, h: HistoryFacts | undefined, cfg: MonitorConfig, now: number): Finding[] {
  if (!h) return [finding(hub, 'history.polls', 'no_data', 'no daemon history for this hub (run `mcp-hub-monitor daemon` to keep one)')];
  const out = [historyPollsFinding(hub, h)];
  const flapping = [...h.reconnectsByServer].filter(([, n]) => n > cfg.anomalies.flapping_cycles);
  out.push(finding(hub, 'history.flapping', flapping.length ? 'warning' : 'ok', flapping.length
    ? `flapping in the last ${minutes(h.spanMs)}: ${flapping.map(([n, c]) => `${n} (${c} reconnects)`).join(', ')}`
    : `no server reconnected more than ${cfg.anomalies.flapping_cycles} times in the last ${minutes(h.spanMs)}`,
  { value: flapping.length, threshold: cfg.anomalies.flapping_cycles }));
  for (const [server, p] of h.probeProblems) {
    out.push(finding(hub, 'history.probe', cfg.check.dead_server_severity,
      `the daemon's probe found the child ${p.outcome} ${minutes(now - p.at)} ago while the hub called it connected, and has not seen it answer since`,
      { subject: server, value: p.outcome }));
  }
  return out;
}
