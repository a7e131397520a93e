import {
  chmodSync, closeSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, truncateSync,
  utimesSync, writeFileSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { StoreError } from '../errors.js';
import { HISTORY_DB_FILE } from '../config/paths.js';
import { isCorruptionError } from './open.js';
import { Store } from './store.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { LINUX, NOT_ROOT, ROOT, skipNow, skipUnless } from '../../test/support/requires.js';
import { spawnSync } from 'node:child_process';

const roots: string[] = [];
const open: Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function stateDir(): string {
  const r = mkdtempSync(join(tmpdir(), 'store-open-'));
  roots.push(r);
  return join(r, 'state');
}
function track(s: Store): Store {
  open.push(s);
  return s;
}
const mode = (p: string): number => lstatSync(p).mode & 0o777;
const T0 = Date.UTC(2026, 10, 25, 6, 0, 0);

/** A cleanly closed store holding `n` samples (≈ 25 bytes each), so its middle pages are sample pages. */
function filledStore(dir: string, n = 60_000): void {
  const s = Store.open({ stateDir: dir });
  const rows = Array.from({ length: n }, (_, i) => ({ hub: 'h', name: `m${i % 30}`, t: T0 + Math.floor(i / 30) * 5000, v: i * 0.37 }));
  s.insertSamples(rows);
  s.close(); // the last connection checkpoints and removes the -wal: everything is in the main file
}

/** Deterministic noise, so a failure reproduces. */
function noise(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  let x = seed;
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
function overwrite(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+'); // a copy nobody has open in SQLite: plain fs is fine here
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

describe('Store.open: files and modes (faults D12)', () => {
  test('under umask 000 the dir is 0700 and history.sqlite, -wal and -shm are 0600', () => {
    const dir = stateDir();
    const old = process.umask(0o000);
    try {
      const s = track(Store.open({ stateDir: dir }));
      s.insertSamples([{ hub: 'h', name: 'n', t: 1, v: 1 }]);
      expect(s.openInfo).toMatchObject({ created: true, schemaVersion: LATEST_SCHEMA_VERSION });
      expect(mode(dir)).toBe(0o700);
      for (const f of [HISTORY_DB_FILE, `${HISTORY_DB_FILE}-wal`, `${HISTORY_DB_FILE}-shm`]) expect([f, mode(join(dir, f))]).toEqual([f, 0o600]);
      s.close();
      // A later run recreates -wal and -shm: SQLite gives them the database file's mode, whatever the umask.
      const again = track(Store.open({ stateDir: dir }));
      again.insertSamples([{ hub: 'h', name: 'n', t: 2, v: 1 }]);
      expect(again.openInfo.created).toBe(false);
      for (const f of [HISTORY_DB_FILE, `${HISTORY_DB_FILE}-wal`, `${HISTORY_DB_FILE}-shm`]) expect([f, mode(join(dir, f))]).toEqual([f, 0o600]);
    } finally {
      process.umask(old);
    }
  });

  test('WAL, synchronous=NORMAL, busy_timeout 5000, foreign keys off, checkpoint every 4000 pages', () => {
    const s = track(Store.open({ stateDir: stateDir() }));
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('synchronous', { simple: true })).toBe(1);
    expect(s.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(0);
    expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
  });

  test('temporary tables and sorts in memory, writer and reader alike: no etilqs_* file in TMPDIR', () => {
    const dir = stateDir();
    const w = track(Store.open({ stateDir: dir }));
    const r = track(Store.open({ stateDir: dir, readOnly: true }));
    expect(w.db.pragma('temp_store', { simple: true })).toBe(2); // 2 = MEMORY
    expect(r.db.pragma('temp_store', { simple: true })).toBe(2);
  });

  test('stale temp files in the state dir are swept at open; young ones kept', () => {
    const dir = stateDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, '.old.tmp'), 'x');
    const past = (Date.now() - 7_200_000) / 1000;
    utimesSync(join(dir, '.old.tmp'), past, past);
    writeFileSync(join(dir, '.young.tmp'), 'x');
    const s = track(Store.open({ stateDir: dir }));
    expect(s.openInfo.sweptTempFiles).toEqual(['.old.tmp']);
    expect(existsSync(join(dir, '.young.tmp'))).toBe(true);
  });

  test('a state dir on a network filesystem is refused before anything is created (B10)', () => {
    const dir = stateDir();
    const nfs = (path: string) => ({ path, checkedPath: path, totalBytes: 1, freeBytes: 1, availBytes: 1, availRatio: 1, fsType: 0x6969, networkFs: true, maybeNetworkFs: false, fsName: 'nfs' });
    expect(() => Store.open({ stateDir: dir, diskUsage: nfs })).toThrow(/nfs.*--allow-network-fs/);
    expect(existsSync(dir)).toBe(false);
    track(Store.open({ stateDir: dir, diskUsage: nfs, allowNetworkFs: true }));
  });
});

describe('Store.open: a corrupt database is moved aside (faults B5)', () => {
  const damage: [string, (p: string) => void][] = [
    ['4 KB overwritten in the middle', (p) => overwrite(p, Math.floor(statSync(p).size / 2 / 4096) * 4096, noise(4096, 7))],
    ['truncated to half', (p) => truncateSync(p, Math.floor(statSync(p).size / 2))],
    ['garbage in the header', (p) => overwrite(p, 0, noise(100, 11))],
  ];

  test.each(damage)('%s: renamed history.sqlite.corrupt-<time>, kept byte for byte, a fresh database opened', (_name, hurt) => {
    const dir = stateDir();
    const template = stateDir();
    filledStore(template);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    copyFileSync(join(template, HISTORY_DB_FILE), join(dir, HISTORY_DB_FILE));
    hurt(join(dir, HISTORY_DB_FILE));
    const damaged = readFileSync(join(dir, HISTORY_DB_FILE));

    const s = track(Store.open({ stateDir: dir, now: () => Date.UTC(2026, 10, 25, 7, 8, 9, 10) }));
    expect(s.openInfo.created).toBe(true);
    expect(s.openInfo.corruptMovedTo).toBe(join(dir, `${HISTORY_DB_FILE}.corrupt-2026-11-25T07-08-09.010Z`));
    expect(s.openInfo.corruptReason).toBeTruthy();
    expect(readFileSync(s.openInfo.corruptMovedTo as string).equals(damaged)).toBe(true);
    expect(s.listSeries()).toEqual([]);
    expect(s.integrityCheck()).toBe('ok');
    s.insertSamples([{ hub: 'h', name: 'n', t: 1, v: 1 }]);
    expect(s.lastSampleTime()).toBe(1);
  });

  test('a second corrupt file at the same moment gets its own name; nothing is overwritten', () => {
    const dir = stateDir();
    const now = () => Date.UTC(2026, 0, 1);
    for (let i = 0; i < 2; i++) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, HISTORY_DB_FILE), noise(8192, i + 1));
      Store.open({ stateDir: dir, now }).close();
      rmSync(join(dir, HISTORY_DB_FILE));
    }
    expect(readdirSync(dir).filter((f) => f.includes('corrupt')).sort())
      .toEqual([`${HISTORY_DB_FILE}.corrupt-2026-01-01T00-00-00.000Z`, `${HISTORY_DB_FILE}.corrupt-2026-01-01T00-00-00.000Z-1`]);
  });

  test('-wal and -shm deleted while stopped: not corruption; the file opens with what was checkpointed', () => {
    const dir = stateDir();
    const s = Store.open({ stateDir: dir });
    s.insertSamples([{ hub: 'h', name: 'n', t: 1, v: 1 }]);
    s.checkpoint('TRUNCATE');
    s.insertSamples([{ hub: 'h', name: 'n', t: 2, v: 2 }]); // only in the -wal
    const copy = stateDir();
    mkdirSync(copy, { recursive: true, mode: 0o700 });
    // As if killed, then -wal and -shm deleted. (Reading a live database with fs drops this process's SQLite
    // locks on it; harmless here only because no other connection exists. Production code never does it.)
    copyFileSync(join(dir, HISTORY_DB_FILE), join(copy, HISTORY_DB_FILE));
    s.close();
    const c = track(Store.open({ stateDir: copy }));
    expect(c.openInfo.corruptMovedTo).toBeUndefined();
    expect(c.integrityCheck()).toBe('ok');
    expect(c.lastSampleTime()).toBe(1);
  });

  test('isCorruptionError tells damage from busy and I/O', () => {
    expect(isCorruptionError({ code: 'SQLITE_CORRUPT' })).toBe(true);
    expect(isCorruptionError({ code: 'SQLITE_CORRUPT_INDEX' })).toBe(true);
    expect(isCorruptionError({ code: 'SQLITE_NOTADB' })).toBe(true);
    expect(isCorruptionError({ code: 'SQLITE_BUSY' })).toBe(false);
    expect(isCorruptionError({ code: 'SQLITE_IOERR_READ' })).toBe(false);
    expect(isCorruptionError(null)).toBe(false);
  });
});

