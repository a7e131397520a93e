/**
 * The dead-man check for `check --expect-daemon` (faults B13): when cron runs `check` beside the daemon,
 * a daemon that died, or stopped writing, is a WARNING — the hub checks themselves still run.
 */
import { formatBytes } from '../config/bytes.js';
import { formatDuration } from '../config/duration.js';
import type { OtelExportHealth } from '../otel/status.js';
import { daemonExportSource, otelExportProblems } from './otel-export.js';
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

/** The daemon's OpenTelemetry export failing: one warning per signal. */
export function evaluateOtelExport(hub: string, h: OtelExportHealth | undefined, now: number): Finding[] {
  const source = daemonExportSource(h);
  return source ? otelExportProblems(source, now).map((message) => finding(hub, 'daemon.otel', 'warning', message)) : [];
}

export interface DaemonFacts {
  /** The lock file: absent, unreadable, or the holder's pid and whether it is a live node process. */
  lock: 'absent' | 'unreadable' | { pid: number; alive: boolean };
  /**
   * The last *successful* write of the history, epoch ms: the daemon's own note (store-write.json), never a
   * file time (a refused write still touches the -wal). Only a daemon that keeps no note is judged by mtimes.
   */
  lastWriteMs?: number;
  /** From the daemon's note: since when every write fails, and SQLite's words for it. */
  writeFailingSince?: number;
  writeError?: string;
  /** Bytes the daemon may still use on the state dir's volume (statfs), when known. */
  freeBytes?: number;
}

/** Below this the state dir's volume is full: SQLite cannot add a transaction to its -wal. */
export const FULL_BELOW_BYTES = 64 * 1024;
/** A daemon that writes rewrites its note every 10 s: a full volume counts once the note is older than this. */
const NOTE_STALE_MS = 15_000;

const ago = (now: number, t: number | undefined): string => (t === undefined ? 'no successful write known' : `last successful write ${formatDuration(Math.max(0, now - t))} ago`);

/**
 * Why the daemon cannot write its history, if it cannot: its note says its writes fail, or the volume is
 * full (the note itself may be unwritable then, so it is not waited for). Undefined when nothing says so.
 */
export function storeWriteProblem(f: DaemonFacts, now: number): string | undefined {
  const volumeFull = f.freeBytes !== undefined && f.freeBytes < FULL_BELOW_BYTES;
  // A root daemon may still write into the blocks reserved for root: its fresh note says so.
  const noteStale = f.lastWriteMs === undefined || now - f.lastWriteMs > NOTE_STALE_MS;
  if (f.writeFailingSince === undefined && !(volumeFull && noteStale)) return undefined;
  const since = f.writeFailingSince !== undefined ? ` for ${formatDuration(Math.max(0, now - f.writeFailingSince))} (${f.writeError ?? 'unknown error'})` : '';
  const diskFull = volumeFull || /SQLITE_FULL|ENOSPC|EDQUOT/.test(f.writeError ?? '');
  const fix = diskFull ? `; its volume is full${f.freeBytes !== undefined ? ` (${formatBytes(f.freeBytes)} free)` : ''}: free space there, the daemon resumes writing by itself` : '';
  return `cannot write its history${since}${fix}; ${ago(now, f.lastWriteMs)}, alerts are decided and sent from memory meanwhile`;
}

/** One finding about the daemon, attached to `hub` so it shows in every view. */
export function evaluateDaemonLiveness(hub: string, f: DaemonFacts, now: number, staleAfterMs: number): Finding {
  if (f.lock === 'absent' || f.lock === 'unreadable' || !f.lock.alive) {
    const why = f.lock === 'absent' ? 'no daemon lock' : f.lock === 'unreadable' ? 'its lock file is unreadable' : `pid ${f.lock.pid} is gone`;
    const last = f.lastWriteMs === undefined ? 'no history yet' : ago(now, f.lastWriteMs);
    return finding(hub, 'daemon.running', 'warning', `the daemon is not running (${why}; ${last})`);
  }
  const problem = storeWriteProblem(f, now);
  if (problem) return finding(hub, 'daemon.running', 'warning', `the daemon (pid ${f.lock.pid}) runs but ${problem}`, { value: f.lock.pid });
  if (f.lastWriteMs === undefined || now - f.lastWriteMs > staleAfterMs) {
    const last = f.lastWriteMs === undefined ? 'never wrote history' : ago(now, f.lastWriteMs);
    return finding(hub, 'daemon.running', 'warning', `the daemon (pid ${f.lock.pid}) runs but is not recording: ${last}`, { value: f.lock.pid });
  }
  return finding(hub, 'daemon.running', 'ok', `daemon running (pid ${f.lock.pid}), ${ago(now, f.lastWriteMs)}`, { value: f.lock.pid });
}
