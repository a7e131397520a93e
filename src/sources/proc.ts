/** Minimal /proc readers for one-shot commands (issue B grows this into the full process sampler). */
import { readFileSync, readdirSync } from 'node:fs';

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
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces; fields after the last ")" are fixed.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[1]) === pid) out.push(Number(e));
    } catch {
      /* the process exited while we looked */
    }
  }
  return out;
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
