/**
 * Which process on this machine is the hub at a URL: the pid its health answer names, then its
 * workspaces.json entry's, each accepted only when alive and owning the hub's port (a stale entry or a
 * reused pid is named in the note, faults A24), else whoever owns the port. The one lookup behind
 * `validate`, `anomalies`, `measure` and the dashboard's process facts.
 */
import { readWorkspaceHubs, type WorkspaceHub } from './discovery.js';
import { resolveHubPid, type HubPidCandidate, type ResolvedHubPid } from './port-owner.js';
import { isLoopbackUrl } from './proc.js';

export interface HubProcess {
  port: number;
  /** The hub's workspaces.json entry (same port), when it has one. */
  entry?: WorkspaceHub;
  /** The pids considered, health's first. */
  candidates: HubPidCandidate[];
  /** How the pid was chosen and why others were not; absent for a remote hub. */
  resolved?: ResolvedHubPid;
  /** The hub's live pid, when found. */
  pid?: number;
  /** Why there is no pid to read: a remote hub, or none found (with the reasons). */
  unavailable?: string;
}

/**
 * Finds the hub's process. `healthPid` is the pid of the hub's last health answer; `workspaces` saves a
 * second read of workspaces.json for a caller that has just read it.
 */
export function locateHubProcess(
  url: string, healthPid: number | undefined, opts: { workspaces?: readonly WorkspaceHub[]; procRoot?: string } = {},
): HubProcess {
  const port = Number(new URL(url).port || 80);
  if (!isLoopbackUrl(url)) return { port, candidates: [], unavailable: 'remote hub: process facts are only read for hubs on this machine' };
  const entry = (opts.workspaces ?? readWorkspaceHubs()).find((e) => e.port === port);
  const candidates: HubPidCandidate[] = [];
  if (healthPid) candidates.push({ pid: healthPid, via: 'health' });
  if (entry && Number.isInteger(entry.pid)) candidates.push({ pid: entry.pid, via: 'workspaces' });
  const resolved = resolveHubPid(port, candidates, { procRoot: opts.procRoot });
  if (resolved.pid === undefined || !resolved.alive) {
    return { port, entry, candidates, resolved, unavailable: `hub process not found${resolved.note ? ` (${resolved.note})` : ''}` };
  }
  return { port, entry, candidates, resolved, pid: resolved.pid };
}
