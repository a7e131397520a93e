/**
 * `status`: what the daemon is doing, read from the lock file and the history store (read-only): running
 * or not, its run, each hub's last poll, SSE, database size, and the gaps (time it was not running) in the
 * last 24 hours, the traffic tap (connected, calls, worst tools), the daemon's OpenTelemetry export and the
 * capacity outlook (when RSS, the disk and the call volume reach their thresholds) and the learned normal band
 * of each series (anomaly-status.ts). Exit 0
 * when the daemon runs and every hub was polled recently, 1 when stale, a tap that connected is gone or
 * dropping, or the export fails, 3 when there is no history at all.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes } from '../../config/bytes.js';
import { formatDuration, formatElapsed, inFuture } from '../../config/duration.js';
import { toSafeJson } from '../../views/json.js';
import { sanitizeTerminal as clean } from '../../views/sanitize.js';
import { canonicalPath, historyDbPath } from '../../config/paths.js';
import { isMonitorError } from '../../errors.js';
import type { MonitorConfig } from '../../config/defaults.js';
import type { LockInfo } from '../../store/lock-file.js';
import type { GlobalOptions } from '../global-options.js';
import type { CommandRun } from '../render-result.js';

const DAY_MS = 86_400_000;

/**
 * The config for the SLO objectives and levels: the file the running daemon runs unless --config names one.
 * That file (or the default one) being broken is something to report, not a reason to say nothing about
 * the daemon: the defaults stand in and the error is shown. Another file named by --config is a usage error.
 */
async function statusConfig(g: GlobalOptions, daemon: LockInfo | undefined): Promise<{ cfg: MonitorConfig; configFile: string; configError?: string }> {
  const { loadConfig } = await import('../../config/load.js');
  const configFile = g.configExplicit ? g.configFile : daemon?.configFile ?? g.configFile;
  try {
    const cfg = await loadConfig(configFile, g.configExplicit);
    if (daemon?.pollOnly) cfg.collect.sse = false; // --no-sse is a flag, not in the file
    return { cfg, configFile };
  } catch (err) {
    const daemonsFile = daemon?.configFile !== undefined && canonicalPath(daemon.configFile) === canonicalPath(configFile);
    if (g.configExplicit && !daemonsFile) throw err;
    const { defaultConfig } = await import('../../config/defaults.js');
    if (!isMonitorError(err, 'CONFIG_INVALID')) throw err;
    return { cfg: defaultConfig(), configFile, configError: err.message };
  }
}

/**
 * The daemon's writes, from its note beside the store and the volume's free space (not from the database's
 * file times: a refused write touches them too). `problem` says why the running daemon cannot write.
 */
async function storeWrites(stateDir: string, running: boolean, now: number) {
  const { freeBytes, readStoreWriteStatus } = await import('../../daemon/store-write-status.js');
  const { storeWriteProblem } = await import('../../evaluate/daemon-liveness.js');
  const note = readStoreWriteStatus(stateDir);
  const free = freeBytes(stateDir);
  const problem = running ? storeWriteProblem({
    lock: 'absent', lastWriteMs: note?.lastWriteAt, writeFailingSince: note?.failingSince, writeError: note?.error, freeBytes: free,
  }, now) : undefined;
  return {
    lastWriteAt: note?.lastWriteAt ?? null, failingSince: note?.failingSince ?? null, error: note?.error ?? null,
    freeBytes: free ?? null, problem: problem ?? null,
  };
}

