/**
 * CPU, memory, threads and fds of a hub and its stdio MCP servers, read from Linux /proc. The hub spawns its
 * stdio servers directly (docs/hub-api.md §1), so its process tree is the cost of the whole hub. Off Linux every
 * function answers "not available" (undefined, [] or `supported: false`) instead of throwing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { hasProcFs, isPidAlive, listPids, parseProcStat, readProcStat, type ProcStatFields } from './proc.js';

/**
 * Clock ticks per second of the tick counts in /proc/<pid>/stat. The kernel reports them in USER_HZ, which
 * is 100 on every Linux architecture we run on, whatever CONFIG_HZ is; Node cannot call
 * sysconf(_SC_CLK_TCK), and spawning `getconf` per sample would cost more than the sample.
 */
export const CLK_TCK = 100;

/** One process as /proc describes it at one instant. */
export interface ProcessStat {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string[];
  state: string;
  threads: number;
  /** VmRSS; 0 for processes without memory (zombies, kernel threads). */
  rssBytes: number;
  utimeTicks: number;
  stimeTicks: number;
  startTimeTicks: number;
  /** Open file descriptors; undefined when /proc/<pid>/fd is not readable (another user's process). */
  fds?: number;
}

/** Resource use of one process over a sampling window. */
export interface ProcessUsage {
  pid: number;
  ppid: number;
  /** Short display string, e.g. `node index.js stdio`. */
  command: string;
  /** Percent of one CPU over the window (200 = two cores busy). */
  cpuPercent: number;
  rssBytes: number;
  threads: number;
  fds?: number;
  uptimeS: number;
}

/** Result of sampleProcessTree; `supported: false` off Linux, `hub` undefined when the pid is not there. */
export interface ProcessTreeSample {
  supported: boolean;
  reason?: string;
  windowMs: number;
  hub?: ProcessUsage;
  /** Every descendant present at both reads (children, grandchildren …), in tree order. */
  children: ProcessUsage[];
  /** Descendants seen at the first read that were gone (or whose pid was reused) at the second. */
  exitedDuringWindow: number;
  /** Descendants that appeared during the window; not in `children`, since they have no CPU baseline. */
  appearedDuringWindow: number;
  /** Hub plus `children`. RSS double-counts pages shared between processes, so it is an upper bound. */
  total?: { cpuPercent: number; rssBytes: number };
}

/** Injected time and location, so tests can drive the window and read a fake /proc. */
export interface SamplerDeps {
  sleep?: (ms: number) => Promise<void>;
  /** Monotonic milliseconds. */
  now?: () => number;
  procRoot?: string;
}

/** VmRSS (bytes) and Threads from the text of `/proc/<pid>/status`; absent fields stay undefined. */
export function parseStatus(text: string): { rssBytes?: number; threads?: number } {
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  const threads = /^Threads:\s+(\d+)/m.exec(text);
  return { rssBytes: rss ? Number(rss[1]) * 1024 : undefined, threads: threads ? Number(threads[1]) : undefined };
}

/** Splits the NUL-separated text of `/proc/<pid>/cmdline` into argv. */
export function parseCmdline(text: string): string[] {
  const argv = text.split('\0');
  if (argv[argv.length - 1] === '') argv.pop();
  return argv;
}

const INTERPRETERS = /^(node|nodejs|bun|deno|python[\d.]*|ruby|perl|java|uv|uvx|npx|npm)$/;
/** Interpreter options whose value is the next argument. */
const INTERPRETER_VALUE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-m', '-cp', '-classpath']);

/**
 * A short display string for a process: executable basename plus its first arguments, paths shortened to
 * their basename (`node /…/server-everything/dist/index.js stdio` → `node index.js stdio`).
 */
