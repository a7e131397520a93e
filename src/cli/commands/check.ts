/**
 * `check`: one poll of each hub, judged against the thresholds; exit 0/1/2/3. Called by cron and Nagios
 * thousands of times a day, so it stays lean (node:http, no zod unless a config file exists) and always
 * finishes within `--timeout`, counted from process start.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORY_DB_FILE } from '../../config/paths.js';
import { buildResult, evaluateHub } from '../../evaluate/check.js';
import { evaluateBrokenReceivers, evaluateConfigReload, evaluateDaemonLiveness, evaluateOtelExport, NOTIFIER_HEALTH_FILE, type DaemonFacts } from '../../evaluate/daemon-liveness.js';
import { readOtelExportNote } from '../../daemon/otel-export-status.js';
import { readReloadStatus } from '../../daemon/reload-status.js';
import { callsLevelFromWindow, callsWindowFindings } from '../../evaluate/calls.js';
import type { CallsLevelInput } from '../../evaluate/level.js';
import type { Finding } from '../../evaluate/types.js';
import { CALLS_WINDOW_FILE, parseCallsWindow, type CallsWindowDoc } from '../../model/calls-window.js';
import { freeBytes, readStoreWriteStatus } from '../../daemon/store-write-status.js';
import { isLiveNodeProcess, readLock } from '../../store/lock-file.js';
import type { HubSnapshot } from '../../model/hub.js';
import type { GlobalOptions } from '../global-options.js';
import { openHubPollSession, pollConfirmed } from '../hub-poll.js';
import { probeFindings } from '../probe-findings.js';
import type { CheckFormat } from '../options.js';
import { renderResult, type CommandRun } from '../render-result.js';

/**
 * Facts about the daemon from its lock file, its note of the last successful write and the volume's free
 * space: no SQLite on this path. File times only for a daemon that keeps no note (a refused write touches
 * the -wal too, so they would say "just wrote" on a full disk).
 */
function daemonFacts(stateDir: string): DaemonFacts {
  const info = readLock(join(stateDir, 'daemon.lock'));
  const lock = info === 'absent' ? 'absent' : info === undefined ? 'unreadable' : { pid: info.pid, alive: isLiveNodeProcess(info.pid) };
  const note = readStoreWriteStatus(stateDir);
  let lastWriteMs = note?.lastWriteAt;
  if (!note) {
    for (const f of [`${HISTORY_DB_FILE}-wal`, HISTORY_DB_FILE]) {
      try {
        lastWriteMs = Math.max(lastWriteMs ?? 0, statSync(join(stateDir, f)).mtimeMs);
      } catch { /* absent */ }
    }
  }
  const free = freeBytes(stateDir);
  return {
    lock, lastWriteMs,
    ...(note?.failingSince !== undefined ? { writeFailingSince: note.failingSince, writeError: note.error } : {}),
    ...(free !== undefined ? { freeBytes: free } : {}),
  };
}

/** The daemon's broken receivers (a small JSON file it keeps beside the store); none when absent or unreadable. */
function brokenReceivers(stateDir: string): Record<string, string> {
  try {
    const doc = JSON.parse(readFileSync(join(stateDir, NOTIFIER_HEALTH_FILE), 'utf8')) as { broken?: unknown };
    if (typeof doc.broken !== 'object' || doc.broken === null) return {};
    return Object.fromEntries(Object.entries(doc.broken as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** The daemon's last calls window (calls-window.json); undefined when absent or unreadable. */
function callsWindow(stateDir: string): CallsWindowDoc | undefined {
  try {
    return parseCallsWindow(readFileSync(join(stateDir, CALLS_WINDOW_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Runs the check and returns what to print; never throws for anything a hub does. */
export async function runCheck(g: GlobalOptions, format: CheckFormat, opts: { expectDaemon?: boolean; daemonCritical?: boolean; probe?: boolean } = {}): Promise<CommandRun> {
  const session = await openHubPollSession(g);
  try {
    const polls = await Promise.all(session.targets.map((t) => pollConfirmed(session, t)));
    const earlier = new Map<string, HubSnapshot>();
    for (const p of polls) if (p.earlier) earlier.set(p.snapshot.target.url, p.earlier);
    const snapshots = polls.map((p) => p.snapshot);
    const now = Date.now();
    const perHub: { snapshot: HubSnapshot; findings: Finding[]; calls?: CallsLevelInput }[] = snapshots.map((s) => ({ snapshot: s, findings: evaluateHub(s, earlier.get(s.target.url), session.config) }));
    if (opts.probe) await Promise.all(perHub.map(async (h) => h.findings.push(...await probeFindings(session, h.snapshot))));
    if (opts.expectDaemon && perHub[0]) {
      // Stale after three missed polls; a minute at least, so a busy machine is not a dead daemon.
      const staleAfter = Math.max(60_000, 3 * session.config.collect.interval);
      const facts = daemonFacts(g.stateDir);
      const live = evaluateDaemonLiveness(perHub[0].snapshot.target.url, facts, now, staleAfter);
      perHub[0].findings.push(opts.daemonCritical && live.status === 'warning' ? { ...live, status: 'critical' } : live);
      perHub[0].findings.push(...evaluateBrokenReceivers(perHub[0].snapshot.target.url, brokenReceivers(g.stateDir)));
      // A stale file from a dead daemon says nothing about the next one (which rewrites it at start).
      if (typeof facts.lock === 'object' && facts.lock.alive) {
        perHub[0].findings.push(...evaluateConfigReload(perHub[0].snapshot.target.url, readReloadStatus(g.stateDir)));
        const otel = readOtelExportNote(g.stateDir);
        if (otel?.pid === facts.lock.pid) perHub[0].findings.push(...evaluateOtelExport(perHub[0].snapshot.target.url, otel, now));
        // calls.* from the daemon's last window, when a tap ran during this daemon run.
        const calls = callsWindow(g.stateDir);
        for (const h of perHub) {
          h.findings.push(...callsWindowFindings(h.snapshot.target.url, calls, now));
          // The level judges the real calls' success rate and P95 too.
          const level = callsLevelFromWindow(h.snapshot.target.url, calls, now, session.config.calls);
          if (level) h.calls = level;
        }
      }
    }
    const result = buildResult(perHub, session.config, now);
    return renderResult(result, format, g);
  } finally {
    session.close();
  }
}