export async function runStatus(g: GlobalOptions): Promise<CommandRun> {
  const { readLock } = await import('../../store/lock.js');
  const { isLiveNodeProcess } = await import('../../store/lock.js');
  const dbPath = historyDbPath(g.stateDir);
  const lockInfo = readLock(join(g.stateDir, 'daemon.lock'));
  const running = typeof lockInfo === 'object' && lockInfo !== null && isLiveNodeProcess(lockInfo.pid);
  if (!existsSync(dbPath)) {
    const doc = { daemon: { running, pid: running ? (lockInfo as { pid: number }).pid : null }, store: null, hubs: [], gaps: [] };
    const text = `daemon: ${running ? 'running' : 'not running'}\nno history yet at ${dbPath} (start it with: mcp-hub-monitor daemon)\n`;
    return { exitCode: 3, output: g.json ? `${toSafeJson(doc)}\n` : text };
  }
  const { Store } = await import('../../store/store.js');
  const { storeTime } = await import('../../store/store-time.js');
  const store = Store.open({ stateDir: g.stateDir, readOnly: true });
  try {
    // Ages on the daemon's time line: after a step back of the wall clock its times run ahead (faults F7).
    const clock = storeTime(store, Date.now());
    const { now } = clock;
    const run = store.lastRun();
    const hubs = store.listHubs().map((hub) => {
      const last = store.lastSampleTime(hub);
      // A last poll stamped in the future (the clock stepped back since, by more than the daemon recorded) has no age to judge by.
      return { hub, lastPollAt: last ?? null, lastPollAgoMs: last === undefined ? null : Math.max(0, now - last), lastPollInFuture: last !== undefined && inFuture(now, last) };
    });
    // The running daemon's own run is not a gap, however long since its last beat.
    // Before the first run nothing was monitored yet: the store calls that unknown, status does not list it.
    const firstRun = (store.db.prepare('SELECT min(started_at) AS t FROM runs').get() as { t: number | null }).t ?? now;
    const gaps = store.gaps(Math.max(now - DAY_MS, firstRun), now, running && run ? { currentRunId: run.id } : {});
    const stale = hubs.some((h) => h.lastPollAgoMs === null || h.lastPollAgoMs > 60_000 || h.lastPollInFuture);
    // Alerts and SLOs per hub: what is firing, the degradation level from it, and the error budget left.
    const { AlertStore } = await import('../../store/alert-store.js');
    const { evaluateSlo, sloInputs } = await import('../../evaluate/slo.js');
    const { callSloInputs, evaluateCallSlo } = await import('../../evaluate/call-slo.js');
    const { CALL_SERIES, hubCallsOver } = await import('../../daemon/calls-series.js');
    const { levelFromAlerts } = await import('../../evaluate/level.js');
    const { cfg, configFile, configError } = await statusConfig(g, running ? lockInfo as LockInfo : undefined);
    const alertStore = new AlertStore(store.db);
    const open = alertStore.openAlerts().filter((a) => a.state === 'firing');
    const { readCallsWindow, tapStatus } = await import('../calls-status.js');
    const { callsLevelFromWindow } = await import('../../evaluate/calls.js');
    const callsDoc = readCallsWindow(g.stateDir);
    const perHub = hubs.map((h) => {
      const firing = open.filter((a) => a.hub === h.hub);
      const inputs = sloInputs((name, from, to) => store.ratioOver(h.hub, name, from, to),
        (name, from, to) => store.observedMs(h.hub, name, from, to, running && run ? { currentRunId: run.id } : {}), cfg.slo, now);
      const calls = callSloInputs((from, to) => hubCallsOver(store, h.hub, from, to),
        (from, to) => store.observedMs(h.hub, CALL_SERIES.count, from, to, { ...(running && run ? { currentRunId: run.id } : {}), anyLabels: true }), cfg.slo, now);
      const slo = [...evaluateSlo(h.hub, inputs, cfg.slo), ...evaluateCallSlo(h.hub, calls, cfg.slo)].filter((f) => f.id !== 'slo.burn_rate');
      // The level judges the tap's calls too, from the running daemon's fresh window.
      const level = levelFromAlerts(h.hub, firing, cfg.levels, running ? callsLevelFromWindow(h.hub, callsDoc, now, cfg.calls) : undefined);
      return { ...h, level: level.level, levelReason: level.reason, firing: { critical: firing.filter((a) => a.severity === 'critical').length, warning: firing.filter((a) => a.severity !== 'critical').length }, slo: slo.map((f) => ({ objective: f.subject, status: f.status, message: f.message })) };
    });
    const outbox = { pending: alertStore.pendingDepth(), failedLast24h: alertStore.failuresSince(now - DAY_MS).length };
    const { readReloadStatus } = await import('../../daemon/reload-status.js');
    const reload = running ? readReloadStatus(g.stateDir) ?? null : null;
    const writes = await storeWrites(g.stateDir, running, now);
    const tap = tapStatus(callsDoc, running, now);
    const { otelStatus } = await import('../otel-status.js');
    const otel = otelStatus(g.stateDir, running ? (lockInfo as LockInfo).pid : undefined, now);
    const { remediationLines, remediationStatus } = await import('../remediation-status.js');
    const remediation = remediationStatus(cfg, store, alertStore.openAlerts(), now);
    const { capacityLines, capacityStatus } = await import('../capacity-status.js');
    const capacity = capacityStatus(cfg, store, hubs.map((h) => h.hub), now);
    const { anomalyLines, anomalyStatus } = await import('../anomaly-status.js');
    const anomaly = anomalyStatus(cfg, store, hubs.map((h) => h.hub), now);
    const doc = {
      daemon: { running, pid: running ? (lockInfo as { pid: number }).pid : null, run: run ?? null, configReload: reload, clockAheadMs: clock.aheadMs, otel: otel.export ? { ...otel.export, problems: otel.problems } : null },
      config: { file: configFile, error: configError ?? null },
      store: { path: dbPath, sizeBytes: store.sizeBytes(), schemaVersion: store.openInfo.schemaVersion, writes, readFromCopy: store.openInfo.copiedBecause ?? null },
      hubs: perHub,
      gaps,
      notifications: outbox,
      tap: { window: tap.window, problems: tap.problems },
      remediation,
      capacity,
      anomaly,
    };
    const exitCode = running && !stale && tap.problems.length === 0 && writes.problem === null && (reload?.ok ?? true) && configError === undefined && otel.problems.length === 0 ? 0 : 1;
    if (g.json) return { exitCode, output: `${toSafeJson(doc)}\n` };
    const lines = [
      running ? `daemon: running (pid ${(lockInfo as { pid: number }).pid}${run ? `, since ${new Date(run.started_at).toISOString()}, ${run.clean_start ? 'clean start' : 'after an unclean stop'}` : ''})`
        : `daemon: not running${run?.stopped_at ? ` (last stopped ${new Date(run.stopped_at).toISOString()})` : ''}`,
      ...(reload && !reload.ok ? [`config: the last reload (${new Date(reload.at).toISOString()}) failed, running the config loaded ${new Date(reload.lastSuccessAt).toISOString()}: ${clean(reload.error ?? '')}`] : []),
      ...(configError === undefined ? []
        : configError === reload?.error ? [`config: ${clean(configFile)} still does not load (as above), so the SLO objectives and levels below are the defaults`]
          : [`config: ${clean(configFile)} does not load, so the SLO objectives and levels below are the defaults: ${clean(configError)}`]),
      ...otel.lines,
      ...(clock.aheadMs > 0 ? [`clock: the wall clock stepped back ${formatDuration(clock.aheadMs)} during this run; the daemon's times keep their monotonic course, ${formatDuration(clock.aheadMs)} ahead of it, until it restarts (ages below are on its times)`] : []),
      `store: ${dbPath} ${formatBytes(doc.store.sizeBytes)}, schema v${doc.store.schemaVersion}`,
      ...(store.openInfo.copiedBecause ? [`store: ${store.openInfo.copiedBecause}`] : []),
      ...(writes.problem !== null ? [`store: CANNOT WRITE: the daemon ${writes.problem}`]
        : writes.lastWriteAt !== null ? [`store: last successful write ${formatDuration(Math.max(0, now - writes.lastWriteAt))} ago`] : []),
      'hubs:',
      ...perHub.flatMap((h) => [
        `  ${clean(h.hub)}  last poll ${h.lastPollAt === null ? 'never' : formatElapsed(now - h.lastPollAt, { ago: true })}  level ${h.level}  firing: ${h.firing.critical} critical, ${h.firing.warning} warning`,
        `    level ${h.level}: ${clean(h.levelReason)}`,
        ...sloLines(h.slo).map((o) => `    SLO ${o.objective}: ${clean(o.message)}`),
      ]),
      ...tap.lines,
      ...remediationLines(remediation),
      ...capacityLines(capacity),
      ...anomalyLines(anomaly),
      `notifications: ${outbox.pending} waiting in the outbox, ${outbox.failedLast24h} given up in the last 24 h`,
      `gaps in the last 24 h (daemon not running): ${gaps.length === 0 ? 'none' : ''}`,
      ...gaps.map((gap) => `  ${new Date(gap.from).toISOString()} → ${new Date(gap.to).toISOString()} (${formatDuration(gap.to - gap.from)})`),
    ];
    return { exitCode, output: `${lines.join('\n')}\n` };
  } finally {
    store.close();
  }
}