export function shortCommand(cmdline: string[], comm: string, maxChars = 60): string {
  if (cmdline.length === 0) return `[${comm}]`; // zombies and kernel threads have no argv
  const base = (a: string): string => (a.includes('/') && !a.endsWith('/') ? a.slice(a.lastIndexOf('/') + 1) : a);
  const exe = base(cmdline[0] ?? comm);
  // An interpreter's interesting part is the script and its first args (its own options before the script,
  // such as the loopback preload's `--require …`, are skipped); others get their first args.
  const interpreter = INTERPRETERS.test(exe);
  let args = cmdline.slice(1);
  if (interpreter) {
    let i = 0;
    while (i < args.length && args[i]!.startsWith('-')) i += INTERPRETER_VALUE_OPTIONS.has(args[i]!) ? 2 : 1;
    args = args.slice(i);
  }
  const words = [exe, ...args.slice(0, interpreter ? 3 : 2).map(base)];
  const text = words.join(' ').replace(/\s+/g, ' ');
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/** Everything /proc says about one process, or undefined when it is gone or /proc is unavailable. */
export function readProcessStat(pid: number, procRoot = '/proc'): ProcessStat | undefined {
  const stat = readProcStat(pid, procRoot);
  return stat ? enrich(stat, procRoot) : undefined;
}

function enrich(stat: ProcStatFields, procRoot: string): ProcessStat {
  const dir = `${procRoot}/${stat.pid}`;
  const tryRead = (file: string): string | undefined => {
    try {
      return readFileSync(`${dir}/${file}`, 'utf8');
    } catch {
      return undefined; // exited since the stat read, or not ours to read
    }
  };
  const status = parseStatus(tryRead('status') ?? '');
  let fds: number | undefined;
  try {
    fds = readdirSync(`${dir}/fd`).length;
  } catch {
    fds = undefined; // EACCES for another user's process unless we are root: "unknown", not 0
  }
  return {
    pid: stat.pid,
    ppid: stat.ppid,
    comm: stat.comm,
    cmdline: parseCmdline(tryRead('cmdline') ?? ''),
    state: stat.state,
    threads: status.threads ?? stat.threads,
    rssBytes: status.rssBytes ?? 0,
    utimeTicks: stat.utimeTicks,
    stimeTicks: stat.stimeTicks,
    startTimeTicks: stat.startTimeTicks,
    fds,
  };
}

/** One pass over /proc/<n>/stat: every visible process by pid. */
export function scanAll(procRoot: string): Map<number, ProcStatFields> {
  const all = new Map<number, ProcStatFields>();
  for (const pid of listPids(procRoot)) {
    const stat = readProcStat(pid, procRoot);
    if (stat) all.set(pid, stat);
  }
  return all;
}

/** Descendants of `root` in breadth-first order, from a ppid table (cycle-safe). */
export function treeOf(root: number, all: Map<number, ProcStatFields>): number[] {
  const kids = new Map<number, number[]>();
  for (const s of all.values()) {
    const list = kids.get(s.ppid);
    if (list) list.push(s.pid);
    else kids.set(s.ppid, [s.pid]);
  }
  const out: number[] = [];
  const seen = new Set([root]);
  for (let queue = [root]; queue.length > 0; ) {
    const next: number[] = [];
    for (const p of queue) {
      for (const c of kids.get(p) ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        out.push(c);
        next.push(c);
      }
    }
    queue = next;
  }
  return out;
}

/** All descendants of `pid` (children, grandchildren …) by their /proc ppid; [] off Linux. */
export function descendants(pid: number, procRoot = '/proc'): number[] {
  return treeOf(pid, scanAll(procRoot));
}

function readUptimeS(procRoot: string): number | undefined {
  try {
    const n = Number(readFileSync(`${procRoot}/uptime`, 'utf8').split(/\s+/)[0]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Samples `pid` and its descendants twice, `windowMs` apart, and reports CPU % over the window with RSS,
 * threads, fds and uptime at the second read. A process counts as "the same" across reads only when pid AND
 * start time match, so a pid reused inside the window is counted as exited, not given a negative CPU.
 */
export async function sampleProcessTree(pid: number, windowMs: number, deps: SamplerDeps = {}): Promise<ProcessTreeSample> {
  const procRoot = deps.procRoot ?? '/proc';
  const now = deps.now ?? (() => performance.now());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const empty = { windowMs, children: [], exitedDuringWindow: 0, appearedDuringWindow: 0 };
  if (!hasProcFs(procRoot)) {
    return { supported: false, reason: `process sampling reads Linux /proc, not available on ${process.platform}`, ...empty };
  }

  const t0 = now();
  const first = scanAll(procRoot);
  const hub0 = first.get(pid);
  if (!hub0) {
    // hidepid=2 hides other users' processes from /proc while kill(pid, 0) still sees them.
    const hidden = procRoot === '/proc' && isPidAlive(pid);
    return { supported: true, reason: hidden ? `pid ${pid} is alive but hidden from /proc (hidepid?)` : `no process with pid ${pid}`, ...empty };
  }
  const tree0 = treeOf(pid, first);
  await sleep(windowMs);
  const t1 = now();
  const second = scanAll(procRoot);
  const uptimeS = readUptimeS(procRoot);
  const wallS = (t1 - t0) / 1000;

  const usage = (before: ProcStatFields): ProcessUsage | undefined => {
    const after = second.get(before.pid);
    if (!after || after.startTimeTicks !== before.startTimeTicks) return undefined;
    const full = enrich(after, procRoot);
    const ticks = Math.max(0, after.utimeTicks + after.stimeTicks - before.utimeTicks - before.stimeTicks);
    const cpuPercent = wallS > 0 ? (ticks / CLK_TCK / wallS) * 100 : 0;
    const upS = uptimeS === undefined ? 0 : Math.max(0, uptimeS - after.startTimeTicks / CLK_TCK);
    return {
      pid: after.pid,
      ppid: after.ppid,
      command: shortCommand(full.cmdline, full.comm),
      cpuPercent: round(cpuPercent, 1),
      rssBytes: full.rssBytes,
      threads: full.threads,
      ...(full.fds === undefined ? {} : { fds: full.fds }),
      uptimeS: round(upS, 1),
    };
  };

  const hub = usage(hub0);
  const children: ProcessUsage[] = [];
  let exited = 0;
  for (const c of tree0) {
    const before = first.get(c);
    const u = before && usage(before);
    if (u) children.push(u);
    else exited += 1;
  }
  const known = new Set(tree0);
  // Descendants found only at the second read (of the hub, or of a process reparented by a subreaper).
  const appeared = treeOf(pid, second).filter((p) => !known.has(p)).length;
  const counted = hub ? [hub, ...children] : children;
  return {
    supported: true,
    ...(hub ? {} : { reason: `process ${pid} exited during the window` }),
    windowMs,
    ...(hub ? { hub } : {}),
    children,
    exitedDuringWindow: exited,
    appearedDuringWindow: hub ? appeared : 0,
    total: {
      cpuPercent: round(counted.reduce((s, u) => s + u.cpuPercent, 0), 1),
      rssBytes: counted.reduce((s, u) => s + u.rssBytes, 0),
    },
  };
}
