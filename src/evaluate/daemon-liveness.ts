/**
 * The dead-man check for `check --expect-daemon` (faults B13): when cron runs `check` beside the daemon,
 * a daemon that died, or stopped writing, is a WARNING — the hub checks themselves still run.
 */
import { formatDuration } from '../config/duration.js';
import { finding, type Finding } from './types.js';

/** The daemon's note of receivers that reject notifications, beside the store (read by check). */
export const NOTIFIER_HEALTH_FILE = 'notifier-health.json';

/** Receivers the daemon found broken (4xx, bad config): one warning each. */
export function evaluateBrokenReceivers(hub: string, broken: Record<string, string>): Finding[] {
  return Object.entries(broken).slice(0, 20).map(([receiver, error]) =>
    finding(hub, 'daemon.notifier', 'warning', `the daemon's receiver ${receiver} rejects notifications: ${error}; fix its config, then \`mcp-hub-monitor notify test ${receiver}\``, { subject: receiver }));
}

/** A failed config reload (the daemon runs its previous config): one warning; nothing when the last load took effect. */
export function evaluateConfigReload(hub: string, reload: { ok: boolean; error?: string } | undefined): Finding[] {
  if (!reload || reload.ok) return [];
  return [finding(hub, 'daemon.config', 'warning', `the daemon's last config reload failed, it runs its previous config: ${reload.error ?? 'unknown error'}; fix the file, then \`mcp-hub-monitor reload\``)];
}

export interface DaemonFacts {
  /** The lock file: absent, unreadable, or the holder's pid and whether it is a live node process. */
  lock: 'absent' | 'unreadable' | { pid: number; alive: boolean };
  /** Last modification of the history database or its WAL, epoch ms; undefined when there is none. */
  lastWriteMs?: number;
}

/** One finding about the daemon, attached to `hub` so it shows in every view. */
export function evaluateDaemonLiveness(hub: string, f: DaemonFacts, now: number, staleAfterMs: number): Finding {
  if (f.lock === 'absent' || f.lock === 'unreadable' || !f.lock.alive) {
    const why = f.lock === 'absent' ? 'no daemon lock' : f.lock === 'unreadable' ? 'its lock file is unreadable' : `pid ${f.lock.pid} is gone`;
    const last = f.lastWriteMs === undefined ? 'no history yet' : `last write ${formatDuration(now - f.lastWriteMs)} ago`;
    return finding(hub, 'daemon.running', 'warning', `the daemon is not running (${why}; ${last})`);
  }
  if (f.lastWriteMs === undefined || now - f.lastWriteMs > staleAfterMs) {
    const last = f.lastWriteMs === undefined ? 'never wrote history' : `last write ${formatDuration(now - f.lastWriteMs)} ago`;
    return finding(hub, 'daemon.running', 'warning', `the daemon (pid ${f.lock.pid}) runs but is not recording: ${last}`, { value: f.lock.pid });
  }
  return finding(hub, 'daemon.running', 'ok', `daemon running (pid ${f.lock.pid}), last write ${formatDuration(now - f.lastWriteMs)} ago`, { value: f.lock.pid });
}
