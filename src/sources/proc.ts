/**
 * Minimal /proc readers shared by the one-shot commands and the process sampler (process-sampler.ts,
 * port-owner.ts). Every reader tolerates a process exiting mid-read and returns "unknown" off Linux.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';

/** Fields of `/proc/<pid>/stat` the monitor uses (proc(5) numbering in the comments). */
export interface ProcStatFields {
  pid: number;
  /** Field 2, without the parentheses; may hold spaces and ')' (a process can rename itself freely). */
  comm: string;
  /** Field 3: R, S, D, Z, T, … */
  state: string;
  ppid: number;
  /** Fields 14 and 15, in clock ticks (USER_HZ). */
  utimeTicks: number;
  stimeTicks: number;
  /** Field 20. */
  threads: number;
  /** Field 22: start time after boot, in clock ticks; with the pid it identifies a process across reads. */
  startTimeTicks: number;
}

/** Parses the text of one `/proc/<pid>/stat`; undefined when it is not one. */
export function parseProcStat(text: string): ProcStatFields | undefined {
  // comm sits between the first "(" and the LAST ")": it can itself contain ") " and spaces, but the
  // kernel writes no ")" after it, so everything after the last one is the fixed numeric tail.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const num = (i: number): number => Number(rest[i]);
  const fields: ProcStatFields = {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '',
    ppid: num(1),
    utimeTicks: num(11),
    stimeTicks: num(12),
    threads: num(17),
    startTimeTicks: num(19),
  };
  const ints = [fields.pid, fields.ppid, fields.utimeTicks, fields.stimeTicks, fields.threads, fields.startTimeTicks];
  return ints.every((n) => Number.isInteger(n) && n >= 0) && fields.state !== '' ? fields : undefined;
}

/** True when a Linux-style procfs is mounted at `procRoot` (false on macOS, Windows, or without /proc). */
export function hasProcFs(procRoot = '/proc'): boolean {
  return existsSync(`${procRoot}/uptime`);
}

/** Numeric entries of /proc, i.e. the visible processes (thread-group leaders); [] without procfs. */
export function listPids(procRoot = '/proc'): number[] {
  try {
    return readdirSync(procRoot).filter((e) => /^\d+$/.test(e)).map(Number);
  } catch {
    return [];
  }
}

/** Parsed `/proc/<pid>/stat`, or undefined when the process is gone or /proc is unavailable. */
export function readProcStat(pid: number, procRoot = '/proc'): ProcStatFields | undefined {
  try {
    return parseProcStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resident set size of a process in bytes from /proc, or undefined where /proc is not available. */
export function readRssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a process's argv contains `arg` as a whole argument (or as `--x=arg`). Undefined when /proc is
 * unreadable (another OS, or hidepid), so callers can tell "no" from "cannot know".
 */
export function cmdlineHasArg(pid: number, arg: string): boolean | undefined {
  if (!arg) return undefined;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => a === arg || a.endsWith(`=${arg}`));
  } catch {
    return undefined;
  }
}

/** Pids whose parent is `pid`, from /proc/<n>/stat (Linux only; [] elsewhere). */
export function childPids(pid: number): number[] {
  // A process that exits while we look simply drops out: readProcStat returns undefined for it.
  return listPids().filter((p) => readProcStat(p)?.ppid === pid);
}

/** Whether a URL points at this machine, so local process facts may be read for it. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

/**
 * Running mcp-hub processes (upstream `mcp-hub/dist/cli.js`, the `mcp-hub` bin, or the fork's
 * `src/utils/cli.js`) that share our HOME, and the port each was started with (`--port N` is required).
 */
export function findHubProcesses(
  sameRegistry: { HOME?: string; XDG_STATE_HOME?: string } = process.env, procRoot = '/proc',
): { pid: number; port: number }[] {
  const out: { pid: number; port: number }[] = [];
  for (const pid of listPids(procRoot)) {
    let argv: string[];
    let environ: string[];
    try {
      argv = readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8').split('\0');
      if (!argv.some((a) => /(^|\/)mcp-hub(\/dist\/cli\.js)?$|mcp[-_]hub\/src\/utils\/cli\.js$/.test(a))) continue;
      environ = readFileSync(`${procRoot}/${pid}/environ`, 'utf8').split('\0');
    } catch {
      continue;
    }
    // Only hubs that share our registry (same HOME and XDG_STATE_HOME): those are the ones whose
    // workspaces.json entry we would have read; another user's or another sandbox's hub is not ours.
    const envOf = (k: string) => environ.find((e) => e.startsWith(`${k}=`))?.slice(k.length + 1);
    if (envOf('HOME') !== sameRegistry.HOME || (envOf('XDG_STATE_HOME') || undefined) !== (sameRegistry.XDG_STATE_HOME || undefined)) continue;
    const i = argv.findIndex((a) => a === '--port' || a === '-p' || a.startsWith('--port='));
    const value = i < 0 ? undefined : argv[i]!.startsWith('--port=') ? argv[i]!.slice(7) : argv[i + 1];
    const port = Number(value);
    if (Number.isInteger(port) && port > 0 && port < 65536) out.push({ pid, port });
  }
  return out;
}
