/**
 * The state dir and the files in it (docs/faults.md §4 item 7, B2, B10, D11, D12): a dir that only we can
 * write, refused when it is a symlink, someone else's, group/world-writable or on a network filesystem;
 * files replaced atomically (a reader sees the old or the new content, never a mix); temp files left by a
 * killed writer swept at start.
 */
import {
  accessSync, closeSync, constants, fchmodSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, realpathSync,
  renameSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { StateDirError } from '../errors.js';
import { diskUsage as defaultDiskUsage, type DiskUsage } from '../sources/host.js';

/** Options of ensureStateDir / verifyStateDir. */
export interface StateDirOptions {
  /** Accept NFS/CIFS/9P (`--allow-network-fs`); a warning is returned instead of an error. */
  allowNetworkFs?: boolean;
  /** Injected for tests (docs/faults.md §7.5: "a mocked statfs"). */
  diskUsage?: (path: string) => DiskUsage | { error: string };
  /** Injected for tests; undefined where the platform has no uids. */
  uid?: number;
}

/** What ensureStateDir found: the dir, and things worth a warning that are not worth refusing. */
export interface StateDirInfo {
  dir: string;
  created: boolean;
  warnings: string[];
}

const O_DIR_NOFOLLOW = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * Creates the state dir (and its parents) 0700 whatever the umask, then checks it with verifyStateDir.
 * An existing dir with group/other read bits is tightened to 0700; one that is group/world-writable is
 * refused rather than "fixed", since someone else may already have planted files in it.
 */
export function ensureStateDir(dir: string, opts: StateDirOptions = {}): StateDirInfo {
  const abs = resolve(dir);
  // Before mkdir (statfs measures the nearest existing ancestor): a refused network dir is not even created.
  const warnings = checkFilesystem(abs, opts);
  let created = false;
  try {
    lstatSync(abs);
  } catch {
    try {
      created = mkdirSync(abs, { recursive: true, mode: 0o700 }) !== undefined;
    } catch (err) {
      throw new StateDirError('STATE_DIR_CREATE_FAILED', abs,
        `${abs}: cannot create the state dir (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        { hint: `Create it yourself (mkdir -p -m 0700 ${abs}) or choose another with --state-dir.`, cause: err });
    }
  }
  checkDir(abs, opts, { tighten: true, created });
  return { dir: abs, created, warnings };
}

/**
 * Checks an existing state dir without creating anything (read-only commands): not a symlink, a directory,
 * owned by our uid, not group/world-writable, writable by us unless `readOnly`, and on a local filesystem.
 */
export function verifyStateDir(dir: string, opts: StateDirOptions = {}, mode: { readOnly?: boolean } = {}): StateDirInfo {
  const abs = resolve(dir);
  checkDir(abs, opts, mode);
  return { dir: abs, created: false, warnings: checkFilesystem(abs, opts) };
}

/** The lstat/fstat checks, and the chmod of a dir we made or may tighten. */
function checkDir(abs: string, opts: StateDirOptions, mode: { tighten?: boolean; created?: boolean; readOnly?: boolean }): void {
  let st: Stats;
  try {
    st = lstatSync(abs);
  } catch (err) {
    throw new StateDirError('STATE_DIR_MISSING', abs, `${abs}: the state dir does not exist;`, { hint: 'the daemon creates it at its first start (or pass --state-dir).', cause: err });
  }
  if (st.isSymbolicLink()) {
    let target = '?';
    try { target = realpathSync(abs); } catch { /* dangling link */ }
    throw new StateDirError('STATE_DIR_SYMLINK', abs,
      `${abs}: the state dir is a symlink (to ${target}); a link can be redirected under us (faults D11)`, { hint: `Pass the real directory with --state-dir ${target}.` });
  }
  if (!st.isDirectory()) throw new StateDirError('STATE_DIR_NOT_DIR', abs, `${abs}: not a directory`, { hint: 'Remove it or choose another --state-dir.' });
  const uid = 'uid' in opts ? opts.uid : process.getuid?.();
  const notOwned = (owner: number) => new StateDirError('STATE_DIR_NOT_OWNED', abs,
    `${abs}: the state dir belongs to uid ${owner}, not to us (uid ${uid})`, { hint: `Use a dir of your own with --state-dir, or chown ${uid} ${abs}.` });
  if (uid !== undefined && st.uid !== uid) throw notOwned(st.uid); // before open(): someone else's dir may not even open

  // Open with O_NOFOLLOW and work on the descriptor, so a swap to a symlink after the lstat cannot make
  // fchmod act on someone else's directory. (A directory fd holds no SQLite locks, so closing it is safe.)
  let fd: number;
  try {
    fd = openSync(abs, O_DIR_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new StateDirError('STATE_DIR_SYMLINK', abs, `${abs}: the state dir became a symlink while being checked`, { hint: 'Pass the real directory with --state-dir.', cause: err });
    throw new StateDirError('STATE_DIR_UNWRITABLE', abs, `${abs}: cannot open the state dir (${code})`, { hint: `Fix its permissions (chmod 0700 ${abs}).`, cause: err });
  }
  try {
    const fst = fstatSync(fd);
    if (uid !== undefined && fst.uid !== uid) throw notOwned(fst.uid); // swapped since the lstat
    const perm = fst.mode & 0o777;
    if (perm & 0o022) {
      throw new StateDirError('STATE_DIR_PERMISSIONS', abs,
        `${abs}: the state dir is group- or world-writable (mode 0${perm.toString(8)}), so another user could replace its files`, { hint: `Check its contents, then chmod 0700 ${abs}.` });
    }
    // mkdir's mode is filtered by the umask (0277 would leave it unwritable): set 0700 on a dir we just
    // made; on an existing one only remove bits (0755 → 0700), never add write back to a dir made 0500.
    if (mode.created) fchmodSync(fd, 0o700);
    else if (mode.tighten && perm & 0o077) fchmodSync(fd, perm & 0o700);
    if (!mode.readOnly && (fstatSync(fd).mode & 0o200) === 0 && uid !== 0) {
      throw new StateDirError('STATE_DIR_UNWRITABLE', abs, `${abs}: the state dir is not writable (mode 0${perm.toString(8)})`, { hint: `chmod 0700 ${abs} to let the daemon store history.` });
    }
    if (!mode.readOnly && readOnlyMount(abs)) {
      throw new StateDirError('STATE_DIR_UNWRITABLE', abs, `${abs}: the state dir is on a read-only filesystem`, { hint: 'Remount it read-write, or choose another --state-dir.' });
    }
  } finally {
    closeSync(fd);
  }
}

/** Whether `dir` is on a read-only mount (root too: its permission bits say nothing about that). */
function readOnlyMount(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EROFS';
  }
}

/** Refuses a network filesystem unless allowed (faults B10); returns warnings for the doubtful cases. */
function checkFilesystem(abs: string, opts: StateDirOptions): string[] {
  const warnings: string[] = [];
  const du = (opts.diskUsage ?? defaultDiskUsage)(abs);
  if ('error' in du) {
    warnings.push(`${abs}: cannot tell the filesystem type (${du.error}); SQLite is only safe on a local one.`);
  } else if (du.networkFs) {
    const what = `${abs} is on ${du.fsName ?? 'a network filesystem'}`;
    if (!opts.allowNetworkFs) {
      throw new StateDirError('STATE_DIR_NETWORK_FS', abs,
        `${what}: SQLite's locks are unreliable on network filesystems and the history can be corrupted (faults B10)`,
        { hint: 'Use a local dir with --state-dir, or pass --allow-network-fs to accept the risk.' });
    }
    warnings.push(`${what}; allowed by --allow-network-fs, but SQLite's locks are unreliable there.`);
  } else if (du.maybeNetworkFs) {
    warnings.push(`${abs} is on FUSE (${du.fsName ?? 'fuse'}); if that is a remote filesystem (sshfs, s3fs), SQLite's locks are unreliable there.`);
  }
  return warnings;
}

/** `.<name>.<pid>-<random>.tmp` beside the target: same filesystem (so rename is atomic), matched by the sweep. */
function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Replaces `path` atomically: writes a temp file in the same dir (created with O_EXCL|O_NOFOLLOW, so a
 * planted file or symlink is never written through), fsyncs it, renames it over `path` (which replaces a
 * symlink itself, never its target) and fsyncs the dir. On any error the temp file is removed and the old
 * file is left as it was. Not for the SQLite database, which only SQLite may open.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: { mode?: number } = {}): void {
  const temp = tempNameFor(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined;
  let renamed = false;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    fchmodSync(fd, opts.mode ?? 0o600); // the umask may have removed bits from the open() mode
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd); // the data must be on disk before the rename makes it the file: else a crash leaves it empty
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
    renamed = true;
    fsyncDir(dirname(path));
  } catch (err) {
    if (fd !== undefined) {
      try { closeSync(fd); } catch { /* already failing */ }
    }
    if (!renamed) {
      try { unlinkSync(temp); } catch { /* never created, or already gone */ }
    }
    throw err;
  }
}

/** fsync of a directory, so a rename in it survives a power cut; filesystems that cannot do it are skipped. */
function fsyncDir(dir: string): void {
  const fd = openSync(dir, O_DIR_NOFOLLOW);
  try {
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EBADF') throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes `.*.tmp` files (and symlinks of that name) older than `olderThanMs` from `dir`: leftovers of a
 * writer killed between create and rename (faults B6). Younger ones may belong to a writer still running.
 * Returns the names removed. Never descends into subdirectories.
 */
export function sweepTempFiles(dir: string, olderThanMs = 3_600_000, now = Date.now()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!/^\..+\.tmp$/.test(name)) continue;
    const full = join(dir, name);
    try {
      const st = lstatSync(full); // lstat: a planted symlink is judged (and removed) as the link itself
      if (!st.isFile() && !st.isSymbolicLink()) continue;
      if (now - st.mtimeMs <= olderThanMs) continue;
      unlinkSync(full);
      removed.push(name);
    } catch {
      /* removed by someone else meanwhile */
    }
  }
  return removed;
}
