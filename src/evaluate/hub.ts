/** Hub-level findings: reachable, really an MCP hub, in an "up" state, its process alive and within memory. */
import type { MonitorConfig } from '../config/defaults.js';
import { KNOWN_HUB_STATES, type HubSnapshot } from '../model/hub.js';
import { finding, type Finding } from './types.js';

const FAILURE_TEXT: Record<string, string> = {
  refused: 'hub unreachable: connection refused',
  timeout: 'hub unresponsive: no complete answer in time',
  network: 'hub connection failed',
  malformed: 'hub answered with malformed data',
  too_large: 'hub answered with an oversized body',
  http_status: 'hub answered with an HTTP error',
  bad_url: 'hub URL is not usable',
};

/** Up means `ready` **or** `restarted`: after one restart the hub never returns to `ready` (docs/hub-api.md §2.2). */
export function isUpState(state: string | undefined): boolean {
  return state === 'ready' || state === 'restarted';
}

/**
 * hub.identity: an answer whose server_id is not mcp-hub (another service took the port, a proxy's error
 * page as JSON) is CRITICAL, and nothing else in it is judged as a hub's (faults D16). Undefined when the
 * snapshot is a hub or did not answer. Every evaluating command runs it.
 */
export function hubIdentity(s: HubSnapshot): Finding | undefined {
  if (!s.health.ok || s.health.value.serverId === 'mcp-hub') return undefined;
  const id = s.health.value.serverId;
  return finding(s.target.url, 'hub.identity', 'critical', `not an MCP hub at ${s.target.url} (server_id ${JSON.stringify(id ?? null)})`, { value: id ?? 'absent' });
}

/** Findings about the hub itself; server and LLM findings are only meaningful when this says it answered. */
export function evaluateHubBasics(s: HubSnapshot, cfg: MonitorConfig['check']): Finding[] {
  const hub = s.target.url;
  const out: Finding[] = [];
  const proc = s.process;
  if (!s.health.ok) {
    // A hub found only in what the daemon remembers: it has left workspaces.json, so say when it was last seen.
    const gone = s.target.origin === 'remembered' && s.target.lastSeenAt !== undefined
      ? `: last seen answering ${new Date(s.target.lastSeenAt).toISOString()}, now gone from workspaces.json with no mcp-hub process serving it`
      : '';
    out.push(finding(hub, 'hub.reachable', 'critical', `${FAILURE_TEXT[s.health.failure] ?? 'hub failed'}${gone} (${s.health.message})`, {
      value: s.health.failure,
    }));
    if (proc && !proc.alive) {
      const stale = s.target.origin === 'workspaces' ? ' (stale workspaces.json entry: the hub was killed or crashed)' : '';
      out.push(finding(hub, 'hub.process', 'critical', `hub process ${proc.pid} is not running${stale}`, { value: proc.pid }));
    }
    return out;
  }
  const h = s.health.value;
  out.push(finding(hub, 'hub.reachable', 'ok', `answered in ${Math.round(s.health.latencyMs)} ms`, { value: Math.round(s.health.latencyMs) }));
  const impostor = hubIdentity(s);
  if (impostor) {
    out.push(impostor);
    return out; // an impostor's fields are not hub metrics
  }
  const state = h.state;
  if (isUpState(state)) out.push(finding(hub, 'hub.state', 'ok', `state ${state}`, { value: state }));
  else if (state === 'starting' || state === 'restarting') {
    const sev = cfg.transitional_state_severity;
    out.push(finding(hub, 'hub.state', sev, `state ${state} (transitional, not an outage)`, { value: state }));
  } else if (state === 'stopping' || state === 'stopped' || state === 'error') {
    out.push(finding(hub, 'hub.state', 'critical', `state ${state}: the hub is shutting down or failed`, { value: state }));
  } else {
    const shown = state === undefined ? 'missing' : KNOWN_HUB_STATES.includes(state) ? state : `unrecognised (${JSON.stringify(state)})`;
    out.push(finding(hub, 'hub.state', 'warning', `hub state ${shown}`, { value: state ?? 'absent' }));
  }
  if (proc) {
    // The hub answers, so it runs: a pid we cannot see or that is someone else's is a visibility limit
    // (a container's pid namespace, pid reuse), never an outage.
    if (!proc.alive) out.push(finding(hub, 'hub.memory', 'no_data', `hub pid ${proc.pid} is not visible from here (another pid namespace?)`));
    else if (proc.matchesPort === false) out.push(finding(hub, 'hub.memory', 'no_data', `pid ${proc.pid} is not the hub on this port (pid reused, or another pid namespace)`));
    else if (proc.rssBytes === undefined) out.push(finding(hub, 'hub.memory', 'no_data', `memory of process ${proc.pid} not readable here`));
    else {
      const mb = proc.rssBytes / 1_000_000; // decimal MB, as the guide's "500 MB" and anomalies' byte sizes
      out.push(finding(hub, 'hub.memory', mb > cfg.memory_mb.warning ? 'warning' : 'ok', `hub RSS ${Math.round(mb)} MB (pid ${proc.pid})`, {
        value: Math.round(mb), threshold: cfg.memory_mb.warning,
      }));
    }
  } else {
    out.push(finding(hub, 'hub.memory', 'no_data', 'hub process not visible from here (remote hub or pid not served)'));
  }
  return out;
}
