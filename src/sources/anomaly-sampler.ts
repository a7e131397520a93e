/**
 * The live window of `anomalies`: health polls once a second on the injected clock, the hub's process tree
 * CPU/RSS over the window, and its log file before and after (or a log command's output during it).
 * Observations only, with the reason for each part that could not be seen; `evaluate/anomalies.ts` judges.
 */
import { statSync } from 'node:fs';
import type http from 'node:http';
import type { WindowObservations, LogWindowFacts } from '../model/anomaly-window.js';
import type { Clock } from '../model/clock.js';
import type { HubSnapshot, HubTarget } from '../model/hub.js';
import { pollHub } from './hub-client.js';
import { locateHubProcess } from './hub-process.js';
import { hubLogFileCandidates, runLogCommand, scanFile, type LogEntry } from './log-reader.js';
import { isLoopbackUrl } from './proc.js';
import { sampleProcessTree } from './process-sampler.js';

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

/** How to watch one hub. */
export interface WindowOptions {
  windowMs: number;
  /** Per-poll deadline. */
  timeoutMs: number;
  agent: http.Agent;
  /** How timeout messages name the deadline. */
  limitLabel?: string;
  /** Where the hub's log is: a file, a command (journalctl), or neither (the hub's default log files). */
  logs: { file?: string; command?: string };
  clock: Clock;
}

const sleep = (clock: Clock, ms: number) => new Promise<void>((r) => { clock.setTimeout(r, ms); });

/** Health polls at t0 + k·1 s until the window is over; a slow poll never causes two in one slot. */
export async function pollWindow(target: HubTarget, o: Omit<WindowOptions, 'logs'>): Promise<HubSnapshot[]> {
  const { clock } = o;
  const started = clock.monotonic();
  const polls: HubSnapshot[] = [];
  for (let k = 0; clock.monotonic() - started <= o.windowMs; k++) {
    const slot = started + k * POLL_EVERY_MS;
    if (slot > clock.monotonic()) await sleep(clock, slot - clock.monotonic());
    polls.push(await pollHub(target, {
      deadline: clock.monotonic() + o.timeoutMs, agent: o.agent, healthOnly: true, limitLabel: o.limitLabel,
      now: () => clock.now(), monotonicNow: () => clock.monotonic(),
    }));
    if (k === 0 && !polls[0]!.health.ok && clock.monotonic() - started > o.windowMs) break;
  }
  return polls;
}

/** Watches one hub for the window: what it observed, and why any part is missing. */
export async function watchHub(target: HubTarget, o: WindowOptions): Promise<WindowObservations> {
  const { clock } = o;
  const polls = pollWindow(target, o);
  const inputs: WindowObservations = { polls: [] };
  const windowDone = polls.then((list) => { inputs.polls = list; });
  const tasks: Promise<void>[] = [windowDone];
  if (!isLoopbackUrl(target.url)) {
    inputs.processUnavailable = 'remote hub: process facts are only read for hubs on this machine';
    inputs.logUnavailable = 'remote hub: its log is on another machine';
  } else {
    const first = await pollHub(target, { deadline: clock.monotonic() + o.timeoutMs, agent: o.agent, healthOnly: true, now: () => clock.now(), monotonicNow: () => clock.monotonic() });
    const hub = locateHubProcess(target.url, first.health.ok ? first.health.value.pid : undefined);
    if (hub.pid === undefined) inputs.processUnavailable = hub.unavailable;
    else {
      tasks.push(sampleProcessTree(hub.pid, o.windowMs, { now: () => clock.monotonic(), sleep: (ms) => sleep(clock, ms) }).then((t) => {
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
    const logFiles = o.logs.file ? [o.logs.file] : hubLogFileCandidates();
    const path = logFiles.find((p) => {
      try { return statSync(p).isFile(); } catch { return false; }
    });
    if (o.logs.command) tasks.push(watchCommand(o.logs.command, o.windowMs).then((r) => { inputs.log = r; }));
    else if (!path) inputs.logUnavailable = `no hub log file at ${logFiles.join(' or ')}`;
    else {
      tasks.push(watchLog(path, windowDone, o.windowMs, hub.entry?.startTimeMs).then((r) => {
        if (typeof r === 'string') inputs.logUnavailable = r;
        else inputs.log = r;
      }));
    }
  }
  await Promise.all(tasks);
  return inputs;
}
