/**
 * Counts each server's state changes per hub, in memory, for `server.flapping` (evaluate/flapping.ts). A
 * change is a settled verdict going from up to down or back, or a restart between two polls. While the hub
 * itself is not up (unreachable, starting, restarting) its servers' states are forgotten, so a hub restart
 * is never counted as every server flapping.
 */
import type { MonitorConfig } from '../config/defaults.js';
import { evaluateFlapping, flapStateOf } from '../evaluate/flapping.js';
import type { Finding } from '../evaluate/types.js';

interface ServerTrack {
  state: 'up' | 'down' | undefined;
  changes: number[];
}

export class FlapTracker {
  private readonly hubs = new Map<string, Map<string, ServerTrack>>();

  constructor(private readonly cfg: () => MonitorConfig['alerting']['flapping']) {}

  /** The daemon's time line followed a forward step by `ms`: the changes counted stay as old as they were (faults F7). */
  shift(ms: number): void {
    for (const servers of this.hubs.values()) for (const track of servers.values()) track.changes = track.changes.map((t) => t + ms);
  }

  /**
   * Takes one poll's findings for `hub` (and the servers that restarted since the previous poll); returns
   * the `server.flapping` findings for it.
   */
  observe(hub: string, findings: readonly Finding[], restarted: readonly string[], now: number): Finding[] {
    const cfg = this.cfg();
    const servers = this.hubs.get(hub) ?? new Map<string, ServerTrack>();
    this.hubs.set(hub, servers);
    const hubUp = findings.some((f) => f.id === 'hub.reachable' && f.status === 'ok')
      && !findings.some((f) => (f.id === 'hub.state' || f.id === 'hub.identity') && f.status !== 'ok');
    for (const track of servers.values()) {
      track.changes = track.changes.filter((t) => t > now - cfg.window);
      if (!hubUp) track.state = undefined;
    }
    const listed = new Set<string>();
    // A restart is a down and an up only between two looks that both saw the server up: a dead child the
    // hub still calls connected, then stopped and started, is one recovery, counted by its verdicts.
    const upBefore = new Set([...servers].filter(([, t]) => t.state === 'up').map(([name]) => name));
    if (hubUp) {
      for (const f of findings) {
        if (f.id !== 'server.status' || f.subject === undefined) continue;
        listed.add(f.subject);
        const state = flapStateOf(f);
        if (state === 'unknown') continue;
        const track = servers.get(f.subject) ?? { state: undefined, changes: [] };
        servers.set(f.subject, track);
        if (track.state !== undefined && track.state !== state) track.changes.push(now);
        track.state = state;
      }
      for (const name of restarted) {
        const track = servers.get(name);
        if (track?.state === 'up' && upBefore.has(name)) track.changes.push(now, now);
      }
    }
    const counted = new Map<string, number[]>();
    for (const [name, track] of servers) {
      if (track.changes.length > 0) counted.set(name, track.changes);
      else if (track.state === undefined || (hubUp && !listed.has(name))) servers.delete(name);
    }
    return evaluateFlapping(hub, counted, cfg, now);
  }
}
