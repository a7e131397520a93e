/**
 * Opening `history.sqlite` (docs/faults.md §4 item 6, B5, D12). The file is only ever opened by SQLite: a
 * plain fs open and close of it would drop SQLite's POSIX locks (sqlite.org/howtocorrupt.html §2.2), so
 * everything here works by path (chmod, rename, stat). A database that fails `quick_check` is renamed
 * `history.sqlite.corrupt-<time>` with its -wal/-shm (never deleted) and a fresh one takes its place.
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync, renameSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './errors.js';
import { isDiskFull } from './write-gate.js';
import { ensureStateDir, sweepTempFiles, verifyStateDir, type StateDirOptions } from './files.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion, type MigrateHooks, type Migration } from './migrations.js';

/** The database file name inside the state dir. */
export const DB_FILE = 'history.sqlite';
/** SQLite's companion files, which follow the database wherever it goes. */
const SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

/** Options of openDatabase (Store.open passes its own through). */
export interface OpenOptions extends StateDirOptions {
  stateDir: string;
  /** Wall clock, used to name a corrupt file. */
  now?: () => number;
  /** One-shot readers: open an existing database read-only; never create or move anything. */
  readOnly?: boolean;
  /** How long a statement waits for another connection's lock before SQLITE_BUSY (default 5000). */
  busyTimeoutMs?: number;
  /** Run `PRAGMA quick_check` at open (default true). It reads the whole file: ~0.5 s per 100 MB. */
  quickCheck?: boolean;
  /** Tests only: another migration list, and hooks into it. */
  migrations?: readonly Migration[];
  migrateHooks?: MigrateHooks;
}

/** What opening found and did. */
export interface OpenInfo {
  /** A new database file was created (first start, or after moving a corrupt one aside). */
  created: boolean;
  /** Where a corrupt database was moved (raise StorageCorrupted once and record it). */
  corruptMovedTo?: string;
  /** What quick_check or SQLite said about it. */
  corruptReason?: string;
  schemaVersion: number;
  /** State-dir warnings (FUSE, --allow-network-fs) for the log. */
  warnings: string[];
  /** Stale `.*.tmp` files removed from the state dir. */
  sweptTempFiles: string[];
}

/** SQLite result codes that mean "this file is damaged", as opposed to busy, permissions or I/O. */
export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

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

/** The one-line error for a volume too full to open the history on. */
function diskFullError(path: string, dir: string, err: unknown): StoreError {
  const code = String((err as { code?: unknown }).code ?? 'ENOSPC');
  return new StoreError('STORE_DISK_FULL', path, `disk full at ${path}: cannot open the history database (${code}). Free space on the volume of ${dir}, then try again.`, { cause: err });
}

/** quick_check's verdict: undefined when the file is sound, else the first problems it reports. */
function quickCheck(db: Database.Database): string | undefined {
  const rows = db.pragma('quick_check(20)') as { quick_check: string }[];
  return rows.length === 1 && rows[0]?.quick_check === 'ok' ? undefined : rows.map((r) => r.quick_check).join('; ');
}

/** Runs `fn` with the process umask at 077, so SQLite creates the file 0600 (faults D12). */
function withPrivateUmask<T>(fn: () => T): T {
  let old: number | undefined;
  try {
    old = process.umask(0o077);
  } catch {
    /* worker threads cannot change the umask; the chmod after opening still applies */
  }
  try {
    return fn();
  } finally {
    if (old !== undefined) process.umask(old);
  }
}

/** chmod 0600 by path (never open): SQLite creates -wal and -shm with the database's mode, so fix that first. */
function privateModes(path: string): void {
  for (const p of [path, ...SIDE_FILES.map((s) => path + s)]) {
    try { chmodSync(p, 0o600); } catch { /* side file absent */ }
  }
}

