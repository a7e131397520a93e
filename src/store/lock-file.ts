/**
 * Reading a lock file, apart from taking one: `check --expect-daemon` reads the daemon's lock on the lean
 * path, without what taking a lock needs (crypto, links).
 */
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { isPidAlive } from '../sources/proc.js';

/** What a lock file holds. `token` tells our lock from another one with the same pid and start time. */
export interface LockInfo {
  pid: number;
  startedAt: number;
  hostname: string;
  token: string;
  /** The config file the daemon runs (absolute), so `reload` and `status` know which file that is. */
  configFile?: string;
  /** Started with --no-sse: what `status` reads of it (log lines come only on the event stream) depends on it. */
  pollOnly?: boolean;
}

/**
 * Whether `pid` is alive and, where /proc is readable, runs node. A dead pid, or one reused by some other
 * program, cannot be holding our lock. Without /proc (macOS) a live pid is trusted.
 */
export function isLiveNodeProcess(pid: number): boolean {
  if (!isPidAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch (err) {
    // ENOENT: it exited between the two looks. Anything else (no procfs, hidepid): cannot tell, so trust it.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  const argv0 = cmdline.split('\0')[0] ?? '';
  return /(^|\/)(node|nodejs)[\d.]*$/.test(argv0) || argv0 === process.execPath || /mcp-hub-monitor/.test(cmdline);
}

/** Reads a lock file without following a symlink; undefined when absent, unreadable or not ours in shape. */
export function readLock(path: string): LockInfo | undefined | 'absent' {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : undefined; // ELOOP: a planted symlink
  }
  try {
    const v: unknown = JSON.parse(readFileSync(fd, 'utf8'));
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (!Number.isInteger(o.pid) || typeof o.startedAt !== 'number' || typeof o.hostname !== 'string') return undefined;
    return {
      pid: o.pid as number, startedAt: o.startedAt, hostname: o.hostname, token: typeof o.token === 'string' ? o.token : '',
      ...(typeof o.configFile === 'string' ? { configFile: o.configFile } : {}),
      ...(o.pollOnly === true ? { pollOnly: true } : {}),
    };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

