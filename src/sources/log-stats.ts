/**
 * Counters over a run of log lines, and the one place a decoded line becomes an entry and is counted, so
 * scanning a file, a stream, a command or a tail all count the same way.
 */
import { classifyLine, classifyLineForStats, type LogEntry, type LogEventKind, type LogLevel } from './log-classify.js';
import { LineSplitter, type LineSink } from './log-split.js';

/** What a scan saw. Maps hold at most MAX_STAT_KEYS keys each; the rest is counted under OTHER_KEY. */
export interface LogStats {
  /** Bytes consumed, newlines included. */
  bytes: number;
  /** Lines ended by `\n`, plus a last line without one; blank lines included. */
  lines: number;
  /** Non-blank lines: each gave one LogEntry. */
  entries: number;
  /** Entries that start with `{` but are not JSON we accept (also counted in `entries`). */
  malformed: number;
  /** Lines longer than the line cap, cut to it (faults D7's `log_line_truncated`). */
  truncatedLines: number;
  byLevel: Record<LogLevel, number>;
  byCode: Map<string, number>;
  byServer: Map<string, number>;
  byKind: Map<LogEventKind, number>;
}

/** Distinct keys kept per stats map: server names and codes are hub data, and 10,000 random names must not grow us without bound (faults D5). */
export const MAX_STAT_KEYS = 1000;
/** The key that counts everything past MAX_STAT_KEYS. */
export const OTHER_KEY = '__other__';

/** All-zero stats. */
export function emptyStats(): LogStats {
  return {
    bytes: 0,
    lines: 0,
    entries: 0,
    malformed: 0,
    truncatedLines: 0,
    byLevel: { debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unknown: 0 },
    byCode: new Map(),
    byServer: new Map(),
    byKind: new Map(),
  };
}

function bump<K extends string>(map: Map<K, number>, key: K): void {
  const n = map.get(key);
  if (n !== undefined) map.set(key, n + 1);
  else if (map.size < MAX_STAT_KEYS) map.set(key, 1);
  else map.set(OTHER_KEY as K, (map.get(OTHER_KEY as K) ?? 0) + 1);
}

/** Adds one entry to the stats. */
export function countEntry(stats: LogStats, e: LogEntry): void {
  stats.entries++;
  if (e.malformed) stats.malformed++;
  stats.byLevel[e.level]++;
  if (e.code !== undefined) bump(stats.byCode, e.code);
  if (e.server !== undefined) bump(stats.byServer, e.server);
  bump(stats.byKind, e.kind);
}

/** Where decoded entries go, and the clock that stamps `readAtMs`. */
export interface EntrySinkOptions {
  maxLineBytes?: number;
  onEntry?: (e: LogEntry) => void;
  now?: () => number;
}

/**
 * A splitter wired to classify and count every line into `stats`. Feed it with `push(chunk)`; `readAtMs`
 * is taken once per chunk, since every line of a chunk was read at the same moment.
 */
export class EntryCounter {
  /** Where counts go; a tailer swaps in fresh stats for each read while the splitter keeps a partial line. */
  stats: LogStats;
  onEntry: ((e: LogEntry) => void) | undefined;
  private readonly splitter: LineSplitter;
  private readonly now: () => number;
  private readAtMs = 0;

  constructor(stats: LogStats, opts: EntrySinkOptions) {
    this.stats = stats;
    this.now = opts.now ?? Date.now;
    this.onEntry = opts.onEntry;
    const sink: LineSink = (buf, start, end) => {
      const st = this.stats;
      st.lines++;
      // UTF-8 decoding replaces invalid sequences (and CESU surrogates) with U+FFFD and never throws (faults
      // D9). The encoding is left undefined (it defaults to UTF-8) because then Buffer#toString skips its
      // encoding lookup, which cost more than the decoding itself.
      const text = buf.toString(undefined, start, end);
      const onEntry = this.onEntry;
      // With nobody to see the entries, only what the counts need is worked out.
      const e = onEntry ? classifyLine(text, this.readAtMs) : classifyLineForStats(text);
      if (e === undefined) return;
      countEntry(st, e);
      onEntry?.(e);
    };
    this.splitter = new LineSplitter(sink, opts.maxLineBytes);
  }

  /** Counts the complete lines in `chunk`; a trailing partial line waits for the next chunk. */
  push(chunk: Buffer): void {
    this.stats.bytes += chunk.length;
    this.readAtMs = this.now();
    const before = this.splitter.truncatedLines;
    this.splitter.push(chunk);
    this.stats.truncatedLines += this.splitter.truncatedLines - before;
  }

  /** Counts a last line without `\n`. */
  end(): void {
    const before = this.splitter.truncatedLines;
    this.splitter.end();
    this.stats.truncatedLines += this.splitter.truncatedLines - before;
  }

  /** True while bytes after the last `\n` are pending. */
  get hasPartial(): boolean {
    return this.splitter.hasPartial;
  }
}