function openWriter(path: string, busyTimeoutMs: number): Database.Database {
  return withPrivateUmask(() => {
    const db = new Database(path, { timeout: busyTimeoutMs });
    try {
      privateModes(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL'); // in WAL, a process crash loses nothing committed; a power cut, the last moments
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      db.pragma('foreign_keys = OFF');
      // Checkpoint every 4000 pages (16 MB) rather than 1000: a poll dirties one tail page per series, the
      // same pages poll after poll, and each checkpoint fsyncs. Measured (bench/store.mjs): 1.3–2× the
      // ingest rate of 30-row transactions. journal_size_limit trims the -wal after a checkpoint.
      db.pragma('wal_autocheckpoint = 4000');
      db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  });
}

/** Renames the database and its side files to `<path>.corrupt-<time>[-n]`; returns the new main name. */
function moveAside(path: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/:/g, '-');
  let target = `${path}.corrupt-${stamp}`;
  for (let n = 1; existsSync(target); n++) target = `${path}.corrupt-${stamp}-${n}`;
  renameSync(path, target);
  for (const s of SIDE_FILES) {
    // The -wal may hold committed transactions: it keeps SQLite's naming, so opening the copy still reads it.
    if (existsSync(path + s)) renameSync(path + s, target + s);
  }
  return target;
}

/**
 * Opens (creating when needed) the history database in `stateDir`: WAL, synchronous=NORMAL,
 * busy_timeout 5 s, files 0600, quick_check (a corrupt file is moved aside and a fresh one created),
 * schema migrated. Read-only: the file must exist, be sound and be of the current schema.
 */
export function openDatabase(opts: OpenOptions): { db: Database.Database; path: string; info: OpenInfo } {
  const now = opts.now ?? Date.now;
  const busyMs = Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5_000));
  const dirOpts: StateDirOptions = { allowNetworkFs: opts.allowNetworkFs, diskUsage: opts.diskUsage, ...('uid' in opts ? { uid: opts.uid } : {}) };
  if (opts.readOnly) return openReader(opts, dirOpts, busyMs);

  const dir = ensureStateDir(opts.stateDir, dirOpts);
  const path = join(dir.dir, DB_FILE);
  // File mtimes are real wall time, so the sweep compares with Date.now(), not the injected clock.
  const sweptTempFiles = sweepTempFiles(dir.dir);
  let created = !existsSync(path);
  let corruptMovedTo: string | undefined;
  let corruptReason: string | undefined;
  let db: Database.Database | undefined;
  try {
    db = openWriter(path, busyMs);
    if (opts.quickCheck !== false) corruptReason = quickCheck(db);
  } catch (err) {
    if (!isCorruptionError(err)) {
      db?.close();
      if (isOpenDiskFull(err, dir.dir)) throw diskFullError(path, dir.dir, err);
      throw err; // busy, permissions, I/O: the file may be fine, so never move it aside for these
    }
    corruptReason = `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
  if (corruptReason !== undefined) {
    try { db?.close(); } catch { /* a damaged file may fail its closing checkpoint; it is being moved anyway */ }
    corruptMovedTo = moveAside(path, now());
    db = openWriter(path, busyMs);
    created = true;
  }
  const live = db as Database.Database;
  try {
    migrate(live, path, opts.migrations ?? MIGRATIONS, opts.migrateHooks);
    privateModes(path); // the first write created the -wal
  } catch (err) {
    live.close();
    if (isOpenDiskFull(err, dir.dir)) throw diskFullError(path, dir.dir, err);
    throw err;
  }
  const info: OpenInfo = {
    created, schemaVersion: schemaVersion(live), warnings: dir.warnings, sweptTempFiles,
    ...(corruptMovedTo !== undefined ? { corruptMovedTo, corruptReason } : {}),
  };
  return { db: live, path, info };
}

function openReader(opts: OpenOptions, dirOpts: StateDirOptions, busyMs: number): { db: Database.Database; path: string; info: OpenInfo } {
  const dir = verifyStateDir(opts.stateDir, dirOpts, { readOnly: true });
  const path = join(dir.dir, DB_FILE);
  if (!existsSync(path)) {
    throw new StoreError('STORE_MISSING', path, `${path}: no history yet; it is written by \`mcp-hub-monitor daemon\`.`);
  }
  const corrupt = (why: string, cause?: unknown): StoreError => new StoreError('STORE_CORRUPT', path,
    `${path}: the history database is damaged (${why}). The daemon moves it aside and starts a new one at its next start; the old file is kept for recovery.`, { cause });
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyMs });
    const bad = opts.quickCheck === false ? undefined : quickCheck(db);
    if (bad !== undefined) throw corrupt(bad);
    const version = schemaVersion(db);
    const latest = (opts.migrations ?? MIGRATIONS).length || LATEST_SCHEMA_VERSION;
    if (version > latest) {
      throw new StoreError('STORE_SCHEMA_NEWER', path, `${path}: schema version ${version} is newer than this mcp-hub-monitor understands (${latest}). Upgrade mcp-hub-monitor.`);
    }
    if (version < latest) {
      throw new StoreError('STORE_SCHEMA_OLD', path, `${path}: schema version ${version}, this mcp-hub-monitor needs ${latest}. Start the daemon once to upgrade it.`);
    }
    return { db, path, info: { created: false, schemaVersion: version, warnings: dir.warnings, sweptTempFiles: [] } };
  } catch (err) {
    db?.close();
    if ((err as { code?: unknown }).code === 'SQLITE_READONLY_DIRECTORY') {
      // A WAL reader needs history.sqlite-shm; with no daemon running it must create it, and cannot here.
      throw new StoreError('STORE_DIR_READONLY', path,
        `${path}: cannot read the history: its dir is not writable, and SQLite needs to create ${DB_FILE}-shm beside it while no daemon runs. Make it writable (chmod 0700 ${dir.dir}) or start the daemon.`, { cause: err });
    }
    if (isCorruptionError(err)) throw corrupt(`${(err as { code: string }).code}: ${(err as Error).message}`, err);
    throw err;
  }
}
