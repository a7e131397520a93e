/**
 * Logs that live behind a command — `journalctl -u mcp-hub -o cat --since -5min`, `docker logs hub` — read
 * for a bounded time. The command runs as `sh -c` in its own process group, so the deadline kills it and
 * whatever it started (`journalctl -f` never exits by itself). Failures come back as an `error` string with
 * the stats read so far; nothing throws.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { LogEntry } from './log-classify.js';
import { scanStream } from './log-scan.js';
import { emptyStats, type LogStats } from './log-stats.js';

/** How long to read and what to do with each entry. */
export interface LogCommandOptions {
  /** Read for at most this long, then kill the command's process group. */
  durationMs: number;
  onEntry?: (e: LogEntry) => void;
  maxLineBytes?: number;
  now?: () => number;
}

/** The stats of the command's stdout, its exit code (null when killed by a signal), and what went wrong. */
export interface LogCommandResult extends LogStats {
  exitCode: number | null;
  /** Set when the command could not run or failed; not set when only our deadline stopped it. */
  error?: string;
}

/** Grace between SIGTERM and SIGKILL at the deadline. */
const KILL_GRACE_MS = 1000;
/** Bytes of stderr kept for the error message. */
const STDERR_KEEP_BYTES = 4096;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // negative pid: the whole group started by `detached: true`
  } catch {
    // ESRCH: the group is already gone.
  }
}

function describe(command: string, code: number | null, signal: string | null, stderr: string): string | undefined {
  const why = stderr.trim().split('\n')[0]?.slice(0, 500) ?? '';
  const tail = why ? `: ${why}` : '';
  if (code === 127) return `\`${command}\`: command not found (sh exit 127)${tail}`;
  if (code === 126) return `\`${command}\`: command not executable (sh exit 126)${tail}`;
  if (code !== null && code !== 0) return `\`${command}\` exited with code ${code}${tail}`;
  if (signal !== null) return `\`${command}\` was killed by ${signal}${tail}`;
  return undefined;
}

/**
 * Runs `sh -c command`, scans its stdout as a log for at most `durationMs`, then kills its process group.
 * Resolves with the stats, the exit code and an `error` string when the command could not run or failed.
 */
export async function runLogCommand(command: string, opts: LogCommandOptions): Promise<LogCommandResult> {
  let child: ChildProcess;
  try {
    child = spawn('sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return { ...emptyStats(), exitCode: null, error: `cannot start sh -c \`${command}\`: ${(err as Error).message}` };
  }
  let deadlineHit = false;
  let exitedFirst = false;
  const exited = new Promise<{ code: number | null; signal: string | null; spawnError?: Error }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFirst = !deadlineHit;
      resolve({ code, signal });
    });
    child.once('error', (spawnError) => resolve({ code: null, signal: null, spawnError }));
  });

  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    if (stderr.length < STDERR_KEEP_BYTES) stderr += b.toString('utf8', 0, STDERR_KEEP_BYTES - stderr.length);
  });

  const stop = new AbortController();
  let killTimer: NodeJS.Timeout | undefined;
  const deadline = setTimeout(() => {
    deadlineHit = true;
    killGroup(child, 'SIGTERM');
    stop.abort();
    killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS);
  }, Math.max(0, opts.durationMs));

  try {
    const stats = child.stdout
      ? await scanStream(child.stdout, { onEntry: opts.onEntry, maxLineBytes: opts.maxLineBytes, now: opts.now, signal: stop.signal })
      : emptyStats();
    const { code, signal, spawnError } = await exited;
    if (spawnError) return { ...stats, exitCode: null, error: `cannot start sh -c \`${command}\`: ${spawnError.message}` };
    // Stopped by our deadline is the normal end of `journalctl -f`; only an exit of its own can be a failure.
    const error = exitedFirst ? describe(command, code, signal, stderr) : undefined;
    return error === undefined ? { ...stats, exitCode: code } : { ...stats, exitCode: code, error };
  } catch (err) {
    return { ...emptyStats(), exitCode: null, error: `reading \`${command}\` failed: ${(err as Error).message}` };
  } finally {
    clearTimeout(deadline);
    clearTimeout(killTimer);
    // Whatever the command left running in its group (a backgrounded tail) goes with it.
    killGroup(child, 'SIGTERM');
  }
}