/** The SLO lines of a hub: the call objectives as one line while neither has calls (no tap: one thing to say). */
function sloLines(slo: readonly { objective?: string; status: string; message: string }[]): { objective?: string; message: string }[] {
  const calls = slo.filter((o) => o.objective === 'call_success' || o.objective === 'call_latency');
  if (calls.length < 2 || calls.some((o) => o.status !== 'no_data')) return [...slo];
  return [...slo.filter((o) => !calls.includes(o)), { objective: 'calls', message: calls[0]!.message }];
}

/**
 * `status --fleet`: the hubs recorded in the last fleet.window compared side by side, from the store as the
 * daemon's fleet job reads it. Exit 0 with no outlier, 1 with one, 3 with no history or no hub in the window.
 */
export async function runFleetStatus(g: GlobalOptions): Promise<CommandRun> {
  const { readLock, isLiveNodeProcess } = await import('../../store/lock.js');
  const dbPath = historyDbPath(g.stateDir);
  const lockInfo = readLock(join(g.stateDir, 'daemon.lock'));
  const running = typeof lockInfo === 'object' && lockInfo !== null && isLiveNodeProcess(lockInfo.pid);
  if (!existsSync(dbPath)) {
    const text = `no history yet at ${dbPath} (start it with: mcp-hub-monitor daemon)\n`;
    return { exitCode: 3, output: g.json ? `${toSafeJson({ fleet: null, error: 'no history' })}\n` : clean(text, 2_000) };
  }
  const { Store } = await import('../../store/store.js');
  const { storeTime } = await import('../../store/store-time.js');
  const store = Store.open({ stateDir: g.stateDir, readOnly: true });
  try {
    const { now } = storeTime(store, Date.now());
    const { cfg } = await statusConfig(g, running ? lockInfo as LockInfo : undefined);
    const { AlertStore } = await import('../../store/alert-store.js');
    const { fleetInputs } = await import('../../daemon/fleet-inputs.js');
    const { evaluateFleet } = await import('../../evaluate/fleet.js');
    const hubs = store.listHubs().filter((h) => (store.lastSampleTime(h) ?? -Infinity) >= now - cfg.fleet.window);
    const windowLabel = formatDuration(cfg.fleet.window);
    const verdict = evaluateFleet(fleetInputs(store, hubs, new AlertStore(store.db).openAlerts(), cfg, now), cfg.fleet, { windowLabel });
    const exitCode = hubs.length === 0 ? 3 : verdict.findings.length > 0 ? 1 : 0;
    if (g.json) {
      const doc = { windowMs: cfg.fleet.window, daemonRunning: running, hubs: verdict.rows, outliers: verdict.outliers, findings: verdict.findings, notJudged: verdict.notJudged ?? null, notCompared: verdict.notCompared };
      return { exitCode, output: `${toSafeJson(doc)}\n` };
    }
    const { renderFleetText } = await import('../../views/fleet-text.js');
    return { exitCode, output: `${running ? '' : 'daemon: not running (what follows is what it recorded)\n'}${renderFleetText(verdict, windowLabel, cfg.fleet.min_hubs)}` };
  } finally {
    store.close();
  }
}
