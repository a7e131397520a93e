/**
 * The history database's errors (StoreError, in src/errors.ts with every other user-facing error) as they
 * are met at open: each one line naming the file, the cause and the fix (faults F9).
 */
import { statfsSync, statSync } from 'node:fs';
import { isMonitorError, StoreError } from '../errors.js';
import { isDiskFull } from './write-gate.js';

/** Below this many bytes free the volume is full: SQLite cannot even make its -shm (32 KiB). */
const FULL_BELOW_BYTES = 64 * 1024;

/**
 * Whether opening failed for lack of space: SQLite says so (SQLITE_FULL), or it could not size its -shm or
 * write (an I/O error) on a volume with no room left.
 */
export function isOpenDiskFull(err: unknown, dir: string): boolean {
  if (isDiskFull(err)) return true;
  if (!/^SQLITE_IOERR/.test(String((err as { code?: unknown } | null)?.code))) return false;
  try {
    const st = statfsSync(dir);
    return st.bavail * st.bsize < FULL_BELOW_BYTES;
  } catch {
    return false;
  }
}

export const codeOf = (err: unknown): string => String((err as { code?: unknown } | null)?.code ?? 'error');

/** One line for a history file that is not a file: a directory (or a socket…) named history.sqlite. */
export function checkIsFile(path: string): void {
  let st;
  try { st = statSync(path); } catch { return; } // absent: created or reported as missing elsewhere
  if (!st.isFile()) {
    throw new StoreError('STORE_NOT_FILE', path, `${path}: is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not the history database`,
      { hint: `Move it away (mv ${path} ${path}.bak), then try again.` });
  }
}

/**
 * Why the history cannot be opened, in one line naming the file, the cause and the fix (faults F9), or the
 * error itself when it is none of the known causes.
 */
export function openFailure(err: unknown, path: string, dir: string): unknown {
  if (isMonitorError(err) && err.code.startsWith('STORE_')) return err;
  const code = codeOf(err);
  if (isOpenDiskFull(err, dir)) {
    return new StoreError('STORE_DISK_FULL', path, `disk full at ${path}: cannot open the history database (${code})`,
      { hint: `Free space on the volume of ${dir}, then try again.`, cause: err });
  }
  if (/^SQLITE_READONLY/.test(code)) {
    let mode = '';
    try { const st = statSync(path); mode = ` (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}, owner uid ${st.uid})`; } catch { /* gone */ }
    return new StoreError('STORE_READONLY', path, `${path}: the history database is read-only${mode}, so the daemon cannot write its history`,
      { hint: `Make it writable by the daemon's user (chmod 0600 ${path}), then start it again.`, cause: err });
  }
  if (/^SQLITE_/.test(code)) {
    const hint = /^SQLITE_(BUSY|LOCKED)/.test(code) ? 'Another process holds it locked; stop it, then try again.'
      : /^SQLITE_CANTOPEN/.test(code) ? `Check that it and ${dir} can be read and written by this user (ls -l ${path}).`
        : 'Check its volume (df, dmesg for I/O errors); move the file aside to start a new history.';
    return new StoreError('STORE_UNUSABLE', path, `${path}: cannot open the history database (${code}: ${(err as Error).message})`, { hint, cause: err });
  }
  return err;
}

/** The one line for a damaged database: readers stop here, the daemon moves it aside. */
export const corruptError = (path: string, why: string, cause?: unknown): StoreError => new StoreError('STORE_CORRUPT', path,
  `${path}: the history database is damaged (${why})`,
  { hint: 'The daemon moves it aside and starts a new one at its next start; the old file is kept for recovery.', cause });
