/**
 * Whether the daemon's store takes writes, and the one gate every daemon write goes through (issue I,
 * faults F1, F2). The daemon must not go blind when SQLite refuses: a refused write is kept in memory by its
 * caller (write buffer, alert pipeline, outbox) and this gate says so, once per episode, in the log, in
 * `store-write.json` beside the store (the last *successful* write, for `check` and `status`), in /metrics
 * and through the `monitor.store` alert. While writes fail, they are retried with backoff (each retry
 * first gives SQLite a chance to reclaim its -wal) and everything kept is flushed once one succeeds.
 */
import { closeSync, constants, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/files.js';
import { isDiskFull, isStoreRefusal, refusalText, type WriteGate, type WriteOutcome } from '../store/write-gate.js';
import type { Clock } from '../model/clock.js';
import type { Logger } from './collector.js';
import { STORE_WRITE_FILE, type StoreWriteStatus } from './store-write-status.js';

export interface StoreHealthDeps {
  /** The database file, for the messages. */
  dbPath: string;
  stateDir: string;
  clock: Pick<Clock, 'now' | 'monotonic'>;
  log: Logger;
  /** The last successful write before this run (the previous file, or the newest stored row). */
  lastSuccessAt?: number;
}

export const RETRY_BASE_MS = 1_000;
export const RETRY_CAP_MS = 5_000;
/** While writes succeed, the file is rewritten at most this often (check's staleness is a minute at least). */
const NOTE_EVERY_MS = 10_000;
/** The note is always this long (padded), so it can be rewritten in place when the disk is full. */
const NOTE_BYTES = 1_024;

export class StoreHealth implements WriteGate {
  /** Refused write attempts since the daemon started. */
  failures = 0;
  /** Epoch ms of the last committed write. */
  lastSuccessAt: number | undefined;
  /** Epoch ms of the first refusal of the current episode; undefined while writing works. */
  failingSince: number | undefined;
  lastError: string | undefined;
  private diskFull = false;
  /** Whether the last refusal was for space or I/O, which a checkpoint may help (a busy store it cannot). */
  private reclaimable = false;
  private backoffMs = 0;
  private retryAt = 0;
  private notedAt = -Infinity;
  /** Called (later, not inside the write that succeeded) each time writing works again after failing. */
  onRecovered: (() => void) | undefined;
  /** After a refusal for lack of space (or an I/O error), and before each retry: let SQLite give space back (checkpoint and truncate the -wal). */
  reclaim: (() => void) | undefined;

  constructor(private readonly deps: StoreHealthDeps) {
    this.lastSuccessAt = deps.lastSuccessAt;
  }

  get failing(): boolean {
    return this.failingSince !== undefined;
  }

  attempt<T>(fn: () => T): WriteOutcome<T> {
    if (this.failing) {
      if (this.deps.clock.monotonic() < this.retryAt) return { ok: false };
      this.reclaimSpace(); // the space may have come back since: give the -wal's to the volume before writing
    }
    let value: T;
    try {
      value = fn();
    } catch (err) {
      if (!isStoreRefusal(err)) throw err;
      this.refused(err);
      return { ok: false };
    }
    this.succeeded();
    return { ok: true, value };
  }

  /** What the store says now, in one sentence (for the monitor.store alert, status and the log). */
  describe(): string {
    if (!this.failing) return `the history at ${this.deps.dbPath} is written`;
    const fix = this.diskFull ? '; free space on its volume, the daemon resumes by itself' : '';
    return `${this.diskFull ? 'disk full at' : 'cannot write'} ${this.deps.dbPath} since ${new Date(this.failingSince!).toISOString()} (${this.lastError})${fix}`;
  }

  /** Writes the note file now (at a clean stop). */
  flushNote(): void {
    this.note(true);
  }

  private succeeded(): void {
    const now = this.deps.clock.now();
    this.lastSuccessAt = now;
    if (!this.failing) {
      this.note(false);
      return;
    }
    this.deps.log.info({ path: this.deps.dbPath, failedForMs: now - this.failingSince!, failures: this.failures }, 'the history is written again');
    this.failingSince = undefined;
    this.lastError = undefined;
    this.diskFull = false;
    this.backoffMs = 0;
    this.note(true);
    // Not inside the write that just succeeded: the listeners write too.
    queueMicrotask(() => this.onRecovered?.());
  }

  private reclaimSpace(): void {
    if (!this.reclaimable) return;
    try { this.reclaim?.(); } catch { /* best effort: the next write says whether it helped */ }
  }

  private refused(err: unknown): void {
    this.failures++;
    this.lastError = refusalText(err);
    this.diskFull = isDiskFull(err);
    this.reclaimable = this.diskFull || /^SQLITE_IOERR/.test((err as { code?: string }).code ?? '');
    this.reclaimSpace();
    this.backoffMs = Math.min(RETRY_CAP_MS, this.backoffMs ? this.backoffMs * 2 : RETRY_BASE_MS);
    this.retryAt = this.deps.clock.monotonic() + this.backoffMs;
    if (this.failing) return;
    this.failingSince = this.deps.clock.now();
    // Once per episode: what, where, and that the daemon goes on watching.
    this.deps.log.error({ path: this.deps.dbPath, error: this.lastError },
      `${this.diskFull ? `disk full at ${this.deps.dbPath}` : `cannot write ${this.deps.dbPath}`}: keeping new rows in memory (bounded), alerting and notifying from memory, retrying with backoff`);
    this.note(true);
  }

  /** The note beside the store; on a full disk this may fail too, and then the old time stays: the truth. */
  private note(force: boolean): void {
    const mono = this.deps.clock.monotonic();
    if (!force && mono - this.notedAt < NOTE_EVERY_MS) return;
    this.notedAt = mono;
    const doc: StoreWriteStatus = {
      ...(this.lastSuccessAt !== undefined ? { lastWriteAt: this.lastSuccessAt } : {}),
      ...(this.failing ? { failingSince: this.failingSince, error: this.lastError } : {}),
      pid: process.pid,
    };
    const path = join(this.deps.stateDir, STORE_WRITE_FILE);
    const text = Buffer.from(`${JSON.stringify(doc).padEnd(NOTE_BYTES - 1)}\n`, 'utf8');
    try {
      writeFileAtomic(path, text, { mode: 0o600 });
    } catch (err) {
      if (isDiskFull(err)) overwriteInPlace(path, text);
      // Otherwise said already (this episode's log line); /metrics still has the time from memory.
    }
  }
}

/**
 * A full disk has no block for the atomic write's temp file, but the note's own block is allocated: write
 * over it (same length, one write). When even that fails, the old time stays, and it is the truth.
 */
function overwriteInPlace(path: string, text: Buffer): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
    writeSync(fd, text, 0, text.length, 0);
    fsyncSync(fd);
  } catch {
    /* the note keeps its old content */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
