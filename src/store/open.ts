/**
 * Opening `history.sqlite` (docs/faults.md §4 item 6, B5, D12). The file is only ever opened by SQLite: a
 * plain fs open and close of it would drop SQLite's POSIX locks (sqlite.org/howtocorrupt.html §2.2), so
 * everything here works by path (chmod, rename, stat). A database that fails `quick_check` is renamed
 * `history.sqlite.corrupt-<time>` with its -wal/-shm (never deleted) and a fresh one takes its place.
 */
import Database from 'better-sqlite3';
import { accessSync, chmodSync, constants, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { HISTORY_DB_FILE, historyDbPath } from '../config/paths.js';
import { checkIsFile, codeOf, corruptError, isOpenDiskFull, openFailure } from './errors.js';
import { ensureStateDir, sweepTempFiles, verifyStateDir, type StateDirOptions } from './files.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion, type MigrateHooks, type Migration } from './migrations.js';

/** The database file name inside the state dir. */
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
  /** A reader that could not open the file in place read a copy in memory: why (said by the commands). */
  copiedBecause?: string;
}

/** SQLite result codes that mean "this file is damaged", as opposed to busy, permissions or I/O. */
export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
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
  const path = historyDbPath(dir.dir);
  // File mtimes are real wall time, so the sweep compares with Date.now(), not the injected clock.
  const sweptTempFiles = sweepTempFiles(dir.dir);
  checkIsFile(path);
  let created = !existsSync(path);
  // SQLite opens a file it may not write read-only without a word, and every write would fail later: say it now.
  if (!created && !writable(path)) throw openFailure(Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' }), path, dir.dir);
  let corruptMovedTo: string | undefined;
  let corruptReason: string | undefined;
  let db: Database.Database | undefined;
  try {
    db = openWriter(path, busyMs);
    if (opts.quickCheck !== false) corruptReason = quickCheck(db);
  } catch (err) {
    if (!isCorruptionError(err)) {
      db?.close();
      throw openFailure(err, path, dir.dir); // busy, permissions, I/O, space: the file may be fine, so never move it aside for these
    }
    corruptReason = `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
  if (corruptReason !== undefined) {
    try { db?.close(); } catch { /* a damaged file may fail its closing checkpoint; it is being moved anyway */ }
    corruptMovedTo = moveAside(path, now());
    try {
      db = openWriter(path, busyMs);
    } catch (err) {
      throw openFailure(err, path, dir.dir);
    }
    created = true;
  }
  const live = db as Database.Database;
  try {
    migrate(live, path, opts.migrations ?? MIGRATIONS, opts.migrateHooks);
    privateModes(path); // the first write created the -wal
  } catch (err) {
    live.close();
    throw openFailure(err, path, dir.dir);
  }
  const info: OpenInfo = {
    created, schemaVersion: schemaVersion(live), warnings: dir.warnings, sweptTempFiles,
    ...(corruptMovedTo !== undefined ? { corruptMovedTo, corruptReason } : {}),
  };
  return { db: live, path, info };
}

function openReader(opts: OpenOptions, dirOpts: StateDirOptions, busyMs: number): { db: Database.Database; path: string; info: OpenInfo } {
  const dir = verifyStateDir(opts.stateDir, dirOpts, { readOnly: true });
  const path = historyDbPath(dir.dir);
  if (!existsSync(path)) {
    throw new StoreError('STORE_MISSING', path, `${path}: no history yet;`, { hint: 'it is written by `mcp-hub-monitor daemon`.' });
  }
  checkIsFile(path);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyMs });
    return { db, path, info: checkReadable(db, path, opts, { created: false, schemaVersion: 0, warnings: dir.warnings, sweptTempFiles: [] }) };
  } catch (err) {
    db?.close();
    // A WAL reader needs history.sqlite-shm beside the file; with no daemon running it must create it, and
    // cannot in a read-only dir or on a full volume: read a copy in memory instead.
    const code = codeOf(err);
    const why = code === 'SQLITE_READONLY_DIRECTORY' || (code === 'SQLITE_CANTOPEN' && !writable(dir.dir)) ? `${dir.dir} is not writable`
      : isOpenDiskFull(err, dir.dir) ? `the volume of ${dir.dir} is full` : undefined;
    if (why !== undefined) return openCopy(path, dir.dir, why, opts, dir.warnings, err);
    if (isCorruptionError(err)) throw corruptError(path, `${code}: ${(err as Error).message}`, err);
    throw openFailure(err, path, dir.dir);
  }
}

/** quick_check and the schema version of a reader's database; throws a StoreError saying what is wrong. */
function checkReadable(db: Database.Database, path: string, opts: OpenOptions, info: OpenInfo): OpenInfo {
  const bad = opts.quickCheck === false ? undefined : quickCheck(db);
  if (bad !== undefined) throw corruptError(path, bad);
  const version = schemaVersion(db);
  const latest = (opts.migrations ?? MIGRATIONS).length || LATEST_SCHEMA_VERSION;
  if (version > latest) {
    throw new StoreError('STORE_SCHEMA_NEWER', path, `${path}: schema version ${version} is newer than this mcp-hub-monitor understands (${latest})`, { hint: 'Upgrade mcp-hub-monitor.' });
  }
  if (version < latest) {
    throw new StoreError('STORE_SCHEMA_OLD', path, `${path}: schema version ${version}, this mcp-hub-monitor needs ${latest}`, { hint: 'Start the daemon once to upgrade it.' });
  }
  return { ...info, schemaVersion: version };
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Largest database read into memory when it cannot be opened in place. */
const MAX_COPY_BYTES = 1024 ** 3;

/**
 * Reads the database file into memory and opens that (by path, never through SQLite's own connection: no
 * POSIX lock of ours is dropped). A copy is in rollback-journal mode (bytes 18-19), as memory has no -wal;
 * a -wal left by a killed daemon is not in it, and `copiedBecause` says so.
 */
function openCopy(path: string, dir: string, why: string, opts: OpenOptions, warnings: string[], cause: unknown): { db: Database.Database; path: string; info: OpenInfo } {
  let size = 0;
  try { size = statSync(path).size; } catch { /* read below fails the same way */ }
  if (size > MAX_COPY_BYTES) {
    throw new StoreError('STORE_DIR_READONLY', path,
      `${path}: cannot read the history in place (${why}: SQLite needs to create ${HISTORY_DB_FILE}-shm beside it while no daemon runs), and at ${Math.round(size / 1024 ** 2)} MiB it is too big to read into memory`,
      { hint: `Make ${dir} writable or free space there, or start the daemon.`, cause });
  }
  const bytes = readFileSync(path);
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  let walLeft = false;
  try { walLeft = statSync(`${path}-wal`).size > 0; } catch { /* none */ }
  let db: Database.Database | undefined;
  try {
    db = new Database(bytes, { readonly: true });
    const copiedBecause = `read from a copy in memory: ${why}${walLeft ? `; the writes still in ${HISTORY_DB_FILE}-wal are not in it` : ''}`;
    return { db, path, info: checkReadable(db, path, opts, { created: false, schemaVersion: 0, warnings, sweptTempFiles: [], copiedBecause }) };
  } catch (err) {
    db?.close();
    if (isCorruptionError(err)) throw corruptError(path, `${codeOf(err)}: ${(err as Error).message}`, err);
    throw openFailure(err, path, dir);
  }
}
