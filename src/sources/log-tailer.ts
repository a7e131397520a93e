/**
 * Incremental reads of a log file that is truncated and replaced under us (faults D8). The upstream hub
 * truncates the shared log at every start — a second hub that fails with EADDRINUSE wipes the live hub's
 * file, which then keeps appending to it (docs/hub-api.md §5) — and an operator may `mv` it away. Each read
 * checks, before trusting the remembered offset, that it is still the same file with the same bytes:
 *
 * - device/inode changed → `replaced`;
 * - size below our offset → `truncated`;
 * - the first line changed (hash) → `replaced`;
 * - the bytes just before our offset changed → `truncated` (truncated, then regrown past our offset).
 *
 * On any of these it reads from 0. A read goes no further than the size just checked, and the same checks
 * run again after it: a file truncated and rewritten *while* we read could hand us bytes of two versions,
 * so such a read is thrown away and the new version read from 0 (the unread end of the old one is gone
 * anyway). What stays undetectable: a rewrite byte-identical up to our offset (a restart writing the same
 * start-up lines); those lines then look already read, so we under-count, never double-count.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { LogEntry } from './log-classify.js';
import { LogFileError, openLogFile, readFrom, readRange } from './log-file.js';
import { EntryCounter, emptyStats, type LogStats } from './log-stats.js';

/** What happened to the file since the previous read. */
export type LogReset = 'none' | 'truncated' | 'replaced' | 'missing';

/** One incremental read: the new entries (newest `maxEntries`), their stats, and whether the file was reset. */
export interface LogRead {
  entries: LogEntry[];
  /** Counts for the lines of this read only. */
  stats: LogStats;
  reset: LogReset;
}

/** Tailer options: entries kept per read, the line cap, the clock, a stop signal. */
export interface LogTailerOptions {
  /** Entries returned per read, newest kept (default 1000); stats still count every line. */
  maxEntries?: number;
  maxLineBytes?: number;
  now?: () => number;
  signal?: AbortSignal;
}

/** The first line is hashed up to this many bytes. */
const HEAD_MAX_BYTES = 4096;
/** Bytes kept from just before the offset, compared on the next read. */
const TAIL_BYTES = 256;

interface Position {
  dev: number;
  ino: number;
  offset: number;
  /** The first line (with its `\n`), or the file's first bytes while it has no `\n` yet. */
  head: Buffer;
  headDone: boolean;
  headHash: string;
  tail: Buffer;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Attempts per read when the file keeps changing under us. */
const MAX_ATTEMPTS = 3;

/** Reads a log file incrementally; see the module comment for how truncation and replacement are told apart. */
export class LogTailer {
  readonly path: string;
  private readonly opts: LogTailerOptions;
  private readonly maxEntries: number;
  private pos: Position | undefined;
  private counter: EntryCounter | undefined;
  /** A reset seen while we had no position (the file went missing, or would not hold still): report it next. */
  private pendingReset: LogReset | undefined;

  constructor(path: string, opts: LogTailerOptions = {}) {
    this.path = path;
    this.opts = opts;
    this.maxEntries = Math.max(0, Math.floor(opts.maxEntries ?? 1000));
  }

  /**
   * Reads what was appended since the last read. A missing file gives reset `missing` (no throw); a symlink
   * or a non-regular file throws a LogFileError.
   */
  async read(): Promise<LogRead> {
    let opened;
    try {
      opened = await openLogFile(this.path);
    } catch (err) {
      if (!(err instanceof LogFileError) || err.code !== 'missing') throw err;
      this.forget('replaced');
      return { entries: [], stats: emptyStats(), reset: 'missing' };
    }
    const { fh } = opened;
    try {
      let stat = opened.stat;
      let forced: LogReset | undefined;
      for (let attempt = 1; ; attempt++) {
        const reset = forced ?? (await this.check(fh, stat.dev, stat.ino, stat.size));
        const result = await this.readOnce(fh, stat.dev, stat.ino, stat.size, reset);
        // Truncated and rewritten while we read, the bytes we counted may mix two versions of the file:
        // throw this read away and read the new version from 0, rather than count a line twice.
        stat = await fh.stat();
        const changed = await this.check(fh, stat.dev, stat.ino, stat.size);
        if (changed === 'none') {
          this.pendingReset = undefined;
          return result;
        }
        forced = changed;
        if (attempt === MAX_ATTEMPTS) {
          this.forget(changed);
          return { entries: [], stats: emptyStats(), reset: changed };
        }
      }
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /** Reads [offset, size) — never past the size just checked, so nothing unchecked is counted. */
  private async readOnce(fh: FileHandle, dev: number, ino: number, size: number, reset: LogReset): Promise<LogRead> {
    if (reset !== 'none' || this.pos === undefined || this.counter === undefined) {
      this.pos = { dev, ino, offset: 0, head: Buffer.alloc(0), headDone: false, headHash: '', tail: Buffer.alloc(0) };
      this.counter = new EntryCounter(emptyStats(), this.opts);
    }
    const p = this.pos;
    const counter = this.counter;
    const stats = emptyStats();
    let entries: LogEntry[] = [];
    const max = this.maxEntries;
    counter.stats = stats;
    counter.onEntry = (e) => {
      if (max === 0) return;
      entries.push(e);
      // Drop the oldest in batches: amortised O(1) per entry, at most 2 × maxEntries held.
      if (entries.length >= 2 * max) entries = entries.slice(-max);
    };
    p.offset = await readFrom(fh, p.offset, (chunk, at) => {
      counter.push(chunk);
      remember(p, chunk, at);
    }, this.opts.signal, size);
    if (!p.headDone || p.headHash === '') p.headHash = sha256(p.head);
    return { entries: entries.length > max ? entries.slice(-max) : entries, stats, reset };
  }

  /** Drops the position: the next read starts from 0 and reports `reset`. */
  private forget(reset: LogReset): void {
    this.pos = undefined;
    this.counter = undefined;
    this.pendingReset = reset;
  }

  private async check(fh: FileHandle, dev: number, ino: number, size: number): Promise<LogReset> {
    const p = this.pos;
    if (p === undefined) return this.pendingReset ?? 'none';
    if (p.dev !== dev || p.ino !== ino) return 'replaced';
    if (size < p.offset) return 'truncated';
    if (p.head.length > 0 && sha256(await readRange(fh, 0, p.head.length)) !== p.headHash) return 'replaced';
    const tailAt = p.offset - p.tail.length;
    if (p.tail.length > 0 && !(await readRange(fh, tailAt, p.tail.length)).equals(p.tail)) return 'truncated';
    return 'none';
  }
}

/** Updates the head and tail fingerprints with a chunk read at file offset `at` (the chunk buffer is reused: copy). */
function remember(p: Position, chunk: Buffer, at: number): void {
  if (!p.headDone && at < HEAD_MAX_BYTES) {
    const room = HEAD_MAX_BYTES - p.head.length;
    const nl = chunk.indexOf(10);
    const take = Math.min(room, nl === -1 ? chunk.length : nl + 1);
    p.head = Buffer.concat([p.head, chunk.subarray(0, take)]);
    p.headDone = nl !== -1 && nl < room ? true : p.head.length >= HEAD_MAX_BYTES;
    if (p.headDone) p.headHash = sha256(p.head);
  }
  p.tail = chunk.length >= TAIL_BYTES
    ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES))
    : Buffer.concat([p.tail, chunk]).subarray(-TAIL_BYTES);
}
