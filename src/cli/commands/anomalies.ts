/**
 * `anomalies` (replaces detect-anomalies.sh): watches each hub live for a short window (default 10 s) —
 * health polls every second, the hub's process tree CPU/RSS over the window, and its log file before and
 * after — then judges error spikes, flapping, resources, disconnections, log growth and floods, and
 * latency outliers. When the daemon's history store exists, its last hour joins the judgement: flapping
 * over the hour, availability of the hour's polls, and latency against the hour's distribution.
 */
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseDuration, DURATION_HINT } from '../../config/duration.js';
import { UsageError } from '../../config/errors.js';
import { buildResult } from '../../evaluate/check.js';
import { evaluateAnomalies, type AnomalyInputs } from '../../evaluate/anomalies.js';
import type { LogWindowFacts } from '../../model/anomaly-window.js';
import { pollHub } from '../../sources/hub-client.js';
import type { HubSnapshot, HubTarget } from '../../model/hub.js';
import { readWorkspaceHubs } from '../../sources/discovery.js';
import { hubLogFileCandidates, runLogCommand, scanFile, type LogEntry } from '../../sources/log-reader.js';
import { resolveHubPid } from '../../sources/port-owner.js';
import { sampleProcessTree } from '../../sources/process-sampler.js';
import { isLoopbackUrl } from '../../sources/proc.js';
import type { GlobalOptions } from '../global-options.js';
import { historyFactsIfAny } from '../history-gate.js';
import { openHubPollSession, type HubPollSession } from '../hub-poll.js';
import type { CheckFormat } from '../options.js';
import { renderResult, type CommandRun } from '../render-result.js';

const POLL_EVERY_MS = 1_000;
/** Distinct messages tracked for duplicate counting; later new messages are not tracked (bounded memory). */
const MAX_TRACKED_MESSAGES = 5_000;

class LogTally {
  timedErrors: number[] = [];
  untimedErrors = 0;
  connects = new Map<string, number>();
  lines = 0;
  private readonly freq = new Map<string, number>();

  add = (e: LogEntry): void => {
    this.lines++;
    if (e.level === 'error' || e.level === 'fatal') {
      if (e.timeMs !== undefined) this.timedErrors.push(e.timeMs);
      else this.untimedErrors++;
    }
    if (e.kind === 'server_connected' && e.server) this.connects.set(e.server, (this.connects.get(e.server) ?? 0) + 1);
    const n = this.freq.get(e.message);
    if (n !== undefined) this.freq.set(e.message, n + 1);
    else if (this.freq.size < MAX_TRACKED_MESSAGES) this.freq.set(e.message, 1);
  };

  top(): { message: string; count: number } | undefined {
    let best: { message: string; count: number } | undefined;
    for (const [message, count] of this.freq) if (!best || count > best.count) best = { message, count };
    return best;
  }
}

async function watchLog(path: string, windowDone: Promise<void>, windowMs: number, fileStartMs?: number): Promise<LogWindowFacts | string> {
  const whole = new LogTally();
  let first;
  try {
    first = await scanFile(path, { onEntry: whole.add });
  } catch (err) {
    return `${path}: ${(err as Error).message}`;
  }
  await windowDone;
  const during = new LogTally();
  let size = first.size;
  try {
    const now = statSync(path);
    // Smaller than what we read: the hub restarted and truncated it (docs/hub-api.md §5) — read it all again.
    const from = now.size < first.endOffset || now.ino !== first.inode ? 0 : first.endOffset;
    const second = await scanFile(path, { fromOffset: from, onEntry: during.add });
    size = second.size;
  } catch {
    /* the file went away during the window: keep what the first read saw */
  }
  for (const t of during.timedErrors) whole.timedErrors.push(t);
  for (const [s, n] of during.connects) whole.connects.set(s, (whole.connects.get(s) ?? 0) + n);
  return {
    path,
    sizeBytes: size,
    windowLines: during.lines,
    windowMs,
    topWindowMessage: during.top(),
    topFileMessage: whole.top(),
    timedErrors: whole.timedErrors,
    untimedErrorsInFile: whole.untimedErrors + during.untimedErrors,
    untimedErrorsInWindow: during.untimedErrors,
    connectsByServer: whole.connects,
    fileStartMs,
  };
}

/** The log from a command's output (e.g. journalctl) during the window: everything it prints is "now". */
async function watchCommand(command: string, windowMs: number): Promise<LogWindowFacts> {
  const tally = new LogTally();
  const r = await runLogCommand(command, { durationMs: windowMs, onEntry: tally.add });
  return {
    path: `command: ${command}${r.error ? ` (${r.error})` : ''}`,
    windowLines: tally.lines,
    windowMs,
    topWindowMessage: tally.top(),
    topFileMessage: tally.top(),
    timedErrors: tally.timedErrors,
    untimedErrorsInFile: tally.untimedErrors,
    untimedErrorsInWindow: tally.untimedErrors,
    connectsByServer: tally.connects,
  };
}

