/**
 * One daemon per state dir (faults B9): a lock file `<name>.lock` holding the owner's pid. A lock whose
 * pid is dead (or alive but not a node process: the pid was reused) is stale and taken over, so a SIGKILL
 * never leaves the state dir locked for good.
 */
import {
  closeSync, constants, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { MonitorError } from '../errors.js';
import { isLiveNodeProcess, readLock, type LockInfo } from './lock-file.js';

export { isLiveNodeProcess, readLock, type LockInfo };


/** A lock we hold. */
export interface LockHandle {
  path: string;
  info: LockInfo;
  /** Removes the lock file if it is still ours (someone may have judged it stale and taken it over). */
  release(): void;
}

/** The lock is held by a live process; the message names it and says how to stop it. */
export class LockHeldError extends MonitorError {
  constructor(readonly path: string, readonly holder: LockInfo | undefined) {
    const who = holder
      ? `pid ${holder.pid} on ${holder.hostname}, since ${new Date(holder.startedAt).toISOString()}`
      : 'another process';
    super('LOCK_HELD', `${path}: held by ${who}`, {
      hint: `Another mcp-hub-monitor daemon is using this state dir; stop it first${holder ? ` (kill ${holder.pid}, or systemctl --user stop mcp-hub-monitor)` : ''}, or use another --state-dir.`,
    });
  }
}

/** Dependencies that tests replace. */
export interface LockDeps {
  now?: () => number;
  hostname?: string;
  pid?: number;
  /** Whether `pid` is a live process that may be a daemon; defaults to kill(pid, 0) plus /proc/<pid>/cmdline. */
  isLiveHolder?: (pid: number) => boolean;
}

const same = (a: LockInfo, b: LockInfo): boolean =>
  a.pid === b.pid && a.startedAt === b.startedAt && a.hostname === b.hostname && a.token === b.token;

/**
 * Takes `<stateDir>/<name>.lock`, or throws LockHeldError naming the live holder. The content is written
 * to a temp file (O_EXCL|O_NOFOLLOW) and hard-linked into place, so the lock appears complete or not at
 * all: a reader never sees a half-written lock and mistakes it for garbage. A stale lock is taken over
 * once (then the next attempt either wins or meets the new live holder).
 */
export function acquireLock(stateDir: string, name = 'daemon', deps: LockDeps = {}, about: Pick<LockInfo, 'configFile' | 'pollOnly'> = {}): LockHandle {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new TypeError(`lock name ${JSON.stringify(name)}: letters, digits, '.', '_' and '-' only`);
  const path = join(stateDir, `${name}.lock`);
  const info: LockInfo = {
    pid: deps.pid ?? process.pid,
    startedAt: (deps.now ?? Date.now)(),
    hostname: deps.hostname ?? osHostname(),
    token: randomBytes(8).toString('hex'),
    ...about,
  };
  const isLive = deps.isLiveHolder ?? isLiveNodeProcess;
  let tookOver = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path, info)) return handle(path, info);
    const holder = readLock(path);
    if (holder === 'absent') continue; // released between our attempt and our look: try again
    // Only a lock of this host can be judged by pid; one from elsewhere (shared disk) is trusted as held.
    if (holder && (holder.hostname !== info.hostname || isLive(holder.pid))) throw new LockHeldError(path, holder);
    if (tookOver) throw new LockHeldError(path, holder); // stale takeover is tried once, as a race loser we stop
    takeOverStale(path, holder);
    tookOver = true;
  }
  const holder = readLock(path);
  throw new LockHeldError(path, holder === 'absent' ? undefined : holder);
}

/** Creates the lock atomically; false when it already exists. */
function tryCreate(path: string, info: LockInfo): boolean {
  // A dot name ending in .tmp: the start-up sweep removes it if we are killed before the unlink below.
  const temp = join(dirname(path), `.${basename(path)}.${info.pid}-${info.token}.tmp`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${JSON.stringify(info)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path); // fails with EEXIST whatever `path` is (file, symlink, dangling link): never follows it
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    try { unlinkSync(temp); } catch { /* gone */ }
  }
}

/**
 * Moves a stale lock out of the way. Renaming (atomic) rather than unlinking means two processes that both
 * judged it stale cannot both remove it: the second rename finds nothing. If what we moved turns out not to
 * be the stale lock we judged (someone took over in between), it is put back.
 */
function takeOverStale(path: string, judged: LockInfo | undefined): void {
  const aside = join(dirname(path), `.${basename(path)}.stale-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    renameSync(path, aside);
  } catch {
    return; // already moved by another process
  }
  const moved = readLock(aside);
  const wasJudged = judged === undefined ? moved === undefined : moved !== undefined && moved !== 'absent' && same(moved, judged);
  if (!wasJudged) {
    try { linkSync(aside, path); } catch { /* a third process holds it now; it stays the holder */ }
  }
  try { unlinkSync(aside); } catch { /* gone */ }
}

function handle(path: string, info: LockInfo): LockHandle {
  let released = false;
  return {
    path,
    info,
    release() {
      if (released) return;
      released = true;
      const cur = readLock(path);
      if (cur !== 'absent' && cur !== undefined && same(cur, info)) {
        try { unlinkSync(path); } catch { /* gone */ }
      }
    },
  };
}