describe('Store.open read-only (one-shot commands)', () => {
  function code(fn: () => unknown): string {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(StoreError);
      return (err as StoreError).code;
    }
    throw new Error('expected a StoreError');
  }

  test('reads what the writer wrote, and refuses to write', () => {
    const dir = stateDir();
    const w = track(Store.open({ stateDir: dir }));
    w.insertSamples([{ hub: 'h', name: 'n', t: 5, v: 1 }]);
    const r = track(Store.open({ stateDir: dir, readOnly: true }));
    expect(r.readOnly).toBe(true);
    expect(r.lastSampleTime('h')).toBe(5);
    expect(() => r.insertSamples([{ hub: 'h', name: 'n', t: 6, v: 1 }])).toThrow(/read-only/);
    expect(() => r.db.exec('DELETE FROM samples')).toThrow();
  });

  test('a missing state dir or database is STORE_MISSING/STATE_DIR_MISSING and nothing is created', () => {
    const dir = stateDir();
    expect(() => Store.open({ stateDir: dir, readOnly: true })).toThrow(/does not exist/);
    expect(existsSync(dir)).toBe(false);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    expect(code(() => Store.open({ stateDir: dir, readOnly: true }))).toBe('STORE_MISSING');
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a corrupt database is STORE_CORRUPT and stays where it is', () => {
    const dir = stateDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, HISTORY_DB_FILE), noise(8192, 3));
    expect(code(() => Store.open({ stateDir: dir, readOnly: true }))).toBe('STORE_CORRUPT');
    expect(readdirSync(dir)).toEqual([HISTORY_DB_FILE]);
  });

  test('an unwritable state dir with no daemon running is read from a copy in memory, which says so (faults B3, F9)', skipUnless(NOT_ROOT), () => {
    const dir = stateDir();
    const w = Store.open({ stateDir: dir });
    w.insertSamples([{ hub: 'h', name: 'n', t: 5, v: 1 }]);
    w.close();
    chmodSync(dir, 0o500);
    try {
      const r = track(Store.open({ stateDir: dir, readOnly: true }));
      expect(r.lastSampleTime('h')).toBe(5);
      expect(r.openInfo.copiedBecause).toBe(`read from a copy in memory: ${dir} is not writable`);
      expect(readdirSync(dir)).toEqual([HISTORY_DB_FILE]);
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  test('a read-only mount with no daemon running is read from a copy in memory (faults F9)', skipUnless(ROOT, LINUX), (ctx) => {
    const dir = stateDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', dir]).status !== 0) skipNow(ctx, 'mount -t tmpfs failed: needs a kernel and container that allow it');
    try {
      const w = Store.open({ stateDir: dir });
      w.insertSamples([{ hub: 'h', name: 'n', t: 5, v: 1 }]);
      w.close();
      expect(spawnSync('mount', ['-o', 'remount,ro', dir]).status).toBe(0);
      const r = Store.open({ stateDir: dir, readOnly: true });
      try {
        expect(r.lastSampleTime('h')).toBe(5);
        expect(r.openInfo.copiedBecause).toMatch(/^read from a copy in memory: .* is not writable$/);
      } finally {
        r.close();
      }
    } finally {
      spawnSync('umount', ['-l', dir]);
    }
  });

  test('a directory named history.sqlite is STORE_NOT_FILE for readers and the writer: one line naming it and the fix (faults F9)', () => {
    const dir = stateDir();
    mkdirSync(join(dir, HISTORY_DB_FILE), { recursive: true });
    chmodSync(dir, 0o700);
    for (const readOnly of [true, false]) {
      expect(code(() => Store.open({ stateDir: dir, readOnly }))).toBe('STORE_NOT_FILE');
      expect(() => Store.open({ stateDir: dir, readOnly })).toThrow(`${join(dir, HISTORY_DB_FILE)}: is a directory, not the history database. Move it away (mv ${join(dir, HISTORY_DB_FILE)} ${join(dir, HISTORY_DB_FILE)}.bak), then try again.`);
    }
  });

  test('a history file the writer may not write is STORE_READONLY at open, not a failed write later (faults F9)', skipUnless(NOT_ROOT), () => {
    const dir = stateDir();
    Store.open({ stateDir: dir }).close();
    chmodSync(join(dir, HISTORY_DB_FILE), 0o400);
    expect(code(() => Store.open({ stateDir: dir }))).toBe('STORE_READONLY');
    expect(() => Store.open({ stateDir: dir })).toThrow(/history\.sqlite: the history database is read-only \(mode 0400, owner uid \d+\), so the daemon cannot write its history\. Make it writable .*\(chmod 0600 .*\)/);
    track(Store.open({ stateDir: dir, readOnly: true })); // reading it is fine
  });

  test('an old schema is STORE_SCHEMA_OLD: a reader never migrates', () => {
    const dir = stateDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const db = new Database(join(dir, HISTORY_DB_FILE));
    db.exec('CREATE TABLE unrelated (x)');
    db.close();
    expect(code(() => Store.open({ stateDir: dir, readOnly: true }))).toBe('STORE_SCHEMA_OLD');
  });
});
