/**
 * The hub log reader: the one entry point for scanning a log file (from an offset, to continue a read) or
 * reading a command's output (journalctl, docker logs). The parts live beside it: `log-split` (bytes →
 * capped lines), `log-classify` with `log-patterns` and `log-time` (a line → an entry), `log-stats`
 * (counting), `log-scan` (a stream), `log-file` (opening safely), `log-command` (a command's stdout).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { openLogFile, readFrom } from './log-file.js';
import type { ScanOptions } from './log-scan.js';
import { EntryCounter, emptyStats, type LogStats } from './log-stats.js';

export { classifyLine, MAX_MESSAGE_CHARS } from './log-classify.js';
export type { LogEntry, LogEventKind, LogFormat, LogLevel } from './log-classify.js';
export { runLogCommand, type LogCommandResult, type LogCommandOptions } from './log-command.js';
export { LogFileError, type LogFileErrorCode } from './log-file.js';
export { scanStream, type ScanOptions } from './log-scan.js';
export { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './log-split.js';
export { emptyStats, MAX_STAT_KEYS, OTHER_KEY, type LogStats } from './log-stats.js';

/** A file scan's stats, plus where it stopped and which file it read. */
export interface FileScan extends LogStats {
  /** The offset after the last byte read: pass it as `fromOffset` to continue. */
  endOffset: number;
  inode: number;
  /** The file's size when it was opened (it may have grown while we read). */
  size: number;
}

/**
 * Scans a log file from `fromOffset` (default 0) to its end. The file is opened with O_NOFOLLOW: a symlink
 * is refused with a LogFileError, as are a missing file and anything but a regular file. An offset past the
 * end reads nothing.
 */
export async function scanFile(path: string, opts: ScanOptions & { fromOffset?: number } = {}): Promise<FileScan> {
  const { fh, stat } = await openLogFile(path);
  try {
    const stats = emptyStats();
    const counter = new EntryCounter(stats, opts);
    const from = Math.max(0, Math.floor(opts.fromOffset ?? 0) || 0);
    const endOffset = await readFrom(fh, from, (chunk) => counter.push(chunk), opts.signal);
    counter.end();
    return { ...stats, endOffset, inode: stat.ino, size: stat.size };
  } finally {
    await fh.close().catch(() => {});
  }
}

type Env = Record<string, string | undefined>;

/**
 * Where the hub writes `mcp-hub.log`, in the hub's own order of preference (docs/hub-api.md §5): the legacy
 * `~/.mcp-hub/logs/` when that directory exists, else `$XDG_STATE_HOME/mcp-hub/logs/` (default
 * `~/.local/state`). Both are returned, because the monitor may see a different layout than the hub did.
 */
export function hubLogFileCandidates(env: Env = process.env): string[] {
  const home = env.HOME || homedir();
  const legacyDir = join(home, '.mcp-hub', 'logs');
  const legacy = join(legacyDir, 'mcp-hub.log');
  const xdg = join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'mcp-hub', 'logs', 'mcp-hub.log');
  // The hub tests the logs subdirectory itself, not ~/.mcp-hub: the check is per subdirectory.
  return existsSync(legacyDir) ? [legacy, xdg] : [xdg, legacy];
}