async function watchHub(session: HubPollSession, target: HubTarget, windowMs: number, timeoutMs: number): Promise<AnomalyInputs> {
  const started = performance.now();
  const polls: HubSnapshot[] = [];
  const windowDone = (async () => {
    // Polls at t0 + k·1s; a slow poll never causes two in one slot.
    for (let k = 0; performance.now() - started <= windowMs; k++) {
      const slot = started + k * POLL_EVERY_MS;
      if (slot > performance.now()) await new Promise((r) => setTimeout(r, slot - performance.now()));
      polls.push(await pollHub(target, { deadline: performance.now() + timeoutMs, agent: session.agent, healthOnly: true, limitLabel: session.limitLabel }));
      if (k === 0 && !polls[0]!.health.ok && performance.now() - started > windowMs) break;
    }
  })();
  const inputs: AnomalyInputs = { polls };
  const local = isLoopbackUrl(target.url);
  const port = Number(new URL(target.url).port || 80);
  const entry = local ? readWorkspaceHubs().find((e) => e.port === port) : undefined;
  const tasks: Promise<void>[] = [windowDone];
  if (!local) {
    inputs.processUnavailable = 'remote hub: process facts are only read for hubs on this machine';
    inputs.logUnavailable = 'remote hub: its log is on another machine';
  } else {
    const first = await pollHub(target, { deadline: performance.now() + timeoutMs, agent: session.agent, healthOnly: true });
    const candidates = [
      ...(first.health.ok && first.health.value.pid ? [{ pid: first.health.value.pid, via: 'health' as const }] : []),
      ...(entry ? [{ pid: entry.pid, via: 'workspaces' as const }] : []),
    ];
    const resolved = resolveHubPid(port, candidates);
    if (resolved.pid === undefined || !resolved.alive) inputs.processUnavailable = `hub process not found${resolved.note ? ` (${resolved.note})` : ''}`;
    else {
      tasks.push(sampleProcessTree(resolved.pid, windowMs).then((t) => {
        if (!t.supported || !t.hub) {
          inputs.processUnavailable = t.reason ?? 'process sampling not available here';
          return;
        }
        const top = [...t.children].sort((a, b) => b.cpuPercent - a.cpuPercent)[0];
        inputs.process = {
          hubPid: t.hub.pid,
          cpuPercent: t.total?.cpuPercent ?? t.hub.cpuPercent,
          rssBytes: t.hub.rssBytes,
          childCount: t.children.length,
          childrenRssBytes: t.children.reduce((n, c) => n + c.rssBytes, 0),
          topChild: top && top.cpuPercent > 0 ? { command: top.command, cpuPercent: top.cpuPercent } : undefined,
        };
      }));
    }
    const logs = session.config.logs;
    const logFiles = logs.file ? [logs.file] : hubLogFileCandidates();
    const path = logFiles.find((p) => {
      try { return statSync(p).isFile(); } catch { return false; }
    });
    if (logs.command) tasks.push(watchCommand(logs.command, windowMs).then((r) => { inputs.log = r; }));
    else if (!path) inputs.logUnavailable = `no hub log file at ${logFiles.join(' or ')}`;
    else {
      tasks.push(watchLog(path, windowDone, windowMs, entry?.startTimeMs).then((r) => {
        if (typeof r === 'string') inputs.logUnavailable = r;
        else inputs.log = r;
      }));
    }
  }
  await Promise.all(tasks);
  return inputs;
}

/** Runs anomalies and returns what to print. */
export async function runAnomalies(g: GlobalOptions, format: CheckFormat, windowText?: string): Promise<CommandRun> {
  let windowMs: number | undefined;
  if (windowText !== undefined) {
    windowMs = parseDuration(windowText);
    if (windowMs === undefined || windowMs < 1_000) throw new UsageError(`--window: not a duration of at least 1s (got ${JSON.stringify(windowText)}). ${DURATION_HINT}`);
  }
  const session = await openHubPollSession(g);
  try {
    const window = windowMs ?? session.config.anomalies.windowMs;
    const timeoutMs = g.timeoutMs ?? session.config.timeoutMs;
    const perHub = await Promise.all(session.targets.map(async (t) => {
      const [inputs, history] = await Promise.all([watchHub(session, t, window, timeoutMs), historyFactsIfAny(g.stateDir, t.url, Date.now())]);
      if (history) inputs.history = history;
      return { snapshot: inputs.polls[inputs.polls.length - 1]!, findings: evaluateAnomalies(inputs, session.config, Date.now()) };
    }));
    return renderResult(buildResult(perHub, session.config, Date.now()), format, g, 'anomalies');
  } finally {
    session.close();
  }
}
